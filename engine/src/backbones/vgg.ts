// VGG 16/19 as TAO's template builds it (nvidia_tao_tf1/core/templates/vgg.py, one CNNBlock
// per stage from templates/utils.py), so NVIDIA's pretrained vgg16/vgg19 .hdf5 loads by name:
//
// - Stage n is a CNNBlock with one 3x3 conv per repeat; repeat r (letters a, b, c, d) gives
//   `block_<n><r>_conv_1`, `block_<n><r>_bn_1` (with use_batch_norm) and the activation
//   `block_<n><r>_relu` (CNNBlock names it after the activation type; both TAO callers,
//   makenet and DetectNet_v2, pass relu, whatever the spec's activation says).
// - use_pooling: a 2x2/2 "same" max-pool `block<n>_pool` after stages 1-4, every conv stride 1.
//   Without it there are no pools and the first conv of stages 2-5 has stride 2.
// - Either way the trunk ends after stage 5 at 1/16: `block5_pool` belongs to TAO's own head
//   (retain_head, heads.ts). makenet's dense head pools the 1/16 map as a whole, and
//   DetectNet_v2 uses it as it is, so `stride16` changes nothing here.
// - Conv biases follow use_bias as given (CNNBlock passes it straight to Conv2D, with or
//   without BN).
// - freeze_blocks 1..5 = stages; as in TAO only the convs freeze (CNNBlock hands `trainable`
//   to its Conv2D layers only), BN layers follow freeze_bn.
import { BuildContext, type SymT } from './context';
import type { BackboneOptions } from './index';

/** Convolutions per stage (CNNBlock repeats). */
export const VGG_LAYOUT: Record<number, number[]> = { 16: [2, 2, 3, 3, 3], 19: [2, 2, 4, 4, 4] };
const WIDTHS = [64, 128, 256, 512, 512];

export function buildVgg(c: BuildContext, input: SymT, _opts: BackboneOptions = {}): SymT {
  const layout = VGG_LAYOUT[c.cfg.nLayers];
  if (!layout) throw new Error(`vgg depth ${c.cfg.nLayers} is not supported (use 16 or 19)`);
  const pooling = c.cfg.usePooling;
  let x = input;
  layout.forEach((repeats, stage) => {
    const n = stage + 1;
    c.block = n;
    for (let r = 0; r < repeats; r++) {
      const prefix = `block_${n}${String.fromCharCode(97 + r)}`;
      // Without pooling the first conv of stages 2-5 downsamples instead.
      const strides = !pooling && stage > 0 && r === 0 ? 2 : 1;
      x = c.conv(x, `${prefix}_conv_1`, WIDTHS[stage], 3, strides, c.cfg.useBias);
      x = c.bn(x, `${prefix}_bn_1`, false);
      x = c.act(x, `${prefix}_relu`, 'relu');
    }
    if (pooling && n < layout.length) {
      x = c.tag(c.tf.layers.maxPooling2d({ name: `block${n}_pool`, poolSize: 2, strides: 2, padding: 'same' })).apply(x) as SymT;
    }
  });
  return x;
}
