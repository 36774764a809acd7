// Detection views shared by the evaluation, training and runs pages: the per-class AP table,
// precision-recall curves and the mAP-over-training chart. Each class keeps one colour
// (its index in the palette) on every chart and table of a page.

import { h, pct } from './dom';
import { lineChart, type LineChart, type LineChartInput, type LineSeries } from './chart';
import { cssVar, classColor } from './theme';
import { alignPrCurves, type DetectionClass, type DetectionSeries } from '../model/detection';

function apBar(value: number, color: string): HTMLElement {
  const bar = h('span', { class: 'bar' });
  bar.style.width = `${Math.round(Math.max(0, Math.min(1, value)) * 80)}px`;
  bar.style.background = color;
  return bar;
}

/** Per-class AP, precision, recall and ground-truth count, with the mean as the last row. */
export function apTable(classes: readonly DetectionClass[], mAP: number): HTMLElement {
  const body = h('tbody');
  const count = (v: number | undefined): string => (v === undefined ? '—' : String(v));
  classes.forEach((c, i) => {
    const swatch = h('span', { class: 'swatch' });
    swatch.style.background = classColor(i);
    body.appendChild(h('tr', { 'data-class': c.name }, h('td', {}, swatch, c.name), h('td', {}, apBar(c.ap, classColor(i)), pct(c.ap)), h('td', {}, pct(c.precision)), h('td', {}, pct(c.recall)), h('td', {}, count(c.groundTruths))));
  });
  const gts = classes.every((c) => c.groundTruths !== undefined) ? classes.reduce((a, c) => a + (c.groundTruths ?? 0), 0) : undefined;
  body.appendChild(h('tr', { class: 'total' }, h('td', {}, h('b', {}, 'mAP')), h('td', {}, h('b', {}, pct(mAP))), h('td', {}), h('td', {}), h('td', {}, count(gts))));
  return h('table', { class: 'data', id: 'ap-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'class'), h('th', {}, 'AP'), h('th', {}, 'precision'), h('th', {}, 'recall'), h('th', {}, 'ground truths'))), body);
}

/** One chart, one curve per class; undefined when no class has a curve. */
export function prChart(classes: readonly DetectionClass[]): LineChart | undefined {
  const withCurve = classes.map((c, i) => ({ c, i })).filter((e) => e.c.prCurve.length > 0);
  if (withCurve.length === 0) return undefined;
  const { x, ys } = alignPrCurves(withCurve.map((e) => e.c));
  const series: LineSeries[] = withCurve.map((e, k) => ({ name: e.c.name, values: ys[k], color: classColor(e.i) }));
  return lineChart({ title: 'Precision–recall', x, xLabel: 'recall', series });
}

/** mAP (solid) and AP per class (dashed, in the class's colour) over the validated epochs. */
export function mapChartInput(series: DetectionSeries, classOrder: readonly string[], title = 'mAP over training'): LineChartInput {
  const index = (c: string): number => { const i = classOrder.indexOf(c); return i < 0 ? classOrder.length + series.classes.indexOf(c) : i; };
  const lines: LineSeries[] = [
    { name: 'mAP', values: series.mAP, color: cssVar('--vscode-foreground') },
    ...series.classes.map((c) => ({ name: `AP ${c}`, values: series.ap[c], dashed: true, color: classColor(index(c)) })),
  ];
  return { title, x: series.x, xLabel: 'epoch', series: lines, integerX: true };
}

export function mapChart(series: DetectionSeries, classOrder: readonly string[], title?: string): LineChart {
  return lineChart(mapChartInput(series, classOrder, title));
}
