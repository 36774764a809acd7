// Evaluation panel: headline accuracy and top-k, a confusion-matrix heat map whose cells
// list the images behind them (and ask the extension to open them), and a per-class
// precision/recall/F1 table. For a detector: mAP, the per-class AP table, precision-recall
// curves and mAP over the training that made the model.

import 'uplot/dist/uPlot.min.css';
import '../ui/panel.css';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { h, clear, append, tile, fmt, pct } from '../ui/dom';
import { connect, post } from '../ui/vscode';
import { cssVar, withAlpha } from '../ui/theme';
import type { HostMessage } from '../model/messages';
import { MAX_OPEN_IMAGES } from '../model/messages';
import type { EvaluationData } from '../model/evaluation';
import type { DetectionEvaluation, DetectionSeries } from '../model/detection';
import { afterFrames, type LineChart } from '../ui/chart';
import { apTable, prChart, mapChart } from '../ui/detection';

const app = document.getElementById('app') as HTMLElement;

function matrixView(data: EvaluationData, onCell: (actual: number, predicted: number, cell: HTMLElement) => void): HTMLElement {
  const n = data.classes.length;
  const grid = h('div', { class: 'matrix', id: 'confusion-matrix', role: 'grid' });
  grid.style.gridTemplateColumns = `max-content repeat(${n}, minmax(34px, 1fr))`;
  const hot = cssVar('--vscode-charts-blue');
  const bad = cssVar('--vscode-charts-red');
  grid.appendChild(h('div', { class: 'label' }));
  for (const c of data.classes) grid.appendChild(h('div', { class: 'label col-label', title: `predicted ${c}` }, c));
  data.matrix.forEach((row, i) => {
    // Colour by share of the row: a class with few images still shows where its errors go.
    const total = row.reduce((a, b) => a + b, 0) || 1;
    grid.appendChild(h('div', { class: 'label', title: `actual ${data.classes[i]}` }, data.classes[i]));
    row.forEach((count, j) => {
      const share = count / total;
      const cell = h('div', { class: 'cell', role: 'gridcell', 'data-actual': i, 'data-predicted': j, title: `actual ${data.classes[i]}, predicted ${data.classes[j]}: ${count} (${(share * 100).toFixed(1)} %)` }, count);
      // Errors are rarer than hits: stretch their scale so a 5 % confusion is plainly visible.
      const strength = i === j ? share : Math.min(1, share * 3);
      cell.style.background = count === 0 ? 'transparent' : withAlpha(i === j ? hot : bad, 0.15 + 0.85 * strength);
      if (strength > 0.55) cell.style.color = '#ffffff';
      cell.addEventListener('click', () => onCell(i, j, cell));
      grid.appendChild(cell);
    });
  });
  return grid;
}

function imagesView(data: EvaluationData, actual: number, predicted: number): HTMLElement {
  const hits = data.predictions.filter((p) => p.actual === actual && p.predicted === predicted);
  const title = `${data.classes[actual]} → ${data.classes[predicted]}`;
  if (data.predictions.length === 0) return h('div', { class: 'images', id: 'cell-images' }, h('h3', {}, title), h('div', { class: 'axis-note' }, 'This report has no per-image results; run inference on the test folder to list images per cell.'));
  const open = h('vscode-button', { id: 'open-images', disabled: hits.length === 0 }, `Open ${Math.min(hits.length, MAX_OPEN_IMAGES)} image${hits.length === 1 ? '' : 's'}`);
  open.addEventListener('click', () => { if (hits.length) post({ type: 'openImages', paths: hits.slice(0, MAX_OPEN_IMAGES).map((p) => p.path) }); });
  const list = h('ul', {});
  for (const p of hits.slice(0, 500)) {
    const a = h('a', { class: 'link', title: p.path }, p.path.split(/[\\/]/).slice(-2).join('/'));
    a.addEventListener('click', () => post({ type: 'openImages', paths: [p.path] }));
    list.appendChild(h('li', {}, a, p.score !== undefined ? h('span', { class: 'axis-note' }, `  ${p.score.toFixed(3)}`) : null));
  }
  return h('div', { class: 'images', id: 'cell-images' }, h('h3', {}, `${title} · ${hits.length}`), open, list);
}

function perClassTable(data: EvaluationData): HTMLElement {
  const body = h('tbody');
  for (const c of data.perClass) {
    const bar = h('span', { class: 'bar' });
    bar.style.width = `${Math.round(c.f1 * 60)}px`;
    body.appendChild(h('tr', {}, h('td', {}, c.name), h('td', {}, fmt(c.precision, 3)), h('td', {}, fmt(c.recall, 3)), h('td', {}, bar, fmt(c.f1, 3)), h('td', {}, c.support)));
  }
  const macro = (k: 'precision' | 'recall' | 'f1'): number => data.perClass.reduce((a, c) => a + c[k], 0) / Math.max(1, data.perClass.length);
  body.appendChild(h('tr', { class: 'total' }, h('td', {}, h('b', {}, 'macro average')), h('td', {}, fmt(macro('precision'), 3)), h('td', {}, fmt(macro('recall'), 3)), h('td', {}, fmt(macro('f1'), 3)), h('td', {}, data.perClass.reduce((a, c) => a + c.support, 0))));
  return h('table', { class: 'data', id: 'per-class' }, h('thead', {}, h('tr', {}, h('th', {}, 'class'), h('th', {}, 'precision'), h('th', {}, 'recall'), h('th', {}, 'F1'), h('th', {}, 'support'))), body);
}

let charts: LineChart[] = [];

function resetCharts(): void {
  for (const c of charts) c.destroy();
  charts = [];
}

async function renderDetection(name: string, data: DetectionEvaluation, training: DetectionSeries | undefined): Promise<void> {
  resetCharts();
  clear(app);
  const gts = data.classes.reduce((a, c) => a + (c.groundTruths ?? 0), 0);
  const tiles = h(
    'div',
    { class: 'tiles', id: 'headline' },
    tile('mAP', pct(data.mAP), data.apMode ? `${data.apMode.toLowerCase()} AP` : undefined),
    data.images !== undefined ? tile('images', String(data.images)) : null,
    tile('classes', String(data.classes.length)),
    gts > 0 ? tile('ground truths', String(gts)) : null,
    training?.best ? tile('best mAP in training', pct(training.best.mAP), `epoch ${training.best.epoch}`) : null,
  );
  const grid = h('div', { class: 'charts', id: 'charts' });
  const order = data.classes.map((c) => c.name);
  const pr = prChart(data.classes);
  if (pr) charts.push(pr);
  if (training && training.x.length > 0) charts.push(mapChart(training, order));
  for (const c of charts) grid.appendChild(c.element);
  const source = [data.model ? `model ${data.model}` : '', data.dataset ? `data ${data.dataset}` : ''].filter(Boolean).join(' · ');
  append(
    app,
    h('div', { class: 'header' }, h('h1', {}, `Evaluation · ${name}`)),
    source ? h('div', { class: 'subtitle' }, source) : null,
    tiles,
    h('h2', {}, 'Average precision per class'),
    apTable(data.classes, data.mAP),
    charts.length ? h('h2', {}, pr ? 'Curves' : 'mAP over training') : null,
    !pr ? h('div', { class: 'axis-note', id: 'no-pr' }, 'This report has no precision–recall curves (TAO keeps only the AP per class).') : null,
    grid,
  );
  await afterFrames();
  const counts = charts.map((c) => c.counts());
  post({ type: 'rendered', page: 'evaluation', info: { charts: charts.length, series: counts.reduce((a, c) => a + c.series, 0), points: counts.reduce((a, c) => a + c.points, 0) } });
}

function render(name: string, data: EvaluationData): void {
  resetCharts();
  clear(app);
  const total = data.matrix.reduce((a, r) => a + r.reduce((b, c) => b + c, 0), 0);
  const tiles = h('div', { class: 'tiles', id: 'headline' }, tile('accuracy', pct(data.accuracy)), data.loss !== undefined ? tile('loss', fmt(data.loss)) : null, ...data.topK.filter((t) => t.k > 1).map((t) => tile(`top-${t.k} accuracy`, pct(t.accuracy))), tile('images', String(total)), tile('classes', String(data.classes.length)));
  const side = h('div', { class: 'images', id: 'cell-images' }, h('h3', {}, 'Images'), h('div', { class: 'axis-note' }, 'Click a cell to list its images.'));
  let selected: HTMLElement | undefined;
  const matrix = matrixView(data, (i, j, cell) => {
    selected?.classList.remove('selected');
    cell.classList.add('selected');
    selected = cell;
    const view = imagesView(data, i, j);
    document.getElementById('cell-images')?.replaceWith(view);
  });
  app.append(
    h('div', { class: 'header' }, h('h1', {}, `Evaluation · ${name}`)),
    tiles,
    h('h2', {}, 'Confusion matrix'),
    h('div', { class: 'axis-note' }, 'Rows: actual class · columns: predicted class · colour: share of the row'),
    h('div', { class: 'matrix-wrap' }, matrix, side),
    h('h2', {}, 'Per class'),
    perClassTable(data),
  );
  post({ type: 'rendered', page: 'evaluation', info: { charts: 1, series: data.classes.length, points: total } });
}

connect('evaluation', (m: HostMessage) => {
  if (m.type === 'evaluation') render(m.name, m.data);
  else if (m.type === 'detectionEvaluation') void renderDetection(m.name, m.data, m.training);
  else if (m.type === 'empty') { resetCharts(); clear(app); app.appendChild(h('div', { class: 'empty' }, m.message)); }
});
