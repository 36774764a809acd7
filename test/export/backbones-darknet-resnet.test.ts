// ResNet-50, DarkNet 19/53, CSPDarkNet 19/53 and CSPDarkNet-tiny at full width on eight 3x32x32
// images: ONNX export agrees with tfjs within 1e-4 before and after pruning, pruning treats
// concatenations and TAO's Split the way TAO's pruner does, and the pruned model trains.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import type { ModelConfig } from '../../engine/src/networks/classification_tf1/config';
import { pruneModel } from '../../engine/src/prune/index';
import { registerBackpropKernels } from '../../engine/src/kernels/backprop';
import { registerBatchNormGradient } from '../../engine/src/kernels/batchnorm-grad';
import { fashionImages } from './images';
import { onnxMaxDiff } from './onnx-compare';

before(async () => {
  // One wasm thread as well as one onnxruntime thread: both sides' rounding is then the same on every run.
  setThreadsCount(1);
  assert.ok(await tf.setBackend('wasm'), 'wasm backend initialises');
  registerBackpropKernels(tf, 'wasm', ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'], false);
  registerBatchNormGradient(tf);
});

function config(arch: string, nLayers: number, activation: string): ModelConfig {
  return {
    arch, nLayers, channels: 3, height: 32, width: 32, resizeInterpolation: 'BILINEAR', retainHead: false,
    useBatchNorm: true, useBias: false, usePooling: false, allProjections: false, freezeBn: false, freezeBlocks: [],
    // Momentum 0: one zero-rate training step (calibrate) sets every BN's statistics to the batch's.
    dropout: 0, bnMomentum: 0, bnEpsilon: 1e-3, activation, activationParams: {},
  };
}

/** Scales each conv filter by a fixed factor in [0.1, 1], as training would spread their norms. */
function spreadFilterNorms(model: tf.LayersModel): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Conv2D') continue;
    const [kernel, ...rest] = layer.getWeights();
    const n = kernel.shape[3] as number;
    const factors = tf.tensor1d(Array.from({ length: n }, (_, j) => 0.1 + (0.9 * ((j * 29) % n)) / n));
    layer.setWeights([kernel.mul(factors), ...rest]);
    factors.dispose();
  }
}

/**
 * Random statistics would let activations grow layer after layer through 50 convolutions;
 * statistics of the images themselves keep every layer normalised, so the comparison tests
 * rounding, not overflow. One step at learning rate 0 with BN momentum 0 sets them.
 */
async function calibrate(model: tf.LayersModel, x: tf.Tensor4D, classes: number): Promise<void> {
  model.compile({ optimizer: tf.train.sgd(0), loss: 'categoricalCrossentropy' });
  const labels: number[] = [];
  for (let i = 0; i < x.shape[0]; i++) labels.push(i % classes);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
  // No shuffling: fit's Math.random order changed the batch statistics' summation order, and
  // with it the measured difference, from run to run (1.3e-5..1.7e-4 for cspdarknet19).
  await model.fit(x, y, { epochs: 1, batchSize: labels.length, verbose: 0, shuffle: false });
  y.dispose();
  // At 1x1 or 2x2 maps eight images give near-zero variances to some channels, and dividing by
  // them would magnify float32 rounding layer after layer: a floor keeps BN from amplifying.
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const [gamma, beta, mean, variance] = layer.getWeights();
    const floored = variance.add(variance.mean().mul(0.5)).add(1e-2);
    layer.setWeights([gamma, beta, mean, floored]);
    floored.dispose();
  }
  // A random head gives logits whose differences between images are tiny next to those
  // between classes (a saturated softmax hides any error): centre them per class and scale
  // their spread between images to one unit.
  const head = model.getLayer('predictions');
  const features = tf.model({ inputs: model.inputs, outputs: head.input as tf.SymbolicTensor }).predict(x) as tf.Tensor2D;
  const [kernel] = head.getWeights();
  // Computed in a tidy, set outside it: the new weights must outlive the scope.
  const [scaled, shift] = tf.tidy(() => {
    const { mean, variance } = tf.moments(tf.matMul(features, kernel), 0);
    const spread = Math.max(variance.sqrt().mean().dataSync()[0], 1e-12);
    return [kernel.div(spread), mean.neg().div(spread)];
  });
  head.setWeights([scaled, shift]);
  tf.dispose([features, scaled, shift]);
}

function assertInformative(model: tf.LayersModel, x: tf.Tensor4D): void {
  const y = (model.predict(x) as tf.Tensor2D).arraySync();
  assert.ok(y[0].some((v, i) => Math.abs(v - y[1][i]) > 1e-3), `${model.name}: outputs differ between images: ${JSON.stringify(y.slice(0, 2))}`);
}

/** Input channels of a pruned conv = the kept channels of what it reads. */
function inChannels(model: tf.LayersModel, name: string): number {
  return model.getLayer(name).getWeights()[0].shape[2] as number;
}

/**
 * The 53-layer variants and ResNet-101 repeat the layer kinds of the ones above (more residual
 * pairs, same ops) at 30-45M parameters each, which would double this file's time on CI's two
 * cores: they run when TAO_TEST_LARGE_BACKBONES=1 (docs/backbones.md lists the last results).
 */
const LARGE = process.env.TAO_TEST_LARGE_BACKBONES === '1';
const CASES: Array<[string, ModelConfig]> = [
  ['resnet50', config('resnet', 50, 'relu')],
  ['darknet19', config('darknet', 19, 'relu')],
  ['cspdarknet19 (mish)', config('cspdarknet', 19, 'mish')],
  ['cspdarknet_tiny (leaky)', config('cspdarknet_tiny', 0, 'leaky_relu')],
  ...(LARGE
    ? ([
        ['resnet101', config('resnet', 101, 'relu')],
        ['darknet53', config('darknet', 53, 'relu')],
        ['cspdarknet53 (leaky)', config('cspdarknet', 53, 'leaky_relu')],
        ['cspdarknet53 (relu)', config('cspdarknet', 53, 'relu')],
      ] as Array<[string, ModelConfig]>)
    : []),
];

describe('ResNet-50 / DarkNet / CSPDarkNet: prune + ONNX export + re-train step', () => {
  for (const [label, cfg] of CASES) {
    test(label, async () => {
      const classes = 10;
      const images = fashionImages(8, 32, 3, classes);
      const { model } = buildClassifier(tf, cfg, classes, 42);
      spreadFilterNorms(model);
      await calibrate(model, images, classes);
      assertInformative(model, images);
      const d0 = await onnxMaxDiff(model, images);
      assert.ok(d0 < 1e-4, `unpruned: max |onnx - tfjs| = ${d0}`);

      const { model: pruned, report } = await pruneModel(model, { threshold: 0.5 });
      assert.ok(report.params_after < report.params_before, `${report.params_after} < ${report.params_before}`);
      const kept = new Map(report.layers.map((l) => [l.name, l]));
      if (cfg.arch === 'cspdarknet_tiny') {
        // TAO force-excludes the conv before each Split; the rest of the block is pruned.
        for (const b of ['conv_2', 'conv_3', 'conv_4']) {
          const c0 = kept.get(`${b}_conv_0`)!;
          assert.equal(c0.kept, c0.total, `${b}_conv_0 stays whole`);
          assert.equal(inChannels(pruned, `${b}_conv_1`), c0.total / 2, `${b}_conv_1 reads the untouched half`);
          // concat_0 = [conv_2, conv_1] and concat_1 = [conv_0, conv_3]: consumers see the kept sum.
          assert.equal(inChannels(pruned, `${b}_conv_3`), kept.get(`${b}_conv_2`)!.kept + kept.get(`${b}_conv_1`)!.kept);
        }
        assert.equal(inChannels(pruned, 'conv_5'), kept.get('conv_4_conv_0')!.total + kept.get('conv_4_conv_3')!.kept);
      }
      if (cfg.arch === 'cspdarknet') {
        for (let s = cfg.nLayers === 19 ? 2 : 1; s <= 5; s++) {
          const shortcut = cfg.nLayers === 19 ? `b${s}_part1` : `conv${s + 1}_1`;
          assert.equal(inChannels(pruned, `b${s}_final_trans`), kept.get(`b${s}_partial_trans`)!.kept + kept.get(shortcut)!.kept, `b${s}_concat`);
        }
        assert.ok(report.layers.some((l) => l.name.endsWith('_partial_trans') && l.kept < l.total), 'layers feeding a concat are pruned');
      }
      if (cfg.arch === 'darknet' && cfg.nLayers === 53) {
        // Residual adds tie each downsampling conv to the second conv of every pair after it.
        const group = report.equalization_groups.find((g) => g.layers.includes('conv4'))!;
        for (let i = 1; i <= 8; i++) assert.ok(group.layers.includes(`b3_conv${i}_2`), `b3_conv${i}_2 in conv4's group`);
      }
      // Pruning changed the features the head was scaled for: calibrate the pruned model too.
      await calibrate(pruned, images, classes);
      assertInformative(pruned, images);
      const d1 = await onnxMaxDiff(pruned, images);
      assert.ok(d1 < 1e-4, `pruned: max |onnx - tfjs| = ${d1}`);

      pruned.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
      const y = tf.oneHot(tf.tensor1d([1, 7, 3, 0, 2, 9, 5, 4], 'int32'), classes);
      const h = await pruned.fit(images, y, { epochs: 1, batchSize: 8, verbose: 0 });
      assert.ok(Number.isFinite(h.history.loss[0] as number), `re-train loss ${h.history.loss[0]}`);
      tf.dispose([images, y]);
      model.dispose();
      pruned.dispose();
    });
  }
});
