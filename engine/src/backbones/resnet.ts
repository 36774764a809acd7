// ResNet with basic blocks (depth 10/18/34), laid out like TAO's classification ResNet:
// stem conv 7x7/2 (+ max-pool when use_pooling), four stages; each stage's first block
// downsamples (stride 2) except stage 1 when pooling already did. `all_projections` gives
// every block a 1x1 projection shortcut (TAO uses it so pruning can treat blocks alike).
// With `stride16` (detection) stage 4 keeps stride 1. Freeze blocks: 0 = stem, 1..4 = stages.
import { BuildContext, type SymT } from './context';
import type { BackboneOptions } from './index';

const BLOCKS: Record<number, number[]> = {
  10: [1, 1, 1, 1],
  18: [2, 2, 2, 2],
  34: [3, 4, 6, 3],
};
const WIDTHS = [64, 128, 256, 512];

export function resnetDepths(): number[] {
  return Object.keys(BLOCKS).map(Number);
}

function basicBlock(c: BuildContext, x: SymT, prefix: string, filters: number, strides: number, project: boolean): SymT {
  const tf = c.tf;
  let y = c.convBnAct(x, [`${prefix}_conv_1`, `${prefix}_bn_1`, `${prefix}_relu_1`], filters, 3, strides);
  y = c.bn(c.conv(y, `${prefix}_conv_2`, filters, 3, 1), `${prefix}_bn_2`);
  let shortcut = x;
  if (project) shortcut = c.bn(c.conv(x, `${prefix}_conv_shortcut`, filters, 1, strides), `${prefix}_bn_shortcut`);
  const sum = c.tag(tf.layers.add({ name: `${prefix}_add` })).apply([y, shortcut]) as SymT;
  return c.act(sum, `${prefix}_relu`);
}

export function buildResnet(c: BuildContext, input: SymT, opts: BackboneOptions = {}): SymT {
  const depth = c.cfg.nLayers;
  const layout = BLOCKS[depth];
  if (!layout) throw new Error(`resnet depth ${depth} is not supported (use one of ${resnetDepths().join(', ')})`);
  c.block = 0;
  let x = c.convBnAct(input, ['conv1', 'bn_conv1', 'activation_1'], 64, 7, 2);
  if (c.cfg.usePooling) x = c.tag(c.tf.layers.maxPooling2d({ name: 'pool1', poolSize: 3, strides: 2, padding: 'same' })).apply(x) as SymT;
  let channels = 64;
  layout.forEach((count, stage) => {
    c.block = stage + 1;
    for (let b = 0; b < count; b++) {
      const prefix = `block_${stage + 1}${String.fromCharCode(97 + b)}`;
      // Stage 1 does not downsample after the max-pool; stage 4 keeps the 1/16 grid for detection.
      const strides = b === 0 && !(stage === 0 && c.cfg.usePooling) && !(stage === 3 && opts.stride16) ? 2 : 1;
      const filters = WIDTHS[stage];
      const project = c.cfg.allProjections || strides !== 1 || filters !== channels;
      x = basicBlock(c, x, prefix, filters, strides, project);
      channels = filters;
    }
  });
  return x;
}
