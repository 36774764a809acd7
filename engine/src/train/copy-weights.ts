// Starting a network from another model's weights, the way TAO loads pretrained files:
// layers are matched by name, and a layer is copied only when every weight has the same
// shape (a new head for other classes, or a pruned layer, keeps its fresh initialisation).
// The report says which layers were loaded and why the others were not.
import type * as tfTypes from '@tensorflow/tfjs';

export interface CopyReport {
  copied: string[];
  skipped: Array<{ name: string; why: string }>;
}

/** `keepFresh`: layers never copied (e.g. heads whose channels mean other classes). */
export function copyWeightsByName(target: tfTypes.LayersModel, source: tfTypes.LayersModel, keepFresh: ReadonlySet<string> = new Set()): CopyReport {
  const report: CopyReport = { copied: [], skipped: [] };
  const byName = new Map(source.layers.map((l) => [l.name, l]));
  for (const layer of target.layers) {
    if (layer.weights.length === 0) continue;
    if (keepFresh.has(layer.name)) continue;
    const src = byName.get(layer.name);
    if (!src) {
      report.skipped.push({ name: layer.name, why: 'not in the pretrained model' });
      continue;
    }
    const want = layer.weights.map((w) => w.shape.join('x'));
    const have = src.weights.map((w) => w.shape.join('x'));
    if (want.join('|') !== have.join('|')) {
      report.skipped.push({ name: layer.name, why: `shape ${have.join(', ') || 'none'} vs ${want.join(', ')}` });
      continue;
    }
    layer.setWeights(src.getWeights());
    report.copied.push(layer.name);
  }
  return report;
}
