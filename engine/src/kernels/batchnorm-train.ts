// Batch normalisation in training mode as one kernel and one gradient, where a backend offers
// them. tf.layers' BatchNormalization builds training mode from tf.moments (Cast, Mean, Sub,
// Square, Mean) and FusedBatchNorm; its gradient is then a dozen full-size kernels per layer
// (Mean's gradient tiles, Square's multiplies twice, the three paths into x are added), each
// a pass over the activation that allocates a new tensor (at 28x28, batch 128 the fused
// kernels took a resnet18 step from 9.9-13.2 to 9.1-11.2 s per 30 steps on 2 threads). A backend
// that registers a fused version (onednn: one native call forward, one backward) sets it here,
// and the layer's training branch uses it; every other case runs tfjs-layers' own code.
//
// The layer is patched on its prototype, once per tfjs instance: the class name, weights,
// configuration and serialisation are unchanged, only how `call` computes in training. The
// moving mean and variance are updated exactly as tfjs-layers does: in place by the backend
// where it offers that (onednn: one native call per statistic, where tfjs' formula is three
// kernels, each a new tensor, six per layer and step), else by tfjs' formula.
import type * as tfTypes from '@tensorflow/tfjs';

type Tf = typeof tfTypes;
type T = tfTypes.Tensor;

/**
 * The fused op: [normalised x, the batch's mean, its (biased) variance], normalising over every
 * axis but the last, or undefined where the backend does not take this case.
 */
export type FusedTrainingBatchNorm = (x: T, scale: T | undefined, offset: T | undefined, epsilon: number) => [T, T, T] | undefined;

/**
 * Writes moving - (moving - statistic) * decay into `moving`'s own memory, in float32 and in that
 * order (bit for bit tfjs' formula), and returns true; or returns false, having changed nothing,
 * where the backend cannot (then the formula runs).
 */
export type InPlaceMovingAverage = (moving: T, statistic: T, decay: number) => boolean;

const fused = new WeakMap<object, { op: FusedTrainingBatchNorm; movingAverage?: InPlaceMovingAverage }>();

/** The parts of tfjs-layers' BatchNormalization the training branch reads (its own field names). */
interface BatchNormLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: { read(): T } | null;
  beta: { read(): T } | null;
  movingMean: { read(): T; write(v: T): void };
  movingVariance: { read(): T; write(v: T): void };
}

type Call = (this: BatchNormLayer, inputs: T | T[], kwargs: Record<string, unknown>) => T | T[];

const patched = new WeakSet<object>();

/** Sets (or, with undefined, removes) the fused op, and the in-place moving average, for `tf`'s BatchNormalization layers. */
export function setFusedTrainingBatchNorm(tf: Tf, op: FusedTrainingBatchNorm | undefined, movingAverage?: InPlaceMovingAverage): void {
  if (op) fused.set(tf, { op, movingAverage });
  else fused.delete(tf);
  patchLayer(tf);
}

function patchLayer(tf: Tf): void {
  // The class from tfjs' serialization registry, not from a throwaway layer: creating one would
  // advance tfjs-layers' automatic layer names (batch_normalization_N) for every later model.
  const registered = tf.serialization.SerializationMap.getMap().classNameMap.BatchNormalization as unknown as [{ prototype: { call: Call } }] | undefined;
  if (!registered) throw new Error("tfjs-layers' BatchNormalization layer is not registered");
  const proto = registered[0].prototype;
  if (patched.has(proto)) return;
  patched.add(proto);
  const original = proto.call;
  proto.call = function (this: BatchNormLayer, inputs, kwargs) {
    const backendOps = fused.get(tf);
    const op = backendOps?.op;
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!op || kwargs?.training !== true || (Array.isArray(inputs) && inputs.length !== 1) || !input || input.rank < 2) return original.call(this, inputs, kwargs);
    const axis = this.axis >= 0 ? this.axis : this.axis + input.rank;
    if (axis !== input.rank - 1 || input.dtype !== 'float32') return original.call(this, inputs, kwargs);
    const result = tf.tidy(() => {
      const out = op(input, this.gamma?.read(), this.beta?.read(), this.epsilon);
      if (!out) return undefined;
      const [normed, mean, variance] = out;
      // tfjs-layers' moving averages: value - (value - batch statistic) * (1 - momentum).
      const decay = 1 - this.momentum;
      for (const [variable, value] of [[this.movingMean, mean], [this.movingVariance, variance]] as const) {
        const current = variable.read();
        if (backendOps?.movingAverage?.(current, value, decay)) continue;
        tf.tidy(() => variable.write(tf.sub(current, tf.mul(tf.sub(current, value), decay))));
      }
      return normed;
    });
    return result ?? original.call(this, inputs, kwargs);
  };
}
