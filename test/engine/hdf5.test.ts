// Keras .hdf5 models in and out (issue 14): a file written by h5py with Keras' layout from known
// weights predicts what an independent NumPy forward pass of those weights says; engine ->
// .hdf5 -> engine gives identical predictions (classifier and DetectNet_v2); the written file
// is what Keras 2.2.4 reads (byte-string attributes, channels_first config, TAO's layer names);
// a pretrained .hdf5 in a train spec reports loaded and skipped layers; -m file.hdf5 works on
// evaluate; encrypted TAO files fail with the way out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';
import { buildDetectnet } from '../../engine/src/networks/detectnet_v2/model';
import { loadModel } from '../../engine/src/io/model-io';
import { writeKerasModel } from '../../engine/src/io/hdf5/keras-model';
import { readKerasFile } from '../../engine/src/io/hdf5/keras-file';
import type { ModelJson } from '../../engine/src/io/hdf5/keras-config';
import { repoRoot, runEngine, tempDir, tinyDataset, writeSpec } from './helpers';

// Debian's python3 (python3-h5py 3.7, python3-numpy), not whatever python3 is first on PATH.
const PYTHON = '/usr/bin/python3';

async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
}

function python(args: string[]): string {
  const r = spawnSync(PYTHON, args, { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, `${PYTHON} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function predictAll(model: tf.LayersModel, x: tf.Tensor): Float32Array[] {
  const out = model.predict(x);
  const list = Array.isArray(out) ? out : [out];
  const data = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  return data;
}

test('an h5py-written Keras file (TAO layout, channels_first) predicts what NumPy computes from its weights', async () => {
  await useCpu();
  const dir = tempDir('hdf5-fixture');
  const file = join(dir, 'fixture.hdf5');
  const expectedFile = join(dir, 'expected.json');
  python(['tools/fixtures/make_keras_hdf5.py', file, expectedFile]);
  const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as { input_nchw: number[][][][]; probabilities: number[][]; layers_with_weights: string[] };

  const loaded = await loadModel(tf, file);
  const { model } = loaded;
  // The engine works channels_last: the file's [3, 8, 8] input becomes [8, 8, 3].
  assert.deepEqual(model.inputs[0].shape, [null, 8, 8, 3]);
  assert.deepEqual(
    model.layers.filter((l) => l.weights.length > 0).map((l) => l.name).sort(),
    expected.layers_with_weights,
  );
  const x = tf.transpose(tf.tensor4d(expected.input_nchw), [0, 2, 3, 1]);
  const [probs] = predictAll(model, x);
  const want = expected.probabilities.flat();
  assert.equal(probs.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(probs[i] - want[i]) < 1e-5, `probability ${i}: engine ${probs[i]}, NumPy ${want[i]}`);
  tf.dispose(x);
  model.dispose();
});

test('classifier round trip engine -> .hdf5 -> engine gives identical predictions (resnet, mobilenet_v2)', async () => {
  await useCpu();
  const dir = tempDir('hdf5-roundtrip');
  for (const [arch, n] of [['resnet', 10], ['mobilenet_v2', 0]] as const) {
    const cfg = buildConfig({ model_config: { arch, n_layers: n, use_batch_norm: true, input_image_size: '3,32,32', freeze_blocks: [0] } }).config.model;
    const { model } = buildClassifier(tf, cfg, 4, 3);
    // Non-trivial batch-norm statistics, so a mixed-up moving_mean/variance would show.
    for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
      const ws = layer.getWeights();
      const fresh = ws.map((w, i) => tf.add(tf.randomUniform(w.shape, 0.1, 0.5, 'float32', i + 1), i === 3 ? 1 : 0));
      layer.setWeights(fresh);
      tf.dispose(fresh);
    }
    const file = join(dir, `${arch}.hdf5`);
    await writeKerasModel(model, file, { classmap: { a: 0, b: 1, c: 2, d: 3 }, arch });
    const back = await loadModel(tf, file);
    assert.deepEqual(back.metadata.classmap, { a: 0, b: 1, c: 2, d: 3 });
    const x = tf.randomUniform([3, 32, 32, 3], -1, 1, 'float32', 11);
    assert.deepEqual(predictAll(back.model, x), predictAll(model, x), `${arch}: predictions differ after the round trip`);
    // Frozen blocks stay frozen.
    assert.equal(back.model.getLayer(model.layers[1].name).trainable, model.layers[1].trainable);
    tf.dispose(x);
    back.model.dispose();
    model.dispose();
  }
});

test('DetectNet_v2 round trip engine -> .hdf5 -> engine gives identical coverage and bbox outputs', async () => {
  await useCpu();
  const dir = tempDir('hdf5-detect');
  const base = buildConfig({ model_config: { arch: 'resnet', n_layers: 10, use_batch_norm: true, input_image_size: '3,48,64' } }).config.model;
  const cfg = { ...base, bboxScale: 35, bboxOffset: 0.5, loadGraph: false, pretrainedModelFile: '' } as unknown as Parameters<typeof buildDetectnet>[1];
  const model = buildDetectnet(tf, cfg, 2, 5);
  const file = join(dir, 'detectnet.hdf5');
  await writeKerasModel(model, file, { classes: ['car', 'person'] });
  const back = await loadModel(tf, file);
  assert.deepEqual(back.model.outputNames, ['output_cov', 'output_bbox'].map((n) => back.model.getLayer(n).name));
  const x = tf.randomUniform([2, 48, 64, 3], 0, 1, 'float32', 4);
  const a = predictAll(model, x);
  const b = predictAll(back.model, x);
  assert.equal(a.length, 2);
  assert.deepEqual(b, a);
  tf.dispose(x);
  back.model.dispose();
  model.dispose();
});

test('the written file is what Keras 2.2.4 reads: byte-string attributes, channels_first, TAO names, Keras class names', async () => {
  await useCpu();
  const dir = tempDir('hdf5-keras');
  // activation relu6: TAO's MobileNetV2 template then writes ReLU(max_value=6) layers (checked below).
  const cfg = buildConfig({ model_config: { arch: 'mobilenet_v2', use_batch_norm: true, input_image_size: '3,32,32', activation: { activation_type: 'relu6' } } }).config.model;
  const { model } = buildClassifier(tf, cfg, 3, 1);
  const file = join(dir, 'm.hdf5');
  await writeKerasModel(model, file);
  // Keras 2.2.4's load_model does exactly these .decode('utf8') calls on what h5py returns.
  const report = python([
    '-c',
    `import h5py, json
f = h5py.File(${JSON.stringify(file)}, 'r')
cfg = json.loads(f.attrs['model_config'].decode('utf8'))
names = [n.decode('utf8') for n in f['model_weights'].attrs['layer_names']]
first = [l for l in cfg['config']['layers'] if l['class_name'] == 'Conv2D'][0]['name']
wn = [n.decode('utf8') for n in f['model_weights'][first].attrs['weight_names']]
print(json.dumps({'keras_version': f.attrs['keras_version'].decode('utf8'), 'backend': f.attrs['backend'].decode('utf8'),
  'names': names, 'weight_names': wn, 'shape': list(f['model_weights'][first][wn[0]].shape), 'config': cfg}))`,
  ]);
  const seen = JSON.parse(report) as { keras_version: string; backend: string; names: string[]; weight_names: string[]; shape: number[]; config: ModelJson };
  assert.equal(seen.keras_version, '2.2.4-tf');
  assert.equal(seen.backend, 'tensorflow');
  assert.deepEqual(seen.names, model.layers.map((l) => l.name));
  // TAO's MobileNetV2 names its stem conv `conv1` (Keras applications' `Conv1` before issue 19).
  assert.deepEqual(seen.weight_names, ['conv1/kernel:0']);
  assert.deepEqual(seen.shape, [3, 3, 3, 32]);
  const layers = seen.config.config.layers;
  assert.deepEqual(layers[0].config.batch_input_shape, [null, 3, 32, 32]);
  for (const l of layers) {
    if ('data_format' in l.config) assert.equal(l.config.data_format, 'channels_first', l.name);
    if (l.class_name === 'BatchNormalization') assert.equal(l.config.axis, 1, l.name);
    // Keras 2.2.4 has no relu6 activation; TAO's MobileNets use ReLU(max_value=6).
    assert.notEqual(l.config.activation, 'relu6', l.name);
  }
  assert.ok(layers.some((l) => l.class_name === 'ReLU' && l.config.max_value === 6));
  // And our own reader agrees with h5py about every weight.
  const raw = await readKerasFile(file);
  assert.equal(raw.weights.get('conv1')?.[0].data.length, 3 * 3 * 3 * 32);
  model.dispose();
});

test('train from a pretrained .hdf5 reports loaded and skipped layers; TAO checkpoint names; evaluate -m file.hdf5', () => {
  const work = tempDir('hdf5-cli');
  const data = tinyDataset(join(work, 'data'), 3);
  const pretrained = join(work, 'resnet_10.hdf5');
  // A TAO-like pretrained file: same backbone, a 2-class head, no engine metadata (no class names).
  const make = spawnSync(process.execPath, ['-e', `
    const tf = require('@tensorflow/tfjs');
    const { buildClassifier } = require(${JSON.stringify(join(repoRoot, 'out/engine/src/networks/classification_tf1/model.js'))});
    const { buildConfig } = require(${JSON.stringify(join(repoRoot, 'out/engine/src/networks/classification_tf1/config-defaults.js'))});
    const { writeKerasModel } = require(${JSON.stringify(join(repoRoot, 'out/engine/src/io/hdf5/keras-model.js'))});
    (async () => {
      await tf.setBackend('cpu');
      const cfg = buildConfig({ model_config: { arch: 'resnet', n_layers: 10, use_batch_norm: true, input_image_size: '1,16,16' } }).config.model;
      await writeKerasModel(buildClassifier(tf, cfg, 2, 9).model, ${JSON.stringify(pretrained)});
    })();`], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(make.status, 0, make.stderr);

  const spec = writeSpec(join(work, 'spec.txt'), { train: data.train, val: data.val, test: data.test, epochs: 1, extraTrain: `  pretrained_model_path: "${pretrained}"\n` });
  const results = join(work, 'results');
  const r = runEngine(['classification_tf1', 'train', '-e', spec, '-r', results]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const log = r.stdout + r.stderr;
  assert.match(log, /pretrained .*resnet_10\.hdf5: \d+ layers loaded/);
  assert.match(log, /predictions \(shape mismatch: 512x2, 2 in the pretrained model, 512x3, 3 here \(new head for the new classes\)\)/);
  const events = readFileSync(join(results, 'status.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { categorical?: { pretrained?: { loaded_layers: number; skipped: Array<{ name: string; why: string }> } } });
  const info = events.find((e) => e.categorical?.pretrained)?.categorical?.pretrained;
  assert.ok(info, 'status.json has the pretrained report');
  const cfg = buildConfig({ model_config: { arch: 'resnet', n_layers: 10, use_batch_norm: true, input_image_size: '1,16,16' } }).config.model;
  const withWeights = buildClassifier(tf, cfg, 3, 1).model.layers.filter((l) => l.weights.length > 0).length;
  assert.equal(info.loaded_layers, withWeights - 1, 'every layer but the head is loaded');
  assert.deepEqual(info.skipped.map((s) => s.name), ['predictions']);

  // TAO 5's checkpoint name next to the tfjs folders, and it evaluates like weights/final.
  const checkpoint = join(results, 'weights', 'resnet_001.hdf5');
  assert.ok(existsSync(checkpoint), 'weights/resnet_001.hdf5 written');
  assert.ok(existsSync(join(results, 'weights', 'final', 'model.json')));
  const evalFolder = runEngine(['classification_tf1', 'evaluate', '-e', spec, '-r', join(work, 'eval-folder'), '-m', join(results, 'weights', 'final')]);
  assert.equal(evalFolder.code, 0, evalFolder.stderr);
  const evalFile = runEngine(['classification_tf1', 'evaluate', '-e', spec, '-r', join(work, 'eval-file'), '-m', checkpoint]);
  assert.equal(evalFile.code, 0, evalFile.stderr);
  const a = JSON.parse(readFileSync(join(work, 'eval-folder', 'evaluation.json'), 'utf8'));
  const b = JSON.parse(readFileSync(join(work, 'eval-file', 'evaluation.json'), 'utf8'));
  assert.equal(b.loss, a.loss);
  assert.equal(b.top1_accuracy, a.top1_accuracy);
});

test('encrypted TAO files (.tlt, .etlt) fail with a clear error and the way out', () => {
  const work = tempDir('hdf5-tlt');
  const data = tinyDataset(join(work, 'data'), 2);
  const spec = writeSpec(join(work, 'spec.txt'), { train: data.train, test: data.test });
  const tlt = join(work, 'resnet_18.tlt');
  writeFileSync(tlt, Buffer.from('not hdf5: an encrypted blob'.repeat(40)));
  const r = runEngine(['classification_tf1', 'evaluate', '-e', spec, '-r', join(work, 'r1'), '-m', tlt]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr + r.stdout, /encrypted TAO model \(\.tlt/);
  assert.match(r.stderr + r.stdout, /decode_to_keras/);
  const etlt = join(work, 'model.etlt');
  writeFileSync(etlt, Buffer.from('x'.repeat(100)));
  const e = runEngine(['classification_tf1', 'evaluate', '-e', spec, '-r', join(work, 'r2'), '-m', etlt]);
  assert.notEqual(e.code, 0);
  assert.match(e.stderr + e.stdout, /\.etlt: TAO's exported, encrypted inference graph/);
  // As a pretrained model in a spec, the same message.
  const trainSpec = writeSpec(join(work, 'train.txt'), { train: data.train, epochs: 1, extraTrain: `  pretrained_model_path: "${tlt}"\n` });
  const t = runEngine(['classification_tf1', 'train', '-e', trainSpec, '-r', join(work, 'r3')]);
  assert.notEqual(t.code, 0);
  assert.match(t.stderr + t.stdout, /pretrained_model_path: .*encrypted TAO model/);
});
