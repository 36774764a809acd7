// The detection pages in headless Chromium with the real CSP: the evaluation page for our
// engine's report and for a TAO container run, the training page following detection KPIs as
// they arrive, the runs page comparing detectors, and the inference viewer on 3,000 images
// (virtualised grid, thumbnails asked for on demand, class and confidence filters, label
// line of a clicked box).

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { openPanel, readFixture, pixelsOfColor, screenshot, shutdown, type PanelPage } from './harness';
import { parseStatus } from '../../webviews/src/model/status';
import { detectionSeries, normalizeDetectionEvaluation } from '../../webviews/src/model/detection';
import { parseKittiLabels, classesOf, type InferenceData, type InferenceImage } from '../../webviews/src/model/inference';
import { trainingRun } from '../../client/src/core/runData';
import type { TrainingRun } from '../../webviews/src/model/messages';

const BLUE = '#3794ff';
const ORANGE = '#d18616';
const GREEN = '#89d185';
let tmp = '';

before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tao-detect-panels-')); });
after(async () => {
  await shutdown();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A training run as the extension builds it, from a status.json written to a temp folder. */
function runFromStatus(text: string, name: string): TrainingRun {
  const folder = path.join(tmp, name, 'train');
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'status.json'), text);
  const run = trainingRun(folder);
  assert.ok(run);
  return run;
}

/** A PR curve shaped like a detector's: precision falls as recall rises, thinned to ~40 points. */
function prCurve(reach: number, start: number, seed: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 1; i <= 40; i++) {
    const r = (reach * i) / 40;
    const wobble = ((seed * 31 + i * 17) % 7) / 200;
    out.push([Number(r.toFixed(4)), Number(Math.max(0.05, start - (start - 0.3) * Math.pow(r / reach, 2) - wobble).toFixed(4))]);
  }
  return out;
}

function engineReport(): unknown {
  return {
    mAP: 0.5612,
    per_class: [
      { class: 'car', ap: 0.7104, precision: 0.6321, recall: 0.8125, num_ground_truth: 64, pr_curve: prCurve(0.85, 0.98, 1) },
      { class: 'cyclist', ap: 0.4227, precision: 0.4102, recall: 0.55, num_ground_truth: 20, pr_curve: prCurve(0.6, 0.9, 2) },
      { class: 'pedestrian', ap: 0.5505, precision: 0.5, recall: 0.6666, num_ground_truth: 33, pr_curve: prCurve(0.7, 0.95, 3) },
    ],
    images: 48,
    model: 'results/kitti/train/weights/final',
    dataset: 'data/tfrecords/kitti-fold-0-*',
    average_precision_mode: 'SAMPLE',
  };
}

/** Our engine's training status.json (validation every other epoch), first `upTo` epochs. */
function engineStatus(upTo: number): string {
  const lines = [JSON.stringify({ status: 'STARTED', message: 'Starting DetectNet_v2 Training job', backend: 'tensorflow' })];
  for (let e = 0; e < upTo; e++) {
    const done = e + 1;
    const kpi: Record<string, number> = {};
    const graphical: Record<string, number> = { loss: 0.02 / done, cov_loss: 0.01 / done, bbox_loss: 0.01 / done, learning_rate: 0.0005 };
    if (done % 2 === 0) {
      const m = 0.6 * (1 - Math.exp(-done / 4));
      kpi.mAP = graphical.mAP = m;
      kpi.AP_car = m * 1.25;
      kpi.AP_cyclist = m * 0.7;
      kpi.AP_pedestrian = m * 1.05;
    }
    lines.push(JSON.stringify({ status: 'RUNNING', message: 'Training loop in progress', epoch: e, max_epoch: 9, step: done * 50, max_step: 500, eta: `0:00:${String((10 - done) * 5).padStart(2, '0')}`, graphical, kpi, backend: 'tensorflow' }));
  }
  return lines.join('\n') + '\n';
}

test('evaluation page, detection report: AP table, PR curves per class, mAP over training', async () => {
  const data = normalizeDetectionEvaluation(engineReport());
  assert.ok(data);
  const training = detectionSeries(parseStatus(engineStatus(10)).records);
  const panel = await openPanel('evaluation', { width: 1200, height: 1000 });
  try {
    await panel.send({ type: 'detectionEvaluation', name: 'kitti/evaluate', data, training });
    const info = await panel.waitRendered(1);
    assert.equal(info.charts, 2, 'precision-recall and mAP over training');
    assert.equal(info.series, 3 + 4, 'a PR curve per class; mAP and AP per class');
    const page = panel.page;
    const headline = (await page.locator('#headline').textContent()) ?? '';
    assert.match(headline, /56\.12 %mAP/);
    assert.match(headline, /48images/);
    assert.match(headline, /117ground truths/);
    const rows = page.locator('#ap-table tbody tr');
    assert.equal(await rows.count(), 4, '3 classes + mAP');
    assert.deepEqual((await rows.nth(0).locator('td').allTextContents()).map((t) => t.trim()), ['car', '71.04 %', '63.21 %', '81.25 %', '64']);
    assert.match((await rows.nth(3).textContent()) ?? '', /mAP56\.12 %/);
    assert.equal(await page.locator('canvas').count(), 2);
    // Each class's PR curve in its colour (car blue, cyclist orange, pedestrian green).
    const prCanvas = '#charts > section:nth-child(1) canvas';
    for (const color of [BLUE, ORANGE, GREEN]) {
      const [n] = await pixelsOfColor(page, color, prCanvas);
      assert.ok(n > 80, `${color} PR curve pixels: ${n}`);
    }
    assert.deepEqual(await panel.cspViolations(), []);
    assert.deepEqual(panel.errors, []);
    await screenshot(page, 'evaluation-detection.png');
  } finally {
    await panel.close();
  }
});

test('evaluation page, TAO container run: AP from kpis, no PR curves, mAP over the TAO training', async () => {
  const training = detectionSeries(parseStatus(readFixture('tao-detectnet-status.json')).records);
  assert.ok(training);
  const panel = await openPanel('evaluation', { width: 1100, height: 900 });
  try {
    const data = { mAP: 0.5839, classes: ['car', 'cyclist', 'pedestrian'].map((name) => ({ name, ap: training.ap[name][2] as number, precision: undefined, recall: undefined, groundTruths: undefined, prCurve: [] })), images: undefined, model: undefined, dataset: undefined, apMode: undefined };
    await panel.send({ type: 'detectionEvaluation', name: 'tao/evaluate', data, training });
    const info = await panel.waitRendered(1);
    assert.equal(info.charts, 1);
    assert.equal(info.points, 4 * 3, 'mAP + 3 classes at epochs 4, 8, 12');
    assert.equal(await panel.page.locator('#no-pr').count(), 1);
    assert.match((await panel.page.locator('#headline').textContent()) ?? '', /58\.39 %best mAP in trainingepoch 12/);
    assert.deepEqual((await panel.page.locator('#ap-table tbody tr').nth(1).locator('td').allTextContents()).map((t) => t.trim()), ['cyclist', '44.18 %', '—', '—', '—']);
    const [blue] = await pixelsOfColor(panel.page, BLUE);
    assert.ok(blue > 80, `car AP line drawn: ${blue}`);
    assert.deepEqual(await panel.cspViolations(), []);
    assert.deepEqual(panel.errors, []);
    await screenshot(panel.page, 'evaluation-detection-tao.png');
  } finally {
    await panel.close();
  }
});

test('training page: detection KPIs appear as validations arrive; TAO run with its sticky copies left out', async () => {
  const panel = await openPanel('training', { width: 1200, height: 1000 });
  try {
    const early = runFromStatus(engineStatus(1), 'engine-live');
    await panel.send({ type: 'training', run: early });
    await panel.waitRendered(1);
    assert.equal(early.detection, undefined, 'no validation yet');
    assert.equal(await panel.page.locator('#detection-kpis').count(), 0);
    const later = runFromStatus(engineStatus(6), 'engine-live');
    await panel.send({ type: 'training', run: later });
    const second = await panel.waitRendered(2);
    assert.ok(second.charts >= 3, `mAP, loss and learning-rate charts: ${second.charts}`);
    const tiles = (await panel.page.locator('#detection-kpis').textContent()) ?? '';
    const m6 = 0.6 * (1 - Math.exp(-6 / 4));
    assert.match(tiles, new RegExp(`${(m6 * 100).toFixed(2)} %mAPepoch 6`));
    assert.match(tiles, /AP car/);
    assert.equal(await panel.page.locator('#charts > section:first-child h3').textContent(), 'mAP');
    assert.equal(await panel.page.locator('#best-checkpoint').textContent(), `epoch 6 (mAP ${Number(m6.toFixed(4))})`);

    const tao = runFromStatus(readFixture('tao-detectnet-status.json'), 'tao-detectnet');
    await panel.send({ type: 'training', run: tao });
    const third = await panel.waitRendered(3);
    const titles = await panel.page.locator('#charts h3').allTextContents();
    assert.deepEqual(titles, ['mAP', 'Loss', 'Learning rate'], 'no chart of the repeated "mean average precision" / "validation cost"');
    assert.equal(third.series, 4 + 1 + 1);
    assert.match((await panel.page.locator('#detection-kpis').textContent()) ?? '', /58\.39 %mAPepoch 12/);
    assert.equal(await panel.page.locator('#epoch').textContent(), '12 / 12');
    assert.match((await panel.page.locator('#run-header').textContent()) ?? '', /SUCCESS/);
    const blue = await pixelsOfColor(panel.page, BLUE, '#charts > section:first-child canvas');
    assert.ok(blue[0] > 50, `car AP on the mAP chart: ${blue}`);
    assert.deepEqual(await panel.cspViolations(), []);
    assert.deepEqual(panel.errors, []);
    await screenshot(panel.page, 'training-detection-tao.png');
  } finally {
    await panel.close();
  }
});

test('runs page: detection runs compared by mAP curve and last AP per class', async () => {
  const tao = runFromStatus(readFixture('tao-detectnet-status.json'), 'cmp-tao');
  const engine = runFromStatus(engineStatus(10), 'cmp-engine');
  const runs = [tao, engine].map((r) => ({ name: r.name, folder: r.folder, epochs: r.epochs, summary: r.summary, detection: r.detection }));
  const panel = await openPanel('runs', { width: 1200, height: 1000 });
  try {
    await panel.send({ type: 'runs', runs });
    const info = await panel.waitRendered(1);
    const titles = await panel.page.locator('#charts h3').allTextContents();
    assert.equal(titles[0], 'mAP');
    assert.ok(!titles.slice(1).some((t) => /mean average precision|validation cost|^map$|^ap /i.test(t)), `no raw detection metric charts: ${titles}`);
    assert.equal(info.charts, titles.length);
    const rows = panel.page.locator('#ap-compare tbody tr');
    assert.equal(await rows.count(), 4, 'car, cyclist, pedestrian, mAP');
    const m10 = 0.6 * (1 - Math.exp(-10 / 4));
    assert.deepEqual((await rows.nth(3).locator('td').allTextContents()).map((t) => t.trim()), ['mAP', '58.39 %', `${(m10 * 100).toFixed(2)} %`]);
    const [blue] = await pixelsOfColor(panel.page, BLUE, '#charts > section:first-child canvas');
    const [orange] = await pixelsOfColor(panel.page, ORANGE, '#charts > section:first-child canvas');
    assert.ok(blue > 50 && orange > 50, `both runs on the mAP chart: ${blue} ${orange}`);
    assert.deepEqual(await panel.cspViolations(), []);
    assert.deepEqual(panel.errors, []);
    await screenshot(panel.page, 'runs-detection.png');
  } finally {
    await panel.close();
  }
});

/** Three synthetic scenes (320x240 PNG) as data: URIs, the one scheme besides the webview's the CSP allows. */
function scenes(): string[] {
  const colors: [number, number, number][] = [[40, 60, 90], [70, 50, 40], [30, 80, 50]];
  return colors.map(([r, g, b], k) => {
    const png = new PNG({ width: 320, height: 240 });
    for (let y = 0; y < 240; y++) {
      for (let x = 0; x < 320; x++) {
        const i = (y * 320 + x) * 4;
        const stripe = ((x + y * (k + 1)) >> 4) % 2 === 0 ? 18 : 0;
        png.data[i] = r + stripe;
        png.data[i + 1] = g + stripe;
        png.data[i + 2] = b + stripe;
        png.data[i + 3] = 255;
      }
    }
    return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
  });
}

function inferenceFixture(count: number): InferenceData {
  const classes = ['car', 'cyclist', 'pedestrian'];
  const images: InferenceImage[] = [];
  for (let i = 0; i < count; i++) {
    const lines: string[] = [];
    for (let k = 0; k < i % 4; k++) {
      const cls = classes[(i + k) % 3];
      const x1 = 20 + ((i * 37 + k * 90) % 200);
      const y1 = 20 + ((i * 53 + k * 60) % 140);
      const score = ((i * 7 + k * 13) % 100) / 100;
      lines.push(`${cls} 0.00 0 0.00 ${x1.toFixed(2)} ${y1.toFixed(2)} ${(x1 + 60).toFixed(2)} ${(y1 + 50).toFixed(2)} 0.00 0.00 0.00 0.00 0.00 0.00 0.00 ${score.toFixed(3)}`);
    }
    const name = `frame_${String(i).padStart(5, '0')}.png`;
    images.push({ name, image: `/data/images/${name}`, overlay: `/results/infer/images_annotated/${name}`, boxes: parseKittiLabels(lines.join('\n')) });
  }
  return { folder: '/results/infer', images, classes: classesOf(images), labels: '/results/infer/labels', scored: true };
}

/** Plays the extension: answers every new thumbnail request with data: URIs. Returns the paths asked for. */
async function serveRequests(panel: PanelPage, uris: string[], answered: Set<number>): Promise<string[]> {
  const posted = await panel.posted();
  const asked: string[] = [];
  for (let i = 0; i < posted.length; i++) {
    const m = posted[i];
    if (m.type !== 'requestImages' || answered.has(i)) continue;
    answered.add(i);
    const paths = m.paths as string[];
    assert.ok(paths.length <= 200, 'requests stay within what the host accepts');
    asked.push(...paths);
    await panel.send({ type: 'imageUris', images: paths.map((p) => ({ path: p, uri: uris[Number(/(\d+)\.png$/.exec(p)?.[1] ?? 0) % uris.length] })) });
  }
  return asked;
}

test('inference viewer: 3,000 images, virtual grid, thumbnails on demand, filters, clicked box shows its line', async () => {
  const data = inferenceFixture(3000);
  const uris = scenes();
  const panel = await openPanel('inference', { width: 1280, height: 900 });
  const answered = new Set<number>();
  try {
    const page = panel.page;
    // Time inside the page, from the message's arrival to the page's `rendered` report (the
    // transfer from the test process is not the page's doing).
    await page.evaluate(() => {
      const w = window as unknown as { __posted: { type: string }[]; __times: number[] };
      w.__times = [];
      window.addEventListener('message', () => w.__times.push(performance.now()), { capture: true });
      const push = w.__posted.push.bind(w.__posted);
      w.__posted.push = (...m: { type: string }[]) => { if (m[0]?.type === 'rendered') w.__times.push(performance.now()); return push(...m); };
    });
    await panel.send({ type: 'inference', name: 'kitti/inference', data });
    const info = await panel.waitRendered(1);
    const [arrived, rendered] = await page.evaluate(() => (window as unknown as { __times: number[] }).__times);
    assert.ok(rendered - arrived < 1500, `first render took ${rendered - arrived} ms in the page`);
    assert.equal(info.series, 3000);
    const totalBoxes = data.images.reduce((a, im) => a + im.boxes.length, 0);
    assert.equal(info.points, totalBoxes);
    const tiles = await page.locator('#thumbs .thumb').count();
    assert.ok(tiles > 0 && tiles <= 60, `only the rows on screen are built: ${tiles}`);
    assert.equal(info.charts, tiles);
    const asked = await serveRequests(panel, uris, answered);
    assert.equal(asked.length, tiles, 'one thumbnail asked per tile built');
    assert.ok(asked.every((p) => p.startsWith('/data/images/')), 'originals preferred over the overlays');
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('#thumbs img')).every((i) => i.complete && i.naturalWidth > 0));
    // Boxes sit on the image: frame_00003 has 3 boxes; its first, scaled into the 'contain' fit.
    const tile = page.locator('#thumbs .thumb[data-index="3"]');
    assert.equal(await tile.locator('rect.box').count(), 3);
    const geo = await tile.evaluate((el) => {
      const img = el.querySelector('img') as HTMLImageElement;
      const r = (el.querySelector('rect.box') as SVGRectElement).getBoundingClientRect();
      const f = img.getBoundingClientRect();
      return { fw: f.width, fh: f.height, fx: f.left, fy: f.top, rx: r.left, ry: r.top, rw: r.width };
    });
    const scale = Math.min(geo.fw / 320, geo.fh / 240);
    const b0 = data.images[3].boxes[0];
    const dx = (geo.fw - 320 * scale) / 2;
    const dy = (geo.fh - 240 * scale) / 2;
    // The rect's bounding box includes half of its (2 px) stroke on each side.
    assert.ok(Math.abs(geo.rx - (geo.fx + dx + b0.x1 * scale)) < 2.5, `box x: ${geo.rx} vs ${geo.fx + dx + b0.x1 * scale}`);
    assert.ok(Math.abs(geo.ry - (geo.fy + dy + b0.y1 * scale)) < 2.5, `box y: ${geo.ry} vs ${geo.fy + dy + b0.y1 * scale}`);
    assert.ok(Math.abs(geo.rw - 60 * scale) < 3, `box width ${geo.rw} vs ${60 * scale}`);

    // Scroll to the end: the last images are built, the first ones are gone, few more asked.
    await page.locator('#grid').evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await page.waitForFunction(() => !!document.querySelector('#thumbs .thumb[data-index="2999"]'));
    assert.equal(await page.locator('#thumbs .thumb[data-index="0"]').count(), 0);
    const more = await serveRequests(panel, uris, answered);
    assert.ok(more.length > 0 && more.length <= 60, `thumbnails asked after scrolling: ${more.length}`);
    assert.ok(more.includes('/data/images/frame_02999.png'));
    await page.locator('#grid').evaluate((el) => { el.scrollTop = 0; });
    await page.waitForFunction(() => !!document.querySelector('#thumbs .thumb[data-index="0"]'));
    assert.deepEqual(await serveRequests(panel, uris, answered), [], 'thumbnails already known are not asked again');

    // Class filter: switch cyclists off.
    const before = await page.locator('#thumbs rect.box').count();
    const cyclistsOnScreen = await page.locator('#thumbs rect.box[data-class="cyclist"]').count();
    assert.ok(cyclistsOnScreen > 0);
    await page.locator('#class-filter input[data-class="cyclist"]').uncheck();
    const afterClass = await panel.waitRendered(2);
    assert.equal(await page.locator('#thumbs rect.box[data-class="cyclist"]').count(), 0);
    assert.equal(await page.locator('#thumbs rect.box').count(), before - cyclistsOnScreen);
    const cyclists = data.images.reduce((a, im) => a + im.boxes.filter((b) => b.cls === 'cyclist').length, 0);
    assert.equal(afterClass.points, totalBoxes - cyclists);

    // Confidence slider: only boxes scoring at least 0.8 stay.
    await page.locator('#confidence').fill('0.8');
    const afterScore = await panel.waitRendered(3);
    const expected = data.images.reduce((a, im) => a + im.boxes.filter((b) => b.cls !== 'cyclist' && (b.score ?? 1) >= 0.8).length, 0);
    assert.equal(afterScore.points, expected);
    assert.equal(await page.locator('#confidence-value').textContent(), '0.80');
    // Only images with a box left.
    await page.locator('#only-with-boxes').check();
    const onlyBoxes = await panel.waitRendered(4);
    assert.ok(onlyBoxes.series < 3000 && onlyBoxes.series > 0, `images with boxes: ${onlyBoxes.series}`);
    assert.match((await page.locator('#summary').textContent()) ?? '', new RegExp(`${onlyBoxes.series} of 3000 images · ${expected} of ${totalBoxes} boxes shown`));

    // Click a box on a thumbnail: the detail pane shows the image and that box's line.
    await serveRequests(panel, uris, answered);
    const rect = page.locator('#thumbs rect.box').first();
    const index = Number(await rect.evaluate((r) => r.closest('.thumb')?.getAttribute('data-index')));
    const k = Number(await rect.getAttribute('data-box'));
    await rect.click({ force: true });
    await page.locator('#label-line').waitFor();
    assert.equal(await page.locator('#label-line').textContent(), data.images[index].boxes[k].line);
    assert.equal(await page.locator('#detail-name').textContent(), data.images[index].name);
    assert.equal(await page.locator('#label-lines li').count(), data.images[index].boxes.length);
    assert.equal(await page.locator('#label-lines li.selected').count(), 1);
    await serveRequests(panel, uris, answered);
    await page.locator('#open-image').click();
    const opened = (await panel.posted()).filter((m) => m.type === 'openImages');
    assert.deepEqual(opened.at(-1)?.paths, [data.images[index].image]);
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('img')).every((i) => i.complete && i.naturalWidth > 0));
    assert.deepEqual(await panel.cspViolations(), []);
    assert.deepEqual(panel.errors, []);
    await screenshot(page, 'inference.png');
  } finally {
    await panel.close();
  }
});

test('inference viewer without originals: boxes drawn over the overlays, no slider for unscored labels', async () => {
  const uris = scenes();
  const images: InferenceImage[] = [0, 1, 2].map((i) => ({ name: `img${i}.png`, image: undefined, overlay: `/r/images_annotated/img${i}.png`, boxes: parseKittiLabels(`person 0 0 0 ${10 + i * 40} 30 ${70 + i * 40} 200 0 0 0 0 0 0 0`) }));
  const panel = await openPanel('inference', { width: 900, height: 700 });
  try {
    await panel.send({ type: 'inference', name: 'overlays', data: { folder: '/r', images, classes: ['person'], labels: '/r/labels', scored: false } satisfies InferenceData });
    await panel.waitRendered(1);
    const asked = await serveRequests(panel, uris, new Set());
    assert.deepEqual(asked, images.map((im) => im.overlay));
    assert.equal(await panel.page.locator('#confidence').count(), 0);
    assert.equal(await panel.page.locator('#thumbs rect.box').count(), 3);
    assert.match((await panel.page.locator('.subtitle').first().textContent()) ?? '', /over TAO overlays/);
    assert.deepEqual(panel.errors, []);
  } finally {
    await panel.close();
  }
});

