// EfficientNet B0..B7 as TAO's Keras template builds them: one builder scaled by width and
// depth coefficients over the B0 stage table, MBConv blocks (1x1 expand, depthwise conv,
// squeeze-excitation, 1x1 linear projection) and drop-connect on the identity blocks.
// Layer names follow TAO (stem_conv, block2a_expand_conv, block2a_se_excite, top_conv, ...)
// so NVIDIA's pretrained .hdf5 loads by name.
//
// TAO facts kept here on purpose:
// - use_bias applies to stem, expand, depthwise and top convs; project convs never have a
//   bias; the two SE convs always have one (they have no BN after them).
// - BatchNormalization is always present (use_batch_norm is not an EfficientNet option).
// - freeze_blocks sets only conv layers non-trainable (block 0 = stem, 1..7 = stages,
//   8 = top); BN layers freeze only with freeze_bn.
// - Stride-2 depthwise convs use explicit ZeroPadding2D (correct_pad) + 'valid', not 'same'.
// - Drop-connect rate grows linearly from 0 to 0.2 over the blocks; classification's dense
//   head adds no top dropout (TAO's model builder does not pass `dropout` to EfficientNet).
import type * as tfTypes from '@tensorflow/tfjs';
import { BuildContext, type SymT } from './context';
import type { BackboneOptions } from './index';

interface Stage {
  kernel: number;
  repeats: number;
  filtersIn: number;
  filtersOut: number;
  expand: number;
  strides: number;
}

// The B0 stage table (se_ratio 0.25 and id_skip everywhere, as in TAO's DEFAULT_BLOCKS_ARGS).
const B0_STAGES: Stage[] = [
  { kernel: 3, repeats: 1, filtersIn: 32, filtersOut: 16, expand: 1, strides: 1 },
  { kernel: 3, repeats: 2, filtersIn: 16, filtersOut: 24, expand: 6, strides: 2 },
  { kernel: 5, repeats: 2, filtersIn: 24, filtersOut: 40, expand: 6, strides: 2 },
  { kernel: 3, repeats: 3, filtersIn: 40, filtersOut: 80, expand: 6, strides: 2 },
  { kernel: 5, repeats: 3, filtersIn: 80, filtersOut: 112, expand: 6, strides: 1 },
  { kernel: 5, repeats: 4, filtersIn: 112, filtersOut: 192, expand: 6, strides: 2 },
  { kernel: 3, repeats: 1, filtersIn: 192, filtersOut: 320, expand: 6, strides: 1 },
];
const SE_RATIO = 0.25;
const DEPTH_DIVISOR = 8;
const DROP_CONNECT_RATE = 0.2;

/** (width, depth) coefficients of each variant; the dropout rate TAO also lists only feeds its own head. */
export const EFFICIENTNET_VARIANTS: Readonly<Record<string, [number, number]>> = {
  efficientnet_b0: [1.0, 1.0],
  efficientnet_b1: [1.0, 1.1],
  efficientnet_b2: [1.1, 1.2],
  efficientnet_b3: [1.2, 1.4],
  efficientnet_b4: [1.4, 1.8],
  efficientnet_b5: [1.6, 2.2],
  efficientnet_b6: [1.8, 2.6],
  efficientnet_b7: [2.0, 3.1],
};

/** Channel count scaled by the width coefficient, rounded to the divisor, never more than 10% below. */
export function roundFilters(filters: number, width: number): number {
  const scaled = filters * width;
  let out = Math.max(DEPTH_DIVISOR, Math.floor(Math.trunc(scaled + DEPTH_DIVISOR / 2) / DEPTH_DIVISOR) * DEPTH_DIVISOR);
  if (out < 0.9 * scaled) out += DEPTH_DIVISOR;
  return out;
}

export function roundRepeats(repeats: number, depth: number): number {
  // Keras computes ceil(depth * repeats) in float64: 1.1 * 2 is 2.2, not 2.
  return Math.ceil(depth * repeats);
}

/**
 * Zero padding before a stride-2 "valid" conv (TAO's correct_pad): kernel//2 on the bottom
 * and right, one less on the top and left when that side of the input is even.
 */
function correctPad(size: number, kernel: number): [number, number] {
  const half = Math.floor(kernel / 2);
  return [half - (1 - (size % 2)), half];
}

class EfficientNetBuilder {
  private readonly act: string;
  constructor(private readonly c: BuildContext) {
    // An unset activation_type means swish in TAO's template.
    this.act = c.cfg.activation || 'swish';
  }

  private get tf() {
    return this.c.tf;
  }

  private init(): never {
    // TAO's CONV_KERNEL_INITIALIZER: VarianceScaling(2.0, fan_out, normal).
    return this.tf.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal', seed: this.c.nextSeed() }) as never;
  }

  private apply(layer: tfTypes.layers.Layer, x: SymT | SymT[], tagged = true): SymT {
    return (tagged ? this.c.tag(layer) : layer).apply(x) as SymT;
  }

  conv(x: SymT, name: string, filters: number, opts: { useBias: boolean; padding?: 'same' | 'valid'; strides?: number; kernel?: number; activation?: string }): SymT {
    const layer = this.tf.layers.conv2d({
      name,
      filters,
      kernelSize: opts.kernel ?? 1,
      strides: opts.strides ?? 1,
      padding: opts.padding ?? 'same',
      useBias: opts.useBias,
      activation: (opts.activation ?? 'linear') as never,
      kernelInitializer: this.init(),
    });
    return this.apply(layer, x);
  }

  /** BN is not tagged with the block: TAO's freeze_blocks leaves BN trainable. */
  bn(x: SymT, name: string): SymT {
    const layer = this.tf.layers.batchNormalization({ name, axis: -1, momentum: this.c.cfg.bnMomentum, epsilon: this.c.cfg.bnEpsilon });
    return this.apply(layer, x, false);
  }

  activation(x: SymT, name: string): SymT {
    return this.apply(this.tf.layers.activation({ name, activation: this.act as never }), x);
  }

  pad(x: SymT, name: string, kernel: number): SymT {
    const [, h, w] = x.shape as number[];
    const [th, bh] = correctPad(h, kernel);
    const [tw, bw] = correctPad(w, kernel);
    return this.apply(this.tf.layers.zeroPadding2d({ name, padding: [[th, bh], [tw, bw]] }), x);
  }

  /** One MBConv block; `name` is TAO's prefix, e.g. `block2a_`. */
  block(inputs: SymT, name: string, s: Stage, filtersIn: number, strides: number, dropRate: number): SymT {
    const tf = this.tf;
    const useBias = this.c.cfg.useBias;
    const filters = filtersIn * s.expand;
    let x = inputs;
    if (s.expand !== 1) {
      x = this.conv(x, `${name}expand_conv`, filters, { useBias });
      x = this.activation(this.bn(x, `${name}expand_bn`), `${name}expand_activation`);
    }
    let padding: 'same' | 'valid' = 'same';
    if (strides === 2) {
      x = this.pad(x, `${name}dwconv_pad`, s.kernel);
      padding = 'valid';
    }
    const dw = tf.layers.depthwiseConv2d({ name: `${name}dwconv`, kernelSize: s.kernel, strides, padding, useBias, depthwiseInitializer: this.init() });
    x = this.apply(dw, x);
    x = this.activation(this.bn(x, `${name}bn`), `${name}activation`);

    // Squeeze-excitation: per-channel gates from the pooled features, broadcast over H x W.
    const filtersSe = Math.max(1, Math.trunc(filtersIn * SE_RATIO));
    let se = this.apply(tf.layers.globalAveragePooling2d({ name: `${name}se_squeeze` }), x);
    // TAO reshapes to (1, 1, -1); tfjs cannot infer a -1 on a symbolic batch, so the channel
    // count is written out (the pruner rewrites it when it cuts channels).
    se = this.apply(tf.layers.reshape({ name: `${name}se_reshape`, targetShape: [1, 1, filters] }), se);
    se = this.conv(se, `${name}se_reduce`, filtersSe, { useBias: true, activation: this.act });
    se = this.conv(se, `${name}se_expand`, filters, { useBias: true, activation: 'sigmoid' });
    x = this.apply(tf.layers.multiply({ name: `${name}se_excite` }), [x, se]);

    x = this.conv(x, `${name}project_conv`, s.filtersOut, { useBias: false });
    x = this.bn(x, `${name}project_bn`);
    if (strides === 1 && filtersIn === s.filtersOut) {
      // Drop-connect: the whole residual branch of a sample is dropped (noise shape N x 1 x 1 x 1).
      if (dropRate > 0) x = this.apply(tf.layers.dropout({ name: `${name}drop`, rate: dropRate, noiseShape: [null, 1, 1, 1] as never }), x);
      x = this.apply(tf.layers.add({ name: `${name}add` }), [x, inputs]);
    }
    return x;
  }
}

export function buildEfficientNet(c: BuildContext, input: SymT, opts: BackboneOptions = {}): SymT {
  const coeffs = EFFICIENTNET_VARIANTS[c.cfg.arch];
  if (!coeffs) throw new Error(`unknown EfficientNet variant "${c.cfg.arch}"`);
  const [width, depth] = coeffs;
  const b = new EfficientNetBuilder(c);
  const stages = B0_STAGES.map((s) => ({ ...s, filtersIn: roundFilters(s.filtersIn, width), filtersOut: roundFilters(s.filtersOut, width) }));
  // Detection's 1/16 grid: the last stride-2 stage keeps stride 1 (what TAO's force_stride16
  // means to do; its list slicing there has no effect, so TAO itself stays at 1/32).
  if (opts.stride16) {
    const last = stages.map((s) => s.strides).lastIndexOf(2);
    stages[last] = { ...stages[last], strides: 1 };
  }

  c.block = 0;
  let x = b.pad(input, 'stem_conv_pad', 3);
  x = b.conv(x, 'stem_conv', roundFilters(32, width), { useBias: c.cfg.useBias, kernel: 3, strides: 2, padding: 'valid' });
  x = b.activation(b.bn(x, 'stem_bn'), 'stem_activation');

  const total = B0_STAGES.reduce((n, s) => n + s.repeats, 0);
  let index = 0;
  stages.forEach((s, i) => {
    c.block = i + 1;
    const repeats = roundRepeats(s.repeats, depth);
    for (let j = 0; j < repeats; j++) {
      const first = j === 0;
      // TAO divides by the unscaled block count, so deep variants end above 0.2.
      x = b.block(x, `block${i + 1}${String.fromCharCode(97 + j)}_`, s, first ? s.filtersIn : s.filtersOut, first ? s.strides : 1, (DROP_CONNECT_RATE * index) / total);
      index++;
    }
  });

  c.block = stages.length + 1;
  x = b.conv(x, 'top_conv', roundFilters(1280, width), { useBias: c.cfg.useBias });
  return b.activation(b.bn(x, 'top_bn'), 'top_activation');
}
