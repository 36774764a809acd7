// The engine trainer's step (engine/src/networks/classification_tf1/trainer.ts: batch builder, 'tf' preprocessing,
// softmax cross-entropy with the same clipping, optimizer.minimize over trainable weights),
// without augmentation, checkpoints and logging, so benchmarks time exactly the compute path.
import type * as tfTypes from '@tensorflow/tfjs';
import { buildBatch } from '../../engine/src/data/batches';
import type { ImageSet } from '../../engine/src/data/folder';
import { makePreprocessor, type Preprocessor } from '../../engine/src/data/preprocess';
import { createOptimizer } from '../../engine/src/train/optimizer';

type Tf = typeof tfTypes;

export interface Stepper {
  /** Trains on images [start, start + batch) of the set in file order; returns the batch loss. */
  step(start: number): number;
  /** The same step with an asynchronous loss read (GPU backends cannot read synchronously in Node). */
  stepAsync(start: number): Promise<number>;
  pre: Preprocessor;
  dispose(): void;
}

export function makeStepper(tf: Tf, net: tfTypes.LayersModel, set: ImageSet, classes: number, batch: number, lr = 1e-3): Stepper {
  // Adam with the engine's defaults for a classification_tf1 spec (betas 0.9/0.999, eps 1e-7).
  const optimizer = createOptimizer(tf, { type: 'adam', lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0 }, lr);
  const pre = makePreprocessor('tf', set.channels);
  const trainable = net.trainableWeights.map((w) => w.read() as tfTypes.Variable);
  const n = set.labels.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const { height, width, channels } = set;
  /** One optimizer step on a batch; returns its loss, still on the backend. */
  const lossOf = (start: number): tfTypes.Scalar => {
    const end = Math.min(n, start + batch);
    const b = buildBatch(set, order, start, end, classes, pre);
    const xs = tf.tensor4d(b.x, [b.size, height, width, channels]);
    const ys = tf.tensor2d(b.y, [b.size, classes]);
    const cost = optimizer.minimize(
      () => {
        const probs = net.apply(xs, { training: true }) as tfTypes.Tensor;
        const clipped = tf.clipByValue(probs, 1e-7, 1 - 1e-7);
        return tf.neg(tf.mean(tf.sum(tf.mul(ys, tf.log(clipped)), 1))) as tfTypes.Scalar;
      },
      true,
      trainable,
    ) as tfTypes.Scalar;
    tf.dispose([xs, ys]);
    return cost;
  };
  return {
    pre,
    step(start) {
      const cost = lossOf(start);
      const loss = cost.dataSync()[0];
      cost.dispose();
      return loss;
    },
    async stepAsync(start) {
      const cost = lossOf(start);
      const loss = (await cost.data())[0];
      cost.dispose();
      return loss;
    },
    dispose() {
      optimizer.dispose();
    },
  };
}
