// Batched inference over an image set (inference mode: BN uses moving statistics, dropout off).
// Used by validation during training, the evaluate task and the inference task.
import type * as tfTypes from '@tensorflow/tfjs';
import type { ImageSet } from '../../data/folder';
import { buildBatch } from '../../data/batches';
import type { Preprocessor } from '../../data/preprocess';

type Tf = typeof tfTypes;

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
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const batch = buildBatch(set, order, start, end, numClasses, pre);
    const probs = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.size, set.height, set.width, set.channels]);
      return (model.predict(x) as tfTypes.Tensor).dataSync() as Float32Array;
    });
    out.set(probs, start * numClasses);
    onProgress?.(end, n);
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
