// The conv -> BN -> activation unit of TAO's DarkNet family (`_leaky_conv` and `_mish_conv`
// in core/templates/utils.py): a "same" convolution whose bias follows use_bias exactly (TAO
// does not add one when batch norm is off), BN named `<conv>_bn`, and the activation named
// `<conv>_lrelu` (DarkNet) or `<conv>_mish` (CSPDarkNet, whatever the activation is).
import type * as tfTypes from '@tensorflow/tfjs';
import { BuildContext, type SymT } from './context';

/** leaky = LeakyReLU(0.1), relu = ReLU layer, mish = Activation(mish). */
export type DarknetActivation = 'leaky' | 'relu' | 'mish';

/** CSPDarkNet's activation from the spec's activation_type, as `_mish_conv` maps it (anything else is leaky). */
export function cspActivation(activationType: string): DarknetActivation {
  if (activationType === 'mish') return 'mish';
  if (activationType === 'relu') return 'relu';
  return 'leaky';
}

export interface DarkConvArgs {
  filters: number;
  kernel: number;
  strides?: number;
  act: DarknetActivation;
  /** `_lrelu` (DarkNet) or `_mish` (CSPDarkNet). */
  actSuffix: string;
}

export function darkConv(c: BuildContext, x: SymT, name: string, a: DarkConvArgs): SymT {
  const tf = c.tf;
  const conv = tf.layers.conv2d({
    name,
    filters: a.filters,
    kernelSize: a.kernel,
    strides: a.strides ?? 1,
    padding: 'same',
    useBias: c.cfg.useBias,
    kernelInitializer: c.kernelInit() as never,
  });
  let y = c.bn(c.tag(conv).apply(x) as SymT, `${name}_bn`);
  const actName = `${name}${a.actSuffix}`;
  let layer: tfTypes.layers.Layer;
  if (a.act === 'leaky') layer = tf.layers.leakyReLU({ name: actName, alpha: 0.1 });
  else if (a.act === 'relu') layer = tf.layers.reLU({ name: actName });
  else layer = tf.layers.activation({ name: actName, activation: 'mish' as never });
  y = c.tag(layer).apply(y) as SymT;
  return y;
}

/** A 2x2/2 "same" max-pool, the downsampling step of DarkNet-19 and CSPDarkNet-19. */
export function maxPool2(c: BuildContext, x: SymT, name: string): SymT {
  return c.tag(c.tf.layers.maxPooling2d({ name, poolSize: 2, strides: 2, padding: 'same' })).apply(x) as SymT;
}

/** An element-wise sum named as TAO names it. */
export function addLayer(c: BuildContext, xs: SymT[], name: string): SymT {
  return c.tag(c.tf.layers.add({ name })).apply(xs) as SymT;
}

/** A channel concatenation named as TAO names it. */
export function concatLayer(c: BuildContext, xs: SymT[], name: string): SymT {
  return c.tag(c.tf.layers.concatenate({ name, axis: -1 })).apply(xs) as SymT;
}
