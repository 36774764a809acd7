// DetectNet_v2 detection metrics the way TAO's evaluation computes them
// (evaluation/compute_metrics.py: ComputeMetrics, called by evaluation/evaluation.py), so the
// numbers we print can be compared with TAO's:
//  - Per class, boxes (detections and ground truths alike) outside evaluation_box_config's
//    height/width limits are dropped before matching. There is no "don't care" region: a
//    detection that passes the limits but lands on a dropped ground truth is a false positive.
//  - Kept boxes are rounded to whole pixels (Python's round: halves go to the even neighbour)
//    and compared with IoU that counts border pixels (width = x2 - x1 + 1).
//  - Detections of a class, across all frames, are ranked by confidence; each one takes the
//    ground truth of its frame it overlaps most. Below the class's IoU threshold, or if that
//    ground truth is already taken, it is a false positive (no fallback to the next best).
//  - AP is computed from the cumulative precision / recall with TAO's formulas (see below),
//    and mAP is the plain mean over all classes, classes without ground truth counting as 0.
import type { Plain } from '../../spec/plain';
import { mapEntries, type SpecProblem } from './postprocess';

export interface BoxFilter {
  minimumHeight: number;
  maximumHeight: number;
  minimumWidth: number;
  maximumWidth: number;
}

export type ApMode = 'SAMPLE' | 'INTEGRATE';

export interface DetectionMetricOptions {
  /** Per class, minimum_detection_ground_truth_overlap. */
  iouThreshold: number[];
  /** Per class, evaluation_box_config; undefined keeps every box. */
  boxFilters: Array<BoxFilter | undefined>;
  mode: ApMode;
}

export interface MetricBox {
  cls: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface MetricFrame {
  groundTruth: MetricBox[];
  detections: Array<MetricBox & { confidence: number }>;
}

export interface ClassMetrics {
  class: string;
  ap: number;
  /** Over every detection given (the post-processing operating point). */
  precision: number;
  recall: number;
  num_ground_truth: number;
  /** [recall, precision] along the ranked detections, thinned to at most 101 points. */
  pr_curve: Array<[number, number]>;
}

export interface DetectionMetrics {
  mAP: number;
  perClass: ClassMetrics[];
}

/** Python 3's round(): to the nearest integer, halves to the even one. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function passes(b: MetricBox, filter: BoxFilter | undefined): boolean {
  if (!filter) return true;
  const w = b.x2 - b.x1;
  const h = b.y2 - b.y1;
  return !(h < filter.minimumHeight || w < filter.minimumWidth || h > filter.maximumHeight || w > filter.maximumWidth);
}

function rounded(b: MetricBox): [number, number, number, number] {
  return [roundHalfEven(b.x1), roundHalfEven(b.y1), roundHalfEven(b.x2), roundHalfEven(b.y2)];
}

/** IoU with border pixels included (compute_metrics.iou, border_pixels='include'). */
export function iouInclusive(a: readonly number[], b: readonly number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1);
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1);
  const inter = w * h;
  const areaA = (a[2] - a[0] + 1) * (a[3] - a[1] + 1);
  const areaB = (b[2] - b[0] + 1) * (b[3] - b[1] + 1);
  return inter / (areaA + areaB - inter);
}

interface Ranked {
  frame: number;
  confidence: number;
  box: [number, number, number, number];
}

/** True-positive flags of a class's detections in ranked order, and its ground-truth count. */
function matchClass(frames: readonly MetricFrame[], cls: number, iouThreshold: number, filter: BoxFilter | undefined): { tp: Uint8Array; numGt: number } {
  const gtByFrame: Array<Array<[number, number, number, number]>> = [];
  let numGt = 0;
  const ranked: Ranked[] = [];
  frames.forEach((f, frame) => {
    const gts = f.groundTruth.filter((g) => g.cls === cls && passes(g, filter)).map(rounded);
    gtByFrame.push(gts);
    numGt += gts.length;
    for (const d of f.detections) {
      // TAO stores confidences as float32 before ranking them.
      if (d.cls === cls && passes(d, filter)) ranked.push({ frame, confidence: Math.fround(d.confidence), box: rounded(d) });
    }
  });
  // Stable, so equal confidences keep frame order (TAO's quicksort leaves ties unspecified).
  ranked.sort((a, b) => b.confidence - a.confidence);
  const taken = gtByFrame.map((g) => new Uint8Array(g.length));
  const tp = new Uint8Array(ranked.length);
  ranked.forEach((d, i) => {
    const gts = gtByFrame[d.frame];
    if (gts.length === 0) return;
    let best = 0;
    let bestIou = -Infinity;
    for (let g = 0; g < gts.length; g++) {
      const o = iouInclusive(gts[g], d.box);
      if (o > bestIou) {
        bestIou = o;
        best = g;
      }
    }
    if (bestIou < iouThreshold || taken[d.frame][best]) return;
    taken[d.frame][best] = 1;
    tp[i] = 1;
  });
  return { tp, numGt };
}

/**
 * AP from cumulative precision / recall, as compute_average_precisions does it.
 * SAMPLE: the mean over t = 0, 0.1, ..., 1 (numpy's linspace values, so t = 0.30000000000000004
 * and a recall of exactly 0.3 does not reach it) of the best precision at recall >= t.
 * INTEGRATE: over the distinct recall levels r_0 < ... < r_m, the sum of (r_{i+1} - r_i) times
 * the best precision at recall levels r_i ... r_{m-1}. This is TAO's arithmetic as written: the
 * strip from recall 0 to r_0 and the precision reached at r_m are left out, so even a perfect
 * detector of n objects scores 1 - 1/n.
 */
export function averagePrecision(precision: readonly number[], recall: readonly number[], mode: ApMode): number {
  if (mode === 'SAMPLE') {
    let sum = 0;
    for (let i = 0; i <= 10; i++) {
      const t = i === 10 ? 1 : i * 0.1;
      let best = 0;
      for (let k = 0; k < recall.length; k++) if (recall[k] >= t && precision[k] > best) best = precision[k];
      sum += best;
    }
    return sum / 11;
  }
  // Recall never decreases along the ranking, so its distinct values start where it changes.
  const starts: number[] = [];
  for (let k = 0; k < recall.length; k++) if (k === 0 || recall[k] !== recall[k - 1]) starts.push(k);
  let ap = 0;
  let runningMax = 0;
  for (let u = starts.length - 2; u >= 0; u--) {
    for (let k = starts[u]; k < starts[u + 1]; k++) runningMax = Math.max(runningMax, precision[k]);
    ap += runningMax * (recall[starts[u + 1]] - recall[starts[u]]);
  }
  return ap;
}

/** At most `limit` points of the curve, evenly spaced along the ranking, always with the last. */
function thinCurve(precision: readonly number[], recall: readonly number[], limit = 101): Array<[number, number]> {
  const n = recall.length;
  if (n <= limit) return recall.map((r, k) => [r, precision[k]]);
  const out: Array<[number, number]> = [];
  for (let p = 0; p < limit; p++) {
    const k = Math.round((p * (n - 1)) / (limit - 1));
    out.push([recall[k], precision[k]]);
  }
  return out;
}

/** mAP and per-class AP / precision / recall as TAO's evaluate reports them. */
export function computeDetectionMetrics(frames: readonly MetricFrame[], classNames: readonly string[], options: DetectionMetricOptions): DetectionMetrics {
  const perClass = classNames.map((name, cls): ClassMetrics => {
    const { tp, numGt } = matchClass(frames, cls, options.iouThreshold[cls] ?? 0.5, options.boxFilters[cls]);
    const precision: number[] = [];
    const recall: number[] = [];
    let hits = 0;
    for (let i = 0; i < tp.length; i++) {
      hits += tp[i];
      precision.push(hits / (i + 1));
      recall.push(numGt > 0 ? hits / numGt : 0);
    }
    // Without ground truth TAO's recall is NaN, which makes the AP 0 in both modes.
    const ap = numGt > 0 ? averagePrecision(precision, recall, options.mode) : 0;
    return {
      class: name,
      ap: Number.isNaN(ap) ? 0 : ap,
      precision: precision.length > 0 ? precision[precision.length - 1] : 0,
      recall: recall.length > 0 ? recall[recall.length - 1] : 0,
      num_ground_truth: numGt,
      pr_curve: thinCurve(precision, recall),
    };
  });
  const mAP = perClass.length > 0 ? perClass.reduce((s, c) => s + c.ap, 0) / perClass.length : 0;
  return { mAP, perClass };
}

// ---------------------------------------------------------------------------------------------
// Printing (Evaluator.print_metrics)

/** Python's repr() of a float: shortest round-trip digits, "1.0" not "1", exponents as 1e-05. */
export function pythonFloatRepr(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const ax = Math.abs(x);
  if (ax !== 0 && (ax < 1e-4 || ax >= 1e16)) {
    const [mant, exp] = x.toExponential().split('e');
    const e = Number(exp);
    return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

/** Python's '{:.Nf}': like toFixed, except that exact ties go to the even digit, not up. */
export function pythonFixed(x: number, digits: number): string {
  // toFixed with many more digits shows the exact binary value, so only true ties match.
  const wide = Math.abs(x).toFixed(Math.min(100, digits + 30));
  if (/^50*$/.test(wide.slice(wide.length - 30))) {
    // A true tie times 10^digits is a small half-integer, so this product is exact.
    return (roundHalfEven(x * 10 ** digits) / 10 ** digits).toFixed(digits);
  }
  return x.toFixed(digits);
}

/** Python's '{:^N}': centred, the odd space on the right. */
function centre(s: string, width: number): string {
  const pad = width - s.length;
  const left = Math.floor(pad / 2);
  return ' '.repeat(left) + s + ' '.repeat(pad - left);
}

/** tabulate(rows, headers, tablefmt="pretty"): every cell centred, one space of padding. */
function prettyTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const line = (cells: readonly string[]) => '|' + cells.map((s, c) => ` ${centre(s, widths[c])} `).join('|') + '|';
  return [rule, line(headers), rule, ...rows.map(line), rule].join('\n');
}

/**
 * The block TAO prints after evaluation: blank line, optional validation cost, mean AP in %
 * to 4 decimals, blank line, the per-class table sorted by class name (AP in % printed as
 * Python prints the float), then the optional median inference time.
 */
export function formatApTable(result: DetectionMetrics, extras: { validationCost?: number; medianInferenceTime?: number } = {}): string {
  const lines: string[] = [''];
  if (extras.validationCost !== undefined) lines.push(`Validation cost: ${pythonFixed(extras.validationCost, 6)}`);
  lines.push(`Mean average_precision (in %): ${pythonFixed(result.mAP * 100, 4)}`);
  lines.push('');
  const rows = result.perClass
    .map((c) => ({ name: c.class, value: c.ap * 100 }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.value - b.value))
    .map((r) => [r.name, pythonFloatRepr(r.value)]);
  lines.push(prettyTable(['class name', 'average precision (in %)'], rows));
  if (extras.medianInferenceTime !== undefined) lines.push('', `Median Inference Time: ${pythonFixed(extras.medianInferenceTime, 6)}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Spec reading (evaluation/evaluation_config.py)

function numberOf(v: Plain | undefined): number {
  const x = Array.isArray(v) ? v[v.length - 1] : v;
  if (x === undefined || x === null) return 0; // proto3 zero
  return typeof x === 'number' ? x : typeof x === 'string' && x.trim() !== '' ? Number(x) : NaN;
}

function lastEntry(entries: Array<{ key: string; value: Plain }>, key: string): Plain | undefined {
  let found: Plain | undefined;
  for (const e of entries) if (e.key === key) found = e.value;
  return found;
}

/**
 * Metric options from a plain evaluation_config. TAO has no per-class defaults here:
 * build_evaluation_config raises when a target class lacks minimum_detection_ground_truth_overlap
 * or evaluation_box_config, and so do we (as problems; the class then falls back to IoU 0.5, the
 * "default IOU" of the Evaluator docstring, and no box filter, so callers that go on anyway get
 * sane numbers). average_precision_mode defaults to SAMPLE (enum value 0). Box limits are int32
 * and used as given; an unset (0) maximum would discard every box of the class, so it is
 * reported rather than silently producing AP 0.
 */
export function evaluationOptionsFromPlain(evaluationConfig: Plain | undefined, classNames: readonly string[], problems: SpecProblem[], path = 'evaluation_config'): DetectionMetricOptions {
  const ec: { [key: string]: Plain } = evaluationConfig !== null && typeof evaluationConfig === 'object' && !Array.isArray(evaluationConfig) ? evaluationConfig : {};
  const overlaps = mapEntries(ec.minimum_detection_ground_truth_overlap);
  const boxes = mapEntries(ec.evaluation_box_config);

  const iouThreshold = classNames.map((name) => {
    const p = `${path}.minimum_detection_ground_truth_overlap`;
    const raw = lastEntry(overlaps, name);
    if (raw === undefined) {
      problems.push({ path: p, message: `minimum_detection_ground_truth_overlap has no entry for class "${name}"` });
      return 0.5;
    }
    const v = numberOf(raw);
    if (!Number.isFinite(v) || v < 0 || v > 1) {
      problems.push({ path: p, message: `minimum_detection_ground_truth_overlap for "${name}" must be a number in [0, 1], got ${JSON.stringify(raw)}` });
      return 0.5;
    }
    return v;
  });

  const boxFilters = classNames.map((name): BoxFilter | undefined => {
    const p = `${path}.evaluation_box_config`;
    const raw = lastEntry(boxes, name);
    if (raw === undefined) {
      problems.push({ path: p, message: `evaluation_box_config has no entry for class "${name}"` });
      return undefined;
    }
    const o: { [key: string]: Plain } = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
    const read = (key: string): number => {
      const v = numberOf(o[key]);
      if (!Number.isFinite(v) || v < 0) {
        problems.push({ path: `${p}.value.${key}`, message: `${key} for "${name}" must be a number >= 0, got ${JSON.stringify(o[key])}` });
        return key.startsWith('maximum') ? Infinity : 0;
      }
      return v;
    };
    const f: BoxFilter = {
      minimumHeight: read('minimum_height'),
      maximumHeight: read('maximum_height'),
      minimumWidth: read('minimum_width'),
      maximumWidth: read('maximum_width'),
    };
    for (const [lo, hi, key] of [[f.minimumHeight, f.maximumHeight, 'height'], [f.minimumWidth, f.maximumWidth, 'width']] as const) {
      if (hi === 0) {
        problems.push({ path: `${p}.value.maximum_${key}`, message: `maximum_${key} for "${name}" is 0 (or unset): TAO would ignore every box of this class; set it, e.g. 9999` });
      } else if (lo > hi) {
        problems.push({ path: `${p}.value.minimum_${key}`, message: `minimum_${key} for "${name}" (${lo}) is above maximum_${key} (${hi})` });
      }
    }
    return f;
  });

  let mode: ApMode = 'SAMPLE';
  const rawMode = Array.isArray(ec.average_precision_mode) ? ec.average_precision_mode[ec.average_precision_mode.length - 1] : ec.average_precision_mode;
  if (rawMode !== undefined && rawMode !== null && rawMode !== '') {
    const s = String(rawMode).toUpperCase();
    if (s === 'SAMPLE' || s === '0') mode = 'SAMPLE';
    else if (s === 'INTEGRATE' || s === '1') mode = 'INTEGRATE';
    else problems.push({ path: `${path}.average_precision_mode`, message: `average_precision_mode must be SAMPLE or INTEGRATE, got ${JSON.stringify(rawMode)}` });
  }
  return { iouThreshold, boxFilters, mode };
}
