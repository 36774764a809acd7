// Training panel: live curves from a run's status.json. The extension re-reads the file
// as it grows and posts the parsed run; this page only draws what it receives.

import 'uplot/dist/uPlot.min.css';
import '../ui/panel.css';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { h, clear, tile, fmt, pct } from '../ui/dom';
import { lineChart, afterFrames, type LineChart, type LineSeries } from '../ui/chart';
import { connect, post } from '../ui/vscode';
import type { HostMessage, TrainingRun } from '../model/messages';
import type { SeriesSet } from '../model/status';
import { formatDuration } from '../model/status';
import { groupMetrics } from '../ui/groups';
import { isDetectionMetric, latestKpi } from '../model/detection';
import { mapChartInput } from '../ui/detection';

const app = document.getElementById('app') as HTMLElement;
const charts = new Map<string, LineChart>();
let headerEl: HTMLElement | undefined;
let chartsEl: HTMLElement | undefined;

function statusBadge(status: string | undefined, finished: boolean): HTMLElement {
  const label = status ?? 'WAITING';
  const badge = h('vscode-badge', { variant: 'counter', class: `status status-${label.toLowerCase()}` }, label);
  if (!finished) badge.setAttribute('title', 'Updates as the run writes status.json');
  return badge;
}

function renderHeader(run: TrainingRun): HTMLElement {
  const s = run.summary;
  const progress = s.epoch !== undefined && s.epochs ? Math.min(1, s.epoch / s.epochs) : 0;
  const last = (name: string): number | undefined => {
    const ys = run.epochs.series[name];
    if (!ys) return undefined;
    for (let i = ys.length - 1; i >= 0; i--) if (ys[i] !== null) return ys[i] as number;
    return undefined;
  };
  const bestText = s.best ? `epoch ${s.best.epoch} (${s.best.metric} ${fmt(s.best.value)})` : '—';
  const best = s.best?.checkpoint
    ? h('a', { class: 'link', id: 'best-checkpoint', title: s.best.checkpoint }, bestText)
    : h('b', { id: 'best-checkpoint' }, bestText);
  if (s.best?.checkpoint) best.addEventListener('click', () => post({ type: 'revealPath', path: s.best?.checkpoint as string }));
  const tiles = h('div', { class: 'tiles' });
  for (const name of ['loss', 'val_loss', 'accuracy', 'val_accuracy', 'learning_rate']) {
    const v = last(name);
    if (v !== undefined) tiles.appendChild(tile(name.replace(/_/g, ' '), fmt(v), 'last epoch'));
  }
  // A detector's headline: the last validation's mAP and AP per class, as they arrive.
  const det = run.detection;
  const latest = det ? latestKpi(det) : undefined;
  const detTiles = det && latest ? h('div', { class: 'tiles', id: 'detection-kpis' }) : null;
  if (det && latest && detTiles) {
    const at = `epoch ${det.x[det.x.length - 1]}`;
    detTiles.appendChild(tile('mAP', pct(latest.mAP), at));
    if (det.best) detTiles.appendChild(tile('best mAP', pct(det.best.mAP), `epoch ${det.best.epoch}`));
    for (const c of det.classes) if (latest.ap[c] !== undefined) detTiles.appendChild(tile(`AP ${c}`, pct(latest.ap[c]), at));
  }
  return h(
    'header',
    { id: 'run-header' },
    h('div', { class: 'header' }, h('h1', {}, `Training · ${run.name}`), statusBadge(s.status, s.finished)),
    h('div', { class: 'subtitle' }, run.folder),
    h(
      'div',
      { class: 'meta' },
      h('span', {}, 'Epoch ', h('b', { id: 'epoch' }, s.epoch !== undefined ? `${s.epoch} / ${s.epochs ?? '?'}` : '—')),
      h('span', {}, 'ETA ', h('b', { id: 'eta' }, s.finished ? 'done' : formatDuration(s.etaSeconds))),
      h('span', {}, 'Time/epoch ', h('b', {}, formatDuration(s.secondsPerEpoch))),
      // NVIDIA's containers do not record the backend; leave the field out rather than guess.
      s.backend ? h('span', {}, 'Backend ', h('b', { id: 'backend' }, s.backend)) : null,
      h('span', {}, 'Best ', best),
    ),
    h('div', { class: 'progress', title: `${Math.round(progress * 100)} %` }, (() => { const bar = h('div'); bar.style.width = `${progress * 100}%`; return bar; })()),
    s.message ? h('div', { class: 'subtitle', id: 'message' }, s.message) : null,
    run.badLines > 0 ? h('div', { class: 'warning' }, `${run.badLines} line(s) of status.json could not be read.`) : null,
    tiles,
    detTiles,
  );
}

function seriesFor(set: SeriesSet, names: string[]): LineSeries[] {
  return names.map((name) => ({ name, values: set.series[name], dashed: name.startsWith('val_') }));
}

async function render(run: TrainingRun): Promise<void> {
  // A 'waiting for status.json' notice from before the run started goes away.
  for (const notice of Array.from(app.querySelectorAll(':scope > .empty'))) notice.remove();
  const header = renderHeader(run);
  if (headerEl) headerEl.replaceWith(header);
  else app.appendChild(header);
  headerEl = header;
  if (!chartsEl) {
    chartsEl = h('div', { class: 'charts', id: 'charts' });
    app.appendChild(chartsEl);
  }
  // The detection chart shows mAP/AP at the epochs that were validated; the raw copies in
  // the epoch series (TAO repeats them on every later record) would only mislead.
  const det = run.detection;
  const groups = groupMetrics(Object.keys(run.epochs.series).filter((n) => !det || !isDetectionMetric(n)));
  const wanted = new Set<string>();
  if (det && det.x.length > 0) {
    const title = 'mAP';
    wanted.add(title);
    const input = mapChartInput(det, det.classes, title);
    const existing = charts.get(title);
    if (existing) existing.update(input);
    else {
      const c = lineChart(input);
      charts.set(title, c);
      chartsEl.prepend(c.element);
    }
  }
  for (const g of groups) {
    wanted.add(g.title);
    const input = { title: g.title, x: run.epochs.x, xLabel: 'epoch', series: seriesFor(run.epochs, g.metrics), logY: g.logY, integerX: true };
    const existing = charts.get(g.title);
    if (existing) existing.update(input);
    else {
      const c = lineChart(input);
      charts.set(g.title, c);
      chartsEl.appendChild(c.element);
    }
  }
  if (run.steps.x.length > 0) {
    const title = 'Per step';
    wanted.add(title);
    const names = Object.keys(run.steps.series).filter((n) => n.includes('loss')).slice(0, 3);
    const input = { title, x: run.steps.x, xLabel: 'epoch (fraction)', series: seriesFor(run.steps, names.length ? names : Object.keys(run.steps.series).slice(0, 3)) };
    const existing = charts.get(title);
    if (existing) existing.update(input);
    else {
      const c = lineChart(input);
      charts.set(title, c);
      chartsEl.appendChild(c.element);
    }
  }
  for (const [title, c] of charts) {
    if (!wanted.has(title)) { c.element.remove(); c.destroy(); charts.delete(title); }
  }
  if (charts.size === 0) chartsEl.replaceChildren(h('div', { class: 'empty' }, 'No metrics yet: waiting for the first epoch to finish.'));
  else chartsEl.querySelector('.empty')?.remove();
  await afterFrames();
  let series = 0;
  let points = 0;
  for (const c of charts.values()) { const n = c.counts(); series += n.series; points += n.points; }
  // The header's backend as drawn, so the e2e can check what a user reads there.
  const backend = document.getElementById('backend')?.textContent ?? undefined;
  post({ type: 'rendered', page: 'training', info: { charts: charts.size, series, points, ...(backend ? { backend } : {}) } });
}

connect('training', (m: HostMessage) => {
  if (m.type === 'training') void render(m.run);
  else if (m.type === 'empty') { clear(app); headerEl = undefined; chartsEl = undefined; charts.clear(); app.appendChild(h('div', { class: 'empty' }, m.message)); }
});
