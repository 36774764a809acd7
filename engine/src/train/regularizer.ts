// The regularizer term of every network's loss: L1 or L2 of the trainable kernels of the
// layer kinds in scope (TAO regularizes kernels; biases and BN parameters are left free).
import type * as tfTypes from '@tensorflow/tfjs';

type Tf = typeof tfTypes;

/**
 * sum(w²) with its gradient as one multiply, 2·dy·w: through tf.sum(tf.square(w)) the backward
 * pass broadcasts dy to w's size, then multiplies twice (Square's gradient is dy·(2w)), three
 * full passes over every kernel of the network per step. Same values bit for bit: doubling is
 * exact, so (2·dy)·w equals dy·(2w).
 */
function sumOfSquares(tf: Tf, w: tfTypes.Tensor): tfTypes.Scalar {
  const op = tf.customGrad((...args: Array<tfTypes.Tensor | tfTypes.GradSaveFunc>) => {
    const [x, save] = args as [tfTypes.Tensor, tfTypes.GradSaveFunc];
    save([x]);
    return {
      value: tf.sum(tf.square(x)) as tfTypes.Scalar,
      gradFunc: (dy: tfTypes.Tensor, saved: tfTypes.Tensor[]) => tf.mul(saved[0], tf.mul(dy, 2)),
    };
  });
  return op(w) as tfTypes.Scalar;
}

export function regularizationLoss(tf: Tf, model: tfTypes.LayersModel, type: string, decay: number, scope: string[]): tfTypes.Scalar | undefined {
  if (type === 'None' || decay <= 0) return undefined;
  const terms: tfTypes.Scalar[] = [];
  for (const layer of model.layers) {
    if (!layer.trainable || !scope.includes(layer.getClassName())) continue;
    for (const w of layer.trainableWeights) {
      if (!/kernel/.test(w.originalName)) continue;
      const v = w.read();
      terms.push(type === 'L1' ? tf.sum(tf.abs(v)) : sumOfSquares(tf, v));
    }
  }
  if (terms.length === 0) return undefined;
  return tf.mul(tf.addN(terms), decay) as tfTypes.Scalar;
}
