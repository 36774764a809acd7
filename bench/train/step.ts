// The engine trainer's step (engine/src/networks/classification_tf1/trainer.ts: batch builder, 'tf' preprocessing,
// softmax cross-entropy with the same clipping, the regularizer term, optimizer.minimize over trainable weights),
// without augmentation, checkpoints and logging, so benchmarks time exactly the compute path.
import type * as tfTypes from '@tensorflow/tfjs';
import { buildBatch, type Batch } from '../../engine/src/data/batches';
import type { ImageSet } from '../../engine/src/data/folder';
import { makePreprocessor, type Preprocessor } from '../../engine/src/data/preprocess';
import type { OptimizerConfig, RegConfig } from '../../engine/src/train/config';
import { createOptimizer } from '../../engine/src/train/optimizer';
import { regularizationLoss } from '../../engine/src/train/regularizer';

type Tf = typeof tfTypes;

export interface Stepper {
  /** Trains on images [start, start + batch) of the set in file order; returns the batch loss. */
  step(start: number): number;
  /** The same step with an asynchronous loss read (GPU backends cannot read synchronously in Node). */
  stepAsync(start: number): Promise<number>;
  /** Trains on a batch the caller built (its own order and augmentation); returns the loss without the regularizer term. */
  stepBatch(b: Batch): number;
  pre: Preprocessor;
  optimizer: tfTypes.Optimizer;
  dispose(): void;
}

export interface StepOptions {
  /** Default: Adam with the engine's defaults for a classification_tf1 spec (betas 0.9/0.999, eps 1e-7). */
  optimizer?: OptimizerConfig;
  /** Default: none. */
  reg?: RegConfig;
}

export function makeStepper(tf: Tf, net: tfTypes.LayersModel, set: ImageSet, classes: number, batch: number, lr = 1e-3, opts: StepOptions = {}): Stepper {
  const optimizer = createOptimizer(tf, opts.optimizer ?? { type: 'adam', lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0 }, lr);
  const reg = opts.reg;
  const pre = makePreprocessor('tf', set.channels);
  const trainable = net.trainableWeights.map((w) => w.read() as tfTypes.Variable);
  const n = set.labels.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const { height, width, channels } = set;
  /** One optimizer step on a built batch; returns its data loss, still on the backend. */
  const lossOfBatch = (b: Batch): tfTypes.Scalar => {
    const xs = tf.tensor4d(b.x, [b.size, height, width, channels]);
    const ys = tf.tensor2d(b.y, [b.size, classes]);
    // The data loss is kept out of minimize's tidy so callers report it without the penalty.
    let dataLoss: tfTypes.Scalar | undefined;
    const cost = optimizer.minimize(
      () => {
        const probs = net.apply(xs, { training: true }) as tfTypes.Tensor;
        const clipped = tf.clipByValue(probs, 1e-7, 1 - 1e-7);
        dataLoss = tf.keep(tf.neg(tf.mean(tf.sum(tf.mul(ys, tf.log(clipped)), 1))) as tfTypes.Scalar);
        const penalty = reg ? regularizationLoss(tf, net, reg.type, reg.weightDecay, reg.scope) : undefined;
        return penalty ? tf.add(dataLoss, penalty) : dataLoss;
      },
      true,
      trainable,
    ) as tfTypes.Scalar;
    if (cost !== dataLoss) cost.dispose();
    tf.dispose([xs, ys]);
    return dataLoss as tfTypes.Scalar;
  };
  const lossOf = (start: number): tfTypes.Scalar => lossOfBatch(buildBatch(set, order, start, Math.min(n, start + batch), classes, pre));
  const read = (cost: tfTypes.Scalar): number => {
    const loss = cost.dataSync()[0];
    cost.dispose();
    return loss;
  };
  return {
    pre,
    optimizer,
    step: (start) => read(lossOf(start)),
    stepBatch: (b) => read(lossOfBatch(b)),
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
