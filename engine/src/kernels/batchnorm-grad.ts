// Gradient of FusedBatchNorm without tf.tile. tfjs' own gradient tiles 1/sqrt(var + eps) to
// the full activation shape before multiplying, which is pure memory traffic (the multiply
// broadcasts anyway); on the wasm backend that Tile was ~20% of a MobileNet training step.
// Same formulas as tfjs (mean and variance are separate inputs; the moments' own gradients
// carry the rest), only broadcasting instead of tiling.
import type * as tfTypes from '@tensorflow/tfjs';

type Tf = typeof tfTypes;
type T = tfTypes.Tensor;

/**
 * A backend's one-pass version of the full-size work below: [dx through the normalised value,
 * sum(dy), sum(dy * (x - mean))] with the last two shaped like `mean`, or undefined where it
 * does not apply (another backend, other shapes). The onednn backend sets it.
 */
export type NativeBatchNormGrad = (dy: T, x: T, mean: T, variance: T, scale: T | undefined, varianceEpsilon: number) => [T, T, T] | undefined;

let nativeGrad: NativeBatchNormGrad | undefined;

export function setNativeBatchNormGrad(f: NativeBatchNormGrad | undefined): void {
  nativeGrad = f;
}

export function registerBatchNormGradient(tf: Tf): void {
  tf.registerGradient({
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy: T | T[], saved: T[], attrs: tfTypes.NamedAttrMap) => {
      const g = dy as T;
      const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
      const [x, mean, variance, scale] = saved;
      const scaleValue: T = scale == null ? tf.scalar(1) : scale;
      // Axes over which mean/variance were broadcast (all but the channel axis for rank-1 stats).
      const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
      const reduce = (t: T) => (axes.length > 0 ? tf.reshape(tf.sum(t, axes), mean.shape) : tf.reshape(t, mean.shape));
      const rstd = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
      const native = nativeGrad?.(g, x, mean, variance, scale ?? undefined, varianceEpsilon);
      if (native) {
        const [dx, nSumDy, nSumDyXmm] = native;
        return {
          x: () => dx,
          mean: () => tf.mul(tf.neg(tf.mul(rstd, scaleValue)), nSumDy),
          variance: () => tf.mul(tf.mul(tf.mul(tf.mul(rstd, rstd), rstd), tf.mul(scaleValue, -0.5)), nSumDyXmm),
          scale: () => tf.mul(rstd, nSumDyXmm),
          offset: () => tf.clone(nSumDy),
        };
      }
      // Only two full-size reductions are needed, sum(dy) and sum(dy * (x - mean)); every
      // per-channel gradient is a scaled copy of one of them. They are computed here, in the
      // backward pass's scope (as tfjs' own gradient computes x - mean), not per closure.
      const sumDy = reduce(g);
      const sumDyXmm = reduce(tf.mul(g, tf.sub(x, mean)));
      return {
        x: () => tf.mul(tf.mul(g, scaleValue), rstd),
        mean: () => tf.mul(tf.neg(tf.mul(rstd, scaleValue)), sumDy),
        variance: () => tf.mul(tf.mul(tf.mul(tf.mul(rstd, rstd), rstd), tf.mul(scaleValue, -0.5)), sumDyXmm),
        scale: () => tf.mul(rstd, sumDyXmm),
        offset: () => tf.clone(sumDy),
      };
    },
  });
}
