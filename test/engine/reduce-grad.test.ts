// The engine's Sum and Mean gradients (no array of ones built in JavaScript) and the L2
// penalty's one-multiply gradient equal tfjs' stock gradients bit for bit on the cpu backend.
// Each comparison runs the stock gradient first, then registers ours (gradients are global).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { registerReductionGradients } from '../../engine/src/kernels/reduce-grad';
import { regularizationLoss } from '../../engine/src/train/regularizer';

const same = (label: string, ours: Float32Array[], stock: Float32Array[]): void => {
  assert.equal(ours.length, stock.length, label);
  stock.forEach((s, k) => assert.deepEqual(Array.from(ours[k]), Array.from(s), `${label}: output ${k}`));
};

async function reductionGrads(): Promise<Float32Array[]> {
  const x = tf.randomUniform([3, 5, 4, 6], -2, 2, 'float32', 21);
  const w = tf.randomUniform([5, 4], -1, 1, 'float32', 22);
  const fs = [
    (a: tf.Tensor) => tf.sum(a), // every axis: a scalar dy
    (a: tf.Tensor) => tf.sum(tf.mul(tf.sum(a, [0, 3]), w)), // inner axes kept
    (a: tf.Tensor) => tf.sum(tf.mul(tf.mean(a, [0, 3], true), tf.reshape(w, [1, 5, 4, 1]))), // keepDims
    (a: tf.Tensor) => tf.sum(tf.square(tf.sum(a, -1))), // last axis, non-constant dy
  ];
  const grads = fs.map((f) => tf.grad(f)(x));
  const out = await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>));
  tf.dispose([x, w, ...grads]);
  return out;
}

function penaltyModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, kernelInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 3 }) as never }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 4 }) as never }),
    ],
  });
}

async function penaltyGrads(model: tf.LayersModel, penalty: () => tf.Scalar): Promise<Float32Array[]> {
  const vars = model.trainableWeights.filter((w) => /kernel/.test(w.originalName)).map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(penalty, vars);
  const out = await Promise.all([value, ...vars.map((v) => grads[v.name])].map((g) => g.data() as Promise<Float32Array>));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

test('Sum and Mean gradients broadcast dy and equal the stock gradients bit for bit; the L2 penalty gradient equals the stock sum(square(w)) one', async () => {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  const model = penaltyModel();
  const decay = 3e-4;
  // The stock L2 term, written as the regularizer wrote it before the fused gradient.
  const stockPenalty = () => tf.mul(tf.addN(model.trainableWeights.filter((w) => /kernel/.test(w.originalName)).map((w) => tf.sum(tf.square(w.read())))), decay) as tf.Scalar;
  const stockReductions = await reductionGrads();
  const stockL2 = await penaltyGrads(model, stockPenalty);
  registerReductionGradients(tf);
  same('reductions', await reductionGrads(), stockReductions);
  const ours = await penaltyGrads(model, () => regularizationLoss(tf, model, 'L2', decay, ['Conv2D', 'Dense']) as tf.Scalar);
  same('L2 penalty and its gradients', ours, stockL2);
  assert.equal(ours.length, 3, 'the penalty and the two kernels');
  model.dispose();
});
