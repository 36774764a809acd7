// DarkNet 19 and 53 as TAO's DarkNet template builds them (core/templates/darknet.py):
// conv + BN + LeakyReLU(0.1) units (`<name>`, `<name>_bn`, `<name>_lrelu`), no bias unless
// use_bias. DarkNet-19 downsamples with five 2x2 max-pools (`maxpool_1..5`); DarkNet-53 with
// five stride-2 convs (`conv2..conv6`), each followed by residual pairs (1x1 to half width,
// 3x3 back, `b<stage>_add<i>`). TAO's classification ignores the spec's activation here.
// Freeze blocks: 0 = conv1, 1..5 = stages. `stride16` (detection) drops the last
// downsampling step (maxpool_5 / conv6's stride); no weight changes, so TAO's pretrained
// DarkNet loads the same.
import { BuildContext, type SymT } from './context';
import type { BackboneOptions } from './index';
import { addLayer, darkConv, maxPool2 } from './darknet-conv';

export const DARKNET_DEPTHS = [19, 53];

function conv(c: BuildContext, x: SymT, name: string, filters: number, kernel: number, strides = 1): SymT {
  return darkConv(c, x, name, { filters, kernel, strides, act: 'leaky', actSuffix: '_lrelu' });
}

/** Residual pairs per DarkNet-53 stage. */
const D53_REPEATS = [1, 2, 8, 8, 4];

function darknet53(c: BuildContext, x: SymT, opts: BackboneOptions): SymT {
  D53_REPEATS.forEach((repeats, i) => {
    const stage = i + 1;
    const width = 64 << i;
    c.block = stage;
    const last = stage === D53_REPEATS.length;
    x = conv(c, x, `conv${stage + 1}`, width, 3, last && opts.stride16 ? 1 : 2);
    for (let r = 1; r <= repeats; r++) {
      let y = conv(c, x, `b${stage}_conv${r}_1`, width / 2, 1);
      y = conv(c, y, `b${stage}_conv${r}_2`, width, 3);
      x = addLayer(c, [x, y], `b${stage}_add${r}`);
    }
  });
  return x;
}

/** (filters, kernel) of the convolutions in DarkNet-19's stages, each after a max-pool. */
const D19_STAGES: Array<Array<[number, number]>> = [
  [[64, 3]],
  [[128, 3], [64, 1], [128, 3]],
  [[256, 3], [128, 1], [256, 3]],
  [[512, 3], [256, 1], [512, 3], [256, 1], [512, 3]],
  [[1024, 3], [512, 1], [1024, 3], [512, 1], [1024, 3]],
];

function darknet19(c: BuildContext, x: SymT, opts: BackboneOptions): SymT {
  D19_STAGES.forEach((convs, i) => {
    const stage = i + 1;
    c.block = stage;
    const last = stage === D19_STAGES.length;
    if (!(last && opts.stride16)) x = maxPool2(c, x, `maxpool_${stage}`);
    convs.forEach(([filters, kernel], j) => {
      x = conv(c, x, `b${stage}_conv${j + 1}`, filters, kernel);
    });
  });
  return x;
}

export function buildDarknet(c: BuildContext, input: SymT, opts: BackboneOptions = {}): SymT {
  const depth = c.cfg.nLayers;
  if (!DARKNET_DEPTHS.includes(depth)) throw new Error(`darknet depth ${depth} is not supported (use 19 or 53)`);
  c.block = 0;
  const x = conv(c, input, 'conv1', 32, 3);
  return depth === 53 ? darknet53(c, x, opts) : darknet19(c, x, opts);
}
