// SqueezeNet 1.0 as TAO's Keras template builds it without its own head: conv1 96 7x7/2,
// pool1, fire2..fire9 with pools after fire4 and fire8 (output stride 16). Fire modules are a
// 1x1 squeeze conv, then 1x1 and 3x3 expand convs concatenated (fireN_squeeze_conv,
// fireN_expand_conv1x1, fireN_expand_conv3x3, fireN). TAO's template has no BN and no bias
// switch: every conv has a bias and its own relu layer. The spec's `dropout` is not used:
// only TAO's own head (retain_head, heads.ts) has a dropout, at a fixed 1e-3.
// freeze_blocks: 0 = conv1, 1..8 = fire2..fire9.
import type * as tfTypes from '@tensorflow/tfjs';
import { BuildContext, type SymT } from './context';
import type { BackboneOptions } from './index';

/** (fire id, squeeze filters, expand filters per branch) in build order. */
const FIRES: Array<[number, number, number]> = [
  [2, 16, 64], [3, 16, 64], [4, 32, 128], [5, 32, 128], [6, 48, 192], [7, 48, 192], [8, 64, 256], [9, 64, 256],
];

function apply(c: BuildContext, layer: tfTypes.layers.Layer, x: SymT | SymT[]): SymT {
  return c.tag(layer).apply(x) as SymT;
}

function convRelu(c: BuildContext, x: SymT, convName: string, reluName: string, filters: number, kernel: number, strides = 1): SymT {
  const tf = c.tf;
  const y = apply(c, tf.layers.conv2d({
    name: convName, filters, kernelSize: kernel, strides, padding: 'same', useBias: true,
    kernelInitializer: tf.initializers.glorotUniform({ seed: c.nextSeed() }) as never,
  }), x);
  return apply(c, tf.layers.activation({ name: reluName, activation: 'relu' }), y);
}

function fire(c: BuildContext, x: SymT, id: number, squeeze: number, expand: number): SymT {
  const p = `fire${id}`;
  const s = convRelu(c, x, `${p}_squeeze_conv`, `${p}_squeeze`, squeeze, 1);
  const e1 = convRelu(c, s, `${p}_expand_conv1x1`, `${p}_expand_1x1`, expand, 1);
  const e3 = convRelu(c, s, `${p}_expand_conv3x3`, `${p}_expand_3x3`, expand, 3);
  return apply(c, c.tf.layers.concatenate({ name: p, axis: -1 }), [e1, e3]);
}

function pool(c: BuildContext, x: SymT, name: string): SymT {
  return apply(c, c.tf.layers.maxPooling2d({ name, poolSize: 3, strides: 2, padding: 'same' }), x);
}

export function buildSqueezeNet(c: BuildContext, input: SymT, _opts: BackboneOptions = {}): SymT {
  c.block = 0;
  let x = convRelu(c, input, 'conv1', 'conv1_relu', 96, 7, 2);
  x = pool(c, x, 'pool1');
  FIRES.forEach(([id, squeeze, expand], i) => {
    c.block = i + 1;
    x = fire(c, x, id, squeeze, expand);
    if (id === 4) x = pool(c, x, 'pool4');
    if (id === 8) x = pool(c, x, 'pool8');
  });
  return x;
}
