// EfficientNet B0..B7, GoogLeNet, SqueezeNet and AlexNet: parameter counts equal to TAO's
// templates, TAO's layer names and freeze rules, and classification_tf1 train / evaluate /
// inference through the CLI.
//
// Reference counts come from bench/backbones/tao_reference.py, an independent PyTorch
// restatement of NVIDIA's tao_tensorflow1_backend templates (nvidia_tao_tf1/core/templates/)
// plus the classification builder's dense head, counting what Keras' count_params() counts
// (BN moving statistics included). The EfficientNet figures also equal torchvision's
// efficientnet_b0..b7 (parameters plus BN running statistics), an independent implementation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';
import { supportedArchs } from '../../engine/src/backbones/index';
import { fromKerasConfig, toKerasConfig, type LayerJson, type ModelJson } from '../../engine/src/io/hdf5/keras-config';
import { runEngine, tempDir, tinyDataset, writeSpec } from './helpers';

/** 3x224x224, 1000 classes, use_bias false, use_batch_norm true (tao_reference.py defaults). */
const IMAGENET: Record<string, number> = {
  efficientnet_b0: 5_330_564,
  efficientnet_b1: 7_856_232,
  efficientnet_b2: 9_177_562,
  efficientnet_b3: 12_320_528,
  efficientnet_b4: 19_466_816,
  efficientnet_b5: 30_562_520,
  efficientnet_b6: 43_265_136,
  efficientnet_b7: 66_658_680,
  googlenet: 7_020_392,
  squeezenet: 1_248_424,
  alexnet: 4_004_200,
};

function build(arch: string, model: Record<string, unknown>, classes: number): tf.LayersModel {
  const { config, problems } = buildConfig({ model_config: { arch, use_batch_norm: true, ...model } } as never);
  assert.deepEqual(problems.filter((p) => p.path.startsWith('model_config')), [], arch);
  return buildClassifier(tf, config.model, classes, 1).model;
}

test('the registry lists every part-2 arch', () => {
  for (const arch of Object.keys(IMAGENET)) assert.ok(supportedArchs().includes(arch), arch);
});

test('parameter counts equal TAO templates at 3x224x224 with 1000 classes', () => {
  for (const [arch, want] of Object.entries(IMAGENET)) {
    const model = build(arch, { input_image_size: '3,224,224' }, 1000);
    assert.equal(model.countParams(), want, arch);
    model.dispose();
  }
});

test('parameter counts follow use_bias / use_batch_norm / channels as TAO does', () => {
  // tao_reference.py --classes 3 --channels 1 [--use-bias] [--no-bn]
  const cases: Array<[string, Record<string, unknown>, number]> = [
    ['efficientnet_b0', {}, 4_052_831],
    ['efficientnet_b0', { use_bias: true }, 4_072_031],
    // EfficientNet always has BN in TAO: use_batch_norm false changes nothing.
    ['efficientnet_b0', { use_batch_norm: false }, 4_052_831],
    ['efficientnet_b3', {}, 10_787_419],
    ['googlenet', {}, 5_992_195],
    ['googlenet', { use_bias: true, use_batch_norm: false }, 5_970_355],
    ['squeezenet', { use_bias: false }, 727_555],
    ['alexnet', { use_batch_norm: false }, 3_724_739],
  ];
  for (const [arch, opts, want] of cases) {
    const model = build(arch, { input_image_size: '1,64,64', ...opts }, 3);
    assert.equal(model.countParams(), want, `${arch} ${JSON.stringify(opts)}`);
    model.dispose();
  }
});

test("TAO's layer names, drop-connect rates and freeze rules", () => {
  const eff = build('efficientnet_b0', { input_image_size: '3,64,64', freeze_blocks: [0, 2] }, 3);
  const names = new Set(eff.layers.map((l) => l.name));
  for (const n of ['stem_conv_pad', 'stem_conv', 'stem_bn', 'stem_activation', 'block1a_dwconv', 'block1a_se_squeeze', 'block1a_se_reshape',
    'block1a_se_reduce', 'block1a_se_expand', 'block1a_se_excite', 'block1a_project_conv', 'block2a_expand_conv', 'block2a_dwconv_pad',
    'block2b_drop', 'block2b_add', 'block7a_project_bn', 'top_conv', 'top_bn', 'top_activation']) {
    assert.ok(names.has(n), n);
  }
  // block1a changes width and block2a strides: neither has a shortcut.
  assert.ok(!names.has('block1a_add') && !names.has('block2a_add'));
  // Drop-connect grows with the block index over the 16 unscaled blocks: block2b is block 2.
  assert.equal((eff.getLayer('block2b_drop').getConfig() as { rate: number }).rate, (0.2 * 2) / 16);
  assert.equal(eff.getLayer('stem_activation').getConfig().activation, 'swish', 'unset activation_type is swish');
  // freeze_blocks freezes convs only; BN follows freeze_bn alone.
  assert.equal(eff.getLayer('stem_conv').trainable, false);
  assert.equal(eff.getLayer('stem_bn').trainable, true);
  assert.equal(eff.getLayer('block2b_dwconv').trainable, false);
  assert.equal(eff.getLayer('block2b_expand_bn').trainable, true);
  assert.equal(eff.getLayer('block3a_dwconv').trainable, true);
  eff.dispose();

  const g = build('googlenet', { input_image_size: '3,64,64', freeze_blocks: [1] }, 3);
  for (const n of ['conv1', 'bn_conv1', 'conv2_reduce', 'conv2', 'inception_3a_1x1', 'inception_3a_3x3_reduce', 'inception_3a_5x5_bn',
    'inception_3a_pool', 'inception_3a_pool_proj', 'inception_3a_output', 'pool3', 'inception_5b_output']) {
    assert.ok(g.getLayer(n), n);
  }
  assert.equal(g.getLayer('inception_3a_3x3').trainable, false);
  assert.equal(g.getLayer('inception_3a_3x3_bn').trainable, true);
  assert.equal(g.getLayer('inception_3b_3x3').trainable, true);
  // No pool4 without TAO's own head: 64 / 16 = 4.
  assert.deepEqual(g.getLayer('inception_5b_output').outputShape, [null, 4, 4, 1024]);
  g.dispose();

  const s = build('squeezenet', { input_image_size: '3,64,64' }, 3);
  for (const n of ['conv1', 'conv1_relu', 'pool1', 'fire2_squeeze_conv', 'fire2_expand_conv1x1', 'fire2_expand_conv3x3', 'fire2', 'pool4', 'pool8', 'fire9']) {
    assert.ok(s.getLayer(n), n);
  }
  s.dispose();
  const a = build('alexnet', { input_image_size: '3,64,64', freeze_blocks: [1] }, 3);
  assert.equal(a.getLayer('conv1').trainable, false);
  assert.equal(a.getLayer('conv2').trainable, true);
  assert.deepEqual(a.getLayer('conv5').outputShape, [null, 4, 4, 256]);
  a.dispose();
});

test('EfficientNet takes odd and non-square inputs (TAO pads stride-2 convs by parity)', () => {
  const model = build('efficientnet_b0', { input_image_size: '3,45,70' }, 3);
  const y = model.predict(tf.zeros([1, 45, 70, 3])) as tf.Tensor;
  assert.deepEqual(y.shape, [1, 3]);
  // 45 -> 23 -> 12 -> 6 -> 3 -> 2; 70 -> 35 -> 18 -> 9 -> 5 -> 3 (ceil at every stride 2).
  assert.deepEqual(model.getLayer('top_activation').outputShape, [null, 2, 3, 1280]);
  tf.dispose(y);
  model.dispose();
});

function paramCount(modelDir: string): number {
  const manifest = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ weights: Array<{ shape: number[] }> }> };
  let total = 0;
  for (const group of manifest.weightsManifest) for (const w of group.weights) total += w.shape.reduce((a, b) => a * b, 1);
  return total;
}

// The CLI dataset: 3 classes of 1x16x16 images; spec use_batch_norm true, use_bias unset (false).
const CLI: Array<[string, number]> = [
  ['efficientnet_b0', 4_052_831],
  ['googlenet', 5_992_195],
  ['squeezenet', 727_555],
  ['alexnet', 3_724_739],
];

for (const [arch, params] of CLI) {
  test(`classification_tf1 train / evaluate / inference with ${arch}`, () => {
    const work = tempDir(`tao-${arch}`);
    const data = tinyDataset(join(work, 'data'));
    const spec = writeSpec(join(work, 'spec.txt'), { arch, train: data.train, val: data.val, test: data.test, epochs: 1 });
    const results = join(work, 'results');
    const t = runEngine(['classification_tf1', 'train', '-e', spec, '-r', results, '--backend', 'wasm']);
    assert.equal(t.code, 0, t.stderr);
    assert.equal(paramCount(join(results, 'weights', 'final')), params);
    const e = runEngine(['classification_tf1', 'evaluate', '-e', spec, '-r', results, '-m', join(results, 'weights', 'final'), '--backend', 'wasm']);
    assert.equal(e.code, 0, e.stderr);
    const report = JSON.parse(readFileSync(join(results, 'evaluation.json'), 'utf8'));
    assert.equal(report.images, 12);
    assert.equal(typeof report.top1_accuracy, 'number');
    const i = runEngine(['classification_tf1', 'inference', '-e', spec, '-r', results, '-m', join(results, 'weights', 'final'), '-i', data.test, '--backend', 'wasm']);
    assert.equal(i.code, 0, i.stderr);
    assert.equal(readFileSync(join(results, 'result.csv'), 'utf8').trim().split('\n').length, 12);
  });
}

test("Keras files: the SE reshape moves between TAO's (-1, 1, 1) and the engine's (1, 1, C)", () => {
  const layer = (class_name: string, name: string, config: Record<string, unknown>, from?: string): LayerJson =>
    ({ class_name, name, config: { name, ...config }, inbound_nodes: from ? [[[from, 0, 0, {}]]] : [] }) as LayerJson;
  const tao: ModelJson = {
    class_name: 'Model',
    config: {
      layers: [
        layer('InputLayer', 'input_1', { batch_input_shape: [null, 3, 32, 32] }),
        layer('Conv2D', 'block2a_expand_conv', { filters: 96, data_format: 'channels_first' }, 'input_1'),
        layer('BatchNormalization', 'block2a_expand_bn', { axis: 1 }, 'block2a_expand_conv'),
        layer('DepthwiseConv2D', 'block2a_dwconv', { data_format: 'channels_first' }, 'block2a_expand_bn'),
        layer('GlobalAveragePooling2D', 'block2a_se_squeeze', { data_format: 'channels_first' }, 'block2a_dwconv'),
        layer('Reshape', 'block2a_se_reshape', { target_shape: [-1, 1, 1] }, 'block2a_se_squeeze'),
      ],
    },
  };
  const ours = fromKerasConfig(tao);
  assert.deepEqual(ours.config.layers[5].config.target_shape, [1, 1, 96]);
  const back = toKerasConfig(ours, '2.2.4-tf');
  assert.deepEqual(back.config.layers[5].config.target_shape, [96, 1, 1]);
});
