// The regularizer term of every network's loss: L1 or L2 of the trainable kernels of the
// layer kinds in scope (TAO regularizes kernels; biases and BN parameters are left free).
import type * as tfTypes from '@tensorflow/tfjs';

type Tf = typeof tfTypes;

export function regularizationLoss(tf: Tf, model: tfTypes.LayersModel, type: string, decay: number, scope: string[]): tfTypes.Scalar | undefined {
  if (type === 'None' || decay <= 0) return undefined;
  const terms: tfTypes.Scalar[] = [];
  for (const layer of model.layers) {
    if (!layer.trainable || !scope.includes(layer.getClassName())) continue;
    for (const w of layer.trainableWeights) {
      if (!/kernel/.test(w.originalName)) continue;
      const v = w.read();
      terms.push(type === 'L1' ? tf.sum(tf.abs(v)) : tf.sum(tf.square(v)));
    }
  }
  if (terms.length === 0) return undefined;
  return tf.mul(tf.addN(terms), decay) as tfTypes.Scalar;
}
