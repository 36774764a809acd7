// Gradients of Mean and Sum without tfjs' ones(x.shape): tfjs builds that array of ones in
// JavaScript (a fill of x's size and an upload to the backend) and multiplies dy into it, on
// every backward pass. The L2 regularizer sums every kernel of the network, so with tfjs' Sum
// gradient a resnet18 step filled and uploaded 11 M ones (10% of a Fashion-MNIST training step
// on onednn, perf). Here dy is reshaped to x's rank and broadcast once (the onednn backend's
// Tile copies it whole on every thread). Same values bit for bit (dy * 1 is dy; dy * 1 / n is
// dy / n). Gradients are registered per kernel, so every backend of this tfjs gets them.
import type * as tfTypes from '@tensorflow/tfjs';

type Tf = typeof tfTypes;

/** dy (the reduction's output) reshaped to x's rank with 1 on the reduced axes. */
function keptDims(tf: Tf, x: tfTypes.Tensor, attrs: tfTypes.NamedAttrMap): { axes: number[]; kept: number[] } {
  const axes = tf.util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, x.shape);
  return { axes, kept: x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) };
}

export function registerReductionGradients(tf: Tf): void {
  tf.registerGradient({
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const { axes, kept } = keptDims(tf, x, attrs);
      const count = axes.reduce((n, a) => n * x.shape[a], 1);
      return { x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tfTypes.Tensor, kept), count), x.shape) };
    },
  });
  tf.registerGradient({
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const { kept } = keptDims(tf, x, attrs);
      // tfjs' Sum gradient is float32 whatever x's dtype (its ones are float32).
      return { x: () => tf.broadcastTo(tf.cast(tf.reshape(dy as tfTypes.Tensor, kept), 'float32'), x.shape) };
    },
  });
}
