// End-to-end: every task of the engine CLI on a tiny generated dataset, checking each output
// file and its shape; resume equivalence; tensor count flat across epochs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runEngine, tempDir, tinyDataset, writeSpec } from './helpers';

const work = tempDir('cli');
const data = tinyDataset(join(work, 'data'));
const spec = writeSpec(join(work, 'spec.txt'), { train: data.train, val: data.val, test: data.test });
const results = join(work, 'results');
const CLASSES = ['disc', 'hstripes', 'vstripes'];

function readJsonLines(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

function checkModelDir(dir: string): void {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  assert.ok(json.modelTopology.config.layers.length > 10, 'topology has the layers');
  const weights = json.weightsManifest[0].weights as Array<{ shape: number[]; dtype: string }>;
  const bytes = weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  assert.equal(statSync(join(dir, json.weightsManifest[0].paths[0])).size, bytes, 'weights.bin holds every tensor of the manifest');
  assert.deepEqual(json.userDefinedMetadata.classmap, { disc: 0, hstripes: 1, vstripes: 2 });
  assert.equal(json.userDefinedMetadata.inputImageSize, '1,16,16');
}

test('train writes checkpoints, final model, classmap, status.json and training.csv', () => {
  const r = runEngine(['classification_tf1', 'train', '-e', spec, '-r', results, '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /backend: wasm/);
  for (const d of ['epoch_001', 'epoch_002', 'final']) checkModelDir(join(results, 'weights', d));
  for (const f of ['optimizer.json', 'optimizer.bin', 'train_state.json']) assert.ok(existsSync(join(results, 'weights', 'epoch_002', f)), f);
  assert.deepEqual(JSON.parse(readFileSync(join(results, 'classmap.json'), 'utf8')), { disc: 0, hstripes: 1, vstripes: 2 });

  const lines = readJsonLines(join(results, 'status.json'));
  assert.deepEqual(lines.map((l) => l.status), ['STARTED', 'RUNNING', 'RUNNING', 'SUCCESS']);
  for (const l of lines) {
    assert.match(String(l.date), /^\d{1,2}\/\d{1,2}\/\d{4}$/);
    assert.match(String(l.time), /^\d{1,2}:\d{1,2}:\d{1,2}$/);
  }
  const running = lines.filter((l) => l.status === 'RUNNING');
  assert.deepEqual(running.map((l) => l.epoch), [0, 1]);
  for (const l of running) {
    assert.equal(l.max_epoch, 1);
    assert.equal(l.message, 'Training loop in progress');
    assert.match(String(l.time_per_epoch), /^\d+:\d\d:\d\d(\.\d{6})?$/);
    assert.match(String(l.eta), /^\d+:\d\d:\d\d(\.\d{6})?$/);
    const g = l.graphical as Record<string, number>;
    for (const k of ['loss', 'accuracy', 'lr', 'val_loss', 'val_accuracy']) assert.equal(typeof g[k], 'number', k);
    assert.equal(typeof (l.kpi as Record<string, number>).validation_accuracy, 'number');
  }

  const csv = readFileSync(join(results, 'training.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds,images_per_second,num_tensors');
  assert.equal(csv.length, 3);
  const tensors = csv.slice(1).map((row) => Number(row.split(',')[8]));
  assert.ok(tensors[0] > 0);
  assert.equal(tensors[1], tensors[0], 'tf.memory().numTensors is flat across epochs (no leaks)');
});

test('evaluate writes evaluation.json and evaluation.txt', () => {
  const r = runEngine(['classification_tf1', 'evaluate', '-e', spec, '-r', results, '-m', join(results, 'weights', 'final')]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(join(results, 'evaluation.json'), 'utf8'));
  assert.equal(report.images, 12);
  assert.deepEqual(report.classes, CLASSES);
  assert.equal(report.top_k, 2);
  for (const k of ['loss', 'top1_accuracy', 'topk_accuracy']) assert.equal(typeof report[k], 'number', k);
  assert.ok(report.topk_accuracy >= report.top1_accuracy);
  assert.equal(report.confusion_matrix.length, 3);
  assert.equal(report.confusion_matrix.flat().reduce((a: number, b: number) => a + b, 0), 12);
  assert.equal(report.per_class.length, 3);
  for (const p of report.per_class) assert.deepEqual(Object.keys(p).sort(), ['class', 'f1', 'precision', 'recall', 'support']);
  assert.ok(report.macro_avg && report.weighted_avg);
  // Per-image predictions agree with the confusion matrix (the panel lists a cell's images from them).
  assert.equal(report.predictions.length, 12);
  for (const p of report.predictions) {
    assert.ok(existsSync(p.path), p.path);
    assert.ok(CLASSES.includes(p.actual) && CLASSES.includes(p.predicted));
    assert.ok(p.score > 0 && p.score <= 1);
  }
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      const n = report.predictions.filter((p: { actual: string; predicted: string }) => p.actual === CLASSES[a] && p.predicted === CLASSES[b]).length;
      assert.equal(n, report.confusion_matrix[a][b], `cell ${a},${b}`);
    }
  }
  const text = readFileSync(join(results, 'evaluation.txt'), 'utf8');
  assert.match(text, /top-1 accuracy: \d\.\d{4}/);
  assert.match(text, /confusion matrix/);
  assert.equal(r.stdout, text, 'the report is printed too');
});

test('inference writes result.csv with path,label,score for every image', () => {
  const r = runEngine(['classification_tf1', 'inference', '-e', spec, '-r', results, '-m', join(results, 'weights', 'final'), '-i', data.test]);
  assert.equal(r.code, 0, r.stderr);
  const rows = readFileSync(join(results, 'result.csv'), 'utf8').trim().split('\n');
  assert.equal(rows.length, 12);
  for (const row of rows) {
    const [path, label, score] = row.split(',');
    assert.ok(existsSync(path), path);
    assert.ok(CLASSES.includes(label), label);
    assert.ok(Number(score) > 0 && Number(score) <= 1);
  }
});

test('an interrupted run resumed from its checkpoint equals the uninterrupted run', () => {
  const resumed = join(work, 'resumed');
  // The same backend as the uninterrupted run above (auto may pick another, e.g. onednn).
  const first = runEngine(['classification_tf1', 'train', '-e', spec, '-r', resumed, '--stop-after', '1', '--backend', 'wasm']);
  assert.equal(first.code, 0, first.stderr);
  assert.ok(existsSync(join(resumed, 'weights', 'epoch_001')));
  assert.ok(!existsSync(join(resumed, 'weights', 'final')));
  const second = runEngine(['classification_tf1', 'train', '-e', spec, '-r', resumed, '--backend', 'wasm']);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /resuming from .*epoch_001/);
  const a = readFileSync(join(results, 'weights', 'final', 'weights.bin'));
  const b = readFileSync(join(resumed, 'weights', 'final', 'weights.bin'));
  assert.ok(a.equals(b), 'final weights are byte-identical');
  const statuses = readJsonLines(join(resumed, 'status.json')).filter((l) => l.status === 'RUNNING').map((l) => l.epoch);
  assert.deepEqual(statuses, [0, 1]);
});

test('augment writes originals plus augmented copies per class', () => {
  const out = join(work, 'augmented');
  const r = runEngine(['classification_tf1', 'augment', '-e', spec, '-r', join(work, 'aug-results'), '-o', out, '--copies', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), CLASSES);
  for (const c of CLASSES) {
    const files = readdirSync(join(out, c));
    assert.equal(files.length, 36);
    assert.equal(files.filter((f) => /_aug\d\.png$/.test(f)).length, 24);
  }
});

test('--help documents every task', () => {
  for (const task of ['train', 'evaluate', 'inference', 'augment', 'dataset_convert']) {
    const r = runEngine(['classification_tf1', task, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`Usage: tao-engine classification_tf1 ${task}`));
  }
});
