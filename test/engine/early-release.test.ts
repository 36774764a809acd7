// Backpropagation that frees as it goes (engine/src/train/early-release.ts): the same gradients,
// bit for bit, as tfjs' own walk, with less memory alive in the middle of the backward pass; the
// caller's dy, gradients passed on unchanged, and higher-order gradients stay intact.
// This file installs the patch itself, after measuring tfjs' own behaviour in the same process
// (Node's runner gives each test file its own process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { releaseBackpropMemoryEarly } from '../../engine/src/train/early-release';
import { deterministicValues } from './backend-support';

/** A small network with what backprop must get right: a residual sum, a tensor used twice, batch norm, a custom gradient that passes dy on unchanged. */
function buildWeights(): tf.Variable[] {
  return [
    tf.variable(tf.tensor4d(deterministicValues(3 * 3 * 3 * 8, 1), [3, 3, 3, 8]), true, 'w1'),
    tf.variable(tf.tensor4d(deterministicValues(3 * 3 * 8 * 8, 2), [3, 3, 8, 8]), true, 'w2'),
    tf.variable(tf.tensor1d(deterministicValues(8, 3)), true, 'gamma'),
    tf.variable(tf.tensor2d(deterministicValues(8 * 4, 4), [8, 4]), true, 'dense'),
  ];
}

const passOn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return { value: tf.relu(x), gradFunc: (dy: tf.Tensor) => [dy] };
});

/** The loss, with a probe that records the live tensor bytes when backprop reaches the first convolution's output. */
function loss(weights: tf.Variable[], x: tf.Tensor4D, probe: { bytes: number }): tf.Scalar {
  const [w1, w2, gamma, dense] = weights;
  const recorder = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => {
      probe.bytes = tf.memory().numBytes;
      return [dy];
    },
  }));
  let h: tf.Tensor = recorder(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'));
  h = tf.relu(h);
  for (let i = 0; i < 6; i++) {
    const r = tf.conv2d(h as tf.Tensor4D, w2 as tf.Tensor4D, 1, 'same');
    const { mean, variance } = tf.moments(r, [0, 1, 2]);
    const bn = tf.mul(tf.div(tf.sub(r, mean), tf.sqrt(tf.add(variance, 1e-3))), gamma);
    h = tf.add(h, passOn(bn)); // residual: h is used twice
  }
  const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
  const logits = tf.matMul(pooled, dense as tf.Tensor2D);
  return tf.mean(tf.square(tf.mul(logits, logits))) as tf.Scalar;
}

async function gradientsOf(weights: tf.Variable[], x: tf.Tensor4D): Promise<{ values: Float32Array[]; probeBytes: number; tensorsAfter: number }> {
  const probe = { bytes: 0 };
  const before = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(() => loss(weights, x, probe), weights);
  const values = await Promise.all(weights.map(async (w) => (await grads[w.name].data()) as Float32Array));
  tf.dispose([value, ...Object.values(grads)]);
  return { values, probeBytes: probe.bytes, tensorsAfter: tf.memory().numTensors - before };
}

test('gradients are identical with early release, with less memory alive during the backward pass, and nothing leaks', async () => {
  await tf.setBackend('cpu');
  const weights = buildWeights();
  const x = tf.tensor4d(deterministicValues(4 * 16 * 16 * 3, 5), [4, 16, 16, 3]);
  const plain = await gradientsOf(weights, x);
  releaseBackpropMemoryEarly(tf);
  const early = await gradientsOf(weights, x);
  for (let i = 0; i < weights.length; i++) {
    assert.deepEqual(Array.from(early.values[i]), Array.from(plain.values[i]), `gradient of ${weights[i].name}`);
  }
  assert.ok(early.probeBytes < 0.75 * plain.probeBytes, `live bytes near the end of backprop: ${early.probeBytes} with early release, ${plain.probeBytes} without`);
  assert.equal(early.tensorsAfter, 0, 'no tensor left behind');
  assert.equal(plain.tensorsAfter, 0);
  tf.dispose([...weights, x]);
});

test("the caller's dy survives, and higher-order gradients still work", async () => {
  await tf.setBackend('cpu');
  releaseBackpropMemoryEarly(tf);
  const x = tf.tensor1d([1, 2, 3]);
  const dy = tf.tensor1d([1, 10, 100]);
  const g = tf.grad((t: tf.Tensor) => tf.mul(tf.square(t), 2))(x, dy);
  assert.deepEqual(Array.from(await g.data()), [4, 80, 1200]);
  assert.equal(dy.isDisposed, false);
  assert.deepEqual(Array.from(await dy.data()), [1, 10, 100]);
  // d²/dx² of x³ is 6x.
  const second = tf.grad(tf.grad((t: tf.Tensor) => tf.pow(t, 3)))(x);
  assert.deepEqual(Array.from(await second.data()), [6, 12, 18]);
  tf.dispose([x, dy, g, second]);
});
