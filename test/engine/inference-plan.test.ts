// The inference plan (engine/src/infer/plan.ts, with batch norm folded by infer/fold-batchnorm.ts):
// the same outputs as model.predict on every TAO backbone and on DetectNet_v2's two heads, every
// conv -> BN chain of TAO's backbones folded (and the ReLU after it fused, the ZeroPadding2D
// before it absorbed), nothing folded where the chain has another shape, graphs with several
// inputs and outputs, shared layers and unused outputs, no tensor left behind by a run, a
// failing run, or a disposed plan, and the model itself untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { compileInference } from '../../engine/src/infer/plan';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';
import { buildDetectnet } from '../../engine/src/networks/detectnet_v2/model';
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
  assert.equal(ours.length, ref.length);
  let scale = 0;
  let worst = 0;
  ref.forEach((r, i) => {
    scale = Math.max(scale, Math.abs(r));
    worst = Math.max(worst, Math.abs(ours[i] - r));
  });
  return worst / Math.max(scale, 1e-12);
}

/** One number per weight (its sum): enough to see a weight written, without reading millions of values into arrays. */
const weightSums = (model: tf.LayersModel): number[] => model.getWeights().map((w) => tf.tidy(() => tf.sum(w).dataSync()[0]));

const read = (outputs: tf.Tensor | tf.Tensor[]): Float32Array[] => (Array.isArray(outputs) ? outputs : [outputs]).map((t) => t.dataSync() as Float32Array);

/**
 * Runs `plan` and model.predict on the same inputs and asserts that the plan returns as many
 * outputs, each within `tolerance` (relative to the output's largest value) of model.predict's,
 * and that its run leaves no tensor behind but those outputs.
 */
function assertPlanPredicts(model: tf.LayersModel, plan: ReturnType<typeof compileInference>, x: tf.Tensor | tf.Tensor[], what: string, tolerance = 1e-5): void {
  const predicted = tf.tidy(() => read(model.predict(x) as tf.Tensor | tf.Tensor[]));
  const before = tf.memory().numTensors;
  const outputs = plan.run(x);
  assert.equal(tf.memory().numTensors, before + outputs.length, `${what}: a run leaves nothing but its outputs`);
  const planned = read(outputs);
  tf.dispose(outputs);
  assert.equal(planned.length, predicted.length, `${what}: one output per model output`);
  planned.forEach((values, i) => {
    const err = maxRelativeError(values, predicted[i]);
    assert.ok(err <= tolerance, `${what}, output ${model.outputNames[i]}: within ${tolerance} of model.predict's (${err})`);
  });
}

test('TAO backbones: every conv -> BN chain folds, the ReLU after it fuses, the plan predicts as model.predict does, dispose() frees the folded weights', async () => {
  await tf.setBackend('cpu');
  const cases = [['resnet', 18, 64], ['mobilenet_v2', 0, 64], ['mobilenet_v1', 0, 64], ['vgg', 16, 32], ['efficientnet_b0', 0, 64], ['googlenet', 0, 64], ['squeezenet', 0, 64], ['darknet', 19, 64], ['cspdarknet', 19, 64], ['cspdarknet_tiny', 0, 64]] as const;
  for (const [arch, depth, size] of cases) {
    const { model } = buildClassifier(tf, backboneConfig(arch, depth, size), 7, 3);
    randomiseBatchNorms(model, 10);
    const x = tf.randomUniform([2, size, size, 3], -1, 1, 'float32', 4);
    const weightsBefore = weightSums(model);
    const tensorsBefore = tf.memory().numTensors;
    const plan = compileInference(tf, model);
    assertPlanPredicts(model, plan, x, `${arch}${depth || ''}`);
    const batchNorms = model.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
    assert.equal(plan.folded, batchNorms, `${arch}: every batch norm follows a convolution and folds`);
    if (['resnet', 'mobilenet_v2', 'mobilenet_v1', 'vgg', 'googlenet'].includes(arch)) assert.ok(plan.fusedActivations > 0, `${arch}: ReLUs fused`);
    // Keras' MobileNets pad with a ZeroPadding2D before each 'valid' convolution (symmetric,
    // one pixel): every one of them becomes the convolution's own padding.
    if (arch.startsWith('mobilenet')) {
      const paddings = model.layers.filter((l) => l.getClassName() === 'ZeroPadding2D').length;
      assert.ok(paddings > 0);
      assert.equal(plan.absorbedPaddings, paddings, `${arch}: ${paddings} ZeroPadding2D layers absorbed`);
    }
    assert.ok(plan.steps < model.layers.length - plan.folded, `${arch}: the absorbed layers are no steps of their own (${plan.steps} steps, ${model.layers.length} layers)`);
    plan.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, `${arch}: the folded weights are freed`);
    assert.deepEqual(weightSums(model), weightsBefore, `${arch}: the model's weights are untouched`);
    assert.ok(model.layers.every((l) => !Object.prototype.hasOwnProperty.call(l, 'call')), `${arch}: no layer was given an own call`);
    x.dispose();
    model.dispose();
  }
});

test("DetectNet_v2: the plan's coverage and bbox heads equal model.predict's", async () => {
  await tf.setBackend('cpu');
  const base = buildConfig({ model_config: { arch: 'resnet', n_layers: 10, use_batch_norm: true, input_image_size: '3,48,64' } } as never).config.model;
  const cfg = { ...base, bboxScale: 35, bboxOffset: 0.5, loadGraph: false, pretrainedModelFile: '' } as unknown as Parameters<typeof buildDetectnet>[1];
  const model = buildDetectnet(tf, cfg, 2, 5);
  randomiseBatchNorms(model, 40);
  const x = tf.randomUniform([3, 48, 64, 3], -1, 1, 'float32', 6);
  const plan = compileInference(tf, model);
  assert.equal(model.outputs.length, 2);
  assertPlanPredicts(model, plan, x, 'DetectNet_v2');
  assert.ok(plan.folded > 0);
  plan.dispose();
  x.dispose();
  model.dispose();
});

test('chains of another shape are left to their layers, and the plan still predicts as model.predict does', async () => {
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
  const plan = compileInference(tf, model);
  assert.equal(plan.folded, 2, 'conv_bias -> bn_c and dw -> bn_d fold; conv_relu and conv_shared do not');
  assert.equal(plan.fusedActivations, 1, 'the ReLU6 fuses, the sigmoid does not');
  // conv_relu, bn_a, conv_shared, bn_b, add, the two folded chains, sig.
  assert.equal(plan.steps, 8);
  assertPlanPredicts(model, plan, x, 'other chains');
  plan.dispose();
  x.dispose();
  model.dispose();
});

test("a layer whose output the model returns is not absorbed: a returned convolution is not folded, a returned batch norm's ReLU is not fused, a returned padding stays a layer", async () => {
  await tf.setBackend('cpu');
  const input = tf.input({ shape: [8, 8, 3] });
  const raw = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'raw' }).apply(input) as tf.SymbolicTensor;
  const bnRaw = tf.layers.batchNormalization({ name: 'bn_raw' }).apply(raw) as tf.SymbolicTensor;
  const c = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'c' }).apply(bnRaw) as tf.SymbolicTensor;
  const bnC = tf.layers.batchNormalization({ name: 'bn_c' }).apply(c) as tf.SymbolicTensor;
  const relu = tf.layers.reLU({ name: 'relu' }).apply(bnC) as tf.SymbolicTensor;
  const padded = tf.layers.zeroPadding2d({ padding: 1, name: 'pad' }).apply(relu) as tf.SymbolicTensor;
  const d = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'valid', useBias: false, name: 'd' }).apply(padded) as tf.SymbolicTensor;
  const bnD = tf.layers.batchNormalization({ name: 'bn_d' }).apply(d) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: [raw, bnC, padded, bnD] });
  randomiseBatchNorms(model, 50);
  const x = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 7);
  const plan = compileInference(tf, model);
  assert.equal(plan.folded, 2, 'c -> bn_c and d -> bn_d fold; raw (returned) does not');
  assert.equal(plan.fusedActivations, 0, "bn_c is returned: the ReLU after it stays a layer");
  assert.equal(plan.absorbedPaddings, 0, 'pad is returned: it stays a layer');
  assertPlanPredicts(model, plan, x, 'returned layers');
  plan.dispose();
  x.dispose();
  model.dispose();
});

test('two inputs, a layer applied twice, Dense layers over 2-D and 3-D tensors, a tensor read by two layers, an output read by another layer, a layer that returns its input, an output nothing reads', async () => {
  await tf.setBackend('cpu');
  const left = tf.input({ shape: [6], name: 'left' });
  const right = tf.input({ shape: [6], name: 'right' });
  const shared = tf.layers.dense({ units: 6, activation: 'tanh', name: 'shared' });
  const l1 = shared.apply(left) as tf.SymbolicTensor;
  const r1 = shared.apply(right) as tf.SymbolicTensor;
  // Dropout at inference returns its input tensor as it is.
  const dropped = tf.layers.dropout({ rate: 0.5, name: 'drop' }).apply(l1) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate({ name: 'join' }).apply([dropped, r1]) as tf.SymbolicTensor;
  const head = tf.layers.dense({ units: 3, biasInitializer: 'glorotUniform', name: 'head' }).apply(joined) as tf.SymbolicTensor;
  const tail = tf.layers.dense({ units: 2, activation: 'softmax', biasInitializer: 'glorotUniform', name: 'tail' }).apply(head) as tf.SymbolicTensor;
  const also = tf.layers.multiply({ name: 'also' }).apply([l1, r1]) as tf.SymbolicTensor;
  // A Dense layer over a 3-D tensor (its own call), with a fused ReLU (the plan's product).
  const rows = tf.layers.reshape({ targetShape: [2, 3], name: 'rows' }).apply(left) as tf.SymbolicTensor;
  const perRow = tf.layers.dense({ units: 2, activation: 'relu', name: 'per_row' }).apply(rows) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(perRow) as tf.SymbolicTensor;
  const relu = tf.layers.dense({ units: 3, activation: 'relu', biasInitializer: 'glorotUniform', name: 'relu_dense' }).apply(flat) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [left, right], outputs: [tail, head, also, relu] });
  const xs = [tf.randomUniform([4, 6], -1, 1, 'float32', 1), tf.randomUniform([4, 6], -1, 1, 'float32', 2)];
  const plan = compileInference(tf, model);
  assert.equal(plan.folded, 0);
  assert.equal(model.outputs.length, 4);
  assertPlanPredicts(model, plan, xs, 'graph', 1e-6);
  assert.ok(xs.every((x) => !x.isDisposed), "the caller's inputs are never freed");
  assert.throws(() => plan.run(xs[0]), /takes 2 input\(s\), 1 given/);
  plan.dispose();
  tf.dispose(xs);
  model.dispose();
});

test('an input of the wrong shape is refused by name, a run that fails frees what it computed, a model with a mask-producing layer is refused with its name', async () => {
  await tf.setBackend('cpu');
  const input = tf.input({ shape: [8, 8, 3] });
  const c = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'c' }).apply(input) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(c) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(bn) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, name: 'out' }).apply(flat) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const plan = compileInference(tf, model);
  // A wrong-sized image is refused before anything runs, naming the input and both shapes.
  const wrong = tf.zeros([1, 9, 9, 3]);
  const rank3 = tf.zeros([1, 8, 3]);
  const before = tf.memory().numTensors;
  assert.throws(() => plan.run(wrong), /input \S+ of model \S+: expected shape \[batch, 8, 8, 3\], got \[1, 9, 9, 3\]/);
  assert.throws(() => plan.run(rank3), /expected shape \[batch, 8, 8, 3\], got \[1, 8, 3\]/);
  assert.equal(tf.memory().numTensors, before, 'refused before anything ran');
  // A layer that fails mid-run (the Flatten, made to throw after the folded convolution ran):
  // what the run computed so far is freed.
  const flatten = model.layers.find((l) => l.getClassName() === 'Flatten') as unknown as { call: (...args: unknown[]) => unknown };
  flatten.call = () => {
    throw new Error('broken layer');
  };
  const fine = tf.zeros([1, 8, 8, 3]);
  const beforeBroken = tf.memory().numTensors;
  assert.throws(() => plan.run(fine), /broken layer/);
  assert.equal(tf.memory().numTensors, beforeBroken, 'nothing left behind');
  delete (flatten as Partial<typeof flatten>).call;
  tf.dispose([fine, rank3]);
  plan.dispose();
  wrong.dispose();
  model.dispose();

  const seq = tf.input({ shape: [5] });
  const masked = tf.layers.masking({ maskValue: 0, name: 'pad_mask' }).apply(seq) as tf.SymbolicTensor;
  const masking = tf.model({ inputs: seq, outputs: tf.layers.dense({ units: 1 }).apply(masked) as tf.SymbolicTensor });
  assert.throws(() => compileInference(tf, masking), /layer pad_mask \(Masking\) produces a mask/);
  masking.dispose();
});
