// The extension's side of the detection panels, without VS Code: what it reads from results
// folders (evaluation.json, TAO's status-only evaluate, the training next door, inference
// outputs with or without the original images) and which thumbnails it agrees to serve.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFixture } from './harness';
import { detectionEvaluationData, inferenceData, inferenceImagePaths, isInferenceFolder, trainingStatusFor } from '../../client/src/core/detectionRun';
import { resolveImageServe } from '../../client/src/core/imageRequests';
import { trainingRun } from '../../client/src/core/runData';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tao-detect-host-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function write(rel: string, text: string | Buffer): string {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

test('a TAO container training run: best epoch by mAP, epochs read as detectnet_v2 writes them', () => {
  write('tao/train/status.json', readFixture('tao-detectnet-status.json'));
  const run = trainingRun(path.join(root, 'tao', 'train'));
  assert.ok(run?.detection);
  assert.deepEqual(run.detection.x, [4, 8, 12]);
  assert.equal(run.summary.best?.metric, 'mAP');
  assert.equal(run.summary.best?.epoch, 12);
  assert.equal(run.summary.epochs, 12, 'max_epoch is the epoch count in detectnet_v2');
  assert.equal(run.summary.epoch, 12);
});

test('detection evaluation: our evaluation.json with the mAP curve of ../train; TAO evaluate from status.json only', () => {
  write('engine/evaluate/evaluation.json', JSON.stringify({ mAP: 0.4, per_class: [{ class: 'box', ap: 0.5, precision: 0.6, recall: 0.5, num_ground_truth: 10, pr_curve: [[0.5, 0.6]] }, { class: 'disc', ap: 0.3, precision: 0.4, recall: 0.3, num_ground_truth: 8, pr_curve: [] }], images: 8 }));
  write('engine/train/status.json', [
    { epoch: 0, max_epoch: 1, status: 'RUNNING', kpi: { mAP: 0.2, AP_box: 0.3, AP_disc: 0.1 } },
    { epoch: 1, max_epoch: 1, status: 'RUNNING', kpi: { mAP: 0.4, AP_box: 0.5, AP_disc: 0.3 } },
  ].map((r) => JSON.stringify(r)).join('\n') + '\n');
  const evaluate = path.join(root, 'engine', 'evaluate');
  assert.equal(trainingStatusFor(evaluate), path.join(root, 'engine', 'train', 'status.json'));
  const e = detectionEvaluationData(evaluate);
  assert.ok(e);
  assert.deepEqual(e.data.classes.map((c) => c.name), ['box', 'disc']);
  assert.deepEqual(e.training?.mAP, [0.2, 0.4]);
  // TAO's evaluate leaves no report file, only its kpis (percent) in status.json.
  write('tao/evaluate/status.json', [
    { status: 'STARTED', message: 'Starting DetectNet_v2 Evaluation' },
    { status: 'RUNNING', message: 'Evaluation metrics generated.', categorical: { average_precision: { car: 76.2, cyclist: 44.18, pedestrian: 54.79 } }, kpi: { 'validation cost': 0.00062, 'mean average precision': 58.39 } },
    { status: 'SUCCESS', message: 'Evaluation finished successfully.', categorical: { average_precision: { car: 76.2, cyclist: 44.18, pedestrian: 54.79 } }, kpi: { 'validation cost': 0.00062, 'mean average precision': 58.39 } },
  ].map((r) => JSON.stringify(r)).join('\n') + '\n');
  const t = detectionEvaluationData(path.join(root, 'tao', 'evaluate'));
  assert.ok(t);
  assert.ok(Math.abs(t.data.mAP - 0.5839) < 1e-9);
  assert.deepEqual(t.data.classes.map((c) => c.name), ['car', 'cyclist', 'pedestrian']);
  assert.deepEqual(t.training?.x, [4, 8, 12], 'the TAO training beside it');
  assert.equal(detectionEvaluationData(path.join(root, 'tao', 'train')), undefined, 'a training folder is no evaluation');
});

test('inference folder: labels + overlays, boxes over the originals when their folder is known', () => {
  const out = path.join(root, 'infer');
  const images = path.join(root, 'images');
  write('infer/labels/a.txt', 'car 0.00 0 0.00 1.0 2.0 30.0 40.0 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.91\n');
  write('infer/labels/b.txt', '');
  write('infer/images_annotated/a.png', 'png');
  write('infer/images_annotated/b.jpg', 'jpg');
  write('images/a.png', 'png');
  write('images/b.jpg', 'jpg');
  write('images/notes.txt', 'not an image');
  assert.equal(isInferenceFolder(out), true);
  assert.equal(isInferenceFolder(images), false);
  const withOriginals = inferenceData(out, images);
  assert.ok(withOriginals);
  assert.deepEqual(withOriginals.images.map((i) => [i.name, i.boxes.length, i.image, i.overlay]), [
    ['a.png', 1, path.join(images, 'a.png'), path.join(out, 'images_annotated', 'a.png')],
    ['b.jpg', 0, path.join(images, 'b.jpg'), path.join(out, 'images_annotated', 'b.jpg')],
  ]);
  assert.equal(withOriginals.scored, true);
  assert.deepEqual(withOriginals.classes, ['car']);
  const overlaysOnly = inferenceData(out);
  assert.equal(overlaysOnly?.images[0].image, undefined);
  // Serving: only listed images inside the panel's folders.
  const allowed = inferenceImagePaths(withOriginals);
  const secret = write('elsewhere/secret.png', 'png');
  const r = resolveImageServe([path.join(images, 'a.png'), path.join(out, 'images_annotated', 'b.jpg'), secret, path.join(images, 'notes.txt'), '../images/a.png'], new Set([...allowed, secret, path.join(images, 'notes.txt')]), [out, images]);
  assert.deepEqual(r.open, [path.join(images, 'a.png'), path.join(out, 'images_annotated', 'b.jpg')]);
  assert.deepEqual(r.refused.map((x) => x.reason), ['outside the folders this panel may read', 'not an image file', 'not listed in the data this panel shows']);
});
