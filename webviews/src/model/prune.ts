// Normalizes a prune report (prune_report.json from our engine) for the pruning panel.
// Layer lists are accepted in a few shapes since the report format may still grow.

export interface PrunedLayer {
  name: string;
  kept: number;
  total: number;
}

export interface PruneData {
  layers: PrunedLayer[];
  paramsBefore: number | undefined;
  paramsAfter: number | undefined;
  sizeBefore: number | undefined;
  sizeAfter: number | undefined;
  accuracyBefore: number | undefined;
  accuracyAfter: number | undefined;
  accuracyAfterRetrain: number | undefined;
  threshold: number | undefined;
  normalizer: string | undefined;
  equalization: string | undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function first(o: Obj, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const n = num(o[k]);
    if (n !== undefined) return n;
  }
  return undefined;
}

function layerOf(name: string, v: unknown): PrunedLayer | undefined {
  if (!isObj(v)) return undefined;
  const kept = first(v, 'kept', 'filters_after', 'kept_filters', 'after', 'out_channels_after');
  const total = first(v, 'total', 'filters_before', 'total_filters', 'before', 'out_channels_before');
  if (kept === undefined || total === undefined) return undefined;
  const n = typeof v.name === 'string' ? v.name : typeof v.layer === 'string' ? v.layer : name;
  return { name: n, kept, total };
}

export function normalizePrune(report: unknown): PruneData | undefined {
  if (!isObj(report)) return undefined;
  const rawLayers = report.layers ?? report.per_layer ?? report.pruned_layers;
  const layers: PrunedLayer[] = [];
  if (Array.isArray(rawLayers)) rawLayers.forEach((v, i) => { const l = layerOf(`layer_${i}`, v); if (l) layers.push(l); });
  else if (isObj(rawLayers)) for (const [k, v] of Object.entries(rawLayers)) { const l = layerOf(k, v); if (l) layers.push(l); }
  const paramsBefore = first(report, 'params_before', 'parameters_before');
  const paramsAfter = first(report, 'params_after', 'parameters_after');
  if (layers.length === 0 && paramsBefore === undefined) return undefined;
  const acc = isObj(report.accuracy) ? report.accuracy : {};
  const opts = isObj(report.options) ? report.options : {};
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return {
    layers,
    paramsBefore,
    paramsAfter,
    sizeBefore: first(report, 'size_before', 'bytes_before', 'size_bytes_before'),
    sizeAfter: first(report, 'size_after', 'bytes_after', 'size_bytes_after'),
    accuracyBefore: first(report, 'accuracy_before') ?? num(acc.before),
    accuracyAfter: first(report, 'accuracy_after') ?? num(acc.after),
    accuracyAfterRetrain: first(report, 'accuracy_after_retrain', 'accuracy_retrained') ?? num(acc.after_retrain ?? acc.retrained),
    // Our engine keeps the pruning options in an `options` object.
    threshold: first(report, 'threshold', 'pruning_threshold', 'pth') ?? first(opts, 'pruning_threshold', 'threshold'),
    normalizer: str(report.normalizer ?? opts.normalizer),
    equalization: str(report.equalization_criterion ?? report.equalization ?? opts.equalization_criterion),
  };
}

/** 1234567 -> "1.23 M"; bytes use binary units. */
export function formatCount(n: number | undefined): string {
  if (n === undefined) return '—';
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (Math.abs(n) >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}
