// ResNet 50/101, DarkNet 19/53, CSPDarkNet 19/53 and CSPDarkNet-tiny in the shared backbone
// library: parameter counts equal to TAO's templates, TAO's layer names, output strides,
// freeze_blocks, one training step, and what the spec readers accept. Building is cheap (no
// forward pass) except the training steps, which use small inputs.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import type { ModelConfig } from '../../engine/src/networks/classification_tf1/config';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';
import { backboneConfig, describeParameterCounts, trunkShape, withZeroKernels, assertOneStepLearns } from './backbone-support';
import { CLASSIFICATION_DEPTHS } from '../../server/src/core/rules/classification-tf1';
import { buildDetectnetConfig } from '../../engine/src/networks/detectnet_v2/config';
import { buildDetectnet } from '../../engine/src/networks/detectnet_v2/model';
import { registerBackpropKernels } from '../../engine/src/kernels/backprop';
import { registerBatchNormGradient } from '../../engine/src/kernels/batchnorm-grad';

before(async () => {
  assert.ok(await tf.setBackend('wasm'), 'wasm backend initialises');
  // The gradient kernels the engine adds to wasm (backend/index.ts does the same for the CLI).
  registerBackpropKernels(tf, 'wasm', ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'], false);
  registerBatchNormGradient(tf);
});

function config(arch: string, nLayers: number, o: Partial<ModelConfig> = {}): ModelConfig {
  return backboneConfig(arch, nLayers, 64, o);
}

/**
 * TAO's figures for these backbones with classification_tf1's 1000-class head, use_batch_norm
 * true and use_bias false unless the label says otherwise: `python3 tools/backbone-params.py`,
 * counted from NVIDIA's Keras templates independently of the engine (docs/backbones.md).
 * resnet50/101 agree with torchvision's 25,557,032 / 44,549,160 plus BN moving statistics.
 */
const REFERENCE: Array<[string, ModelConfig, number]> = [
  ['resnet10', config('resnet', 10), 5_428_904],
  ['resnet18', config('resnet', 18), 11_703_464],
  ['resnet18 all_projections', config('resnet', 18, { allProjections: true }), 12_055_464],
  ['resnet34', config('resnet', 34), 21_819_048],
  ['resnet50', config('resnet', 50), 25_610_152],
  ['resnet50 use_pooling', config('resnet', 50, { usePooling: true }), 25_610_152],
  ['resnet50 all_projections', config('resnet', 50, { allProjections: true }), 40_204_200],
  ['resnet101', config('resnet', 101), 44_654_504],
  ['resnet50 no BN, use_bias', config('resnet', 50, { useBatchNorm: false, useBias: true }), 25_530_472],
  // TAO's ResNet passes use_bias to every conv as given: no BN and no bias leaves no bias at all.
  ['resnet50 no BN, no bias', config('resnet', 50, { useBatchNorm: false, useBias: false }), 25_503_912],
  ['darknet19', config('darknet', 19), 20_856_776],
  ['darknet19 no BN, use_bias', config('darknet', 19, { useBatchNorm: false, useBias: true }), 20_835_176],
  ['darknet53', config('darknet', 53), 41_645_640],
  ['cspdarknet19', config('cspdarknet', 19, { activation: 'mish' }), 17_244_104],
  ['cspdarknet53', config('cspdarknet', 53, { activation: 'leaky_relu' }), 27_677_512],
  ['cspdarknet_tiny', config('cspdarknet_tiny', 0, { activation: 'leaky_relu' }), 4_146_632],
  ['cspdarknet_tiny use_bias', config('cspdarknet_tiny', 0, { activation: 'relu', useBias: true }), 4_148_584],
];

/** Layer name -> class of every model REFERENCE built, for the name checks below. */
const built = describeParameterCounts('parameter counts equal TAO templates', REFERENCE);

const grid = trunkShape;

test('layer names, output strides and activations are TAO\'s', () => {
  const names = (label: string) => {
    const got = built.get(label);
    assert.ok(got, `${label} was built by the parameter count tests`);
    return got;
  };
  const r50 = names('resnet50');
  for (const n of ['conv1', 'bn_conv1', 'block_1a_conv_shortcut', 'block_1a_conv_3', 'block_1a_relu_2', 'block_4c_bn_3', 'block_4c_relu']) assert.ok(r50.has(n), n);
  assert.ok(!r50.has('block_1b_conv_shortcut'), 'only the first block of a stage projects');
  const r101 = names('resnet101');
  assert.ok(r101.has('block_3w_conv_3') && !r101.has('block_3x_conv_1'), 'stage 3 of resnet101 has 23 blocks (a..w)');

  const d53 = names('darknet53');
  for (const n of ['conv1_lrelu', 'conv6', 'b1_add1', 'b3_conv8_2_bn', 'b5_add4']) assert.ok(d53.has(n), n);
  assert.equal(d53.get('b5_conv4_2_lrelu'), 'LeakyReLU');
  const d19 = names('darknet19');
  for (const n of ['maxpool_5', 'b4_conv5', 'b5_conv5_bn']) assert.ok(d19.has(n), n);

  const c53 = names('cspdarknet53');
  for (const n of ['conv2_1', 'conv2_2', 'b1_partial_trans', 'b1_concat', 'b5_final_trans_mish', 'b4_add8']) assert.ok(c53.has(n), n);
  assert.equal(c53.get('b1_concat'), 'Concatenate');
  assert.equal(c53.get('conv1_mish'), 'LeakyReLU', 'leaky_relu (or unset) is LeakyReLU under TAO\'s `_mish` name');
  const c19 = names('cspdarknet19');
  for (const n of ['b2_part1', 'b5_conv5', 'b5_concat']) assert.ok(c19.has(n), n);
  assert.equal(c19.get('b2_part1_mish'), 'Activation', 'mish');
  const tiny = names('cspdarknet_tiny');
  for (const n of ['conv_0', 'conv_2_split_0', 'conv_4_concat_1', 'conv_4_pool_0', 'conv_5_mish']) assert.ok(tiny.has(n), n);
  assert.equal(tiny.get('conv_3_split_0'), 'Split');
  assert.equal(tiny.get('conv_5_mish'), 'LeakyReLU');
  assert.equal(names('cspdarknet_tiny use_bias').get('conv_5_mish'), 'ReLU', 'relu is a ReLU layer');

  // TAO's ResNet: 1/16 without use_pooling (stage 4 keeps stride 1), 1/32 plus a 7x7 average pool with it.
  assert.deepEqual(grid(config('resnet', 50)), [4, 4, 2048]);
  assert.deepEqual(grid(config('resnet', 101, { usePooling: true, width: 256, height: 256 })), [2, 2, 2048]);
  assert.deepEqual(grid(config('darknet', 19)), [2, 2, 1024]);
  assert.deepEqual(grid(config('darknet', 53)), [2, 2, 1024]);
  assert.deepEqual(grid(config('cspdarknet', 53)), [2, 2, 1024]);
  assert.deepEqual(grid(config('cspdarknet_tiny', 0)), [2, 2, 512]);
  // Detection's 1/16 grid: the last downsampling step is dropped, weights unchanged.
  assert.deepEqual(grid(config('darknet', 19), true), [4, 4, 1024]);
  assert.deepEqual(grid(config('darknet', 53), true), [4, 4, 1024]);
  assert.deepEqual(grid(config('resnet', 50, { usePooling: true }), true), [4, 4, 2048]);
});

test('every arch/n_layers pair the language server offers builds', () => {
  for (const arch of ['resnet', 'darknet', 'cspdarknet']) {
    for (const depth of CLASSIFICATION_DEPTHS[arch]) {
      assert.doesNotThrow(() => grid(config(arch, depth, { height: 32, width: 32 })), `${arch} ${depth}`);
    }
  }
});

test('freeze_blocks and freeze_bn follow TAO\'s block numbers', () => {
  const { model } = withZeroKernels(() => buildClassifier(tf, config('cspdarknet_tiny', 0, { height: 32, width: 32, freezeBlocks: [0, 3], freezeBn: true }), 4, 1));
  try {
    assert.equal(model.getLayer('conv_0').trainable, false);
    assert.equal(model.getLayer('conv_1').trainable, true);
    assert.equal(model.getLayer('conv_3_conv_2').trainable, false);
    assert.equal(model.getLayer('conv_4_conv_0').trainable, true);
    assert.equal(model.getLayer('conv_4_conv_0_bn').trainable, false, 'freeze_bn');
  } finally {
    model.dispose();
  }
  const d = withZeroKernels(() => buildClassifier(tf, config('darknet', 53, { height: 32, width: 32, freezeBlocks: [5] }), 4, 1)).model;
  assert.equal(d.getLayer('conv6').trainable, false);
  assert.equal(d.getLayer('b5_conv4_2').trainable, false);
  assert.equal(d.getLayer('b4_conv8_2').trainable, true);
  d.dispose();
});

describe('one training step moves the weights', () => {
  const cases: Array<[string, ModelConfig]> = [
    ['resnet50', config('resnet', 50, { height: 32, width: 32 })],
    ['darknet19 (leaky)', config('darknet', 19, { height: 32, width: 32 })],
    ['cspdarknet_tiny (mish, Split)', config('cspdarknet_tiny', 0, { height: 32, width: 32, activation: 'mish' })],
  ];
  for (const [label, cfg] of cases) {
    test(label, async () => {
      await assertOneStepLearns(cfg);
    });
  }
});

describe('spec readers', () => {
  const read = (model: string) => {
    const entries = model.split(';').map((kv) => kv.split('=')).map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : v]);
    return buildConfig({ model_config: Object.fromEntries(entries) } as never);
  };
  test('classification_tf1 accepts the new archs and refuses depths they do not come in', () => {
    for (const spec of ['arch=darknet;n_layers=53', 'arch=cspdarknet;n_layers=19', 'arch=cspdarknet_tiny', 'arch=resnet;n_layers=101']) {
      assert.deepEqual(read(spec).problems, [], spec);
    }
    const unset = read('arch=darknet');
    assert.match(unset.problems[0].message, /n_layers 18 does not exist: darknet comes in 19, 53/);
    assert.equal(unset.problems[0].path, 'model_config.n_layers');
    assert.match(read('arch=resnet;n_layers=152').problems[0].message, /resnet comes in 10, 18, 34, 50, 101/);
    assert.match(read('arch=cspdarknet_tiny;input_image_size=3,28,64').problems[0].message, /cspdarknet_tiny needs input_image_size height and width of at least 29/);
    assert.deepEqual(read('arch=cspdarknet_tiny;input_image_size=1,29,29').problems, []);
  });
  test('an unset activation_type is LeakyReLU for CSPDarkNet, as TAO\'s _mish_conv reads ""', () => {
    assert.equal(read('arch=cspdarknet;n_layers=53').config.model.activation, 'leaky_relu');
    assert.equal(read('arch=resnet;n_layers=50').config.model.activation, 'relu');
  });
});

describe('DetectNet_v2 with the backbones TAO offers it', () => {
  const detect = (model: Record<string, unknown>) =>
    buildDetectnetConfig({
      model_config: { use_batch_norm: true, ...model },
      augmentation_config: { preprocessing: { output_image_width: 64, output_image_height: 48, output_image_channel: 3 } },
    } as never);
  test('darknet and resnet 50/101 build on the 1/16 grid; cspdarknet is not a DetectNet_v2 arch', () => {
    for (const [arch, depth] of [['darknet', 19], ['darknet', 53], ['resnet', 50], ['resnet', 101]] as const) {
      const { config, problems } = detect({ arch, num_layers: depth });
      assert.deepEqual(problems.filter((p) => p.path.startsWith('model_config')), [], `${arch} ${depth}`);
      assert.equal(config.model.useBias, arch !== 'darknet', 'use_bias is each template\'s default');
      const model = withZeroKernels(() => buildDetectnet(tf, config.model, 2, 1));
      assert.deepEqual((model.outputs[0].shape as number[]).slice(1), [3, 4, 2], `${arch} ${depth}: a 3x4 grid for 48x64`);
      model.dispose();
    }
    assert.match(detect({ arch: 'cspdarknet', num_layers: 19 }).problems[0].message, /unknown arch "cspdarknet" for DetectNet_v2/);
    assert.match(detect({ arch: 'darknet', num_layers: 18 }).problems[0].message, /num_layers 18 does not exist: darknet comes in 19, 53/);
  });
});
