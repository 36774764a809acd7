// Transfer learning keeps every matching layer and, for classes the pretrained model knew,
// their head rows (so old classes keep working from epoch 0); new classes start fresh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildClassifier, HEAD_LAYER } from '../../engine/src/networks/classification_tf1/model';
import { transferWeights } from '../../engine/src/networks/classification_tf1/transfer';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';

async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  // The pure JS backend prints an "install tfjs-node" banner on first use; not useful here.
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
}

function modelConfig() {
  const cfg = buildConfig({ model_config: { arch: 'resnet', n_layers: 10, use_batch_norm: true, input_image_size: '1,16,16' } }).config.model;
  return cfg;
}

test('transfer copies the body and the head rows of known classes', async () => {
  await useCpu();
  const cfg = modelConfig();
  const source = buildClassifier(tf, cfg, 2, 1).model; // classes: ant, cat
  const target = buildClassifier(tf, cfg, 3, 2).model; // classes: ant, bee, cat
  const report = transferWeights(tf, target, source, ['ant', 'bee', 'cat'], { ant: 0, cat: 1 });
  assert.equal(report.matchedBy, 'name');
  assert.deepEqual(report.keptClasses, ['ant', 'cat']);
  assert.equal(report.skippedLayers.length, 0);
  const bodyLayers = target.layers.filter((l) => l.weights.length > 0 && l.name !== HEAD_LAYER);
  assert.equal(report.copiedLayers, bodyLayers.length);
  for (const layer of bodyLayers) {
    const src = source.getLayer(layer.name);
    layer.getWeights().forEach((w, i) => assert.deepEqual(w.arraySync(), src.getWeights()[i].arraySync(), layer.name));
  }
  const [k, b] = target.getLayer(HEAD_LAYER).getWeights().map((t) => t.arraySync() as number[][] | number[]);
  const [sk, sb] = source.getLayer(HEAD_LAYER).getWeights().map((t) => t.arraySync() as number[][] | number[]);
  const col = (m: number[][], c: number) => m.map((row) => row[c]);
  assert.deepEqual(col(k as number[][], 0), col(sk as number[][], 0), 'ant row kept');
  assert.deepEqual(col(k as number[][], 2), col(sk as number[][], 1), 'cat row kept (moved to its new index)');
  assert.notDeepEqual(col(k as number[][], 1), col(sk as number[][], 0), 'bee is new');
  assert.equal((b as number[])[2], (sb as number[])[1]);

  // Old classes predict as before: the new model's ant/cat scores keep the source's order.
  const x = tf.randomUniform([4, 16, 16, 1], -1, 1, 'float32', 5);
  const ps = (source.predict(x) as tf.Tensor).arraySync() as number[][];
  const pt = (target.predict(x) as tf.Tensor).arraySync() as number[][];
  for (let i = 0; i < 4; i++) assert.equal(ps[i][0] > ps[i][1], pt[i][0] > pt[i][2]);
  tf.dispose(x);
  source.dispose();
  target.dispose();
});

test('every supported arch builds at a small input size and a forward pass runs', async () => {
  await useCpu();
  const archs: Array<[string, number, string]> = [
    ['resnet', 18, '3,32,32'],
    ['resnet', 10, '1,16,16'],
    ['vgg', 16, '3,32,32'],
    ['mobilenet_v1', 0, '3,32,32'],
    ['mobilenet_v2', 0, '1,32,32'],
  ];
  for (const [arch, n, size] of archs) {
    const cfg = buildConfig({ model_config: { arch, n_layers: n, use_batch_norm: true, input_image_size: size, all_projections: true, freeze_blocks: [0, 1] } }).config.model;
    const { model } = buildClassifier(tf, cfg, 5, 1);
    const [c, h, w] = size.split(',').map(Number);
    const y = tf.tidy(() => model.predict(tf.zeros([2, h, w, c])) as tf.Tensor);
    assert.deepEqual(y.shape, [2, 5], arch);
    // freeze_blocks [0, 1]: the stem is not trainable.
    const stem = model.layers.find((l) => l.getClassName() === 'Conv2D')!;
    assert.equal(stem.trainable, false, `${arch}${n} stem frozen`);
    tf.dispose(y);
    model.dispose();
  }
});

test('freeze_bn keeps batch-norm statistics fixed during training steps', async () => {
  await useCpu();
  const cfg = buildConfig({ model_config: { arch: 'resnet', n_layers: 10, use_batch_norm: true, input_image_size: '1,16,16', freeze_bn: true } }).config.model;
  const { model } = buildClassifier(tf, cfg, 3, 1);
  const bn = model.getLayer('bn_conv1');
  const before = bn.getWeights().map((w) => w.arraySync());
  const x = tf.randomUniform([4, 16, 16, 1], 0, 5, 'float32', 2);
  const trained = tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor);
  const inference = tf.tidy(() => model.predict(x) as tf.Tensor);
  assert.deepEqual(bn.getWeights().map((w) => w.arraySync()), before, 'moving mean/variance unchanged');
  assert.deepEqual(trained.arraySync(), inference.arraySync(), 'frozen BN normalises with moving statistics in training too');
  assert.ok(model.trainableWeights.every((w) => !w.originalName.includes('bn')), 'no BN weight is trainable');
  tf.dispose([x, trained, inference]);
});
