// Our FusedBatchNorm gradient (no tf.tile) equals tfjs' stock gradient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { registerBatchNormGradient } from '../../engine/src/kernels/batchnorm-grad';

async function gradsOfBatchNorm(): Promise<Float32Array[]> {
  const x = tf.randomUniform([3, 5, 4, 6], -2, 2, 'float32', 11);
  const gamma = tf.randomUniform([6], 0.5, 1.5, 'float32', 12);
  const beta = tf.randomUniform([6], -1, 1, 'float32', 13);
  const w = tf.randomUniform([3, 5, 4, 6], -1, 1, 'float32', 14);
  // As Keras' training-mode BN does: batch moments, then the fused normalisation.
  const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(a, [0, 1, 2]);
    return tf.sum(tf.mul(tf.batchNorm(a, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-3), w));
  };
  const grads = tf.grads(f)([x, gamma, beta]);
  const out = await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>));
  tf.dispose([x, gamma, beta, w, ...grads]);
  return out;
}

test('batch-norm gradient without tile matches the stock gradient', async () => {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  const stock = await gradsOfBatchNorm();
  registerBatchNormGradient(tf);
  const ours = await gradsOfBatchNorm();
  stock.forEach((s, k) => {
    assert.equal(ours[k].length, s.length);
    for (let i = 0; i < s.length; i++) assert.ok(Math.abs(ours[k][i] - s[i]) <= 1e-5 * Math.max(1, Math.abs(s[i])), `grad ${k}[${i}]: ${ours[k][i]} vs ${s[i]}`);
  });
  const before = tf.memory().numTensors;
  await gradsOfBatchNorm();
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
});
