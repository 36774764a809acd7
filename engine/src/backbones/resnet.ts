// ResNet 10/18/34 (basic blocks: two 3x3 convs) and 50/101 (bottleneck blocks: 1x1, 3x3,
// 1x1 with four times the width), laid out like TAO's ResNet template (core/templates/
// resnet.py with CNNBlock): stem conv 7x7/2, then four stages. With use_pooling a 3x3/2
// max-pool follows the stem, stage 1 keeps stride 1 and stage 4 downsamples (output 1/32,
// then TAO's 7x7 average pool); without it stage 1 downsamples and stage 4 keeps stride 1
// (output 1/16). The first block of every stage has a 1x1 projection shortcut (TAO's
// "dimension changed"); `all_projections` gives every block one, so pruning can treat all
// blocks alike. With `stride16` (detection) stage 4 never downsamples. TAO's template always
// uses relu here, whatever the spec's activation says. Freeze blocks: 0 = stem, 1..4 = stages.
// Conv biases follow `use_bias` alone, also without BN: TAO's conv1 and CNNBlock pass the
// spec's use_bias straight to every Conv2D (no "bias when there is no BN" rule), so a ResNet
// with use_batch_norm and use_bias both false has neither BN nor biases.
import { BuildContext, type SymT } from './context';
import type { BackboneOptions } from './index';

/** Blocks per stage for each depth TAO's classification and DetectNet_v2 accept. */
const BLOCKS: Record<number, number[]> = {
  10: [1, 1, 1, 1],
  18: [2, 2, 2, 2],
  34: [3, 4, 6, 3],
  50: [3, 4, 6, 3],
  101: [3, 4, 23, 3],
};
/** Depths built from bottleneck blocks. */
const BOTTLENECK = new Set([50, 101]);
const WIDTHS = [64, 128, 256, 512];

export function resnetDepths(): number[] {
  return Object.keys(BLOCKS).map(Number);
}

/** (kernel, filters) of each convolution in one block of a stage, as TAO's CNNBlock subblocks. */
function subblocks(depth: number, stage: number): Array<[number, number]> {
  const w = WIDTHS[stage];
  return BOTTLENECK.has(depth) ? [[1, w], [3, w], [1, 4 * w]] : [[3, w], [3, w]];
}

function block(c: BuildContext, x: SymT, prefix: string, convs: Array<[number, number]>, strides: number, project: boolean): SymT {
  const tf = c.tf;
  let y = x;
  convs.forEach(([kernel, filters], i) => {
    const n = i + 1;
    // Only the first convolution of a block carries the stride.
    y = c.bn(c.conv(y, `${prefix}_conv_${n}`, filters, kernel, i === 0 ? strides : 1, c.cfg.useBias), `${prefix}_bn_${n}`);
    if (i < convs.length - 1) y = c.act(y, `${prefix}_relu_${n}`, 'relu');
  });
  const out = convs[convs.length - 1][1];
  let shortcut = x;
  if (project) shortcut = c.bn(c.conv(x, `${prefix}_conv_shortcut`, out, 1, strides, c.cfg.useBias), `${prefix}_bn_shortcut`);
  const sum = c.tag(tf.layers.add({ name: `${prefix}_add` })).apply([y, shortcut]) as SymT;
  return c.act(sum, `${prefix}_relu`, 'relu');
}

export function buildResnet(c: BuildContext, input: SymT, opts: BackboneOptions = {}): SymT {
  const depth = c.cfg.nLayers;
  const layout = BLOCKS[depth];
  if (!layout) throw new Error(`resnet depth ${depth} is not supported (use one of ${resnetDepths().join(', ')})`);
  const pooling = c.cfg.usePooling;
  c.block = 0;
  let x = c.act(c.bn(c.conv(input, 'conv1', 64, 7, 2, c.cfg.useBias), 'bn_conv1'), 'activation_1', 'relu');
  if (pooling) x = c.tag(c.tf.layers.maxPooling2d({ name: 'pool1', poolSize: 3, strides: 2, padding: 'same' })).apply(x) as SymT;
  layout.forEach((count, stage) => {
    c.block = stage + 1;
    let strides = 2;
    if (stage === 0 && pooling) strides = 1;
    if (stage === 3 && (!pooling || opts.stride16)) strides = 1;
    const convs = subblocks(depth, stage);
    for (let b = 0; b < count; b++) {
      const prefix = `block_${stage + 1}${String.fromCharCode(97 + b)}`;
      x = block(c, x, prefix, convs, b === 0 ? strides : 1, c.cfg.allProjections || b === 0);
    }
  });
  if (pooling && !opts.stride16) {
    // TAO's template closes a pooled ResNet with a 7x7 average pool ("same", stride 7).
    x = c.tag(c.tf.layers.averagePooling2d({ name: 'average_pooling2d_1', poolSize: 7, strides: 7, padding: 'same' })).apply(x) as SymT;
  }
  return x;
}
