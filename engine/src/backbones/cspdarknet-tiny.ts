// CSPDarkNet-tiny (YOLOv4-tiny's backbone) as TAO's template builds it (core/templates/
// cspdarknet_tiny.py, csp_tiny_block in utils.py): two stride-2 3x3 convs, three CSP tiny
// blocks of 64, 128 and 256 filters, and a 3x3 conv of 512. A block's first conv output
// (`<b>_conv_0`) is kept whole for the outer concatenation while its second half
// (`<b>_split_0`, TAO's Split layer) runs two 3x3 convs whose outputs are concatenated and
// fused by a 1x1; the block ends with a 2x2 "valid" max-pool. Units are conv + BN + the
// spec's activation (mish, relu, else LeakyReLU 0.1) named `<conv>_mish`.
// Freeze blocks: 0 = conv_0, 1 = conv_1, 2..4 = the CSP blocks, 5 = conv_5.
import { BuildContext, type SymT } from './context';
import type { BackboneOptions } from './index';
import { concatLayer, cspActivation, darkConv, type DarknetActivation } from './darknet-conv';
import { splitLayer } from './split-layer';

function cspTinyBlock(c: BuildContext, act: DarknetActivation, x: SymT, name: string, filters: number): SymT {
  const conv = (y: SymT, suffix: string, f: number, kernel: number): SymT =>
    darkConv(c, y, `${name}_${suffix}`, { filters: f, kernel, act, actSuffix: '_mish' });
  x = conv(x, 'conv_0', filters, 3);
  const route = x;
  x = c.tag(splitLayer(c.tf, { name: `${name}_split_0`, groups: 2, group_id: 1 })).apply(x) as SymT;
  x = conv(x, 'conv_1', filters / 2, 3);
  const route1 = x;
  x = conv(x, 'conv_2', filters / 2, 3);
  x = concatLayer(c, [x, route1], `${name}_concat_0`);
  x = conv(x, 'conv_3', filters, 1);
  x = concatLayer(c, [route, x], `${name}_concat_1`);
  return c.tag(c.tf.layers.maxPooling2d({ name: `${name}_pool_0`, poolSize: 2, strides: 2, padding: 'valid' })).apply(x) as SymT;
}

export function buildCspDarknetTiny(c: BuildContext, input: SymT, _opts: BackboneOptions = {}): SymT {
  const act = cspActivation(c.cfg.activation);
  const conv = (x: SymT, name: string, filters: number, strides: number): SymT =>
    darkConv(c, x, name, { filters, kernel: 3, strides, act, actSuffix: '_mish' });
  c.block = 0;
  let x = conv(input, 'conv_0', 32, 2);
  c.block = 1;
  x = conv(x, 'conv_1', 64, 2);
  [64, 128, 256].forEach((filters, i) => {
    c.block = i + 2;
    x = cspTinyBlock(c, act, x, `conv_${i + 2}`, filters);
  });
  c.block = 5;
  return conv(x, 'conv_5', 512, 1);
}
