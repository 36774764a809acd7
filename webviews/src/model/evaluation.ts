// Normalizes an evaluation report (our engine's JSON, or numbers gathered from a TAO run) into
// what the evaluation panel draws. Accepts several spellings because TAO versions and our
// engine name things differently; computes per-class precision/recall/F1 from the confusion
// matrix when the report leaves them out.

export interface ClassScores {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Prediction {
  path: string;
  /** Index into `classes`. */
  actual: number;
  predicted: number;
  score?: number;
}

export interface EvaluationData {
  classes: string[];
  /** matrix[actual][predicted] = count. */
  matrix: number[][];
  perClass: ClassScores[];
  accuracy: number | undefined;
  loss: number | undefined;
  topK: { k: number; accuracy: number }[];
  /** Per-image results, when known; lets the panel list the images behind a matrix cell. */
  predictions: Prediction[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function pick(o: Obj, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
}

/** Precision/recall/F1 per class from a confusion matrix (rows = actual). */
export function scoresFromMatrix(classes: string[], matrix: number[][]): ClassScores[] {
  return classes.map((name, i) => {
    const tp = matrix[i]?.[i] ?? 0;
    const support = (matrix[i] ?? []).reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, row) => a + (row[i] ?? 0), 0);
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { name, precision, recall, f1, support };
  });
}

function classList(report: Obj): string[] | undefined {
  const c = pick(report, 'classes', 'class_names', 'labels');
  if (Array.isArray(c) && c.every((x) => typeof x === 'string')) return c as string[];
  const classmap = pick(report, 'classmap', 'class_map');
  if (isObj(classmap)) {
    // classmap.json is {name: index}: order names by their index.
    return Object.entries(classmap)
      .filter((e): e is [string, number] => typeof e[1] === 'number')
      .sort((a, b) => a[1] - b[1])
      .map((e) => e[0]);
  }
  return undefined;
}

function matrixOf(report: Obj, n: number): number[][] | undefined {
  const m = pick(report, 'confusion_matrix', 'confusionMatrix', 'confusion');
  if (!Array.isArray(m) || m.length !== n) return undefined;
  if (!m.every((row) => Array.isArray(row) && row.length === n && row.every((x) => typeof x === 'number'))) return undefined;
  return m as number[][];
}

function perClassOf(report: Obj, classes: string[]): ClassScores[] | undefined {
  const raw = pick(report, 'per_class', 'perClass', 'classification_report', 'class_report');
  const rows: ClassScores[] = [];
  const read = (name: string, v: unknown): void => {
    if (!isObj(v)) return;
    const precision = num(v.precision);
    const recall = num(v.recall);
    if (precision === undefined || recall === undefined) return;
    const f1 = num(pick(v, 'f1', 'f1_score', 'f1-score')) ?? (precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0);
    rows.push({ name, precision, recall, f1, support: num(v.support) ?? 0 });
  };
  if (Array.isArray(raw)) for (const v of raw) read(isObj(v) && typeof v.name === 'string' ? v.name : isObj(v) && typeof v.class === 'string' ? v.class : '', v);
  else if (isObj(raw)) for (const name of classes) read(name, raw[name]);
  return rows.length > 0 ? rows : undefined;
}

function topKOf(report: Obj): { k: number; accuracy: number }[] {
  const out: { k: number; accuracy: number }[] = [];
  const raw = pick(report, 'top_k', 'topk', 'top_k_accuracy');
  if (Array.isArray(raw)) {
    for (const v of raw) if (isObj(v) && num(v.k) !== undefined && num(v.accuracy) !== undefined) out.push({ k: v.k as number, accuracy: v.accuracy as number });
  } else if (isObj(raw)) {
    if (num(raw.k) !== undefined && num(raw.accuracy) !== undefined) out.push({ k: raw.k as number, accuracy: raw.accuracy as number });
    else for (const [k, v] of Object.entries(raw)) if (num(v) !== undefined && Number.isInteger(Number(k))) out.push({ k: Number(k), accuracy: v as number });
  } else if (num(raw) !== undefined) {
    // A bare number under `top_k` is either the k setting (our engine: `top_k: 2` with
    // `topk_accuracy` beside it) or, in older reports, the accuracy itself (at most 1).
    const acc = num(pick(report, 'topk_accuracy', 'top_k_acc', 'topk_acc'));
    if (acc !== undefined) out.push({ k: raw as number, accuracy: acc });
    else if ((raw as number) <= 1 && num(report.k) !== undefined) out.push({ k: report.k as number, accuracy: raw as number });
  }
  // Also `top_1_accuracy`, `top_5_accuracy` style keys.
  for (const [key, v] of Object.entries(report)) {
    const m = /^top_?(\d+)(?:_acc(?:uracy)?)?$/.exec(key);
    if (m && num(v) !== undefined && !out.some((t) => t.k === Number(m[1]))) out.push({ k: Number(m[1]), accuracy: v as number });
  }
  return out.sort((a, b) => a.k - b.k);
}

function predictionsOf(report: Obj, classes: string[]): Prediction[] {
  const raw = pick(report, 'predictions', 'samples', 'images');
  if (!Array.isArray(raw)) return [];
  const index = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? classes.indexOf(v) : -1);
  const out: Prediction[] = [];
  for (const v of raw) {
    if (!isObj(v) || typeof v.path !== 'string') continue;
    const actual = index(pick(v, 'actual', 'label', 'true', 'gt'));
    const predicted = index(pick(v, 'predicted', 'pred', 'prediction'));
    if (actual < 0 || predicted < 0) continue;
    out.push({ path: v.path, actual, predicted, score: num(v.score) });
  }
  return out;
}

/** Confusion matrix from per-image predictions (e.g. inference result.csv + class folders). */
export function matrixFromPredictions(n: number, predictions: Prediction[]): number[][] {
  const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const p of predictions) if (p.actual < n && p.predicted < n) m[p.actual][p.predicted]++;
  return m;
}

/** Returns undefined when the object is not an evaluation report we can draw. */
export function normalizeEvaluation(report: unknown): EvaluationData | undefined {
  if (!isObj(report)) return undefined;
  // Some writers nest the numbers one level down.
  for (const key of ['evaluation', 'metrics', 'result']) if (isObj(report[key]) && !report.confusion_matrix) return normalizeEvaluation({ ...report, ...(report[key] as Obj) });
  const classes = classList(report);
  if (!classes || classes.length === 0) return undefined;
  const predictions = predictionsOf(report, classes);
  const matrix = matrixOf(report, classes.length) ?? (predictions.length > 0 ? matrixFromPredictions(classes.length, predictions) : undefined);
  if (!matrix) return undefined;
  const total = matrix.reduce((a, row) => a + row.reduce((b, c) => b + c, 0), 0);
  const correct = matrix.reduce((a, row, i) => a + (row[i] ?? 0), 0);
  return {
    classes,
    matrix,
    perClass: perClassOf(report, classes) ?? scoresFromMatrix(classes, matrix),
    accuracy: num(pick(report, 'accuracy', 'top1_accuracy', 'top_1_accuracy', 'acc')) ?? (total > 0 ? correct / total : undefined),
    loss: num(pick(report, 'loss', 'val_loss')),
    topK: topKOf(report),
    predictions,
  };
}

/**
 * Inference's result.csv rows (image path, predicted label, score) with the true class taken
 * from the image's parent folder (the folder-per-class layout TAO uses for classification).
 */
export function predictionsFromResultCsv(csv: string, classes: string[]): Prediction[] {
  const out: Prediction[] = [];
  for (const line of csv.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (cells.length < 2) continue;
    const path = cells[0].trim();
    const predicted = classes.indexOf(cells[1].trim());
    const parts = path.split(/[\\/]/);
    const actual = classes.indexOf(parts[parts.length - 2] ?? '');
    if (predicted < 0 || actual < 0) continue;
    const score = Number(cells[2]);
    out.push({ path, actual, predicted, score: Number.isFinite(score) ? score : undefined });
  }
  return out;
}
