// MobileNet v1 (depthwise-separable stacks) and v2 (inverted residuals with linear
// bottlenecks, relu6), with Keras' layer names. Freeze blocks: 0 = stem, then one per block.
import { BuildContext, type SymT } from './context';
import type { BackboneOptions } from './index';

const V1: Array<[number, number]> = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

export function buildMobilenetV1(c: BuildContext, input: SymT, opts: BackboneOptions = {}): SymT {
  c.block = 0;
  let x = c.convBnAct(input, ['conv1', 'conv1_bn', 'conv1_relu'], 32, 3, 2);
  V1.forEach(([filters, stride], i) => {
    const n = i + 1;
    // Detection keeps the 1/16 grid: the last downsampling block runs at stride 1.
    const strides = opts.stride16 && i === V1.length - 2 ? 1 : stride;
    c.block = n;
    x = c.act(c.bn(c.depthwise(x, `conv_dw_${n}`, strides), `conv_dw_${n}_bn`), `conv_dw_${n}_relu`);
    x = c.convBnAct(x, [`conv_pw_${n}`, `conv_pw_${n}_bn`, `conv_pw_${n}_relu`], filters, 1, 1);
  });
  return x;
}

// (expansion t, output channels c, repeats n, first stride s), as in the MobileNetV2 paper.
const V2: Array<[number, number, number, number]> = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

export function buildMobilenetV2(c: BuildContext, input: SymT, opts: BackboneOptions = {}): SymT {
  const tf = c.tf;
  c.block = 0;
  let x = c.convBnAct(input, ['Conv1', 'bn_Conv1', 'Conv1_relu'], 32, 3, 2, 'relu6');
  let channels = 32;
  let id = 0;
  for (const [t, out, n, s] of V2) {
    for (let r = 0; r < n; r++) {
      // Detection keeps the 1/16 grid: the 160-channel stage does not downsample.
      const strides = r === 0 && !(opts.stride16 && out === 160) ? s : 1;
      const prefix = id === 0 ? 'expanded_conv' : `block_${id}`;
      c.block = id + 1;
      let y = x;
      if (t !== 1) y = c.convBnAct(y, [`${prefix}_expand`, `${prefix}_expand_BN`, `${prefix}_expand_relu`], channels * t, 1, 1, 'relu6');
      y = c.act(c.bn(c.depthwise(y, `${prefix}_depthwise`, strides), `${prefix}_depthwise_BN`), `${prefix}_depthwise_relu`, 'relu6');
      y = c.bn(c.conv(y, `${prefix}_project`, out, 1, 1), `${prefix}_project_BN`);
      if (strides === 1 && channels === out) y = c.tag(tf.layers.add({ name: `${prefix}_add` })).apply([x, y]) as SymT;
      x = y;
      channels = out;
      id++;
    }
  }
  c.block = id + 1;
  return c.convBnAct(x, ['Conv_1', 'Conv_1_bn', 'out_relu'], 1280, 1, 1, 'relu6');
}
