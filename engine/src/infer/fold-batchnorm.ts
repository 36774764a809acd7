// Batch norm folded into the convolution before it, for inference: conv -> BN -> ReLU becomes
// one FusedConv2D (a native oneDNN primitive with a bias and an activation post-op on the
// onednn backend) instead of three passes over every activation. TAO's backbones are built of
// exactly these chains, so a prediction of resnet18 or MobileNetV2 runs a third of the kernels
// it would. A ZeroPadding2D that feeds only such a convolution ('valid', as Keras' MobileNets
// and EfficientNets pad) becomes the convolution's own padding: a padded copy of every
// activation was a fifth of a MobileNetV2 prediction's kernel time.
//
// This module finds the chains and computes their folded weights; the inference plan
// (./plan.ts) runs them. Nothing in the model changes: the folded weights are computed from the
// current variables when a plan is compiled, so a model in training compiles a fresh plan for
// each validation pass, and training never sees them.
//
//   a = gamma / sqrt(moving_variance + epsilon)      (per output channel)
//   kernel' = kernel * a,  bias' = (bias - moving_mean) * a + beta
//
// Results equal the unfolded model's up to float32 rounding (the bias and scale are applied
// in another order).
import type * as tfTypes from '@tensorflow/tfjs';
import type { Layer, Padding2D } from './layer-graph';

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;
export type FusedActivation = 'relu' | 'relu6';

/** A backend that can keep what it derives from a tensor declared constant (onednn-storage.ts). */
interface ConstantAware {
  markConstant(t: Tensor): number;
}

/** Backends whose tensors live on a GPU: reading them synchronously stalls or is refused in Node. */
const ASYNC_BACKENDS = new Set(['webgpu', 'webgl']);

/**
 * The per-channel scale a and folded bias, computed in JavaScript from the batch norm's vectors.
 * A few hundred values per layer: the arithmetic is nothing, while the same formula as tfjs ops
 * is ten kernel dispatches per layer (MobileNetV2's 52 folds: 4.4-13.6 ms as ops, 1.5-4.5 ms
 * here, against ~60 ms for a prediction of 96 images at 64x64).
 */
function scaleAndBiasHere(tf: Tf, conv: Layer, bn: Layer): { scale: Tensor; b: Tensor } {
  const read = (v: { read(): Tensor } | null | undefined): Float32Array | undefined => (v ? (v.read().dataSync() as Float32Array) : undefined);
  const variance = read(bn.movingVariance)!;
  const mean = read(bn.movingMean)!;
  const gamma = read(bn.gamma);
  const beta = read(bn.beta);
  const convBias = read(conv.bias);
  const epsilon = bn.epsilon ?? 1e-3;
  const scale = new Float32Array(variance.length);
  const b = new Float32Array(variance.length);
  for (let c = 0; c < variance.length; c++) {
    // Rounded to float32 at each step, as the formula computed by a backend is.
    const a = Math.fround((gamma ? gamma[c] : 1) / Math.fround(Math.sqrt(Math.fround(variance[c] + epsilon))));
    scale[c] = a;
    b[c] = Math.fround(Math.fround((convBias ? convBias[c] : 0) - mean[c]) * a) + (beta ? beta[c] : 0);
  }
  return { scale: tf.tensor1d(scale), b: tf.tensor1d(b) };
}

/** The same formula as tfjs ops, for backends that cannot read values synchronously. */
function scaleAndBiasOnBackend(tf: Tf, conv: Layer, bn: Layer): { scale: Tensor; b: Tensor } {
  const variance = bn.movingVariance!.read();
  const scale = tf.div(bn.gamma ? bn.gamma.read() : tf.onesLike(variance), tf.sqrt(tf.add(variance, bn.epsilon ?? 1e-3)));
  const convBias = conv.bias ? conv.bias.read() : tf.zerosLike(scale);
  const b = tf.add(tf.mul(tf.sub(convBias, bn.movingMean!.read()), scale), bn.beta ? bn.beta.read() : tf.zerosLike(scale));
  return { scale, b };
}

/** The one layer fed by `layer`, when `layer` is applied once and feeds exactly one layer. */
function soleConsumer(layer: Layer): Layer | undefined {
  if (layer.inboundNodes.length !== 1 || layer.outboundNodes.length !== 1) return undefined;
  const next = layer.outboundNodes[0].outboundLayer;
  return next && next.inboundNodes.length === 1 ? next : undefined;
}

/** The activation a layer applies, when it is one the fused convolution takes. */
function fusableActivation(layer: Layer): FusedActivation | undefined {
  const cls = layer.getClassName();
  if (cls === 'ReLU') return layer.maxValue == null ? 'relu' : layer.maxValue === 6 ? 'relu6' : undefined;
  if (cls === 'Activation') {
    const name = layer.activation?.getClassName();
    return name === 'relu' ? 'relu' : name === 'relu6' ? 'relu6' : undefined;
  }
  return undefined;
}

function isFoldableConv(layer: Layer): boolean {
  const cls = layer.getClassName();
  if (cls !== 'Conv2D' && cls !== 'DepthwiseConv2D') return false;
  if (cls === 'Conv2D' && layer.rank !== 2) return false;
  return layer.dataFormat === 'channelsLast' && layer.activation?.getClassName() === 'linear' && (layer.padding === 'same' || layer.padding === 'valid');
}

/**
 * The ZeroPadding2D that feeds only `conv` (a 'valid' convolution), and the padding `conv` then
 * applies itself: explicit for Conv2D; a number for DepthwiseConv2D, whose fused op takes only
 * symmetric padding (so an asymmetric pad before a depthwise convolution stays a layer).
 */
function absorbablePadding(conv: Layer): { layer: Layer; pad: ConvPadding } | undefined {
  if (conv.padding !== 'valid' || conv.inboundNodes.length !== 1) return undefined;
  const inbound = conv.inboundNodes[0].inboundLayers;
  const layer = inbound?.length === 1 ? inbound[0] : undefined;
  if (!layer || layer.getClassName() !== 'ZeroPadding2D' || layer.dataFormat !== 'channelsLast' || soleConsumer(layer) !== conv) return undefined;
  const [[top, bottom], [left, right]] = layer.padding as Padding2D;
  if (conv.getClassName() === 'Conv2D') return { layer, pad: [[0, 0], [top, bottom], [left, right], [0, 0]] };
  return top === bottom && top === left && top === right ? { layer, pad: top } : undefined;
}

function isFoldableBatchNorm(layer: Layer): boolean {
  return layer.getClassName() === 'BatchNormalization' && (layer.axis === -1 || layer.axis === 3) && layer.movingMean !== undefined && layer.movingVariance !== undefined;
}

/** One conv -> BN (-> ReLU / ReLU6) chain, with the ZeroPadding2D before it when it becomes the convolution's padding. */
export interface FoldChain {
  readonly conv: Layer;
  readonly batchNorm: Layer;
  readonly depthwise: boolean;
  /** The ReLU / ReLU6 layer after the batch norm whose activation the convolution applies. */
  readonly activationLayer?: Layer;
  readonly activation?: FusedActivation;
  /** The ZeroPadding2D before the convolution, and the padding the convolution applies instead. */
  readonly padding?: { layer: Layer; pad: ConvPadding };
}

/** What the fused kernels take as `pad`: TensorFlow's names, explicit per-side padding (Conv2D) or one symmetric amount (depthwise). */
export type ConvPadding = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];

/** Every conv -> BN (-> ReLU) chain of `model` that folds. Each of their layers is applied exactly once. */
export function findFoldChains(model: tfTypes.LayersModel): FoldChain[] {
  // A layer whose output the model returns keeps it: a chain stops before the first such layer
  // it would otherwise absorb (the value it returns would be the chain's end, not its own).
  const returned = new Set(model.outputs.map((t) => t.sourceLayer as unknown as Layer));
  const chains: FoldChain[] = [];
  for (const conv of model.layers as unknown as Layer[]) {
    if (!isFoldableConv(conv) || returned.has(conv)) continue;
    const batchNorm = soleConsumer(conv);
    if (!batchNorm || !isFoldableBatchNorm(batchNorm)) continue;
    const after = batchNorm.outboundNodes.length === 1 && !returned.has(batchNorm) ? soleConsumer(batchNorm) : undefined;
    const activation = after ? fusableActivation(after) : undefined;
    const padding = absorbablePadding(conv);
    chains.push({
      conv,
      batchNorm,
      depthwise: conv.getClassName() === 'DepthwiseConv2D',
      activationLayer: activation ? after : undefined,
      activation,
      padding: padding && !returned.has(padding.layer) ? padding : undefined,
    });
  }
  return chains;
}

/**
 * The chain's folded kernel and bias, computed from the variables' current values; the caller
 * disposes them. Marked constant for a backend that converts filters into its own layout
 * (onednn): the folded kernel never changes while it lives, so it is converted once per plan,
 * not per batch.
 */
export function foldWeights(tf: Tf, chain: FoldChain): { kernel: Tensor; bias: Tensor } {
  const { conv, batchNorm: bn, depthwise } = chain;
  const readsSynchronously = !ASYNC_BACKENDS.has(tf.getBackend());
  const [kernel, bias] = tf.tidy(() => {
    const k = (depthwise ? conv.depthwiseKernel : conv.kernel)!.read();
    const { scale, b } = readsSynchronously ? scaleAndBiasHere(tf, conv, bn) : scaleAndBiasOnBackend(tf, conv, bn);
    // The kernel's last axis is the output channel, except a depthwise kernel's [.., in, multiplier].
    const perOutput = depthwise ? tf.reshape(scale, k.shape.slice(2)) : scale;
    return [tf.keep(tf.mul(k, perOutput)), tf.keep(b)];
  });
  (tf.backend() as Partial<ConstantAware>).markConstant?.(kernel);
  return { kernel, bias };
}
