// The prune and export tasks driven through their EngineTask interface with a hand-built
// context (no CLI process): outputs, reports, status lines and the bad-input errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { pruneTask } from '../../engine/src/networks/classification_tf1/tasks/prune';
import { exportTask } from '../../engine/src/networks/classification_tf1/tasks/export';
import type { Flags, TaskContext } from '../../engine/src/tasks/types';
import type { ClassificationConfig } from '../../engine/src/networks/classification_tf1/config';
import { loadModel, saveModel } from '../../engine/src/io/model-io';
import { createStatusWriter } from '../../engine/src/util/status';
import { encodePng } from '../../engine/src/data/images';
import { parseCalibrationCache } from '../../engine/src/export/cal-cache';
import { loadOrt } from '../../engine/src/export/ort';
import { TINY_MODELS } from '../prune/models';
import { fashionImages } from './images';

let root: string;
before(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'prune-export-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

function context(task: string, flags: Flags): TaskContext<ClassificationConfig> {
  const resultsDir = join(root, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const quiet = { info() {}, warn() {}, progress() {}, done() {} };
  return {
    network: 'classification_tf1',
    task,
    flags,
    specPath: '',
    spec: {},
    // Only the fields prune/export read; the spec parser fills the rest in real runs.
    config: { train: { preprocessMode: 'torch', imageMean: {} } } as unknown as ClassificationConfig,
    resultsDir,
    status: createStatusWriter(join(resultsDir, 'status.json')),
    log: quiet,
    tf,
    backend: 'cpu',
  };
}

function writeCalImages(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  const x = fashionImages(n, 32, 3);
  const data = x.mul(255).round().dataSync();
  for (let i = 0; i < n; i++) {
    const img = Uint8Array.from(data.subarray(i * 32 * 32 * 3, (i + 1) * 32 * 32 * 3));
    writeFileSync(join(dir, `img_${i}.png`), encodePng({ width: 32, height: 32, channels: 3, data: img }));
  }
}

/** Files left in a folder, ignoring nothing: temp files from atomic writes would show up here. */
function listing(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('prune and export tasks', () => {
  test('prune writes the model, both reports and status lines', async () => {
    const src = join(root, 'trained');
    await saveModel(tf, TINY_MODELS.resnet_all_projections(), src, { classmap: { a: 0, b: 1, c: 2, d: 3, e: 4 } });
    writeFileSync(join(src, 'classmap.json'), '{"a":0,"b":1,"c":2,"d":3,"e":4}\n');
    const out = join(root, 'pruned');
    await pruneTask.run(context('prune', { m: src, o: out, pth: '4.5', nm: 'L2', eq: 'intersection', pg: '4', nf: '4', el: 'conv1' }));
    // The Keras copy is named after the model (no arch in this metadata), as TAO's re-train reads it.
    assert.deepEqual(listing(out), ['classmap.json', 'model.json', 'prune_report.json', 'prune_report.txt', 'tiny_resnet_pruned.hdf5', 'weights.bin']);
    const report = JSON.parse(readFileSync(join(out, 'prune_report.json'), 'utf8'));
    assert.ok(report.params_after < report.params_before);
    assert.equal(report.options.normalizer, 'L2');
    assert.equal(report.options.equalization_criterion, 'intersection');
    assert.deepEqual(report.options.excluded_layers, ['conv1']);
    assert.ok(report.equalization_groups.length > 0);
    assert.match(readFileSync(join(out, 'prune_report.txt'), 'utf8'), /kept\/total/);
    const reloaded = await loadModel(tf, out);
    assert.equal(reloaded.model.countParams(), report.params_after);
    const status = readFileSync(join(root, 'results', 'status.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(status[0].status, 'STARTED');
    assert.equal(status.at(-1).status, 'SUCCESS');
    assert.equal(status.at(-1).kpi.params_after, report.params_after);
  });

  test('export of the pruned model: ONNX, tfjs copy, classmap and an INT8 cache naming graph tensors', async () => {
    const cal = join(root, 'cal');
    writeCalImages(cal, 6);
    const outDir = join(root, 'export');
    const onnxPath = join(outDir, 'model.onnx');
    await exportTask.run(context('export', { m: join(root, 'pruned'), o: onnxPath, data_type: 'int8', cal_image_dir: cal, batches: '2', batch_size: '2', classmap_json: true }));
    assert.deepEqual(listing(outDir), ['cal.bin', 'classmap.json', 'model.onnx', 'model_tfjs']);
    assert.deepEqual(listing(join(outDir, 'model_tfjs')), ['model.json', 'weights.bin']);
    const cache = parseCalibrationCache(readFileSync(join(outDir, 'cal.bin'), 'utf8'));
    assert.equal(cache.header, 'TRT-8501-EntropyCalibration2');
    assert.ok(cache.scales.has('input_1') && cache.scales.has('block_1a_add') && cache.scales.has('predictions'));
    for (const s of cache.scales.values()) assert.ok(s > 0 && Number.isFinite(s));
    const ort = loadOrt();
    const session = await ort.InferenceSession.create(readFileSync(onnxPath), { intraOpNumThreads: 1 });
    assert.deepEqual(session.inputNames, ['input_1']);
    assert.equal(JSON.parse(readFileSync(join(outDir, 'classmap.json'), 'utf8')).c, 2);
  });

  test('a model file that is not a model: one clear error, nothing written', async () => {
    const bogus = join(root, 'bogus');
    mkdirSync(bogus, { recursive: true });
    writeFileSync(join(bogus, 'model.json'), '{"hello": "world"}');
    const out = join(root, 'bad-prune');
    await assert.rejects(pruneTask.run(context('prune', { m: bogus, o: out })), /not a readable tfjs layers model/);
    assert.equal(existsSync(out), false);
    const onnx = join(root, 'bad-export', 'm.onnx');
    await assert.rejects(exportTask.run(context('export', { m: join(bogus, 'model.json'), o: onnx })), /not a readable tfjs layers model/);
    assert.deepEqual(listing(join(root, 'bad-export')), []);
  });

  test('an empty calibration folder: one clear error, nothing written', async () => {
    const empty = join(root, 'empty-cal');
    mkdirSync(empty, { recursive: true });
    const outDir = join(root, 'export-empty');
    await assert.rejects(
      exportTask.run(context('export', { m: join(root, 'pruned'), o: join(outDir, 'm.onnx'), data_type: 'int8', cal_image_dir: empty })),
      /calibration images: no images/,
    );
    assert.deepEqual(listing(outDir), []);
  });

  test('an opset the model cannot be written for: one clear error, nothing written', async () => {
    const src = join(root, 'softmax-conv');
    const input = tf.input({ shape: [8, 8, 3], name: 'input_1' });
    const y = tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'softmax', name: 'conv_softmax' }).apply(input) as tf.SymbolicTensor;
    await saveModel(tf, tf.model({ inputs: input, outputs: y }), src);
    const outDir = join(root, 'export-opset');
    await assert.rejects(exportTask.run(context('export', { m: src, o: join(outDir, 'm.onnx'), target_opset: '11' })), /needs opset 13 or newer/);
    assert.deepEqual(listing(outDir), []);
    await assert.rejects(exportTask.run(context('export', { m: src, o: join(outDir, 'm.onnx'), target_opset: '30' })), /--target_opset 30 is not supported/);
  });

  test('bad flag values are rejected before any work', async () => {
    await assert.rejects(pruneTask.run(context('prune', { m: join(root, 'trained'), o: join(root, 'x'), nm: 'L1' })), /-nm must be one of max, L2/);
    await assert.rejects(pruneTask.run(context('prune', { m: join(root, 'trained'), o: join(root, 'x'), pg: '0' })), /-pg must be at least 1/);
    await assert.rejects(exportTask.run(context('export', { m: join(root, 'trained'), o: join(root, 'x.onnx'), data_type: 'int8' })), /needs --cal_image_dir/);
  });
});
