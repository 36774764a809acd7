// retain_head: true (each TAO template's own head): ONNX export matches tfjs within 1e-4
// before and after pruning, pruning keeps the class outputs whole and follows Flatten / Dense
// chains and SqueezeNet's conv head, and the pruned model trains a step. Small inputs (3x32x32,
// or what the head needs), four images, deterministic weights and inputs, one onnxruntime thread.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';
import { pruneModel } from '../../engine/src/prune/index';
import { registerBackpropKernels } from '../../engine/src/kernels/backprop';
import { registerBatchNormGradient } from '../../engine/src/kernels/batchnorm-grad';
import { fashionImages } from './images';
import { onnxMaxDiff } from './onnx-compare';

const CLASSES = 10;

before(async () => {
  assert.ok(await tf.setBackend('wasm'), 'wasm backend initialises');
  registerBackpropKernels(tf, 'wasm', ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'], false);
  registerBatchNormGradient(tf);
});

/** Trained-like spread of filter norms (untrained ones are all alike, so nothing would be cut). */
function spreadFilterNorms(model: tf.LayersModel): void {
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'Dense' && cls !== 'DepthwiseConv2D') continue;
    const ws = layer.getWeights();
    const n = ws[0].shape[ws[0].rank - (cls === 'DepthwiseConv2D' ? 2 : 1)];
    const f = Array.from({ length: n }, (_, j) => 0.1 + (0.9 * ((j * 37) % n)) / n);
    const factors = tf.tensor(f, cls === 'DepthwiseConv2D' ? [n, 1] : [n]);
    layer.setWeights([ws[0].mul(factors), ...ws.slice(1)]);
  }
}

/** BN statistics measured on the images, with seeded scale and shift (as backbones-tao.test.ts). */
function calibrateBatchNorm(model: tf.LayersModel, x: tf.Tensor4D): void {
  let k = 5;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const input = tf.model({ inputs: model.inputs, outputs: layer.input as tf.SymbolicTensor }).predict(x) as tf.Tensor;
    const { mean, variance } = tf.moments(input, [0, 1, 2]);
    const n = mean.shape[0];
    const gamma = tf.randomUniform([n], 0.5, 1.5, 'float32', k++);
    const beta = tf.randomUniform([n], -0.2, 0.2, 'float32', k++);
    const floor = variance.add(mean.square()).add(variance.mean().mul(0.5)).add(1e-3);
    layer.setWeights([gamma, beta, mean, floor]);
    tf.dispose([input, mean, variance, gamma, beta, floor]);
  }
}

/**
 * Scales the class layer so the logits spread over about one unit: untrained heads give
 * softmax outputs within 1e-4 of 1/classes, which would make the 1e-4 comparison say nothing.
 * `logits` names the layer whose output feeds the softmax when it is not the class layer's own
 * linear part (SqueezeNet: conv10 -> relu -> pool10 -> softmax; relu and the mean are positively
 * homogeneous, so scaling kernel and bias scales the logits).
 */
function sharpenHead(model: tf.LayersModel, x: tf.Tensor4D, head: string, logits?: string): void {
  const layer = model.getLayer(head);
  const [kernel, bias] = layer.getWeights();
  const z = tf.tidy(() => {
    if (logits) return tf.model({ inputs: model.inputs, outputs: model.getLayer(logits).output as tf.SymbolicTensor }).predict(x) as tf.Tensor;
    const features = tf.model({ inputs: model.inputs, outputs: layer.input as tf.SymbolicTensor }).predict(x) as tf.Tensor2D;
    return tf.matMul(features, kernel as tf.Tensor2D).add(bias);
  });
  const spread = Math.max(tf.moments(z).variance.sqrt().dataSync()[0], 1e-12);
  layer.setWeights([kernel.div(spread), bias.div(spread)]);
  z.dispose();
}

function build(arch: string, extra: Record<string, unknown>, x: tf.Tensor4D, head: string, logits?: string): tf.LayersModel {
  const size = x.shape[1];
  const { config, problems } = buildConfig({ model_config: { arch, input_image_size: `3,${size},${size}`, use_batch_norm: true, retain_head: true, ...extra } } as never);
  assert.deepEqual(problems.filter((p) => p.path.startsWith('model_config')), []);
  const { model } = buildClassifier(tf, config.model, CLASSES, 42);
  spreadFilterNorms(model);
  calibrateBatchNorm(model, x);
  sharpenHead(model, x, head, logits);
  return model;
}

function assertInformative(model: tf.LayersModel, x: tf.Tensor4D): void {
  const y = (model.predict(x) as tf.Tensor2D).arraySync();
  assert.ok(y[0].some((v, i) => Math.abs(v - y[1][i]) > 1e-3), `outputs differ between images: ${JSON.stringify(y.slice(0, 2))}`);
}

async function trainOneStep(model: tf.LayersModel, x: tf.Tensor4D): Promise<void> {
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  const y = tf.oneHot(tf.tensor1d([1, 7, 3, 0], 'int32'), CLASSES);
  const h = await model.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
  assert.ok(Number.isFinite(h.history.loss[0] as number), `loss ${h.history.loss[0]}`);
  y.dispose();
}

/** (label, arch, input side, model_config extras, class layer, logits layer when not the class layer). */
const CASES: Array<[string, string, number, Record<string, unknown>, string, string?]> = [
  // Flatten of a 2x2x512 map (no use_pooling): the pruner maps kept channels into the Dense rows.
  ['resnet18 (flatten 2x2)', 'resnet', 32, { n_layers: 18 }, 'head_fc10'],
  ['resnet10 use_pooling', 'resnet', 32, { n_layers: 10, use_pooling: true }, 'head_fc10'],
  ['vgg16 (fc1, fc2, dropout)', 'vgg', 32, { n_layers: 16, dropout: 0.5 }, 'output_fc'],
  ['alexnet (fc6, fc7, head_fc8)', 'alexnet', 32, {}, 'head_fc8'],
  ['squeezenet (conv10 head)', 'squeezenet', 32, {}, 'conv10', 'pool10'],
  ['googlenet (pool4, 7x7 "same" avg_pool)', 'googlenet', 64, {}, 'output_fc'],
  ['efficientnet_b0 (avg_pool, top_dropout)', 'efficientnet_b0', 64, {}, 'predictions'],
  ['darknet19 (avgpool)', 'darknet', 32, { n_layers: 19 }, 'predictions'],
  ['cspdarknet_tiny (avgpool)', 'cspdarknet_tiny', 32, {}, 'predictions'],
  ['mobilenet_v1 (7x7 valid pool, dropout 0)', 'mobilenet_v1', 224, {}, 'predictions'],
];

describe('retain_head: prune + ONNX export + re-train step', () => {
  for (const [label, arch, size, extra, head, logits] of CASES) {
    test(label, async () => {
      const images = fashionImages(4, size, 3, 10);
      const model = build(arch, extra, images, head, logits);
      assertInformative(model, images);
      const d0 = await onnxMaxDiff(model, images);
      assert.ok(d0 < 1e-4, `unpruned: max |onnx - tfjs| = ${d0}`);

      const { model: pruned, report } = await pruneModel(model, { threshold: 0.5 });
      assert.ok(report.params_after < report.params_before, `${report.params_after} < ${report.params_before}`);
      // The class layer keeps every class.
      const h = report.layers.find((l) => l.name === head);
      assert.ok(h, `${head} is in the report`);
      assert.equal(h.kept, CLASSES);
      assert.deepEqual(pruned.outputs[0].shape, [null, CLASSES]);
      const d1 = await onnxMaxDiff(pruned, images);
      assert.ok(d1 < 1e-4, `pruned: max |onnx - tfjs| = ${d1}`);
      await trainOneStep(pruned, images);
      tf.dispose([images]);
      model.dispose();
      pruned.dispose();
    });
  }
});
