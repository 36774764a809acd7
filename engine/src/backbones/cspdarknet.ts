// CSPDarkNet 19 and 53 as TAO's CSPDarkNet template builds them (core/templates/
// cspdarknet.py): DarkNet's stages split in two cross-stage-partial paths. After a stage's
// downsampling, one 1x1 conv starts the shortcut path (`conv<n>_1` / `b<s>_part1`) and
// another the dense path (`conv<n>_2` / `b<s>_part2`); the dense path runs the stage's
// convolutions, a 1x1 `b<s>_partial_trans`, is concatenated with the shortcut path
// (`b<s>_concat`, dense first) and fused by a 1x1 `b<s>_final_trans`. Units are conv + BN +
// the spec's activation (mish, relu, else LeakyReLU 0.1), always named `<conv>_mish`.
// Freeze blocks: 0 = conv1, 1..5 = stages.
import { BuildContext, type SymT } from './context';
import type { BackboneOptions } from './index';
import { addLayer, concatLayer, cspActivation, darkConv, maxPool2, type DarknetActivation } from './darknet-conv';

export const CSPDARKNET_DEPTHS = [19, 53];

type Conv = (x: SymT, name: string, filters: number, kernel: number, strides?: number) => SymT;

function unit(c: BuildContext, act: DarknetActivation): Conv {
  return (x, name, filters, kernel, strides = 1) => darkConv(c, x, name, { filters, kernel, strides, act, actSuffix: '_mish' });
}

/** Residual pairs per CSPDarkNet-53 stage. */
const C53_REPEATS = [1, 2, 8, 8, 4];

function cspdarknet53(c: BuildContext, conv: Conv, x: SymT): SymT {
  C53_REPEATS.forEach((repeats, i) => {
    const stage = i + 1;
    const width = 64 << i;
    // Stage 1 keeps the full 64 channels on both paths (its residual narrows to 32 inside);
    // the others halve the width on both paths.
    const part = stage === 1 ? width : width / 2;
    const inner = width / 2;
    c.block = stage;
    x = conv(x, `conv${stage + 1}`, width, 3, 2);
    const shortcut = conv(x, `conv${stage + 1}_1`, part, 1);
    x = conv(x, `conv${stage + 1}_2`, part, 1);
    for (let r = 1; r <= repeats; r++) {
      let y = conv(x, `b${stage}_conv${r}_1`, inner, 1);
      y = conv(y, `b${stage}_conv${r}_2`, part, 3);
      x = addLayer(c, [x, y], `b${stage}_add${r}`);
    }
    x = conv(x, `b${stage}_partial_trans`, part, 1);
    x = concatLayer(c, [x, shortcut], `b${stage}_concat`);
    x = conv(x, `b${stage}_final_trans`, width, 1);
  });
  return x;
}

/** (filters, kernel) of the dense path's convolutions in CSPDarkNet-19 stages 2..5. */
const C19_DENSE: Array<Array<[number, number]>> = [
  [[64, 1], [64, 3]],
  [[128, 1], [128, 3]],
  [[256, 1], [256, 3], [256, 1], [256, 3]],
  [[512, 1], [512, 3], [512, 1], [512, 3]],
];

function cspdarknet19(c: BuildContext, conv: Conv, x: SymT): SymT {
  c.block = 1;
  x = maxPool2(c, x, 'maxpool_1');
  x = conv(x, 'b1_conv1', 64, 3);
  C19_DENSE.forEach((dense, i) => {
    const stage = i + 2;
    const width = 64 << (i + 1);
    c.block = stage;
    x = maxPool2(c, x, `maxpool_${stage}`);
    x = conv(x, `b${stage}_conv1`, width, 3);
    const shortcut = conv(x, `b${stage}_part1`, width / 2, 1);
    x = conv(x, `b${stage}_part2`, width / 2, 1);
    dense.forEach(([filters, kernel], j) => {
      x = conv(x, `b${stage}_conv${j + 2}`, filters, kernel);
    });
    x = conv(x, `b${stage}_partial_trans`, width / 2, 1);
    x = concatLayer(c, [x, shortcut], `b${stage}_concat`);
    x = conv(x, `b${stage}_final_trans`, width, 1);
  });
  return x;
}

export function buildCspDarknet(c: BuildContext, input: SymT, _opts: BackboneOptions = {}): SymT {
  const depth = c.cfg.nLayers;
  if (!CSPDARKNET_DEPTHS.includes(depth)) throw new Error(`cspdarknet depth ${depth} is not supported (use 19 or 53)`);
  const conv = unit(c, cspActivation(c.cfg.activation));
  c.block = 0;
  const x = conv(input, 'conv1', 32, 3);
  return depth === 53 ? cspdarknet53(c, conv, x) : cspdarknet19(c, conv, x);
}
