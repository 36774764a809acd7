// Runs panel: the same metric from several runs on one chart, one chart per metric, so
// runs with different settings can be compared epoch by epoch. Detection runs also get one
// mAP chart and a table of each run's last AP per class.

import 'uplot/dist/uPlot.min.css';
import '../ui/panel.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { h, clear, fmt, pct } from '../ui/dom';
import { lineChart, afterFrames, type LineChart } from '../ui/chart';
import { palette } from '../ui/theme';
import { connect, post } from '../ui/vscode';
import type { HostMessage } from '../model/messages';
import type { SeriesSet } from '../model/status';
import { groupMetrics } from '../ui/groups';
import { isDetectionMetric, latestKpi } from '../model/detection';

type RunData = Extract<HostMessage, { type: 'runs' }>['runs'][number];
const app = document.getElementById('app') as HTMLElement;
let charts: LineChart[] = [];

/** Union of the runs' x values, each run's metric placed on it (null where a run has no point). */
export function align(sets: SeriesSet[], metric: string): { x: number[]; ys: (number | null)[][] } {
  const x = [...new Set(sets.flatMap((s) => s.x))].sort((a, b) => a - b);
  const ys = sets.map((s) => {
    const at = new Map(s.x.map((v, i) => [v, s.series[metric]?.[i] ?? null]));
    return x.map((v) => at.get(v) ?? null);
  });
  return { x, ys };
}

/** Rows: classes (union over runs); columns: each run's last AP, with a bar in its colour. */
function apCompareTable(runs: RunData[], colors: string[]): HTMLElement {
  const latest = runs.map((r) => (r.detection ? latestKpi(r.detection) : undefined));
  const classes = [...new Set(latest.flatMap((k) => Object.keys(k?.ap ?? {})))];
  const cell = (v: number | undefined, i: number): HTMLElement => {
    if (v === undefined) return h('td', {}, '—');
    const bar = h('span', { class: 'bar' });
    bar.style.width = `${Math.round(Math.max(0, Math.min(1, v)) * 60)}px`;
    bar.style.background = colors[i % colors.length];
    return h('td', {}, bar, pct(v));
  };
  const body = h('tbody');
  for (const c of classes) body.appendChild(h('tr', { 'data-class': c }, h('td', {}, c), ...latest.map((k, i) => cell(k?.ap[c], i))));
  body.appendChild(h('tr', { class: 'total' }, h('td', {}, h('b', {}, 'mAP')), ...latest.map((k, i) => cell(k?.mAP, i))));
  return h('div', {}, h('h2', {}, 'AP per class at the last validation'), h('table', { class: 'data', id: 'ap-compare' }, h('thead', {}, h('tr', {}, h('th', {}, 'class'), ...runs.map((r) => h('th', { title: r.folder }, r.name)))), body));
}

async function render(runs: RunData[]): Promise<void> {
  for (const c of charts) c.destroy();
  charts = [];
  clear(app);
  const colors = palette();
  const add = h('vscode-button', { id: 'add-run', secondary: true }, 'Add runs…');
  add.addEventListener('click', () => post({ type: 'addRun' }));
  const list = h('div', { class: 'run-list', id: 'run-list' });
  runs.forEach((r, i) => {
    const sw = h('span', { class: 'swatch' });
    sw.style.background = colors[i % colors.length];
    const best = r.summary.best ? ` · best ${r.summary.best.metric} ${fmt(r.summary.best.value)} @ ${r.summary.best.epoch}` : '';
    list.appendChild(h('span', { title: r.folder }, sw, h('b', {}, r.name), h('span', { class: 'axis-note' }, ` ${r.summary.epoch ?? 0}/${r.summary.epochs ?? '?'} epochs${best}`)));
  });
  const grid = h('div', { class: 'charts', id: 'charts' });
  app.append(h('div', { class: 'header' }, h('h1', {}, `Compare runs · ${runs.length}`), h('span', { class: 'spacer' }), add), list, grid);
  const detectionRuns = runs.filter((r) => r.detection && r.detection.x.length + (r.detection.final ? 1 : 0) > 0);
  if (detectionRuns.length > 0) {
    // mAP sits on its validated epochs only; x is the union of those epochs.
    const sets: SeriesSet[] = runs.map((r) => ({ x: r.detection?.x ?? [], series: { mAP: r.detection?.mAP ?? [] } }));
    const { x, ys } = align(sets, 'mAP');
    const c = lineChart({ title: 'mAP', x, xLabel: 'epoch', integerX: true, series: runs.map((r, i) => ({ name: r.name, values: ys[i], color: colors[i % colors.length] })) });
    charts.push(c);
    grid.appendChild(c.element);
    app.insertBefore(apCompareTable(runs, colors), grid);
  }
  const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.epochs.series)))].filter((m) => detectionRuns.length === 0 || !isDetectionMetric(m));
  // One chart per metric (not per group): each run keeps its colour on every chart.
  for (const g of groupMetrics(metrics)) {
    for (const metric of g.metrics) {
      const { x, ys } = align(runs.map((r) => r.epochs), metric);
      const c = lineChart({ title: metric.replace(/_/g, ' '), x, xLabel: 'epoch', logY: g.logY, integerX: true, series: runs.map((r, i) => ({ name: r.name, values: ys[i], color: colors[i % colors.length], dashed: metric.startsWith('val_') })) });
      charts.push(c);
      grid.appendChild(c.element);
    }
  }
  await afterFrames();
  const counts = charts.map((c) => c.counts());
  post({ type: 'rendered', page: 'runs', info: { charts: charts.length, series: counts.reduce((a, c) => a + c.series, 0), points: counts.reduce((a, c) => a + c.points, 0) } });
}

connect('runs', (m: HostMessage) => {
  if (m.type === 'runs') void render(m.runs);
  else if (m.type === 'empty') { clear(app); app.appendChild(h('div', { class: 'empty' }, m.message)); }
});
