// Detection numbers (mAP and AP per class) for the evaluation, training and runs panels,
// normalized from the two writers we read:
//  - our engine: status.json `kpi: {"mAP": 0.61, "AP_car": 0.7}` (fractions) on the epoch
//    record that validated, and evaluation.json with per-class precision/recall/PR curves;
//  - NVIDIA's TAO containers (detectnet_v2): the validation hook writes a record *without* an
//    `epoch` ("Evaluation metrics generated.") with `kpi: {"mean average precision": 61.2,
//    "validation cost": ...}` and `categorical: {"average_precision": {"car": 70.1}}`, both in
//    percent. TAO's status logger is sticky (kpi/categorical stay set until replaced), so the
//    next epoch records repeat the last validation's numbers; those copies are ignored here.
// Everything comes out as fractions in [0, 1]. Pure functions: no DOM, no Node.

import type { StatusRecord } from './status';

export interface PrPoint {
  recall: number;
  precision: number;
}

export interface DetectionClass {
  name: string;
  ap: number;
  precision: number | undefined;
  recall: number | undefined;
  groundTruths: number | undefined;
  /** Along the ranked detections; empty when the writer did not record a curve. */
  prCurve: PrPoint[];
}

export interface DetectionEvaluation {
  mAP: number;
  classes: DetectionClass[];
  images: number | undefined;
  model: string | undefined;
  dataset: string | undefined;
  /** SAMPLE (11-point) or INTEGRATE, when known. */
  apMode: string | undefined;
}

/** One validation's numbers. */
export interface DetectionKpi {
  mAP: number | undefined;
  ap: Record<string, number>;
}

export interface DetectionSeries {
  /** 1-based epochs that were validated. */
  x: number[];
  mAP: (number | null)[];
  /** class -> AP aligned with x. */
  ap: Record<string, (number | null)[]>;
  classes: string[];
  /** Highest mAP seen during training. */
  best: { epoch: number; mAP: number } | undefined;
  /** Numbers of a validation outside training (an evaluate task's status.json). */
  final: DetectionKpi | undefined;
  source: 'engine' | 'tao';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** TAO's spellings of mAP; the "(in %)" one is its TensorBoard tag, seen in exported logs. */
const TAO_MAP_KEYS = ['mean average precision', 'mean average precision (map) (in %)', 'mean_average_precision'];
const ENGINE_MAP_KEYS = ['map', 'mean_ap', 'mean_average_precision_fraction'];

/**
 * The detection numbers of one status record, or undefined when it has none. `percent` keys
 * are TAO's (always percent); bare `mAP`/`AP_x` values above 1 are read as percent too,
 * since a precision can never exceed 1.
 */
export function readDetectionKpi(kpi: unknown, categorical?: unknown): { kpi: DetectionKpi; source: 'engine' | 'tao' } | undefined {
  if (!isObj(kpi)) return undefined;
  const lower = new Map(Object.entries(kpi).map(([k, v]) => [k.trim().toLowerCase(), v]));
  let source: 'engine' | 'tao' | undefined;
  let mAP: number | undefined;
  for (const k of TAO_MAP_KEYS) {
    const v = num(lower.get(k));
    if (v !== undefined) { mAP = v / 100; source = 'tao'; break; }
  }
  if (mAP === undefined) {
    for (const k of ENGINE_MAP_KEYS) {
      const v = num(lower.get(k));
      if (v !== undefined) { mAP = v; source = 'engine'; break; }
    }
  }
  const ap: Record<string, number> = {};
  // Per class: the engine's `AP_<class>` keys, TAO's `<class>_AP (in %)` tags.
  let anyAbove1 = mAP !== undefined && source === 'engine' && mAP > 1;
  const engineAp: Record<string, number> = {};
  for (const [key, value] of Object.entries(kpi)) {
    const v = num(value);
    if (v === undefined) continue;
    const engine = /^AP_(.+)$/i.exec(key);
    if (engine) { engineAp[engine[1]] = v; if (v > 1) anyAbove1 = true; continue; }
    const tag = /^(.+)_AP \(in %\)$/i.exec(key);
    if (tag) { ap[tag[1]] = v / 100; source ??= 'tao'; }
  }
  if (Object.keys(engineAp).length > 0) source ??= 'engine';
  for (const [c, v] of Object.entries(engineAp)) ap[c] = anyAbove1 ? v / 100 : v;
  if (mAP !== undefined && source === 'engine' && anyAbove1) mAP /= 100;
  // TAO's per-class AP lives in categorical.average_precision, percent.
  const cat = isObj(categorical) ? categorical.average_precision ?? categorical['average precision'] : undefined;
  if (isObj(cat) && source !== 'engine') {
    for (const [c, v] of Object.entries(cat)) {
      const n = num(v);
      if (n !== undefined) { ap[c] = n / 100; source = 'tao'; }
    }
  }
  if (mAP === undefined && Object.keys(ap).length === 0) return undefined;
  return { kpi: { mAP, ap }, source: source ?? 'engine' };
}

/** Names of epoch metrics a detection section already shows (so generic charts can skip them). */
export function isDetectionMetric(name: string): boolean {
  const k = name.trim().toLowerCase();
  return ENGINE_MAP_KEYS.includes(k) || TAO_MAP_KEYS.includes(k) || /^ap_/.test(k) || /_ap \(in %\)$/.test(k) || k === 'validation cost';
}

/** mAP and AP per class over training, from status.json records in file order. */
export function detectionSeries(records: readonly StatusRecord[]): DetectionSeries | undefined {
  const points = new Map<number, DetectionKpi>();
  let lastEpoch: number | undefined;
  let final: DetectionKpi | undefined;
  let source: 'engine' | 'tao' | undefined;
  for (const r of records) {
    const epoch = num(r.epoch) ?? num(r.cur_epoch);
    let read = readDetectionKpi(r.kpi, r.categorical);
    // TAO's categorical AP outlives its kpi (a later `kpi = {size, param_count}` leaves it
    // set): only a record that also carries the mAP is a validation.
    if (read?.source === 'tao' && read.kpi.mAP === undefined) read = undefined;
    if (read) source ??= read.source;
    if (epoch !== undefined) {
      // TAO's epoch records carry the previous validation's kpi again (sticky logger): skip.
      if (read && read.source === 'engine') points.set(epoch + 1, merge(points.get(epoch + 1), read.kpi));
      lastEpoch = epoch;
    } else if (read) {
      // A record without an epoch: TAO's validation hook (it ran after epoch lastEpoch+1,
      // counted from 1, ended) or, before any epoch, an evaluate task's result.
      if (lastEpoch === undefined) final = merge(final, read.kpi);
      else if (read.source === 'tao') points.set(lastEpoch + 1, merge(points.get(lastEpoch + 1), read.kpi));
      else final = merge(final, read.kpi);
    }
  }
  if (points.size === 0 && !final) return undefined;
  const x = [...points.keys()].sort((a, b) => a - b);
  const classes = [...new Set([...x.flatMap((e) => Object.keys(points.get(e)?.ap ?? {})), ...Object.keys(final?.ap ?? {})])];
  const ap: Record<string, (number | null)[]> = {};
  for (const c of classes) ap[c] = x.map((e) => points.get(e)?.ap[c] ?? null);
  const mAP = x.map((e) => points.get(e)?.mAP ?? meanOf(points.get(e)?.ap));
  let best: DetectionSeries['best'];
  x.forEach((e, i) => {
    const v = mAP[i];
    if (v !== null && v !== undefined && (!best || v > best.mAP)) best = { epoch: e, mAP: v };
  });
  return { x, mAP: mAP.map((v) => v ?? null), ap, classes, best, final, source: source ?? 'engine' };
}

function merge(a: DetectionKpi | undefined, b: DetectionKpi): DetectionKpi {
  return { mAP: b.mAP ?? a?.mAP, ap: { ...(a?.ap ?? {}), ...b.ap } };
}

function meanOf(ap: Record<string, number> | undefined): number | null {
  const vs = Object.values(ap ?? {});
  return vs.length ? vs.reduce((s, v) => s + v, 0) / vs.length : null;
}

/** The last validation's numbers: an evaluate record if there is one, else the last epoch's. */
export function latestKpi(series: DetectionSeries): DetectionKpi | undefined {
  if (series.final) return series.final;
  const i = series.x.length - 1;
  if (i < 0) return undefined;
  const ap: Record<string, number> = {};
  for (const c of series.classes) {
    const v = series.ap[c][i];
    if (v !== null) ap[c] = v;
  }
  return { mAP: series.mAP[i] ?? undefined, ap };
}

function prCurveOf(v: unknown): PrPoint[] {
  if (!Array.isArray(v)) return [];
  const out: PrPoint[] = [];
  for (const p of v) {
    // The engine writes [recall, precision] pairs; {recall, precision} objects are accepted too.
    const recall = Array.isArray(p) ? num(p[0]) : isObj(p) ? num(p.recall) : undefined;
    const precision = Array.isArray(p) ? num(p[1]) : isObj(p) ? num(p.precision) : undefined;
    if (recall !== undefined && precision !== undefined) out.push({ recall, precision });
  }
  return out;
}

/** A detection evaluation report (our evaluation.json), or undefined when it is not one. */
export function normalizeDetectionEvaluation(report: unknown): DetectionEvaluation | undefined {
  if (!isObj(report)) return undefined;
  const rawMap = num(report.mAP ?? report.map ?? report.mean_average_precision);
  const rows = report.per_class ?? report.perClass ?? report.classes;
  if (rawMap === undefined || !Array.isArray(rows)) return undefined;
  const classes: DetectionClass[] = [];
  for (const row of rows) {
    if (!isObj(row)) continue;
    const name = typeof row.class === 'string' ? row.class : typeof row.name === 'string' ? row.name : undefined;
    const ap = num(row.ap ?? row.AP ?? row.average_precision);
    if (name === undefined || ap === undefined) continue;
    classes.push({
      name,
      ap,
      precision: num(row.precision),
      recall: num(row.recall),
      groundTruths: num(row.num_ground_truth ?? row.ground_truths ?? row.num_gt),
      prCurve: prCurveOf(row.pr_curve ?? row.prCurve),
    });
  }
  // A classification report also has `classes`, as strings: it never gets here with rows.
  if (classes.length === 0) return undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return { mAP: rawMap, classes, images: num(report.images), model: str(report.model), dataset: str(report.dataset), apMode: str(report.average_precision_mode) };
}

/** An evaluation from status.json alone (TAO's evaluate prints its table and keeps only kpis). */
export function evaluationFromKpi(kpi: DetectionKpi): DetectionEvaluation {
  const classes = Object.entries(kpi.ap).map(([name, ap]) => ({ name, ap, precision: undefined, recall: undefined, groundTruths: undefined, prCurve: [] }));
  return { mAP: kpi.mAP ?? meanOf(kpi.ap) ?? 0, classes, images: undefined, model: undefined, dataset: undefined, apMode: undefined };
}

/**
 * PR curves of several classes on one recall axis, as a line chart needs them: the union of
 * recall values, and per class the highest precision reached at each recall (the top of each
 * saw tooth), null where the class has no point.
 */
export function alignPrCurves(classes: readonly DetectionClass[]): { x: number[]; ys: (number | null)[][] } {
  const round = (r: number): number => Math.round(r * 1e6) / 1e6;
  const perClass = classes.map((c) => {
    const m = new Map<number, number>();
    for (const p of c.prCurve) {
      const r = round(p.recall);
      m.set(r, Math.max(m.get(r) ?? -Infinity, p.precision));
    }
    return m;
  });
  const x = [...new Set(perClass.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  return { x, ys: perClass.map((m) => x.map((r) => m.get(r) ?? null)) };
}
