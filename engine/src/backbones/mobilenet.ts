// MobileNet v1 and v2 as TAO's templates build them (nvidia_tao_tf1/core/templates/mobilenet.py
// with _conv_block, _depthwise_conv_block and _inverted_res_block from templates/utils.py), so
// NVIDIA's pretrained mobilenet .hdf5 files load by name. What the templates fix:
//
// - Every 3x3 convolution is an explicit ZeroPadding2D of 1 on each side followed by a 'valid'
//   conv (TAO avoids TensorFlow's asymmetric "same" padding); at stride 2 the map shrinks to
//   ceil(side / 2) as "same" would, but the zeros sit on both sides. 1x1 convs are 'valid'.
// - Activations are Keras ReLU layers: ReLU(6) when activation_type is relu6, else a plain
//   ReLU, with names that change with the type (`conv_dw_1_relu` / `conv_dw_1_relu6`).
//   TAO's classification and DetectNet_v2 builders never pass the spec's activation to these
//   templates, so TAO always builds relu; the engine honours `activation_type: relu6` (the
//   templates' other choice) and reads anything else as relu. Names of weightless layers do
//   not matter for loading weights.
// - Conv biases follow use_bias as given (no "bias when there is no BN" rule); v2's
//   `projected_inputs` convs never have one.
// - Output stride 32, or 16 for detection (`stride16`, TAO's `stride=16`): the template then
//   leaves out the last blocks instead of changing a stride (v1 ends after conv_pw_11 with
//   512 channels; v2 after block_12 with 96, without conv_1).
// - freeze_blocks: v1 0 = stem, 1..13 = depthwise blocks; v2 0 = stem, block_id k is freeze
//   block k + 1 (1..17), conv_1 is 18. The templates hand `trainable` to the convolutions only,
//   so BN layers follow freeze_bn alone.
import { BuildContext, type SymT } from './context';
import type { BackboneOptions } from './index';

/** (pointwise filters, depthwise stride) of depthwise blocks 1..13. */
const V1: Array<[number, number]> = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];
/** v1 blocks kept at stride 16 (TAO drops blocks 12 and 13). */
const V1_STRIDE16_BLOCKS = 11;

/** relu6 only when the spec asks for it (the templates' two choices: relu, relu6). */
function isRelu6(c: BuildContext): boolean {
  return c.cfg.activation === 'relu6';
}

export function buildMobilenetV1(c: BuildContext, input: SymT, opts: BackboneOptions = {}): SymT {
  const relu6 = isRelu6(c);
  const max = relu6 ? 6 : undefined;
  const useBias = c.cfg.useBias;
  c.block = 0;
  let x = c.pad(input, 'conv1_pad');
  x = c.conv(x, 'conv1', 32, 3, 2, useBias, 'valid');
  x = c.relu(c.bn(x, 'conv1_bn', false), relu6 ? 'conv_block_relu6' : 'conv_block_relu', max);
  const blocks = opts.stride16 ? V1.slice(0, V1_STRIDE16_BLOCKS) : V1;
  blocks.forEach(([filters, strides], i) => {
    const id = i + 1;
    c.block = id;
    x = c.pad(x, `conv_pad_${id}`);
    x = c.depthwise(x, `conv_dw_${id}`, strides, useBias, 'valid');
    x = c.relu(c.bn(x, `conv_dw_${id}_bn`, false), `conv_dw_${id}_${relu6 ? 'relu6' : 'relu'}`, max);
    x = c.conv(x, `conv_pw_${id}`, filters, 1, 1, useBias, 'valid');
    x = c.relu(c.bn(x, `conv_pw_${id}_bn`, false), `conv_pw_${relu6 ? 'relu6' : 'relu'}_${id}`, max);
  });
  return x;
}

/** (expansion, output channels, stride) of inverted residual blocks 0..16. */
const V2: Array<[number, number, number]> = [
  [1, 16, 1],
  [6, 24, 2], [6, 24, 1],
  [6, 32, 2], [6, 32, 1], [6, 32, 1],
  [6, 64, 2], [6, 64, 1], [6, 64, 1], [6, 64, 1],
  [6, 96, 1], [6, 96, 1], [6, 96, 1],
  [6, 160, 2], [6, 160, 1], [6, 160, 1],
  [6, 320, 1],
];
/** v2 blocks kept at stride 16 (TAO drops blocks 13..16 and conv_1). */
const V2_STRIDE16_BLOCKS = 13;
/** Freeze block of conv_1 (after the 17 inverted residual blocks' 1..17). */
const V2_HEAD_FREEZE_BLOCK = 18;

/** One of TAO's inverted residual blocks (utils._inverted_res_block) at width multiplier 1. */
function invertedResidual(c: BuildContext, inputs: SymT, id: number, expansion: number, filters: number, strides: number): SymT {
  const relu6 = isRelu6(c);
  const max = relu6 ? 6 : undefined;
  const useBias = c.cfg.useBias;
  const inChannels = (inputs.shape as number[])[3];
  // Block 0 has no expansion and the prefix `expanded_conv_`; the others are `block_<id>_`.
  const prefix = id === 0 ? 'expanded_conv_' : `block_${id}_`;
  let x = inputs;
  if (id !== 0) {
    x = c.conv(x, `${prefix}expand`, expansion * inChannels, 1, 1, useBias, 'valid');
    // The expand activation is numbered from the stem's re_lu_0, whatever its type.
    x = c.relu(c.bn(x, `${prefix}expand_bn`, false), `re_lu_${id + 1}`, max);
  }
  x = c.pad(x, `${prefix}depthwise_pad`);
  x = c.depthwise(x, `${prefix}depthwise`, strides, useBias, 'valid');
  x = c.relu(c.bn(x, `${prefix}depthwise_bn`, false), `${prefix}${relu6 ? 'relu6' : 'relu'}`, max);
  x = c.conv(x, `${prefix}project`, filters, 1, 1, useBias, 'valid');
  x = c.bn(x, `${prefix}project_bn`, false);
  if (inChannels !== filters || strides !== 1) return x;
  // Same width and stride 1: a residual add; all_projections puts a 1x1 conv (never a bias)
  // on the shortcut so pruning can treat every block alike.
  const shortcut = c.cfg.allProjections ? c.conv(inputs, `${prefix}projected_inputs`, inChannels, 1, 1, false, 'valid') : inputs;
  return c.tag(c.tf.layers.add({ name: `${prefix}add` })).apply([shortcut, x]) as SymT;
}

export function buildMobilenetV2(c: BuildContext, input: SymT, opts: BackboneOptions = {}): SymT {
  const relu6 = isRelu6(c);
  const max = relu6 ? 6 : undefined;
  c.block = 0;
  let x = c.pad(input, 'conv1_pad');
  x = c.conv(x, 'conv1', 32, 3, 2, c.cfg.useBias, 'valid');
  x = c.relu(c.bn(x, 'bn_conv1', false), 're_lu_0', max);
  const blocks = opts.stride16 ? V2.slice(0, V2_STRIDE16_BLOCKS) : V2;
  blocks.forEach(([expansion, filters, strides], id) => {
    c.block = id + 1;
    x = invertedResidual(c, x, id, expansion, filters, strides);
  });
  if (opts.stride16) return x;
  c.block = V2_HEAD_FREEZE_BLOCK;
  x = c.conv(x, 'conv_1', 1280, 1, 1, c.cfg.useBias, 'valid');
  return c.relu(c.bn(x, 'conv_1_bn', false), 're_lu_head', max);
}
