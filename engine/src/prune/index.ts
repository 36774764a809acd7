// Library entry for pruning: plan, rebuild and describe the result. No file or CLI concerns
// here, so tests and the CLI task call the same function.
import * as tf from '@tensorflow/tfjs';
import { buildGraph } from './graph';
import { DEFAULT_PRUNE_OPTIONS, PruneOptions, planPruning } from './plan';
import { rebuildPruned } from './rebuild';
import { modelWeights, readToHost } from '../backend/read';

export { DEFAULT_PRUNE_OPTIONS, PruneOptions } from './plan';
export { UnsupportedModelError } from './graph';

export interface LayerReport {
  name: string;
  class_name: string;
  kept: number;
  total: number;
  params_before: number;
  params_after: number;
}

export interface PruneReport {
  params_before: number;
  params_after: number;
  params_ratio: number;
  /** Bytes of float32 weight data (what weights.bin holds). */
  size_bytes_before: number;
  size_bytes_after: number;
  layers: LayerReport[];
  /** The model's output layers, in output order; their output channels are never pruned. */
  output_layers: string[];
  equalization_groups: { layers: string[]; kept: number; total: number; fixed: string | null }[];
  options: {
    pruning_threshold: number;
    normalizer: string;
    equalization_criterion: string;
    pruning_granularity: number;
    min_num_filters: number;
    excluded_layers: string[];
    kept_whole: string[];
  };
}

export interface PruneResult {
  model: tf.LayersModel;
  report: PruneReport;
}

const PRODUCERS = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense']);

export async function pruneModel(model: tf.LayersModel, options: Partial<PruneOptions> = {}): Promise<PruneResult> {
  const opts: PruneOptions = { ...DEFAULT_PRUNE_OPTIONS, ...options };
  const graph = buildGraph(model);
  // Filter scores read the kernels synchronously; bring them to the host first (GPU backends).
  await readToHost(modelWeights(model));
  const plan = planPruning(graph, opts);
  const pruned = await rebuildPruned(model, graph, plan);

  const layers: LayerReport[] = [];
  for (const g of graph.layers) {
    if (!PRODUCERS.has(g.className)) continue;
    const p = plan.layers.get(g.name)!;
    layers.push({
      name: g.name,
      class_name: g.className,
      kept: p.outKeep ? p.outKeep.length : p.totalOut,
      total: p.totalOut,
      params_before: g.layer.countParams(),
      params_after: pruned.getLayer(g.name).countParams(),
    });
  }
  const before = model.countParams();
  const after = pruned.countParams();
  const report: PruneReport = {
    params_before: before,
    params_after: after,
    params_ratio: before > 0 ? after / before : 1,
    size_bytes_before: before * 4,
    size_bytes_after: after * 4,
    layers,
    output_layers: graph.outputNames,
    equalization_groups: plan.groups
      .filter((g) => g.layers.length > 1)
      .map((g) => ({ layers: g.layers, kept: g.kept, total: g.total, fixed: g.fixed })),
    options: {
      pruning_threshold: opts.threshold,
      normalizer: opts.normalizer,
      equalization_criterion: opts.equalization,
      pruning_granularity: opts.granularity,
      min_num_filters: opts.minFilters,
      excluded_layers: opts.excludedLayers,
      kept_whole: opts.keepWhole ?? [],
    },
  };
  return { model: pruned, report };
}

/** Plain-text version of the report for people reading the output folder. */
export function formatPruneReport(r: PruneReport): string {
  const kb = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;
  const lines = [
    'Pruning report',
    `options: threshold ${r.options.pruning_threshold}, normalizer ${r.options.normalizer}, ` +
      `equalization ${r.options.equalization_criterion}, granularity ${r.options.pruning_granularity}, ` +
      `min filters ${r.options.min_num_filters}, excluded [${r.options.excluded_layers.join(', ')}]`,
    `parameters: ${r.params_before} -> ${r.params_after} (${(100 * r.params_ratio).toFixed(1)}% kept)`,
    `weight size: ${kb(r.size_bytes_before)} -> ${kb(r.size_bytes_after)}`,
    `outputs (output channels never pruned): ${r.output_layers.join(', ')}`,
    '',
    'layer'.padEnd(32) + 'class'.padEnd(18) + 'kept/total',
  ];
  for (const l of r.layers) lines.push(l.name.padEnd(32) + l.class_name.padEnd(18) + `${l.kept}/${l.total}`);
  if (r.equalization_groups.length > 0) {
    lines.push('', 'equalization groups (layers that keep the same channels):');
    for (const g of r.equalization_groups) {
      lines.push(`  ${g.kept}/${g.total}: ${g.layers.join(', ')}${g.fixed ? `  [kept whole: ${g.fixed}]` : ''}`);
    }
  }
  return lines.join('\n') + '\n';
}
