// Which metrics share a chart. Losses go together, accuracies together, the learning rate
// alone on a log axis; anything else a writer reports gets one more chart so nothing is hidden.

export interface MetricGroup {
  title: string;
  metrics: string[];
  logY?: boolean;
}

export function groupMetrics(names: string[]): MetricGroup[] {
  const loss = names.filter((n) => n.includes('loss'));
  const acc = names.filter((n) => !loss.includes(n) && /acc|top_?\d|precision|recall|f1|map/.test(n));
  const lr = names.filter((n) => /learning_rate|^lr$/.test(n));
  const used = new Set([...loss, ...acc, ...lr]);
  const other = names.filter((n) => !used.has(n));
  // Training curve first, then its validation twin, so colours pair up predictably.
  const order = (xs: string[]): string[] => [...xs].sort((a, b) => a.replace(/^val_/, '').localeCompare(b.replace(/^val_/, '')) || Number(a.startsWith('val_')) - Number(b.startsWith('val_')));
  const groups: MetricGroup[] = [];
  if (loss.length) groups.push({ title: 'Loss', metrics: order(loss) });
  if (acc.length) groups.push({ title: 'Accuracy', metrics: order(acc) });
  if (lr.length) groups.push({ title: 'Learning rate', metrics: lr, logY: true });
  if (other.length) groups.push({ title: 'Other metrics', metrics: order(other) });
  return groups;
}
