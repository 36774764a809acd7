// Model folders: standard tfjs layers format, float16 storage, atomic replacement, and the
// models shipped in engine/pretrained load and carry their class map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';
import { loadModel, saveModel } from '../../engine/src/io/model-io';
import { float32ToFloat16Bits as toHalf } from '../../engine/src/io/float16';
import { repoRoot, tempDir } from './helpers';

async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
}

test('float16 conversion rounds like IEEE half', () => {
  assert.equal(toHalf(1), 0x3c00);
  assert.equal(toHalf(-2), 0xc000);
  assert.equal(toHalf(65504), 0x7bff);
  assert.equal(toHalf(1e6), 0x7c00);
  assert.equal(toHalf(0), 0);
  assert.equal(toHalf(5.960464477539063e-8), 0x0001); // smallest subnormal
  assert.equal(toHalf(1 + 2 ** -11), 0x3c00); // tie rounds to even
});

test('save/load round trip, float16 option, atomic replace', async () => {
  await useCpu();
  const dir = tempDir('io');
  const cfg = buildConfig({ model_config: { arch: 'mobilenet_v1', use_batch_norm: true, input_image_size: '3,32,32' } }).config.model;
  const { model } = buildClassifier(tf, cfg, 4, 3);
  const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 1);
  const ref = (model.predict(x) as tf.Tensor).arraySync() as number[][];

  const full = join(dir, 'full');
  await saveModel(tf, model, full, { classmap: { a: 0, b: 1, c: 2, d: 3 } });
  await saveModel(tf, model, full, { classmap: { a: 0, b: 1, c: 2, d: 3 } }); // replace in place
  assert.deepEqual(readdirSync(dir), ['full'], 'no temp folders left behind');
  const half = join(dir, 'half');
  await saveModel(tf, model, half, {}, {}, { float16: true });
  const fullSize = statSync(join(full, 'weights.bin')).size;
  assert.equal(statSync(join(half, 'weights.bin')).size, fullSize / 2);

  const a = await loadModel(tf, full);
  assert.deepEqual(a.metadata.classmap, { a: 0, b: 1, c: 2, d: 3 });
  assert.deepEqual((a.model.predict(x) as tf.Tensor).arraySync(), ref);
  const b = await loadModel(tf, join(half, 'model.json'));
  const got = (b.model.predict(x) as tf.Tensor).arraySync() as number[][];
  got.forEach((row, i) => row.forEach((v, k) => assert.ok(Math.abs(v - ref[i][k]) < 2e-2, `float16 prediction ${v} vs ${ref[i][k]}`)));
  tf.dispose(x);
});

test('shipped pretrained models load, stay small, and name their classes', async () => {
  await useCpu();
  const root = join(repoRoot, 'engine', 'pretrained');
  const models = existsSync(root) ? readdirSync(root).filter((n) => existsSync(join(root, n, 'model.json'))) : [];
  assert.ok(models.length > 0, 'at least one pretrained model ships with the project');
  let bytes = 0;
  for (const name of models) {
    for (const f of readdirSync(join(root, name))) bytes += statSync(join(root, name, f)).size;
    const { model, metadata } = await loadModel(tf, join(root, name));
    assert.ok(metadata.classmap && Object.keys(metadata.classmap).length >= 2, `${name} has a classmap`);
    const [c, h, w] = String(metadata.inputImageSize).split(',').map(Number);
    const y = tf.tidy(() => model.predict(tf.zeros([1, h, w, c])) as tf.Tensor);
    assert.deepEqual(y.shape, [1, Object.keys(metadata.classmap!).length]);
    const json = JSON.parse(readFileSync(join(root, name, 'model.json'), 'utf8'));
    assert.ok(json.weightsManifest[0].weights.every((w: { quantization?: { dtype: string } }) => w.quantization?.dtype === 'float16'), 'stored as float16');
    tf.dispose(y);
    model.dispose();
  }
  assert.ok(bytes < 5 * 1024 * 1024, `pretrained models total ${bytes} bytes (< 5 MB)`);
});
