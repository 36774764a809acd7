// Batched inference over an image set (inference mode: BN uses moving statistics, dropout off).
// Used by validation during training, the evaluate task and the inference task. Each pass
// folds batch norm (and a following ReLU) into the convolutions first (infer/fold-batchnorm.ts).
import type * as tfTypes from '@tensorflow/tfjs';
import type { ImageSet } from '../../data/folder';
import { buildBatch } from '../../data/batches';
import type { Preprocessor } from '../../data/preprocess';
import { foldForInference } from '../../infer/fold-batchnorm';

type Tf = typeof tfTypes;

/** Class probabilities of images [start, end) of `set`, as a tensor the caller disposes. */
function predictBatch(tf: Tf, model: tfTypes.LayersModel, set: ImageSet, order: Int32Array, start: number, end: number, numClasses: number, pre: Preprocessor): tfTypes.Tensor {
  const batch = buildBatch(set, order, start, end, numClasses, pre);
  return tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [batch.size, set.height, set.width, set.channels]);
    return model.predict(x) as tfTypes.Tensor;
  });
}

/** Synchronous variant, for CPU backends only (benchmarks): a GPU backend cannot read synchronously in Node. */
export function predictSet(
  tf: Tf,
  model: tfTypes.LayersModel,
  set: ImageSet,
  numClasses: number,
  batchSize: number,
  pre: Preprocessor,
  onProgress?: (done: number, total: number) => void,
): Float32Array {
  const n = set.labels.length;
  const out = new Float32Array(n * numClasses);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const folded = foldForInference(tf, model);
  try {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const probs = predictBatch(tf, model, set, order, start, end, numClasses, pre);
      out.set(probs.dataSync() as Float32Array, start * numClasses);
      probs.dispose();
      onProgress?.(end, n);
    }
  } finally {
    folded.restore();
  }
  return out;
}

/** Probabilities for every image of `set` on any backend (the engine's tasks use this one). */
export async function predictSetAsync(
  tf: Tf,
  model: tfTypes.LayersModel,
  set: ImageSet,
  numClasses: number,
  batchSize: number,
  pre: Preprocessor,
  onProgress?: (done: number, total: number) => void,
): Promise<Float32Array> {
  const n = set.labels.length;
  const out = new Float32Array(n * numClasses);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const folded = foldForInference(tf, model);
  try {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const probs = predictBatch(tf, model, set, order, start, end, numClasses, pre);
      try {
        out.set((await probs.data()) as Float32Array, start * numClasses);
      } finally {
        probs.dispose();
      }
      onProgress?.(end, n);
    }
  } finally {
    folded.restore();
  }
  return out;
}

/** Mean cross-entropy and top-1 accuracy of predictions against labels. */
export function lossAndAccuracy(probs: Float32Array, labels: Int32Array, numClasses: number): { loss: number; accuracy: number } {
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = probs.subarray(i * numClasses, (i + 1) * numClasses);
    loss -= Math.log(Math.min(1 - 1e-7, Math.max(1e-7, row[labels[i]])));
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (row[k] > row[best]) best = k;
    if (best === labels[i]) correct++;
  }
  const n = Math.max(1, labels.length);
  return { loss: loss / n, accuracy: correct / n };
}
