// VGG 16/19 and MobileNet v1/v2 built as TAO's templates build them (issue 19: they used to be
// Keras applications' models, whose layer names NVIDIA's pretrained files do not share):
// parameter counts, layer names, explicit padding, output strides (DetectNet_v2's stride 16
// included), freeze_blocks numbering, relu / relu6 and one training step.
//
// Reference counts: `python3 tools/backbone-params.py`, written from NVIDIA's templates
// (nvidia_tao_tf1/core/templates/vgg.py, mobilenet.py, utils.py) independently of the engine,
// with classification_tf1's 1000-class head. With BN and no bias, mobilenet_v1 and
// mobilenet_v2 also equal Keras applications' MobileNet (4,253,864) and MobileNetV2
// (3,538,984), whose convolutions TAO's templates repeat under other names.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import type { ModelConfig } from '../../engine/src/networks/classification_tf1/config';
import { buildBackbone, BuildContext } from '../../engine/src/backbones';
import { backboneConfig, describeParameterCounts, trunkShape, withZeroKernels, assertOneStepLearns } from './backbone-support';
import { backboneLayerNames, describeBackbone } from '../../server/src/core/rules/backbone-match';
import { weightedLayerNames } from '../../engine/src/train/arch-match';
import { buildDetectnetConfig } from '../../engine/src/networks/detectnet_v2/config';
import { buildDetectnet } from '../../engine/src/networks/detectnet_v2/model';

function config(arch: string, nLayers: number, o: Partial<ModelConfig> = {}): ModelConfig {
  return backboneConfig(arch, nLayers, 224, o);
}

const REFERENCE: Array<[string, ModelConfig, number]> = [
  ['vgg16', config('vgg', 16), 15_240_360],
  ['vgg16 use_pooling', config('vgg', 16, { usePooling: true }), 15_240_360],
  // CNNBlock passes use_bias straight to every conv.
  ['vgg16 no BN, use_bias', config('vgg', 16, { useBatchNorm: false, useBias: true }), 15_227_688],
  ['vgg19', config('vgg', 19), 20_553_896],
  ['vgg19 no BN, use_bias', config('vgg', 19, { useBatchNorm: false, useBias: true }), 20_537_384],
  ['mobilenet_v1', config('mobilenet_v1', 0), 4_253_864],
  ['mobilenet_v1 use_bias', config('mobilenet_v1', 0, { useBias: true }), 4_264_808],
  ['mobilenet_v2', config('mobilenet_v2', 0), 3_538_984],
  // A 1x1 conv without bias on the 10 identity shortcuts.
  ['mobilenet_v2 all_projections', config('mobilenet_v2', 0, { allProjections: true }), 3_623_528],
  ['mobilenet_v2 use_bias', config('mobilenet_v2', 0, { useBias: true }), 3_556_040],
];

/** Layer name -> class, per REFERENCE row, for the name checks. */
const built = describeParameterCounts('parameter counts equal TAO templates (tools/backbone-params.py)', REFERENCE);

const trunk = trunkShape;

test('layer names are TAO\'s (CNNBlock for VGG, _conv_block / _depthwise_conv_block / _inverted_res_block for MobileNet)', () => {
  const names = (label: string): Map<string, string> => {
    const got = built.get(label);
    assert.ok(got, `${label} was built by the parameter count tests`);
    return got;
  };
  const v16 = names('vgg16');
  for (const n of ['block_1a_conv_1', 'block_1a_bn_1', 'block_1a_relu', 'block_1b_conv_1', 'block_5c_conv_1', 'block_5c_relu']) assert.ok(v16.has(n), n);
  assert.ok(!v16.has('block_5d_conv_1') && !v16.has('block1_pool'), 'three convs in stage 5; no pools without use_pooling');
  assert.ok(!v16.has('block5_pool'), 'block5_pool belongs to TAO\'s own head');
  const v16p = names('vgg16 use_pooling');
  for (const n of ['block1_pool', 'block2_pool', 'block3_pool', 'block4_pool']) assert.equal(v16p.get(n), 'MaxPooling2D', n);
  assert.ok(!v16p.has('block5_pool'));
  assert.ok(names('vgg19').has('block_5d_conv_1'));
  assert.ok(!names('vgg16 no BN, use_bias').has('block_1a_bn_1'));

  const m1 = names('mobilenet_v1');
  for (const n of ['conv1_pad', 'conv1', 'conv1_bn', 'conv_block_relu', 'conv_pad_1', 'conv_dw_1', 'conv_dw_1_bn', 'conv_dw_1_relu', 'conv_pw_1', 'conv_pw_1_bn', 'conv_pw_relu_1', 'conv_pw_13']) assert.ok(m1.has(n), n);
  assert.equal(m1.get('conv_pad_1'), 'ZeroPadding2D');
  assert.equal(m1.get('conv_dw_1_relu'), 'ReLU');

  const m2 = names('mobilenet_v2');
  for (const n of [
    'conv1_pad', 'conv1', 'bn_conv1', 're_lu_0',
    'expanded_conv_depthwise_pad', 'expanded_conv_depthwise', 'expanded_conv_depthwise_bn', 'expanded_conv_relu', 'expanded_conv_project', 'expanded_conv_project_bn',
    'block_1_expand', 'block_1_expand_bn', 're_lu_2', 'block_1_depthwise_pad', 'block_1_depthwise', 'block_1_depthwise_bn', 'block_1_relu', 'block_1_project', 'block_1_project_bn',
    'block_2_add', 'block_16_project', 'conv_1', 'conv_1_bn', 're_lu_head',
  ]) assert.ok(m2.has(n), n);
  assert.ok(!m2.has('expanded_conv_expand') && !m2.has('block_1_add') && !m2.has('block_2_projected_inputs'));
  assert.equal(m2.get('re_lu_head'), 'ReLU');
  const m2p = names('mobilenet_v2 all_projections');
  for (const n of ['block_2_projected_inputs', 'block_16_project']) assert.ok(m2p.has(n), n);
  assert.ok(!m2p.has('block_1_projected_inputs') && !m2p.has('block_16_projected_inputs'), 'only where widths match at stride 1');

  // What the server says a spec's arch builds is what the engine builds (pretrained checks).
  for (const [label, arch] of [['vgg16', 'vgg16'], ['vgg19', 'vgg19'], ['mobilenet_v1', 'mobilenet_v1'], ['mobilenet_v2', 'mobilenet_v2']]) {
    const fromNames = describeBackbone(backboneLayerNames(arch, undefined)!);
    assert.deepEqual(fromNames, describeBackbone([...names(label).keys()]), label);
  }
});

test('explicit ZeroPadding2D + "valid" convs; relu6 only when activation_type says so', () => {
  const m = withZeroKernels(() => buildClassifier(tf, config('mobilenet_v2', 0, { height: 32, width: 32, activation: 'relu6' }), 3, 1)).model;
  try {
    const cfg = (name: string) => m.getLayer(name).getConfig() as Record<string, unknown>;
    assert.equal(cfg('conv1').padding, 'valid');
    assert.equal(cfg('block_3_depthwise').padding, 'valid');
    assert.deepEqual(cfg('conv1_pad').padding, [[1, 1], [1, 1]]);
    assert.equal(cfg('re_lu_0').maxValue, 6);
    assert.ok(m.layers.some((l) => l.name === 'block_1_relu6') && !m.layers.some((l) => l.name === 'block_1_relu'));
    // Stride 2 with one zero on each side halves 32 exactly as "same" would.
    assert.deepEqual(m.getLayer('conv1').outputShape, [null, 16, 16, 32]);
  } finally {
    m.dispose();
  }
  const plain = withZeroKernels(() => buildClassifier(tf, config('mobilenet_v1', 0, { height: 33, width: 33 }), 3, 1)).model;
  // An odd side rounds up, as "same" does: 33 -> 17.
  assert.deepEqual(plain.getLayer('conv1').outputShape, [null, 17, 17, 32]);
  assert.equal((plain.getLayer('conv_block_relu').getConfig() as { maxValue?: number }).maxValue, undefined);
  plain.dispose();
});

test('output strides: VGG 1/16 with or without pooling; MobileNet 1/32, and at stride 16 the last blocks are left out', () => {
  const small = { height: 64, width: 64 };
  assert.deepEqual(trunk(config('vgg', 16, small)), [4, 4, 512]);
  assert.deepEqual(trunk(config('vgg', 19, { ...small, usePooling: true })), [4, 4, 512]);
  assert.deepEqual(trunk(config('vgg', 16, small), true), [4, 4, 512]);
  assert.deepEqual(trunk(config('mobilenet_v1', 0, small)), [2, 2, 1024]);
  // TAO's stride=16 drops depthwise blocks 12 and 13 (v1) / blocks 13..16 and conv_1 (v2).
  assert.deepEqual(trunk(config('mobilenet_v1', 0, small), true), [4, 4, 512]);
  assert.deepEqual(trunk(config('mobilenet_v2', 0, small)), [2, 2, 1280]);
  assert.deepEqual(trunk(config('mobilenet_v2', 0, small), true), [4, 4, 96]);
  const names = withZeroKernels(() => {
    const cfg = config('mobilenet_v2', 0, small);
    const input = tf.input({ shape: [64, 64, 3] });
    const model = tf.model({ inputs: input, outputs: buildBackbone(new BuildContext(tf, cfg, 1), input, { stride16: true }) });
    const n = weightedLayerNames(model);
    model.dispose();
    return n;
  });
  assert.ok(names.includes('block_12_project') && !names.includes('block_13_expand') && !names.includes('conv_1'));
  // The server's expected names for a DetectNet_v2 spec follow the same cut.
  assert.deepEqual(describeBackbone(backboneLayerNames('mobilenet_v2', undefined, 'detectnet_v2')!), describeBackbone(names));
});

test('freeze_blocks: TAO\'s numbers, convolutions only; freeze_bn freezes every BN', () => {
  const build = (arch: string, o: Partial<ModelConfig>) => withZeroKernels(() => buildClassifier(tf, config(arch, arch === 'vgg' ? 16 : 0, { height: 32, width: 32, ...o }), 3, 1)).model;
  const trainable = (m: tf.LayersModel, name: string) => m.getLayer(name).trainable;

  // v2: 0 = stem, block_id k = k + 1, conv_1 = 18.
  const v2 = build('mobilenet_v2', { freezeBlocks: [0, 2, 18], allProjections: true });
  assert.equal(trainable(v2, 'conv1'), false);
  assert.equal(trainable(v2, 'bn_conv1'), true, 'TAO hands trainable to the convs only');
  assert.equal(trainable(v2, 'expanded_conv_depthwise'), true, 'block 0 is freeze block 1');
  assert.equal(trainable(v2, 'block_1_expand'), false);
  assert.equal(trainable(v2, 'block_1_depthwise'), false);
  assert.equal(trainable(v2, 'block_1_project'), false);
  assert.equal(trainable(v2, 'block_1_project_bn'), true);
  assert.equal(trainable(v2, 'block_2_projected_inputs'), true);
  assert.equal(trainable(v2, 'conv_1'), false);
  v2.dispose();

  // v1: 0 = stem, 1..13 = depthwise blocks.
  const v1 = build('mobilenet_v1', { freezeBlocks: [13], freezeBn: true });
  assert.equal(trainable(v1, 'conv_dw_13'), false);
  assert.equal(trainable(v1, 'conv_pw_13'), false);
  assert.equal(trainable(v1, 'conv_pw_12'), true);
  assert.equal(trainable(v1, 'conv1_bn'), false, 'freeze_bn');
  v1.dispose();

  // VGG: 1..5 = stages.
  const v = build('vgg', { freezeBlocks: [2] });
  assert.equal(trainable(v, 'block_2a_conv_1'), false);
  assert.equal(trainable(v, 'block_2b_conv_1'), false);
  assert.equal(trainable(v, 'block_2a_bn_1'), true);
  assert.equal(trainable(v, 'block_1a_conv_1'), true);
  assert.equal(trainable(v, 'block_3a_conv_1'), true);
  v.dispose();
});

// VGG is left out here: plain conv + BN + Activation layers, nothing new to train, and a
// step of its 15M parameters takes minutes on the cpu backend.
describe('one training step moves the weights', () => {
  const cases: Array<[string, ModelConfig]> = [
    ['mobilenet_v1 relu6', config('mobilenet_v1', 0, { height: 32, width: 32, activation: 'relu6' })],
    ['mobilenet_v2 all_projections', config('mobilenet_v2', 0, { height: 32, width: 32, allProjections: true })],
  ];
  for (const [label, cfg] of cases) {
    test(label, async () => {
      await tf.setBackend('cpu');
      await assertOneStepLearns(cfg);
    });
  }
});

test('DetectNet_v2: vgg and the MobileNets predict on the 1/16 grid TAO\'s stride-16 templates give', () => {
  for (const arch of ['vgg', 'mobilenet_v1', 'mobilenet_v2']) {
    const { config, problems } = buildDetectnetConfig({
      model_config: { use_batch_norm: true, arch, num_layers: arch === 'vgg' ? 16 : 18 },
      augmentation_config: { preprocessing: { output_image_width: 64, output_image_height: 48, output_image_channel: 3 } },
    } as never);
    assert.deepEqual(problems.filter((p) => p.path.startsWith('model_config')), [], arch);
    const model = withZeroKernels(() => buildDetectnet(tf, config.model, 2, 1));
    assert.deepEqual((model.outputs[0].shape as number[]).slice(1), [3, 4, 2], `${arch}: a 3x4 grid for 48x64`);
    const names = weightedLayerNames(model);
    if (arch === 'mobilenet_v1') assert.ok(names.includes('conv_pw_11') && !names.includes('conv_dw_12'));
    if (arch === 'mobilenet_v2') assert.ok(names.includes('block_12_project') && !names.includes('conv_1'));
    if (arch === 'vgg') assert.ok(names.includes('block_5c_conv_1'));
    model.dispose();
  }
});
