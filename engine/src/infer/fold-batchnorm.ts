// Inference with batch norm folded into the convolution before it, and a ReLU after it fused
// into the convolution's kernel: conv -> BN -> ReLU becomes one FusedConv2D (a native oneDNN
// primitive with a bias and an activation post-op on the onednn backend) instead of three
// passes over every activation. TAO's backbones are built of exactly these chains, so a
// prediction of resnet18 or MobileNetV2 runs a third of the kernels it did. A ZeroPadding2D
// that feeds only such a convolution ('valid', as Keras' MobileNets and EfficientNets pad) becomes
// the convolution's own padding: a padded copy of every activation was a fifth of a
// MobileNetV2 prediction's kernel time.
//
// Nothing is rebuilt: for the duration of one prediction pass, each chain's conv layer gets
// an own `call` that convolves with the folded weights, and the batch-norm and activation
// layers an own `call` that passes their input through; restore() removes them. The folded
// weights are computed from the current variables at fold time, so a model in training folds
// afresh for each validation pass. Training (kwargs.training) never takes the folded path.
//
//   a = gamma / sqrt(moving_variance + epsilon)      (per output channel)
//   kernel' = kernel * a,  bias' = (bias - moving_mean) * a + beta
//
// Results equal the unfolded model's up to float32 rounding (the bias and scale are applied
// in another order).
import type * as tfTypes from '@tensorflow/tfjs';

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;
type FusedActivation = 'relu' | 'relu6';

/** A backend that can keep what it derives from a tensor declared constant (onednn-storage.ts). */
interface ConstantAware {
  markConstant(t: Tensor): number;
}

interface LayerNode {
  outboundLayer: Layer;
  inboundLayers?: Layer[];
}

type Padding2D = [[number, number], [number, number]];

/** The parts of tfjs-layers' Layer (and its conv, batch norm and activation subclasses) read here. */
interface Layer {
  name: string;
  getClassName(): string;
  inboundNodes: LayerNode[];
  outboundNodes: LayerNode[];
  call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[];
  // Conv2D / DepthwiseConv2D
  rank?: number;
  dataFormat?: string;
  strides?: number[];
  /** Conv2D / DepthwiseConv2D: 'same' | 'valid'; ZeroPadding2D: [[top, bottom], [left, right]]. */
  padding?: string | Padding2D;
  dilationRate?: number | number[];
  activation?: { getClassName(): string };
  kernel?: { read(): Tensor };
  depthwiseKernel?: { read(): Tensor };
  bias?: { read(): Tensor } | null;
  // BatchNormalization
  axis?: number;
  epsilon?: number;
  gamma?: { read(): Tensor } | null;
  beta?: { read(): Tensor } | null;
  movingMean?: { read(): Tensor };
  movingVariance?: { read(): Tensor };
  // ReLU
  maxValue?: number | null;
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

export interface FoldedInference {
  /** conv -> BN chains folded. */
  readonly folded: number;
  /** Of those, how many also took the following ReLU / ReLU6 into the convolution. */
  readonly fusedActivations: number;
  /** Of those, how many took the ZeroPadding2D before them into their own padding. */
  readonly absorbedPaddings: number;
  /** Puts every layer's own `call` back and frees the folded weights. */
  restore(): void;
}

const single = (inputs: Tensor | Tensor[]): Tensor => (Array.isArray(inputs) ? inputs[0] : inputs);

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
function absorbablePadding(conv: Layer): { layer: Layer; pad: number | [[0, 0], [number, number], [number, number], [0, 0]] } | undefined {
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

/** Folds every conv -> BN (-> ReLU) chain of `model` for inference until restore(). */
export function foldForInference(tf: Tf, model: tfTypes.LayersModel): FoldedInference {
  const restores: Array<() => void> = [];
  const kept: Tensor[] = [];
  let folded = 0;
  let fusedActivations = 0;
  let absorbedPaddings = 0;
  const override = (layer: Layer, call: Layer['call']): void => {
    const own = Object.prototype.hasOwnProperty.call(layer, 'call');
    const previous = layer.call;
    layer.call = function (this: Layer, inputs, kwargs) {
      if (kwargs?.training === true) return previous.call(this, inputs, kwargs);
      return call.call(this, inputs, kwargs);
    };
    restores.push(() => {
      if (own) layer.call = previous;
      else delete (layer as Partial<Layer>).call;
    });
  };
  // A layer passed through returns a new tensor on the same memory (tf.clone), never its input:
  // tfjs-layers disposes intermediate tensors by identity once their last consumer ran.
  const passThrough: Layer['call'] = (inputs) => tf.clone(single(inputs));

  const readsSynchronously = !ASYNC_BACKENDS.has(tf.getBackend());
  for (const conv of model.layers as unknown as Layer[]) {
    if (!isFoldableConv(conv)) continue;
    const bn = soleConsumer(conv);
    if (!bn || !isFoldableBatchNorm(bn)) continue;
    const after = bn.outboundNodes.length === 1 ? soleConsumer(bn) : undefined;
    const activation = after ? fusableActivation(after) : undefined;
    const depthwise = conv.getClassName() === 'DepthwiseConv2D';
    const [kernel, bias] = tf.tidy(() => {
      const k = (depthwise ? conv.depthwiseKernel : conv.kernel)!.read();
      const { scale, b } = readsSynchronously ? scaleAndBiasHere(tf, conv, bn) : scaleAndBiasOnBackend(tf, conv, bn);
      // The kernel's last axis is the output channel, except a depthwise kernel's [.., in, multiplier].
      const perOutput = depthwise ? tf.reshape(scale, k.shape.slice(2)) : scale;
      return [tf.keep(tf.mul(k, perOutput)), tf.keep(b)];
    });
    kept.push(kernel, bias);
    // The folded kernel never changes while it lives: a backend that converts filters into its
    // own layout (onednn) may convert this one once for the whole pass instead of per batch.
    (tf.backend() as Partial<ConstantAware>).markConstant?.(kernel);
    const strides = conv.strides as [number, number];
    const absorbed = absorbablePadding(conv);
    const pad = absorbed ? absorbed.pad : (conv.padding as 'same' | 'valid');
    const dilations = conv.dilationRate as [number, number] | number | undefined;
    override(conv, (inputs) => {
      const x = single(inputs) as tfTypes.Tensor4D;
      if (depthwise) return tf.fused.depthwiseConv2d({ x, filter: kernel as tfTypes.Tensor4D, strides, pad: pad as number | 'same' | 'valid', bias, activation });
      return tf.fused.conv2d({ x, filter: kernel as tfTypes.Tensor4D, strides, pad, dilations, dataFormat: 'NHWC', bias, activation });
    });
    if (absorbed) {
      override(absorbed.layer, passThrough);
      absorbedPaddings++;
    }
    override(bn, passThrough);
    if (activation && after) {
      override(after, passThrough);
      fusedActivations++;
    }
    folded++;
  }
  return {
    folded,
    fusedActivations,
    absorbedPaddings,
    restore() {
      while (restores.length > 0) restores.pop()!();
      tf.dispose(kept.splice(0));
    },
  };
}
