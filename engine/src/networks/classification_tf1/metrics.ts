// Classification report: loss, top-1 and top-k accuracy, confusion matrix, per-class
// precision / recall / F1 (with macro and support-weighted averages), like sklearn's report.

export interface ClassScore {
  class: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface EvaluationReport {
  images: number;
  loss: number;
  top1_accuracy: number;
  top_k: number;
  topk_accuracy: number;
  classes: string[];
  /** confusion_matrix[true][predicted] */
  confusion_matrix: number[][];
  per_class: ClassScore[];
  macro_avg: { precision: number; recall: number; f1: number };
  weighted_avg: { precision: number; recall: number; f1: number };
}

export function computeReport(probs: Float32Array, labels: Int32Array, classes: string[], topK: number): EvaluationReport {
  const k = classes.length;
  const kk = Math.max(1, Math.min(topK, k));
  const confusion = classes.map(() => new Array<number>(k).fill(0));
  let loss = 0;
  let top1 = 0;
  let topk = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = probs.subarray(i * k, (i + 1) * k);
    const truth = labels[i];
    loss -= Math.log(Math.min(1 - 1e-7, Math.max(1e-7, row[truth])));
    let best = 0;
    for (let c = 1; c < k; c++) if (row[c] > row[best]) best = c;
    confusion[truth][best]++;
    if (best === truth) top1++;
    // Rank of the true class: how many classes scored higher.
    let higher = 0;
    for (let c = 0; c < k; c++) if (row[c] > row[truth]) higher++;
    if (higher < kk) topk++;
  }
  const n = Math.max(1, labels.length);
  const per_class: ClassScore[] = classes.map((name, c) => {
    const tp = confusion[c][c];
    const predicted = confusion.reduce((s, r) => s + r[c], 0);
    const support = confusion[c].reduce((s, v) => s + v, 0);
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { class: name, precision, recall, f1, support };
  });
  const avg = (key: 'precision' | 'recall' | 'f1', weighted: boolean) => {
    const total = per_class.reduce((s, p) => s + (weighted ? p.support : 1), 0);
    return total > 0 ? per_class.reduce((s, p) => s + p[key] * (weighted ? p.support : 1), 0) / total : 0;
  };
  return {
    images: labels.length,
    loss: loss / n,
    top1_accuracy: top1 / n,
    top_k: kk,
    topk_accuracy: topk / n,
    classes,
    confusion_matrix: confusion,
    per_class,
    macro_avg: { precision: avg('precision', false), recall: avg('recall', false), f1: avg('f1', false) },
    weighted_avg: { precision: avg('precision', true), recall: avg('recall', true), f1: avg('f1', true) },
  };
}

export function formatReport(r: EvaluationReport): string {
  const lines: string[] = [];
  const w = Math.max(12, ...r.classes.map((c) => c.length)) + 2;
  lines.push(`images: ${r.images}`);
  lines.push(`loss: ${r.loss.toFixed(4)}`);
  lines.push(`top-1 accuracy: ${r.top1_accuracy.toFixed(4)}`);
  lines.push(`top-${r.top_k} accuracy: ${r.topk_accuracy.toFixed(4)}`);
  lines.push('');
  lines.push('confusion matrix (rows: true class, columns: predicted)');
  const cell = Math.max(6, ...r.confusion_matrix.flat().map((v) => String(v).length + 1));
  lines.push(' '.repeat(w) + r.classes.map((_, i) => String(i).padStart(cell)).join(''));
  r.confusion_matrix.forEach((row, i) => lines.push(`${i} ${r.classes[i]}`.padEnd(w) + row.map((v) => String(v).padStart(cell)).join('')));
  lines.push('');
  lines.push('class'.padEnd(w) + 'precision'.padStart(11) + 'recall'.padStart(11) + 'f1-score'.padStart(11) + 'support'.padStart(10));
  for (const p of r.per_class) {
    lines.push(p.class.padEnd(w) + p.precision.toFixed(4).padStart(11) + p.recall.toFixed(4).padStart(11) + p.f1.toFixed(4).padStart(11) + String(p.support).padStart(10));
  }
  lines.push('');
  lines.push('macro avg'.padEnd(w) + r.macro_avg.precision.toFixed(4).padStart(11) + r.macro_avg.recall.toFixed(4).padStart(11) + r.macro_avg.f1.toFixed(4).padStart(11) + String(r.images).padStart(10));
  lines.push('weighted avg'.padEnd(w) + r.weighted_avg.precision.toFixed(4).padStart(11) + r.weighted_avg.recall.toFixed(4).padStart(11) + r.weighted_avg.f1.toFixed(4).padStart(11) + String(r.images).padStart(10));
  return lines.join('\n') + '\n';
}
