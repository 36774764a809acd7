// Batched inference over an image set (inference mode: BN uses moving statistics, dropout off).
// Used by validation during training, the evaluate task and the inference task. Each pass
// compiles the model into an inference plan first (infer/plan.ts: batch norm folded into the
// convolutions, no per-batch graph walk).
import type * as tfTypes from '@tensorflow/tfjs';
import type { ImageSet } from '../../data/folder';
import { fillImages } from '../../data/batches';
import type { Preprocessor } from '../../data/preprocess';
import { compileInference } from '../../infer/plan';

type Tf = typeof tfTypes;

interface PredictionPass {
  readonly out: Float32Array;
  /** Class probabilities of images [start, end), as a tensor the caller disposes. */
  batch(start: number, end: number): tfTypes.Tensor;
  /** Frees the plan's folded weights. */
  close(): void;
}

/**
 * The model compiled for inference, the output array, and one image buffer for every batch of
 * the pass: a fresh 1.5 MB array per batch of 32 at 3x64x64 (zeroed, its pages faulted in
 * anew) made batch assembly take 8-52 ms per pass of eight batches of a small CNN instead of
 * ~4, in passes of 30-60 ms. The buffer can be reused because each batch's input tensor is
 * disposed (tidy) before the next batch is written into it.
 */
function openPass(tf: Tf, model: tfTypes.LayersModel, set: ImageSet, numClasses: number, batchSize: number, pre: Preprocessor): PredictionPass {
  const n = set.labels.length;
  const per = set.height * set.width * set.channels;
  const images = new Float32Array(Math.min(n, batchSize) * per);
  const plan = compileInference(tf, model);
  return {
    out: new Float32Array(n * numClasses),
    batch(start, end) {
      fillImages(set, start, end, pre, images);
      return tf.tidy(() => {
        const x = tf.tensor4d(images.subarray(0, (end - start) * per), [end - start, set.height, set.width, set.channels]);
        return plan.run(x)[0];
      });
    },
    close() {
      plan.dispose();
    },
  };
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
  const pass = openPass(tf, model, set, numClasses, batchSize, pre);
  try {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const probs = pass.batch(start, end);
      try {
        pass.out.set(probs.dataSync() as Float32Array, start * numClasses);
      } finally {
        probs.dispose();
      }
      onProgress?.(end, n);
    }
  } finally {
    pass.close();
  }
  return pass.out;
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
  const pass = openPass(tf, model, set, numClasses, batchSize, pre);
  try {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const probs = pass.batch(start, end);
      try {
        pass.out.set((await probs.data()) as Float32Array, start * numClasses);
      } finally {
        probs.dispose();
      }
      onProgress?.(end, n);
    }
  } finally {
    pass.close();
  }
  return pass.out;
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
