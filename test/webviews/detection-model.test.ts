// The detection models behind the panels: mAP/AP read from status.json in our engine's and
// TAO's spellings (TAO's sticky logger repeats old numbers on later records), detection
// evaluation reports, PR-curve alignment, KITTI label lines, filters and the virtual grid.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFixture } from './harness';
import { parseStatus, parseStatusLines } from '../../webviews/src/model/status';
import { alignPrCurves, detectionSeries, evaluationFromKpi, isDetectionMetric, latestKpi, normalizeDetectionEvaluation, readDetectionKpi } from '../../webviews/src/model/detection';
import { boxVisible, classCounts, classesOf, filterImages, gridWindow, parseKittiLabels, parseKittiLine, type InferenceImage } from '../../webviews/src/model/inference';
import { normalizeEvaluation } from '../../webviews/src/model/evaluation';
import { parsePanelMessage, MAX_IMAGE_REQUEST } from '../../webviews/src/model/messages';

const close = (a: number | null | undefined, b: number): boolean => a !== null && a !== undefined && Math.abs(a - b) < 1e-9;

test("TAO's detectnet_v2 status.json: validations without an epoch, sticky kpi ignored, percent to fractions", () => {
  const run = parseStatus(readFixture('tao-detectnet-status.json'));
  const d = detectionSeries(run.records);
  assert.ok(d);
  assert.equal(d.source, 'tao');
  // Validations ran after epochs 4, 8 and 12 (counted from 1); the records of epochs 5..12
  // repeat the previous validation's numbers and must not add points.
  assert.deepEqual(d.x, [4, 8, 12]);
  assert.ok(close(d.mAP[0], 0.2718) && close(d.mAP[1], 0.4975) && close(d.mAP[2], 0.5839), `mAP ${d.mAP}`);
  assert.deepEqual(d.classes, ['car', 'cyclist', 'pedestrian']);
  assert.ok(close(d.ap.car[2], 0.762) && close(d.ap.pedestrian[0], 0.2415));
  assert.deepEqual(d.best, { epoch: 12, mAP: 0.5839 });
  assert.equal(d.final, undefined, 'a training run has no separate evaluation');
  const last = latestKpi(d);
  assert.ok(last && close(last.mAP, 0.5839) && close(last.ap.cyclist, 0.4418));
  // The generic epoch series holds the sticky copies; the panels drop them for detection runs.
  assert.ok(Object.keys(run.epochs.series).some(isDetectionMetric));
  assert.equal(isDetectionMetric('loss'), false);
});

test("our engine's status.json: kpi on the validated epoch records, an evaluate task's SUCCESS line as final", () => {
  const line = (o: Record<string, unknown>): string => JSON.stringify({ status: 'RUNNING', ...o });
  const text = [
    line({ status: 'STARTED', message: 'Starting DetectNet_v2 Training job', backend: 'wasm' }),
    line({ epoch: 0, max_epoch: 2, graphical: { loss: 0.5, learning_rate: 0.001 }, kpi: {} }),
    line({ epoch: 1, max_epoch: 2, graphical: { loss: 0.4, learning_rate: 0.001, mAP: 0.25 }, kpi: { mAP: 0, AP_car: 0, AP_person: 0 } }),
    line({ epoch: 2, max_epoch: 2, graphical: { loss: 0.3, learning_rate: 0.001, mAP: 0.4 }, kpi: { mAP: 0.4, AP_car: 0.5, AP_person: 0.3 } }),
    line({ status: 'SUCCESS', message: 'Training finished.' }),
  ].join('\n') + '\n';
  const d = detectionSeries(parseStatusLines(text).records);
  assert.ok(d);
  assert.equal(d.source, 'engine');
  assert.deepEqual(d.x, [2, 3]);
  assert.deepEqual(d.mAP, [0, 0.4], 'a zero mAP is a real point');
  assert.deepEqual(d.ap, { car: [0, 0.5], person: [0, 0.3] });
  assert.deepEqual(d.best, { epoch: 3, mAP: 0.4 });
  const evaluate = detectionSeries(parseStatusLines([line({ status: 'STARTED' }), line({ status: 'SUCCESS', kpi: { mAP: 0.61, AP_car: 0.7, AP_person: 0.52 } })].join('\n')).records);
  assert.deepEqual(evaluate?.x, []);
  assert.deepEqual(evaluate?.final, { mAP: 0.61, ap: { car: 0.7, person: 0.52 } });
  assert.equal(detectionSeries(parseStatus(readFixture('tao-classification-status.json')).records), undefined, 'a classifier has no detection numbers');
});

test('KPI spellings: TAO percent keys and TensorBoard tags, engine fractions, engine-style keys in percent', () => {
  assert.deepEqual(readDetectionKpi({ 'mean average precision': 61.5, 'validation cost': 0.001 }, { average_precision: { car: 70, bus: 53 } }), { kpi: { mAP: 0.615, ap: { car: 0.7, bus: 0.53 } }, source: 'tao' });
  assert.deepEqual(readDetectionKpi({ 'mean average precision (mAP) (in %)': 50, 'car_AP (in %)': 60 }), { kpi: { mAP: 0.5, ap: { car: 0.6 } }, source: 'tao' });
  assert.deepEqual(readDetectionKpi({ mAP: 0.5, AP_car: 0.6 }), { kpi: { mAP: 0.5, ap: { car: 0.6 } }, source: 'engine' });
  // A precision above 1 can only be a percentage.
  assert.deepEqual(readDetectionKpi({ mAP: 50, AP_car: 60 })?.kpi, { mAP: 0.5, ap: { car: 0.6 } });
  assert.equal(readDetectionKpi({ size: 44.6, param_count: 11203028 }), undefined);
  assert.equal(readDetectionKpi(undefined), undefined);
  assert.equal(readDetectionKpi({ val_accuracy: 0.9 }), undefined);
});

test('detection evaluation report: our evaluation.json, TAO kpis only, and never a classification report', () => {
  const report = {
    mAP: 0.55,
    per_class: [
      { class: 'car', ap: 0.7, precision: 0.8, recall: 0.75, num_ground_truth: 40, pr_curve: [[0.1, 1], [0.5, 0.9], [0.75, 0.8]] },
      { class: 'person', ap: 0.4, precision: 0.5, recall: 0.45, num_ground_truth: 20, pr_curve: [[0.05, 1], [0.05, 0.5], [0.45, 0.5]] },
    ],
    images: 16,
    model: '/r/train/weights/final',
    dataset: '/d/tfrecords/*',
    average_precision_mode: 'SAMPLE',
  };
  const d = normalizeDetectionEvaluation(report);
  assert.ok(d);
  assert.equal(d.mAP, 0.55);
  assert.deepEqual(d.classes.map((c) => [c.name, c.ap, c.groundTruths, c.prCurve.length]), [['car', 0.7, 40, 3], ['person', 0.4, 20, 3]]);
  assert.equal(d.apMode, 'SAMPLE');
  assert.equal(normalizeEvaluation(report), undefined, 'the classification model does not take it either');
  assert.equal(normalizeDetectionEvaluation(JSON.parse(readFixture('evaluation_report.json'))), undefined);
  const fromKpi = evaluationFromKpi({ mAP: 0.5, ap: { car: 0.6, bus: 0.4 } });
  assert.deepEqual(fromKpi.classes.map((c) => [c.name, c.ap, c.prCurve.length]), [['car', 0.6, 0], ['bus', 0.4, 0]]);
  // PR curves share one recall axis; a class's saw tooth keeps its top at each recall.
  const { x, ys } = alignPrCurves(d.classes);
  assert.deepEqual(x, [0.05, 0.1, 0.45, 0.5, 0.75]);
  assert.deepEqual(ys, [[null, 1, null, 0.9, 0.8], [1, null, 0.5, null, null]]);
});

test('KITTI label lines: 16 fields carry a score, 15 do not, junk is skipped', () => {
  const b = parseKittiLine('car 0.00 0 0.00 10.50 20.00 110.25 80.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.873');
  assert.deepEqual(b && [b.cls, b.x1, b.y1, b.x2, b.y2, b.score], ['car', 10.5, 20, 110.25, 80, 0.873]);
  assert.equal(parseKittiLine('person 0 0 0 1 2 3 4 0 0 0 0 0 0 0')?.score, undefined);
  assert.equal(parseKittiLine('car 0 0 0 a b c d'), undefined);
  assert.equal(parseKittiLine('car 0 0'), undefined);
  const boxes = parseKittiLabels('car 0 0 0 1 2 3 4 0 0 0 0 0 0 0 0.9\r\n\n# note\nbus 0 0 0 5 6 7 8 0 0 0 0 0 0 0 0.2\n');
  assert.deepEqual(boxes.map((x) => x.cls), ['car', 'bus']);
  assert.equal(boxes[0].line, 'car 0 0 0 1 2 3 4 0 0 0 0 0 0 0 0.9');
});

test('inference filters: class switch, confidence threshold, images with boxes, counts', () => {
  const img = (name: string, ...lines: string[]): InferenceImage => ({ name, image: `/i/${name}`, overlay: undefined, boxes: parseKittiLabels(lines.join('\n')) });
  const images = [
    img('a.png', 'car 0 0 0 1 1 5 5 0 0 0 0 0 0 0 0.9', 'bus 0 0 0 1 1 5 5 0 0 0 0 0 0 0 0.3'),
    img('b.png', 'bus 0 0 0 1 1 5 5 0 0 0 0 0 0 0 0.6'),
    img('c.png'),
    img('d.png', 'person 0 0 0 1 1 5 5 0 0 0 0 0 0 0'),
  ];
  assert.deepEqual(classesOf(images), ['car', 'bus', 'person']);
  const f = { hidden: new Set<string>(), minScore: 0.5 };
  assert.equal(boxVisible(images[0].boxes[1], f), false);
  assert.equal(boxVisible(images[3].boxes[0], f), true, 'a box without a score always passes');
  assert.deepEqual(filterImages(images, f, false), [0, 1, 2, 3]);
  assert.deepEqual(filterImages(images, f, true), [0, 1, 3]);
  assert.deepEqual(filterImages(images, { hidden: new Set(['bus', 'person']), minScore: 0.5 }, true), [0]);
  assert.deepEqual(Object.fromEntries(classCounts(images, 0.5)), { car: { total: 1, shown: 1 }, bus: { total: 2, shown: 1 }, person: { total: 1, shown: 1 } });
});

test('virtual grid: only the rows on screen plus overscan, whatever the image count', () => {
  const w = gridWindow({ count: 3000, width: 800, tileWidth: 188, rowHeight: 190, scrollTop: 0, viewport: 600 });
  assert.equal(w.columns, 4);
  assert.equal(w.first, 0);
  assert.equal(w.last, 4 * (Math.ceil(600 / 190) + 2));
  assert.equal(w.totalHeight, 750 * 190);
  const end = gridWindow({ count: 3000, width: 800, tileWidth: 188, rowHeight: 190, scrollTop: 750 * 190 - 600, viewport: 600 });
  assert.equal(end.last, 3000);
  assert.ok(end.last - end.first <= 4 * 8);
  assert.deepEqual(gridWindow({ count: 0, width: 100, tileWidth: 188, rowHeight: 190, scrollTop: 0, viewport: 600 }), { columns: 1, first: 0, last: 0, totalHeight: 0 });
});

test('thumbnail requests from the inference page are checked like every panel message', () => {
  assert.deepEqual(parsePanelMessage({ type: 'requestImages', paths: ['/d/a.png', '/d/b.jpg'] }), { type: 'requestImages', paths: ['/d/a.png', '/d/b.jpg'] });
  assert.equal(parsePanelMessage({ type: 'requestImages', paths: [] }), undefined);
  assert.equal(parsePanelMessage({ type: 'requestImages', paths: ['/d/a.png', 3] }), undefined);
  assert.equal(parsePanelMessage({ type: 'requestImages', paths: ['/d/\0.png'] }), undefined);
  assert.equal(parsePanelMessage({ type: 'requestImages', paths: Array.from({ length: MAX_IMAGE_REQUEST + 1 }, (_, i) => `/d/${i}.png`) }), undefined);
  assert.deepEqual(parsePanelMessage({ type: 'ready', page: 'inference' }), { type: 'ready', page: 'inference' });
});
