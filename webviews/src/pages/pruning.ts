// Pruning panel: how much of each layer survived, and what the model lost and gained
// (parameters, size, accuracy before / after / after re-training).

import '../ui/panel.css';
import { h, clear, tile, pct } from '../ui/dom';
import { connect, post } from '../ui/vscode';
import type { HostMessage } from '../model/messages';
import { formatCount, formatBytes, type PruneData } from '../model/prune';

const app = document.getElementById('app') as HTMLElement;

function ratio(before: number | undefined, after: number | undefined): string | undefined {
  if (before === undefined || after === undefined || before === 0) return undefined;
  return `${(((before - after) / before) * 100).toFixed(1)} % smaller (${(before / Math.max(after, 1)).toFixed(2)}×)`;
}

function render(name: string, d: PruneData): void {
  clear(app);
  const tiles = h(
    'div',
    { class: 'tiles', id: 'headline' },
    tile('parameters before', formatCount(d.paramsBefore)),
    tile('parameters after', formatCount(d.paramsAfter), ratio(d.paramsBefore, d.paramsAfter)),
    d.sizeBefore !== undefined ? tile('size before', formatBytes(d.sizeBefore)) : null,
    d.sizeAfter !== undefined ? tile('size after', formatBytes(d.sizeAfter), ratio(d.sizeBefore, d.sizeAfter)) : null,
    d.accuracyBefore !== undefined ? tile('accuracy before', pct(d.accuracyBefore)) : null,
    d.accuracyAfter !== undefined ? tile('accuracy after pruning', pct(d.accuracyAfter)) : null,
    d.accuracyAfterRetrain !== undefined ? tile('accuracy after re-train', pct(d.accuracyAfterRetrain)) : null,
  );
  const settings = [d.threshold !== undefined ? `threshold ${d.threshold}` : '', d.normalizer ? `normalizer ${d.normalizer}` : '', d.equalization ? `equalization ${d.equalization}` : ''].filter(Boolean).join(' · ');
  const layers = h('div', { class: 'layers', id: 'layers' });
  for (const l of d.layers) {
    const track = h('div', { class: 'track', title: `${l.kept} of ${l.total} filters kept` });
    const kept = h('div', { class: 'kept' });
    kept.style.width = `${l.total > 0 ? (l.kept / l.total) * 100 : 0}%`;
    track.appendChild(kept);
    layers.append(h('div', { class: 'name', title: l.name }, l.name), track, h('div', { class: 'count' }, `${l.kept} / ${l.total}`));
  }
  const keptTotal = d.layers.reduce((a, l) => a + l.kept, 0);
  const allTotal = d.layers.reduce((a, l) => a + l.total, 0);
  app.append(
    h('div', { class: 'header' }, h('h1', {}, `Pruning · ${name}`)),
    settings ? h('div', { class: 'subtitle' }, settings) : '',
    tiles,
    h('h2', {}, `Filters kept per layer · ${keptTotal} of ${allTotal}`),
    d.layers.length ? layers : h('div', { class: 'empty' }, 'The report lists no layers.'),
  );
  post({ type: 'rendered', page: 'pruning', info: { charts: 1, series: 2, points: d.layers.length } });
}

connect('pruning', (m: HostMessage) => {
  if (m.type === 'pruning') render(m.name, m.data);
  else if (m.type === 'empty') { clear(app); app.appendChild(h('div', { class: 'empty' }, m.message)); }
});
