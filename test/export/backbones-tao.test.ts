// EfficientNet, GoogLeNet, SqueezeNet and AlexNet (full width, 3x64x64 / 3x32x32 input): ONNX export
// matches tfjs within 1e-4 before and after pruning, pruning groups depthwise and
// squeeze-excitation layers the way TAO's pruner does, and the pruned model trains a step.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';
import { pruneModel } from '../../engine/src/prune/index';
import { BBOX_LAYER, COV_LAYER, buildDetectnet } from '../../engine/src/networks/detectnet_v2/model';
import { convertToOnnx } from '../../engine/src/export/convert';
import { loadOrt } from '../../engine/src/export/ort';
import { registerBackpropKernels } from '../../engine/src/kernels/backprop';
import { registerBatchNormGradient } from '../../engine/src/kernels/batchnorm-grad';
import { fashionImages } from './images';
import { onnxMaxDiff } from './onnx-compare';

before(async () => {
  assert.ok(await tf.setBackend('wasm'), 'wasm backend initialises');
  // The gradient kernels the engine adds to wasm (backend/index.ts does the same for the CLI).
  registerBackpropKernels(tf, 'wasm', ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'], false);
  registerBatchNormGradient(tf);
});

/** Trained-like spread of filter norms (untrained ones are all alike, so nothing would be cut). */
function spreadFilterNorms(model: tf.LayersModel): void {
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'Dense' && cls !== 'DepthwiseConv2D') continue;
    const ws = layer.getWeights();
    // Depthwise kernels [kh, kw, C, 1] hold their channels on the second-to-last axis.
    const n = ws[0].shape[ws[0].rank - (cls === 'DepthwiseConv2D' ? 2 : 1)];
    const f = Array.from({ length: n }, (_, j) => 0.1 + (0.9 * ((j * 37) % n)) / n);
    const factors = tf.tensor(f, cls === 'DepthwiseConv2D' ? [n, 1] : [n]);
    layer.setWeights([ws[0].mul(factors), ...ws.slice(1)]);
  }
}

/**
 * BatchNorm statistics measured on the images themselves (random ones swamp the input, and
 * every image then gives the same output), with random scale and shift on top.
 */
function calibrateBatchNorm(model: tf.LayersModel, x: tf.Tensor4D): void {
  let k = 5;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const input = tf.model({ inputs: model.inputs, outputs: layer.input as tf.SymbolicTensor }).predict(x) as tf.Tensor;
    const { mean, variance } = tf.moments(input, [0, 1, 2]);
    const n = mean.shape[0];
    const gamma = tf.randomUniform([n], 0.5, 1.5, 'float32', k++);
    const beta = tf.randomUniform([n], -0.2, 0.2, 'float32', k++);
    // A floor on the variance: at 1x1 spatial size four images give near-zero variances (and
    // dead channels give zero), and dividing by them would blow float32 rounding up layer
    // after layer; with the floor, BN never amplifies differences.
    const floor = variance.add(mean.square()).add(variance.mean().mul(0.5)).add(1e-3);
    layer.setWeights([gamma, beta, mean, floor]);
    tf.dispose([input, mean, variance, gamma, beta, floor]);
  }
}

function build(arch: string, extra: Record<string, unknown>, x: tf.Tensor4D): tf.LayersModel {
  const size = x.shape[1];
  const { config, problems } = buildConfig({ model_config: { arch, input_image_size: `3,${size},${size}`, use_batch_norm: true, ...extra } } as never);
  assert.deepEqual(problems.filter((p) => p.path.startsWith('model_config')), []);
  const { model } = buildClassifier(tf, config.model, 10, 42);
  spreadFilterNorms(model);
  calibrateBatchNorm(model, x);
  sharpenHead(model, x);
  return model;
}

/**
 * Random heads on random features give softmax outputs all within 1e-4 of 1/classes, which
 * would make a 1e-4 comparison meaningless: scale the head so logits spread over one unit
 * (random untrained weights still add ~1e-5 of float32 rounding per layer, ~1e-4 at the
 * top of EfficientNet, which a sharper head would magnify past the bar).
 */
function sharpenHead(model: tf.LayersModel, x: tf.Tensor4D): void {
  const head = model.getLayer('predictions');
  const features = tf.model({ inputs: model.inputs, outputs: head.input as tf.SymbolicTensor }).predict(x) as tf.Tensor2D;
  const logits = tf.matMul(features, head.getWeights()[0]);
  const spread = tf.moments(logits).variance.sqrt().dataSync()[0];
  const [kernel, bias] = head.getWeights();
  head.setWeights([kernel.mul(1 / Math.max(spread, 1e-12)), bias]);
  tf.dispose([features, logits]);
}

/** The outputs must differ between images, or a 0 difference would prove nothing. */
function assertInformative(model: tf.LayersModel, x: tf.Tensor4D): void {
  const y = (model.predict(x) as tf.Tensor2D).arraySync();
  assert.ok(y[0].some((v, i) => Math.abs(v - y[1][i]) > 1e-3), `outputs differ between images: ${JSON.stringify(y.slice(0, 2))}`);
}

async function trainOneStep(model: tf.LayersModel, x: tf.Tensor4D): Promise<void> {
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  const y = tf.oneHot(tf.tensor1d([1, 7, 3, 0], 'int32'), 10);
  const h = await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
  assert.ok(Number.isFinite(h.history.loss[0] as number), `loss ${h.history.loss[0]}`);
  y.dispose();
}

// EfficientNet runs at 64x64: at 32x32 its last stages see 1x1 maps, where four images give
// BN statistics so degenerate that float32 rounding alone crosses the bar.
const CASES: Array<[string, string, number, Record<string, unknown>]> = [
  ['efficientnet_b0 (swish)', 'efficientnet_b0', 64, {}],
  ['efficientnet_b0 (relu, use_bias)', 'efficientnet_b0', 64, { activation: { activation_type: 'relu' }, use_bias: true }],
  ['googlenet', 'googlenet', 32, {}],
  ['googlenet without BN, with bias', 'googlenet', 32, { use_batch_norm: false, use_bias: true }],
  ['squeezenet', 'squeezenet', 32, {}],
  ['alexnet', 'alexnet', 32, {}],
];

describe('TAO backbones (part 2): prune + ONNX export + re-train step', () => {
  for (const [label, arch, size, extra] of CASES) {
    test(label, async () => {
      const images = fashionImages(4, size, 3, 10);
      const model = build(arch, extra, images);
      assertInformative(model, images);
      const d0 = await onnxMaxDiff(model, images);
      assert.ok(d0 < 1e-4, `unpruned: max |onnx - tfjs| = ${d0}`);

      const { model: pruned, report } = await pruneModel(model, { threshold: 0.5 });
      assert.ok(report.params_after < report.params_before, `${report.params_after} < ${report.params_before}`);
      for (const l of report.layers) assert.ok(l.kept === l.total || (l.kept % 8 === 0 && l.kept >= 16), `${l.name} ${l.kept}/${l.total}`);
      if (arch.startsWith('efficientnet')) {
        // TAO: a depthwise conv keeps its producer's channels, and the SE multiply ties se_expand
        // to them too: expand conv, depthwise conv and se_expand form one equalization group.
        const g = report.equalization_groups.find((e) => e.layers.includes('block2a_dwconv'));
        assert.ok(g, JSON.stringify(report.equalization_groups));
        assert.deepEqual([...g.layers].sort(), ['block2a_dwconv', 'block2a_expand_conv', 'block2a_se_expand']);
        assert.ok(g.kept < g.total, `the block2a group is pruned: ${g.kept}/${g.total}`);
        // The SE bottleneck is pruned on its own scores; the (1, 1, C) reshape follows.
        const reshape = pruned.getLayer('block2a_se_reshape').outputShape as number[];
        assert.equal(reshape[3], g.kept);
        // Blocks with identity shortcuts share their projection's channels.
        assert.ok(report.equalization_groups.some((e) => e.layers.includes('block2a_project_conv') && e.layers.includes('block2b_project_conv')));
      }
      const d1 = await onnxMaxDiff(pruned, images);
      assert.ok(d1 < 1e-4, `pruned: max |onnx - tfjs| = ${d1}`);
      await trainOneStep(pruned, images);
      tf.dispose([images]);
      model.dispose();
      pruned.dispose();
    });
  }
});

describe('DetectNet_v2 on GoogLeNet, SqueezeNet and EfficientNet-B0 (TAO offers these three)', () => {
  for (const arch of ['googlenet', 'squeezenet', 'efficientnet_b0']) {
    test(arch, async () => {
      const images = fashionImages(4, 64, 3, 20);
      const { config } = buildConfig({ model_config: { arch, input_image_size: '3,64,64', use_batch_norm: true } } as never);
      const model = buildDetectnet(tf, { ...config.model, bboxScale: 35, bboxOffset: 0.5, pretrainedModelFile: '', loadGraph: false }, 2, 42);
      spreadFilterNorms(model);
      calibrateBatchNorm(model, images);
      // The 1/16 grid DetectNet_v2's targets assume.
      assert.deepEqual(model.outputs[0].shape, [null, 4, 4, 2]);
      const { model: pruned, report } = await pruneModel(model, { threshold: 0.5 });
      assert.ok(report.params_after < report.params_before);
      assert.deepEqual(report.output_layers.sort(), [BBOX_LAYER, COV_LAYER].sort());
      for (const m of [model, pruned]) {
        const conv = convertToOnnx(m, { opset: 13, batchSize: null, fp16Weights: false });
        const ort = loadOrt();
        const session = await ort.InferenceSession.create(conv.bytes, { intraOpNumThreads: 1 });
        const nchw = images.transpose([0, 3, 1, 2]);
        const out = await session.run({ [conv.inputName]: new ort.Tensor('float32', nchw.dataSync() as Float32Array, nchw.shape) });
        await session.release();
        const want = m.predict(images) as tf.Tensor[];
        conv.outputNames.forEach((name, i) => {
          const w = want[i].transpose([0, 3, 1, 2]).dataSync();
          const got = out[name].data as Float32Array;
          let d = 0;
          for (let k = 0; k < got.length; k++) d = Math.max(d, Math.abs(got[k] - w[k]));
          assert.ok(d < 1e-4, `${arch} ${name}: max |onnx - tfjs| = ${d}`);
        });
        tf.dispose([nchw, ...want]);
      }
      model.dispose();
      pruned.dispose();
      images.dispose();
    });
  }
});
