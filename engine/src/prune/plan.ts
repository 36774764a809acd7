// Decides which output channels every layer keeps. Each producer of channels (conv, dense,
// separable pointwise, model input) owns a "channel space"; layers that must agree on their
// channels (element-wise merges, depthwise convs) join spaces with union-find, which yields
// TAO's equalization groups. Concatenate and Flatten are expressed as layouts over spaces so
// consumers can map a kept-channel set back to row indices of their kernels.
import { GraphLayer, LayerGraph, UnsupportedModelError, channelsOf, namedWeights } from './graph';
import { Equalization, KeepRule, Normalizer, equalize, keepCount, l2ScoresDepthwise, l2ScoresLastAxis, normalize, topIndices } from './scores';

export interface PruneOptions extends KeepRule {
  normalizer: Normalizer;
  equalization: Equalization;
  excludedLayers: string[];
  /**
   * Layers a network always keeps whole, whatever the user excludes (TAO's forced exclusions:
   * DetectNet_v2's per-class heads). Model outputs are kept whole in any case.
   */
  keepWhole?: string[];
}

export const DEFAULT_PRUNE_OPTIONS: PruneOptions = {
  threshold: 0.1,
  normalizer: 'max',
  equalization: 'union',
  granularity: 8,
  minFilters: 16,
  excludedLayers: [],
};

interface Segment {
  space: number;
  size: number;
}
/** Channel layout of a tensor: concatenated segments, repeated `spatial` times after a Flatten. */
interface Layout {
  segs: Segment[];
  spatial: number;
}

interface Scorer {
  layer: string;
  /** Raw (unnormalized) L2 scores over the space's channels. */
  scores: number[];
}

interface Space {
  size: number;
  owner: string;
  scorers: Scorer[];
  fixedReasons: string[];
}

export interface GroupPlan {
  layers: string[];
  total: number;
  kept: number;
  fixed: string | null;
  keep: number[];
}

export interface LayerPlan {
  name: string;
  className: string;
  /** Kept indices along the input's last axis (null = all kept). */
  inKeep: number[] | null;
  /** Kept indices along the output's last axis (null = all kept). */
  outKeep: number[] | null;
  /** For depthwise multiplier > 1 inside a SeparableConv2D: not used; kept for clarity of reports. */
  totalOut: number;
}

export interface PrunePlan {
  layers: Map<string, LayerPlan>;
  groups: GroupPlan[];
}

const PASS_THROUGH = new Set([
  'BatchNormalization', 'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'PReLU', 'ThresholdedReLU', 'Softmax',
  'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout',
  'MaxPooling2D', 'AveragePooling2D', 'MaxPooling1D', 'AveragePooling1D',
  'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D',
  'ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'ActivityRegularization', 'Masking',
]);
const ELEMENTWISE = new Set(['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum']);

export function planPruning(graph: LayerGraph, opts: PruneOptions): PrunePlan {
  const spaces: Space[] = [];
  const parent: number[] = [];
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const newSpace = (size: number, owner: string, fixed?: string): number => {
    spaces.push({ size, owner, scorers: [], fixedReasons: fixed ? [fixed] : [] });
    parent.push(spaces.length - 1);
    return spaces.length - 1;
  };
  const fix = (layout: Layout, reason: string): void => {
    for (const s of layout.segs) spaces[s.space].fixedReasons.push(reason);
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[rb] = ra;
  };

  for (const name of opts.excludedLayers) {
    if (!graph.byName.has(name)) throw new UnsupportedModelError(`excluded layer "${name}" is not in the model`);
  }
  for (const name of opts.keepWhole ?? []) {
    if (!graph.byName.has(name)) throw new UnsupportedModelError(`layer "${name}" (always kept whole) is not in the model`);
  }
  const excluded = new Set(opts.excludedLayers);
  const outputs = new Set(graph.outputNames);
  const whole = new Set(opts.keepWhole ?? []);
  const layouts = new Map<string, Layout>();
  const single = (size: number, owner: string, fixed?: string): Layout => ({
    segs: [{ space: newSpace(size, owner, fixed), size }],
    spatial: 1,
  });

  for (const g of graph.layers) {
    const ins = g.inputs.map((n) => layouts.get(n)!);
    let out: Layout;
    const cls = g.className;
    if (cls === 'InputLayer') {
      out = single(channelsOf(g), g.name, 'model input');
    } else if (cls === 'Conv2D' || cls === 'Dense' || cls === 'SeparableConv2D') {
      const w = namedWeights(g.layer);
      const kernel = w.get(cls === 'SeparableConv2D' ? 'pointwise_kernel' : 'kernel')!;
      const n = channelsOf(g);
      const scores = l2ScoresLastAxis(kernel.dataSync() as Float32Array, n);
      const reason = excluded.has(g.name) ? `${g.name} excluded (-el)` : undefined;
      out = single(n, g.name, reason);
      spaces[out.segs[0].space].scorers.push({ layer: g.name, scores });
      if (cls === 'SeparableConv2D' && Number(g.config.depth_multiplier ?? 1) !== 1) fix(ins[0], `${g.name} has depth_multiplier > 1`);
      if (ins[0].spatial > 1 && cls !== 'Dense') fix(ins[0], `${g.name} reads a flattened tensor`);
    } else if (cls === 'DepthwiseConv2D') {
      const mult = Number(g.config.depth_multiplier ?? 1);
      if (mult !== 1) {
        fix(ins[0], `${g.name} has depth_multiplier ${mult}`);
        out = single(channelsOf(g), g.name, `${g.name} has depth_multiplier ${mult}`);
      } else {
        // Depthwise output channels are its input channels: its scores join the producer's group.
        const kernel = namedWeights(g.layer).get('depthwise_kernel')!;
        const scores = l2ScoresDepthwise(kernel.dataSync() as Float32Array, channelsOf(g), 1);
        let offset = 0;
        for (const s of ins[0].segs) {
          spaces[s.space].scorers.push({ layer: g.name, scores: scores.slice(offset, offset + s.size) });
          offset += s.size;
        }
        if (excluded.has(g.name)) fix(ins[0], `${g.name} excluded (-el)`);
        out = ins[0];
      }
    } else if (PASS_THROUGH.has(cls)) {
      if (cls === 'PReLU' && !(Array.isArray(g.config.shared_axes) && (g.config.shared_axes as number[]).length > 0)) {
        fix(ins[0], `${g.name} (PReLU) has per-position weights`);
      }
      out = ins[0];
    } else if (ELEMENTWISE.has(cls)) {
      const first = ins[0];
      const sameShape = ins.every((l) => l.spatial === first.spatial && l.segs.length === first.segs.length && l.segs.every((s, i) => s.size === first.segs[i].size));
      if (!sameShape) {
        for (const l of ins) fix(l, `${g.name} merges differently laid out inputs`);
      } else {
        for (const l of ins.slice(1)) l.segs.forEach((s, i) => union(first.segs[i].space, s.space));
      }
      out = first;
    } else if (cls === 'Concatenate' && isLastAxis(g) && ins.every((l) => l.spatial === 1)) {
      out = { segs: ins.flatMap((l) => l.segs), spatial: 1 };
    } else if (cls === 'Split') {
      // TAO's pruner refuses a pruned layer before a Split (its makenet/YOLO prune scripts
      // force-exclude `<block>_conv_0`): the producer keeps every channel, so the half the
      // Split hands on is unchanged too.
      fix(ins[0], `${g.name} (Split) needs its input whole`);
      out = single(channelsOf(g), g.name, `${g.name} (Split) output`);
    } else if (cls === 'Flatten') {
      const inShape = graph.byName.get(g.inputs[0])!.outputShape;
      const positions = inShape.slice(1, -1).reduce<number>((a, d) => a * (d ?? NaN), 1);
      if (!Number.isFinite(positions)) {
        fix(ins[0], `${g.name} flattens an unknown spatial size`);
        out = single(channelsOf(g), g.name, 'after an unknown Flatten');
      } else {
        out = { segs: ins[0].segs, spatial: ins[0].spatial * positions };
      }
    } else if (cls === 'Reshape' && isChannelUnsqueeze(g, ins[0])) {
      // Squeeze-excitation's (1, 1, C) reshape of pooled channels: TAO's pruner lets a Reshape
      // with a free (-1) channel dimension follow pruned layers; the rebuild rewrites C.
      out = ins[0];
    } else {
      // Reshape, Permute and anything unknown: channels cannot be followed through it.
      for (const l of ins) fix(l, `${g.name} (${cls}) cannot follow pruned channels`);
      out = single(channelsOf(g), g.name, `${g.name} (${cls}) output`);
    }
    if (outputs.has(g.name)) fix(out, `${g.name} is a model output`);
    else if (whole.has(g.name)) fix(out, `${g.name} is always kept whole`);
    layouts.set(g.name, out);
  }

  // Choose one keep-set per equalization group.
  const members = new Map<number, number[]>();
  spaces.forEach((_, i) => {
    const r = find(i);
    if (!members.has(r)) members.set(r, []);
    members.get(r)!.push(i);
  });
  const keepOf = new Map<number, number[]>();
  const groups: GroupPlan[] = [];
  for (const [root, ids] of members) {
    const size = spaces[root].size;
    const scorers = ids.flatMap((i) => spaces[i].scorers);
    const reasons = ids.flatMap((i) => spaces[i].fixedReasons);
    if (ids.some((i) => spaces[i].size !== size)) reasons.push('channel counts differ inside the group');
    const all = Array.from({ length: size }, (_, i) => i);
    let keep = all;
    if (reasons.length === 0 && scorers.length > 0) {
      const combined = equalize(scorers.map((s) => normalize(s.scores, opts.normalizer)), opts.equalization);
      keep = topIndices(combined, keepCount(combined, opts));
    }
    keepOf.set(root, keep);
    const layerNames = [...new Set([...ids.map((i) => spaces[i].owner), ...scorers.map((s) => s.layer)])];
    if (scorers.length > 0) {
      groups.push({ layers: layerNames, total: size, kept: keep.length, fixed: reasons.length > 0 ? reasons[0] : null, keep });
    }
  }

  const keepIndices = (layout: Layout): number[] | null => {
    const channelKeep: number[] = [];
    let offset = 0;
    let pruned = false;
    for (const s of layout.segs) {
      const k = keepOf.get(find(s.space))!;
      if (k.length !== s.size) pruned = true;
      for (const i of k) channelKeep.push(offset + i);
      offset += s.size;
    }
    if (!pruned) return null;
    if (layout.spatial === 1) return channelKeep;
    const rows: number[] = [];
    for (let p = 0; p < layout.spatial; p++) for (const c of channelKeep) rows.push(p * offset + c);
    return rows;
  };

  const layers = new Map<string, LayerPlan>();
  for (const g of graph.layers) {
    layers.set(g.name, {
      name: g.name,
      className: g.className,
      inKeep: g.inputs.length > 0 ? keepIndices(layouts.get(g.inputs[0])!) : null,
      outKeep: keepIndices(layouts.get(g.name)!),
      totalOut: channelsOfSafe(g),
    });
  }
  return { layers, groups };
}

/** A Reshape of a [N, C] tensor to [N, 1, ..., 1, C] (or -1 for C): channels stay the last axis. */
function isChannelUnsqueeze(g: GraphLayer, input: Layout): boolean {
  const target = (g.config.target_shape as number[] | undefined)?.map(Number);
  if (!target || target.length === 0 || input.spatial !== 1) return false;
  const channels = input.segs.reduce((n, s) => n + s.size, 0);
  const last = target[target.length - 1];
  return target.slice(0, -1).every((d) => d === 1) && (last === -1 || last === channels);
}

function isLastAxis(g: GraphLayer): boolean {
  const axis = Number(g.config.axis ?? -1);
  return axis === -1 || axis === g.outputShape.length - 1;
}

function channelsOfSafe(g: GraphLayer): number {
  const c = g.outputShape[g.outputShape.length - 1];
  return typeof c === 'number' ? c : 0;
}
