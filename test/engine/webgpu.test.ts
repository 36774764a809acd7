// The WebGPU backend against the pure-JS reference (`cpu`): the engine's tasks of both
// networks run as processes with `--backend webgpu` and with `--backend cpu`, and their losses,
// predictions and exported files are compared. Without a GPU this runs on Mesa's llvmpipe
// (a software adapter through Dawn's OpenGL ES backend), which only `--backend webgpu` uses.
//
// Tolerances: losses and probabilities within 1e-4 absolute (GPU reductions sum in another
// order than the CPU loops); exports and pruned weights byte-identical (they copy weights, and
// webgpu reads them back exactly). Training is compared over one epoch (5 steps): after that
// Adam turns rounding-level gradient differences into full-size steps for near-zero gradients,
// and any two backends drift apart (wasm against cpu as much as webgpu against cpu: measured
// 3e-3 in the second epoch's loss, against 6e-6 in the first). Where no WebGPU adapter exists
// the tests are skipped with the probe's reason, except in CI (CI=true), whose machine
// installs Mesa in .ci/run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runEngine, tempDir, tinyDataset, writeSpec } from './helpers';
import { writeDetectionScenes } from '../../engine/src/data/scenes';
import { datasetConvertSpec, detectInferenceSpec, detectTrainSpec } from '../../engine/src/tools/detect-specs';
import type { BackendReport } from '../../engine/src/backend/probe';

const TOLERANCE = 1e-4;

const probeRun = runEngine(['doctor', '--probe', 'webgpu']);
const probe = JSON.parse(probeRun.stdout.trim().split('\n').pop() ?? '{}') as BackendReport;
const skip = probe.loads ? false : `no WebGPU adapter here: ${probe.problem ?? probeRun.stderr}`;

const work = tempDir('webgpu');

function readJsonLines(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Rows of a CSV with a header, as numbers by column name. */
function readCsv(path: string): Array<Record<string, number>> {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const names = header.split(',');
  return rows.map((row) => Object.fromEntries(row.split(',').map((v, i) => [names[i], Number(v)])));
}

function close(actual: number, expected: number, what: string, tolerance = TOLERANCE): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: webgpu ${actual} vs cpu ${expected} (tolerance ${tolerance})`);
}

/** Runs the same engine command on both backends (each writes to its own folder). */
function both(args: (backend: string) => string[]): void {
  for (const backend of ['cpu', 'webgpu']) {
    const command = [...args(backend), '--backend', backend];
    const r = runEngine(command);
    assert.equal(r.code, 0, `${backend}: ${r.stderr}`);
    if (backend === 'webgpu' && !command.includes('--quiet')) assert.match(r.stderr, /backend: webgpu on /);
  }
}

if (!probe.loads && process.env.CI) {
  test('CI has a WebGPU adapter (Mesa from .ci/run)', () => assert.fail(String(skip)));
}

const data = tinyDataset(join(work, 'data'));
const spec = writeSpec(join(work, 'spec.txt'), { train: data.train, val: data.val, test: data.test, epochs: 1 });
const out = (backend: string, name: string) => join(work, backend, name);

test('classification train: webgpu losses equal the cpu backend\'s; status.json names the adapter', { skip }, () => {
  both((b) => ['classification_tf1', 'train', '-e', spec, '-r', out(b, 'train')]);
  const cpu = readCsv(join(out('cpu', 'train'), 'training.csv'));
  const gpu = readCsv(join(out('webgpu', 'train'), 'training.csv'));
  assert.equal(gpu.length, cpu.length);
  cpu.forEach((row, i) => {
    for (const key of ['loss', 'val_loss']) close(gpu[i][key], row[key], `epoch ${i + 1} ${key}`);
  });
  const started = readJsonLines(join(out('webgpu', 'train'), 'status.json')).find((l) => l.status === 'STARTED');
  assert.equal(started?.backend, `webgpu (${probe.device}${probe.software ? ', software' : ''})`);
});

test('classification evaluate and inference: webgpu probabilities equal the cpu backend\'s', { skip }, () => {
  const model = join(out('cpu', 'train'), 'weights', 'final');
  both((b) => ['classification_tf1', 'evaluate', '-e', spec, '-r', out(b, 'eval'), '-m', model]);
  const cpu = JSON.parse(readFileSync(join(out('cpu', 'eval'), 'evaluation.json'), 'utf8'));
  const gpu = JSON.parse(readFileSync(join(out('webgpu', 'eval'), 'evaluation.json'), 'utf8'));
  close(gpu.loss, cpu.loss, 'evaluation loss');
  assert.deepEqual(gpu.confusion_matrix, cpu.confusion_matrix);
  cpu.predictions.forEach((p: { score: number; predicted: string }, i: number) => {
    assert.equal(gpu.predictions[i].predicted, p.predicted);
    close(gpu.predictions[i].score, p.score, `image ${i} score`);
  });
  both((b) => ['classification_tf1', 'inference', '-e', spec, '-r', out(b, 'infer'), '-m', model, '-i', data.test]);
  const rows = (b: string) => readFileSync(join(out(b, 'infer'), 'result.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  const [c, g] = [rows('cpu'), rows('webgpu')];
  assert.equal(g.length, c.length);
  c.forEach((row, i) => {
    assert.equal(g[i][1], row[1], `${row[0]} label`);
    close(Number(g[i][2]), Number(row[2]), `${row[0]} score`);
  });
});

test('classification export and prune on webgpu write the same files as on cpu', { skip }, () => {
  const model = join(out('cpu', 'train'), 'weights', 'final');
  both((b) => ['classification_tf1', 'export', '-e', spec, '-m', model, '-o', join(work, b, 'export', 'model.onnx')]);
  assert.ok(readFileSync(join(work, 'webgpu', 'export', 'model.onnx')).equals(readFileSync(join(work, 'cpu', 'export', 'model.onnx'))), 'ONNX files are byte-identical');
  both((b) => ['classification_tf1', 'prune', '-e', spec, '-m', model, '-o', join(work, b, 'pruned'), '-pth', '0.5']);
  const weights = (b: string) => readFileSync(join(work, b, 'pruned', 'weights.bin'));
  assert.ok(weights('webgpu').equals(weights('cpu')), 'pruned weights are byte-identical');
  const report = (b: string) => JSON.parse(readFileSync(join(work, b, 'pruned', 'prune_report.json'), 'utf8')).params_after;
  assert.equal(report('webgpu'), report('cpu'));
});

test('detectnet_v2 train (from a pretrained detector with a new class), evaluate, inference, export, prune and re-train on webgpu match cpu', { skip }, () => {
  const root = join(work, 'kitti');
  const scenes = writeDetectionScenes(root, { count: 16, width: 64, height: 64, seed: 5, classes: [1, 8], minObjects: 1, maxObjects: 2, minSize: 20, maxSize: 40 });
  const classes = scenes.classNames;
  writeFileSync(join(work, 'convert.txt'), datasetConvertSpec({ root, valSplit: 25, shards: 1 }));
  let r = runEngine(['detectnet_v2', 'dataset_convert', '-d', join(work, 'convert.txt'), '-o', join(work, 'tfrecords', 'scenes')]);
  assert.equal(r.code, 0, r.stderr);
  const trainSpec = (name: string, o: { classes: string[]; pretrained?: string; loadGraph?: boolean }) => {
    const path = join(work, name);
    writeFileSync(path, detectTrainSpec({ classes: o.classes, width: 64, height: 64, layers: 10, epochs: 1, batch: 4, tfrecords: join(work, 'tfrecords', '*'), images: root, firstValidationEpoch: 1, validationPeriod: 1, clustering: 'NMS', pretrained: o.pretrained, loadGraph: o.loadGraph }));
    return path;
  };
  const base = trainSpec('detect.txt', { classes });
  r = runEngine(['detectnet_v2', 'train', '-e', base, '-r', join(work, 'detect-base'), '--backend', 'cpu', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const pretrained = join(work, 'detect-base', 'weights', 'final');
  // One known class and a new one: the known class's head channels are copied on the device.
  const transfer = trainSpec('detect-transfer.txt', { classes: [classes[0], 'newthing'], pretrained });
  both((b) => ['detectnet_v2', 'train', '-e', transfer, '-r', out(b, 'detect'), '--quiet']);
  const cpu = readCsv(join(out('cpu', 'detect'), 'training.csv'));
  const gpu = readCsv(join(out('webgpu', 'detect'), 'training.csv'));
  cpu.forEach((row, i) => {
    for (const key of ['loss', 'cov_loss', 'bbox_loss']) close(gpu[i][key], row[key], `epoch ${i + 1} ${key}`, Math.max(TOLERANCE * Math.abs(row[key]), 1e-6));
  });

  both((b) => ['detectnet_v2', 'evaluate', '-e', base, '-m', pretrained, '-r', out(b, 'detect-eval')]);
  const mAP = (b: string) => JSON.parse(readFileSync(join(out(b, 'detect-eval'), 'evaluation.json'), 'utf8')).mAP as number;
  close(mAP('webgpu'), mAP('cpu'), 'mAP', 1e-3);

  const inferSpec = join(work, 'detect-infer.txt');
  writeFileSync(inferSpec, detectInferenceSpec({ classes, width: 64, height: 64, clustering: 'NMS' }));
  both((b) => ['detectnet_v2', 'inference', '-e', inferSpec, '-m', pretrained, '-i', join(root, 'image_2', '000001.png'), '-o', out(b, 'detect-infer')]);
  const boxes = (b: string) => readFileSync(join(out(b, 'detect-infer'), 'labels', '000001.txt'), 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(' '));
  const [cb, gb] = [boxes('cpu'), boxes('webgpu')];
  assert.equal(gb.length, cb.length, 'same number of boxes');
  cb.forEach((box, i) => {
    assert.equal(gb[i][0], box[0]);
    for (const k of [4, 5, 6, 7]) close(Number(gb[i][k]), Number(box[k]), `box ${i} coordinate ${k}`, 0.05);
  });

  both((b) => ['detectnet_v2', 'export', '-m', pretrained, '-o', join(work, b, 'detect-export', 'model.onnx')]);
  assert.ok(readFileSync(join(work, 'webgpu', 'detect-export', 'model.onnx')).equals(readFileSync(join(work, 'cpu', 'detect-export', 'model.onnx'))), 'ONNX files are byte-identical');

  // Prune (heads kept whole) and re-train the pruned graph: same kept filters, same losses.
  both((b) => ['detectnet_v2', 'prune', '-e', base, '-m', pretrained, '-o', join(work, b, 'detect-pruned'), '-pth', '0.9', '-nf', '4', '-pg', '4']);
  const prunedWeights = (b: string) => readFileSync(join(work, b, 'detect-pruned', 'weights.bin'));
  assert.ok(prunedWeights('webgpu').equals(prunedWeights('cpu')), 'pruned DetectNet_v2 weights are byte-identical');
  const params = (b: string) => JSON.parse(readFileSync(join(work, b, 'detect-pruned', 'prune_report.json'), 'utf8')) as { params_before: number; params_after: number };
  assert.ok(params('cpu').params_after < params('cpu').params_before, 'the detector was pruned');
  assert.equal(params('webgpu').params_after, params('cpu').params_after);
  const retrain = trainSpec('detect-retrain.txt', { classes, pretrained: join(work, 'cpu', 'detect-pruned'), loadGraph: true });
  both((b) => ['detectnet_v2', 'train', '-e', retrain, '-r', out(b, 'detect-retrain'), '--quiet']);
  const [rc, rg] = [readCsv(join(out('cpu', 'detect-retrain'), 'training.csv')), readCsv(join(out('webgpu', 'detect-retrain'), 'training.csv'))];
  rc.forEach((row, i) => close(rg[i].loss, row.loss, `re-train epoch ${i + 1} loss`, Math.max(TOLERANCE * Math.abs(row.loss), 1e-6)));
});
