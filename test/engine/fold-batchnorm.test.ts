// Inference with batch norm folded into the convolutions (engine/src/infer/fold-batchnorm.ts):
// the same predictions as the unfolded model, every conv -> BN chain of TAO's backbones folded
// (and the ReLU after it fused), nothing folded where the chain has another shape, training
// untouched, ZeroPadding2D before a convolution absorbed into it, and the layers' own `call`
// back after restore().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { foldForInference } from '../../engine/src/infer/fold-batchnorm';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { backboneConfig } from './backbone-support';

/** Batch norm with statistics and affine parameters far from the identity, so a wrong fold shows. */
function randomiseBatchNorms(model: tf.LayersModel, seed: number): void {
  let s = seed;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    layer.setWeights(layer.getWeights().map((w, i) => {
      s++;
      // gamma, beta, moving mean, moving variance (positive)
      return i === 3 ? tf.randomUniform(w.shape, 0.5, 2, 'float32', s) : tf.randomUniform(w.shape, -0.8, 0.8, 'float32', s);
    }));
  }
}

function maxRelativeError(ours: Float32Array, ref: Float32Array): number {
  let scale = 0;
  let worst = 0;
  ref.forEach((r, i) => {
    scale = Math.max(scale, Math.abs(r));
    worst = Math.max(worst, Math.abs(ours[i] - r));
  });
  return worst / Math.max(scale, 1e-12);
}

/** Pre-softmax outputs would be better still, but the classifier ends in softmax: compare probabilities. */
function predictions(model: tf.LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
}

test('TAO backbones: every conv -> BN chain folds, the ReLU after it fuses, predictions equal the unfolded model, restore() puts the layers back', async () => {
  await tf.setBackend('cpu');
  for (const [arch, depth, size] of [['resnet', 18, 64], ['mobilenet_v2', 0, 64], ['mobilenet_v1', 0, 64], ['vgg', 16, 32]] as const) {
    const { model } = buildClassifier(tf, backboneConfig(arch, depth, size), 7, 3);
    randomiseBatchNorms(model, 10);
    const x = tf.randomUniform([2, size, size, 3], -1, 1, 'float32', 4);
    const before = predictions(model, x);
    const batchNorms = model.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
    const folded = foldForInference(tf, model);
    const tensorsFolded = tf.memory().numTensors;
    const during = predictions(model, x);
    assert.equal(folded.folded, batchNorms, `${arch}: every batch norm follows a convolution and folds`);
    assert.ok(folded.fusedActivations > 0, `${arch}: ReLUs fused`);
    // Keras' MobileNets pad with a ZeroPadding2D before each 'valid' convolution (symmetric, one
    // pixel): every one of them becomes the convolution's own padding.
    const paddings = model.layers.filter((l) => l.getClassName() === 'ZeroPadding2D').length;
    assert.equal(folded.absorbedPaddings, paddings, `${arch}: ${paddings} ZeroPadding2D layers absorbed`);
    if (arch.startsWith('mobilenet')) assert.ok(paddings > 0);
    const err = maxRelativeError(during, before);
    assert.ok(err <= 1e-5, `${arch}${depth || ''}: folded predictions within 1e-5 of the unfolded ones (${err})`);
    folded.restore();
    assert.ok(tf.memory().numTensors < tensorsFolded, `${arch}: the folded weights are freed`);
    assert.deepEqual(Array.from(predictions(model, x)), Array.from(before), `${arch}: after restore, the model computes exactly as before`);
    assert.ok(model.layers.every((l) => !Object.prototype.hasOwnProperty.call(l, 'call')), `${arch}: no layer keeps an own call`);
    x.dispose();
    model.dispose();
  }
});

test('folding skips chains of another shape and never touches training', async () => {
  await tf.setBackend('cpu');
  const input = tf.input({ shape: [8, 8, 3] });
  // conv with a ReLU of its own before BN: not foldable.
  const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv_relu' }).apply(input) as tf.SymbolicTensor;
  const bnA = tf.layers.batchNormalization({ name: 'bn_a' }).apply(a) as tf.SymbolicTensor;
  // conv whose output feeds BN and a residual add: not foldable (the add needs the raw conv).
  const b = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'conv_shared' }).apply(bnA) as tf.SymbolicTensor;
  const bnB = tf.layers.batchNormalization({ name: 'bn_b' }).apply(b) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([b, bnB]) as tf.SymbolicTensor;
  // conv with bias -> BN -> ReLU(6): folds, relu6 fused; depthwise -> BN -> sigmoid: folds, no fusion.
  const c = tf.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'valid', useBias: true, biasInitializer: 'glorotUniform', name: 'conv_bias' }).apply(sum) as tf.SymbolicTensor;
  const bnC = tf.layers.batchNormalization({ name: 'bn_c' }).apply(c) as tf.SymbolicTensor;
  const r6 = tf.layers.reLU({ maxValue: 6, name: 'relu6' }).apply(bnC) as tf.SymbolicTensor;
  const d = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', name: 'dw' }).apply(r6) as tf.SymbolicTensor;
  const bnD = tf.layers.batchNormalization({ name: 'bn_d' }).apply(d) as tf.SymbolicTensor;
  const out = tf.layers.activation({ activation: 'sigmoid', name: 'sig' }).apply(bnD) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  randomiseBatchNorms(model, 30);
  const x = tf.randomUniform([3, 8, 8, 3], -1, 1, 'float32', 5);
  const before = predictions(model, x);
  const folded = foldForInference(tf, model);
  assert.equal(folded.folded, 2, 'conv_bias -> bn_c and dw -> bn_d fold; conv_relu and conv_shared do not');
  assert.equal(folded.fusedActivations, 1, 'the ReLU6 fuses, the sigmoid does not');
  assert.ok(!Object.prototype.hasOwnProperty.call(model.getLayer('conv_relu'), 'call') && !Object.prototype.hasOwnProperty.call(model.getLayer('conv_shared'), 'call'));
  const err = maxRelativeError(predictions(model, x), before);
  assert.ok(err <= 1e-5, `folded predictions within 1e-5 (${err})`);
  // Training inside the fold: the layers' own training path (batch statistics), as without it.
  const trainingOut = (): Float32Array => tf.tidy(() => (model.apply(x, { training: true }) as tf.Tensor).dataSync() as Float32Array);
  const duringFold = trainingOut();
  folded.restore();
  assert.deepEqual(Array.from(duringFold), Array.from(trainingOut()), 'training mode is not folded');
  x.dispose();
  model.dispose();
});
