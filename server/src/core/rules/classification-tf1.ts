// classification_tf1: checks TAO's classification spec loader and model builders make after
// parsing, which the schema cannot state.
import type { SpecDiagnostic } from '../tree';
import { diag, mapAt, numberAt, repeatedValues, scalarAt, textAt } from './helpers';
import type { RuleContext } from './types';
import { checkIncreasingFractions } from './schedule';

/** n_layers each family accepts; families not listed ignore n_layers. */
export const CLASSIFICATION_DEPTHS: Record<string, number[]> = {
  resnet: [10, 18, 34, 50, 101],
  vgg: [16, 19],
  darknet: [19, 53],
  cspdarknet: [19, 53],
};

/** Highest block index `freeze_blocks` may name, per architecture family. */
export const CLASSIFICATION_BLOCKS: Record<string, [number, number]> = {
  resnet: [0, 3],
  vgg: [1, 5],
  mobilenet_v1: [0, 13],
  mobilenet_v2: [0, 18],
  googlenet: [0, 7],
  darknet: [0, 5],
  cspdarknet: [0, 5],
  cspdarknet_tiny: [0, 5],
  efficientnet: [0, 7],
  squeezenet: [0, 9],
  alexnet: [0, 5],
};

export function archFamily(arch: string): string {
  return arch.startsWith('efficientnet') ? 'efficientnet' : arch;
}

/** Where each network keeps its backbone's arch and depth (DetectNet_v2 calls it num_layers). */
const DEPTH_KEYS: Record<string, { arch: string; depth: string; defaultArch: string }> = {
  classification_tf1: { arch: 'model_config.arch', depth: 'model_config.n_layers', defaultArch: 'resnet' },
  detectnet_v2: { arch: 'model_config.arch', depth: 'model_config.num_layers', defaultArch: 'resnet' },
};

/**
 * The depths the spec's arch comes in when `keyPath` is the network's depth key, so completion
 * offers only pairs that exist; `[]` when the arch has one fixed depth, undefined elsewhere.
 */
export function depthChoices(network: string | undefined, root: Parameters<typeof textAt>[0], keyPath: string): number[] | undefined {
  const keys = network ? DEPTH_KEYS[network] : undefined;
  if (!keys || keys.depth !== keyPath) return undefined;
  const arch = textAt(root, keys.arch)?.value ?? keys.defaultArch;
  return CLASSIFICATION_DEPTHS[archFamily(arch)] ?? [];
}

export function classificationTf1Rules(ctx: RuleContext): SpecDiagnostic[] {
  const root = ctx.spec.root;
  const out: SpecDiagnostic[] = [];

  const size = textAt(root, 'model_config.input_image_size');
  if (size) {
    const parts = size.value.split(',').map((p) => p.trim());
    const nums = parts.map(Number);
    if (parts.length !== 3 || nums.some((n) => !Number.isInteger(n))) {
      out.push(diag('error', 'image-size', size.node.span, `input_image_size must be "C,H,W" with three integers (e.g. "3,224,224"); got "${size.value}".`));
    } else {
      const [c, h, w] = nums;
      if (c !== 1 && c !== 3) out.push(diag('error', 'image-size', size.node.span, `input_image_size channels must be 1 (grayscale) or 3 (RGB); got ${c}.`));
      if (h < 16 || w < 16) out.push(diag('error', 'image-size', size.node.span, `input_image_size height and width must be at least 16 pixels; got ${h}x${w}.`));
    }
  }

  const arch = textAt(root, 'model_config.arch')?.value ?? 'resnet';
  const family = archFamily(arch);
  const nLayers = numberAt(root, 'model_config.n_layers');
  const depths = CLASSIFICATION_DEPTHS[family];
  if (nLayers && nLayers.value !== 0 && depths && !depths.includes(nLayers.value)) {
    out.push(diag('error', 'n-layers', nLayers.node.span, `n_layers ${nLayers.value} does not exist for arch "${arch}": use one of ${depths.join(', ')}.`));
  } else if (nLayers && nLayers.value !== 0 && !depths) {
    out.push(diag('hint', 'n-layers-ignored', nLayers.node.span, `arch "${arch}" has a fixed depth; n_layers is ignored.`));
  }

  const blocks = CLASSIFICATION_BLOCKS[family];
  if (blocks) {
    for (const node of repeatedValues(mapAt(root, 'model_config'), 'freeze_blocks')) {
      if (node.kind !== 'scalar' || typeof node.value !== 'number') continue;
      if (node.value < blocks[0] || node.value > blocks[1]) {
        out.push(diag('error', 'freeze-blocks', node.span, `freeze_blocks ${node.value} is outside arch "${arch}", whose blocks are ${blocks[0]} to ${blocks[1]}.`));
      }
    }
  }

  const mode = textAt(root, 'train_config.preprocess_mode');
  if (mode && !['tf', 'caffe', 'torch'].includes(mode.value)) {
    out.push(diag('warning', 'preprocess-mode', mode.node.span, `preprocess_mode "${mode.value}" is not tf, caffe or torch; TAO treats it as "caffe".`));
  }

  const soft = mapAt(root, 'train_config.lr_config.soft_anneal');
  if (soft) {
    out.push(...checkIncreasingFractions(repeatedValues(soft, 'annealing_points'), 'annealing_points'));
    const start = numberAt(soft, 'soft_start');
    const first = repeatedValues(soft, 'annealing_points')[0];
    if (start && first?.kind === 'scalar' && typeof first.value === 'number' && start.value >= first.value) {
      out.push(diag('error', 'lr-schedule', start.node.span, `soft_start (${start.value}) must come before the first annealing point (${first.value}).`));
    }
  }
  const cosine = mapAt(root, 'train_config.lr_config.cosine');
  const minRatio = cosine ? numberAt(cosine, 'min_lr_ratio') : undefined;
  if (minRatio && (minRatio.value < 0 || minRatio.value >= 1)) {
    out.push(diag('error', 'lr-schedule', minRatio.node.span, `min_lr_ratio is a fraction of the base learning rate: use a value in [0, 1); got ${minRatio.value}.`));
  }
  const step = mapAt(root, 'train_config.lr_config.step');
  const gamma = step ? numberAt(step, 'gamma') : undefined;
  if (gamma && (gamma.value <= 0 || gamma.value > 1)) {
    out.push(diag('warning', 'lr-schedule', gamma.node.span, `gamma multiplies the learning rate at each step; a value outside (0, 1] makes it grow or vanish (got ${gamma.value}).`));
  }

  const topK = numberAt(root, 'eval_config.top_k');
  if (topK && topK.value < 1) out.push(diag('error', 'top-k', topK.node.span, `top_k must be at least 1; got ${topK.value}.`));

  const regType = scalarAt(root, 'train_config.reg_config.type');
  const decay = numberAt(root, 'train_config.reg_config.weight_decay');
  if (decay && regType && regType.value !== 'None' && (decay.value <= 0 || decay.value >= 1)) {
    out.push(diag('warning', 'weight-decay', decay.node.span, `weight_decay ${decay.value} is outside (0, 1); typical values are 1e-5 to 1e-4.`));
  }
  return out;
}
