// Inference viewer: the images of a detection inference output folder with their boxes drawn
// here from the KITTI label lines (over the original image, or over TAO's overlay when the
// original is not at hand), filtered by class and confidence. A few thousand images stay
// fast: the grid builds only the rows on screen, and thumbnails are asked of the extension
// as rows appear (it serves only files it listed in the data it sent).

import '../ui/panel.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { h, clear, append } from '../ui/dom';
import { connect, post } from '../ui/vscode';
import { classColor } from '../ui/theme';
import type { HostMessage } from '../model/messages';
import { MAX_IMAGE_REQUEST } from '../model/messages';
import { boxVisible, classCounts, filterImages, gridWindow, type InferenceData, type InferenceImage, type KittiBox } from '../model/inference';

const SVG = 'http://www.w3.org/2000/svg';
const TILE_WIDTH = 188;
const ROW_HEIGHT = 190;

const app = document.getElementById('app') as HTMLElement;

interface State {
  name: string;
  data: InferenceData;
  filter: { hidden: Set<string>; minScore: number };
  onlyWithBoxes: boolean;
  useOverlay: boolean;
  /** Indices into data.images after filtering. */
  shown: number[];
  selected: number | undefined;
  selectedBox: number | undefined;
  window: { first: number; last: number; columns: number };
}

let state: State | undefined;

/** Two frames: layout and paint of what was just built (no uPlot here, so not ui/chart's). */
const afterFrames = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
const uris = new Map<string, string>();
const requested = new Set<string>();
const natural = new Map<string, { width: number; height: number }>();
let pending: string[] = [];
let els: { scroll: HTMLElement; spacer: HTMLElement; windowEl: HTMLElement; detail: HTMLElement; summary: HTMLElement; chips: HTMLElement } | undefined;

function sourceOf(im: InferenceImage, s: State): string | undefined {
  return s.useOverlay ? im.overlay ?? im.image : im.image ?? im.overlay;
}

function colorOf(cls: string): string {
  const i = state?.data.classes.indexOf(cls) ?? 0;
  return classColor(i < 0 ? 0 : i);
}

/** Asks for the thumbnails of the rows just built, in batches the host accepts. */
function want(path: string): void {
  if (uris.has(path) || requested.has(path)) return;
  requested.add(path);
  pending.push(path);
  if (pending.length === 1) {
    queueMicrotask(() => {
      for (let i = 0; i < pending.length; i += MAX_IMAGE_REQUEST) post({ type: 'requestImages', paths: pending.slice(i, i + MAX_IMAGE_REQUEST) });
      pending = [];
    });
  }
}

/** An image with its boxes as an SVG laid exactly over it (same box, `contain` fit on both). */
function framed(im: InferenceImage, index: number, s: State, big: boolean): HTMLElement {
  const frame = h('div', { class: big ? 'frame frame-big' : 'frame' });
  const src = sourceOf(im, s);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  svg.classList.add('boxes');
  const draw = (size: { width: number; height: number }): void => {
    svg.setAttribute('viewBox', `0 0 ${size.width} ${size.height}`);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    im.boxes.forEach((b, k) => {
      if (!boxVisible(b, s.filter)) return;
      const r = document.createElementNS(SVG, 'rect');
      r.setAttribute('x', String(b.x1));
      r.setAttribute('y', String(b.y1));
      r.setAttribute('width', String(Math.max(0, b.x2 - b.x1)));
      r.setAttribute('height', String(Math.max(0, b.y2 - b.y1)));
      r.setAttribute('stroke', colorOf(b.cls));
      r.setAttribute('data-box', String(k));
      r.setAttribute('data-class', b.cls);
      r.classList.add('box');
      if (big && s.selected === index && s.selectedBox === k) r.classList.add('selected');
      const title = document.createElementNS(SVG, 'title');
      title.textContent = b.score !== undefined ? `${b.cls} ${b.score.toFixed(3)}` : b.cls;
      r.appendChild(title);
      r.addEventListener('click', (e) => { e.stopPropagation(); select(index, k); });
      svg.appendChild(r);
    });
  };
  if (src) {
    const img = h('img', { alt: im.name, decoding: 'async', draggable: 'false' });
    const uri = uris.get(src);
    if (uri) img.src = uri;
    else { img.setAttribute('data-wants', src); want(src); }
    img.addEventListener('load', () => {
      const size = { width: img.naturalWidth, height: img.naturalHeight };
      natural.set(src, size);
      draw(size);
    });
    frame.appendChild(img);
    const known = natural.get(src);
    if (known) draw(known);
  } else {
    // No picture at all (labels only): draw the boxes on the extent they cover.
    const w = Math.max(1, ...im.boxes.map((b) => b.x2));
    const hgt = Math.max(1, ...im.boxes.map((b) => b.y2));
    draw({ width: w, height: hgt });
  }
  frame.appendChild(svg);
  return frame;
}

function tileFor(index: number, s: State): HTMLElement {
  const im = s.data.images[index];
  const visible = im.boxes.filter((b) => boxVisible(b, s.filter)).length;
  const tile = h('div', { class: s.selected === index ? 'thumb selected' : 'thumb', 'data-index': index, title: im.name }, framed(im, index, s, false), h('div', { class: 'thumb-name' }, h('span', { class: 'name' }, im.name), h('span', { class: 'count' }, String(visible))));
  tile.addEventListener('click', () => select(index, undefined));
  return tile;
}

/** Builds the rows on screen; called on scroll, resize and filter changes. */
function layout(force: boolean): void {
  if (!state || !els) return;
  const s = state;
  const win = gridWindow({ count: s.shown.length, width: els.scroll.clientWidth - 4, tileWidth: TILE_WIDTH, rowHeight: ROW_HEIGHT, scrollTop: els.scroll.scrollTop, viewport: els.scroll.clientHeight || 600 });
  els.spacer.style.height = `${win.totalHeight}px`;
  if (!force && win.first === s.window.first && win.last === s.window.last && win.columns === s.window.columns) return;
  s.window = win;
  els.windowEl.style.transform = `translateY(${Math.floor(win.first / win.columns) * ROW_HEIGHT}px)`;
  els.windowEl.style.gridTemplateColumns = `repeat(${win.columns}, minmax(0, 1fr))`;
  const tiles: HTMLElement[] = [];
  for (let i = win.first; i < win.last; i++) tiles.push(tileFor(s.shown[i], s));
  els.windowEl.replaceChildren(...tiles);
}

function labelLines(im: InferenceImage, index: number, s: State): HTMLElement {
  const list = h('ol', { class: 'label-lines', id: 'label-lines' });
  im.boxes.forEach((b, k) => {
    const li = h('li', { class: boxVisible(b, s.filter) ? 'line' : 'line filtered', 'data-box': k }, b.line);
    if (s.selectedBox === k) li.classList.add('selected');
    li.style.borderLeftColor = colorOf(b.cls);
    li.addEventListener('click', () => select(index, k));
    list.appendChild(li);
  });
  return list;
}

function renderDetail(): void {
  if (!state || !els) return;
  const s = state;
  clear(els.detail);
  if (s.selected === undefined) {
    els.detail.appendChild(h('div', { class: 'axis-note' }, 'Click an image to see it larger; click a box to see its label line.'));
    return;
  }
  const index = s.selected;
  const im = s.data.images[index];
  const box: KittiBox | undefined = s.selectedBox !== undefined ? im.boxes[s.selectedBox] : undefined;
  const file = im.image ?? im.overlay;
  const open = file ? h('vscode-button', { id: 'open-image', secondary: true }, 'Open image') : null;
  open?.addEventListener('click', () => post({ type: 'openImages', paths: [file as string] }));
  append(
    els.detail,
    h('div', { class: 'header' }, h('h3', { id: 'detail-name' }, im.name), h('span', { class: 'spacer' }), open),
    framed(im, index, s, true),
    h('div', { class: 'label-line', id: 'label-line' }, box ? box.line : im.boxes.length ? 'Click a box or a line below.' : 'No detections in this image.'),
    labelLines(im, index, s),
  );
}

function select(index: number, box: number | undefined): void {
  if (!state) return;
  state.selected = index;
  state.selectedBox = box;
  for (const t of Array.from(els?.windowEl.querySelectorAll('.thumb') ?? [])) t.classList.toggle('selected', Number(t.getAttribute('data-index')) === index);
  renderDetail();
}

/** Header counts and per-class chip counts for the current filter. */
function updateSummary(): number {
  if (!state || !els) return 0;
  const s = state;
  let boxes = 0;
  let shownBoxes = 0;
  for (const im of s.data.images) for (const b of im.boxes) { boxes++; if (boxVisible(b, s.filter)) shownBoxes++; }
  els.summary.textContent = `${s.shown.length} of ${s.data.images.length} images · ${shownBoxes} of ${boxes} boxes shown`;
  const counts = classCounts(s.data.images, s.filter.minScore);
  for (const chip of Array.from(els.chips.querySelectorAll<HTMLElement>('[data-class]'))) {
    const c = counts.get(chip.getAttribute('data-class') ?? '');
    const n = chip.querySelector('.count');
    if (n && c) n.textContent = `${c.shown}/${c.total}`;
  }
  return shownBoxes;
}

/** Reports what is drawn once layout has settled (fonts, custom elements, scrollbars). */
function report(shownBoxes: number): void {
  void afterFrames().then(() => {
    if (!state || !els) return;
    layout(false);
    post({ type: 'rendered', page: 'inference', info: { charts: els.windowEl.childElementCount, series: state.shown.length, points: shownBoxes } });
  });
}

/** Re-filters the list after a control changed, keeping the scroll position when it can. */
function refilter(): void {
  if (!state || !els) return;
  state.shown = filterImages(state.data.images, state.filter, state.onlyWithBoxes);
  const shownBoxes = updateSummary();
  layout(true);
  renderDetail();
  report(shownBoxes);
}

function controls(s: State): HTMLElement {
  const chips = h('div', { class: 'chips', id: 'class-filter' });
  const counts = classCounts(s.data.images, s.filter.minScore);
  for (const cls of s.data.classes) {
    const box = h('input', { type: 'checkbox', checked: true, 'data-class': cls });
    box.addEventListener('change', () => {
      if (box.checked) s.filter.hidden.delete(cls);
      else s.filter.hidden.add(cls);
      refilter();
    });
    const sw = h('span', { class: 'swatch' });
    sw.style.background = colorOf(cls);
    chips.appendChild(h('label', { class: 'chip', 'data-class': cls }, box, sw, cls, h('span', { class: 'count' }, `${counts.get(cls)?.shown ?? 0}/${counts.get(cls)?.total ?? 0}`)));
  }
  const bar = h('div', { class: 'toolbar', id: 'filters' }, chips);
  if (s.data.scored) {
    const slider = h('input', { type: 'range', id: 'confidence', min: 0, max: 1, step: 0.01, value: String(s.filter.minScore) });
    const value = h('b', { id: 'confidence-value' }, s.filter.minScore.toFixed(2));
    slider.addEventListener('input', () => {
      s.filter.minScore = Number(slider.value);
      value.textContent = s.filter.minScore.toFixed(2);
      refilter();
    });
    bar.appendChild(h('label', { class: 'slider' }, 'confidence ≥ ', slider, value));
  }
  const only = h('input', { type: 'checkbox', id: 'only-with-boxes' });
  only.addEventListener('change', () => { s.onlyWithBoxes = only.checked; refilter(); });
  bar.appendChild(h('label', {}, only, ' only images with boxes'));
  if (s.data.images.some((im) => im.image && im.overlay)) {
    const overlay = h('input', { type: 'checkbox', id: 'use-overlay' });
    overlay.addEventListener('change', () => { s.useOverlay = overlay.checked; refilter(); });
    bar.appendChild(h('label', { title: "TAO's images_annotated/ (boxes burnt in)" }, overlay, ' show TAO overlays'));
  }
  return bar;
}

function render(name: string, data: InferenceData): void {
  clear(app);
  uris.clear();
  requested.clear();
  pending = [];
  state = {
    name,
    data,
    filter: { hidden: new Set(), minScore: 0 },
    onlyWithBoxes: false,
    useOverlay: false,
    shown: data.images.map((_, i) => i),
    selected: undefined,
    selectedBox: undefined,
    window: { first: -1, last: -1, columns: 0 },
  };
  const s = state;
  const summary = h('span', { id: 'summary' });
  const bar = controls(s);
  const windowEl = h('div', { class: 'thumb-window', id: 'thumbs' });
  const spacer = h('div', { class: 'thumb-spacer' }, windowEl);
  const scroll = h('div', { class: 'thumb-scroll', id: 'grid' }, spacer);
  const detail = h('aside', { class: 'detail', id: 'detail' });
  app.classList.add('inference-app');
  append(
    app,
    h('div', { class: 'header' }, h('h1', {}, `Inference · ${name}`)),
    h('div', { class: 'subtitle' }, data.folder, data.images.every((im) => !im.image) && data.images.some((im) => im.overlay) ? ' · boxes drawn over TAO overlays (originals not found)' : ''),
    h('div', { class: 'meta' }, summary),
    bar,
    h('div', { class: 'inference-layout' }, scroll, detail),
  );
  els = { scroll, spacer, windowEl, detail, summary, chips: bar.querySelector('#class-filter') as HTMLElement };
  let queued = false;
  scroll.addEventListener('scroll', () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; layout(false); });
  });
  new ResizeObserver(() => layout(false)).observe(scroll);
  const shownBoxes = updateSummary();
  renderDetail();
  layout(true);
  report(shownBoxes);
}

function receiveUris(images: { path: string; uri: string }[]): void {
  for (const { path, uri } of images) uris.set(path, uri);
  for (const img of Array.from(app.querySelectorAll<HTMLImageElement>('img[data-wants]'))) {
    const uri = uris.get(img.getAttribute('data-wants') ?? '');
    if (uri) { img.removeAttribute('data-wants'); img.src = uri; }
  }
}

connect('inference', (m: HostMessage) => {
  if (m.type === 'inference') render(m.name, m.data);
  else if (m.type === 'imageUris') receiveUris(m.images);
  else if (m.type === 'empty') { clear(app); state = undefined; els = undefined; app.appendChild(h('div', { class: 'empty' }, m.message)); }
});
