// Turns stored Uint8 images into float batches: optional augmentation, preprocessing, and
// one-hot targets with label smoothing. Everything here is plain JS; the caller makes tensors.
import type { ImageSet } from './folder';
import { augmentImage, type AugmentOptions } from './augment';
import type { Preprocessor } from './preprocess';

export interface Batch {
  x: Float32Array;
  y: Float32Array;
  labels: Int32Array;
  size: number;
}

export function buildBatch(
  set: ImageSet,
  order: ArrayLike<number>,
  start: number,
  end: number,
  numClasses: number,
  pre: Preprocessor,
  augment?: { opts: AugmentOptions; rand: () => number },
  labelSmoothing = 0,
): Batch {
  const per = set.height * set.width * set.channels;
  const size = end - start;
  const x = new Float32Array(size * per);
  const y = new Float32Array(size * numClasses);
  const labels = new Int32Array(size);
  const off = labelSmoothing / numClasses;
  for (let i = 0; i < size; i++) {
    const index = order[start + i];
    let img = set.pixels.subarray(index * per, (index + 1) * per);
    if (augment) img = augmentImage(img, set.height, set.width, set.channels, augment.opts, augment.rand);
    pre.apply(img, x, i * per);
    const label = set.labels[index];
    labels[i] = label;
    for (let k = 0; k < numClasses; k++) y[i * numClasses + k] = off;
    y[i * numClasses + label] += 1 - labelSmoothing;
  }
  return { x, y, labels, size };
}

/** Images [start, end) of `set`, preprocessed, into `x` (no augmentation, no targets: what prediction needs, into a buffer the caller reuses). */
export function fillImages(set: ImageSet, start: number, end: number, pre: Preprocessor, x: Float32Array): void {
  // The images lie one after another, and preprocessing is per pixel: one call for all of them.
  const per = set.height * set.width * set.channels;
  pre.apply(set.pixels.subarray(start * per, end * per), x, 0);
}

/** Mixup: blends each sample with another from the same batch, images and targets alike. */
export function mixupBatch(batch: Batch, numClasses: number, lambda: number, rand: () => number): void {
  const per = batch.x.length / batch.size;
  const partner = Array.from({ length: batch.size }, (_, i) => i);
  for (let i = partner.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [partner[i], partner[j]] = [partner[j], partner[i]];
  }
  const x = batch.x.slice();
  const y = batch.y.slice();
  for (let i = 0; i < batch.size; i++) {
    const p = partner[i];
    for (let k = 0; k < per; k++) batch.x[i * per + k] = lambda * x[i * per + k] + (1 - lambda) * x[p * per + k];
    for (let k = 0; k < numClasses; k++) batch.y[i * numClasses + k] = lambda * y[i * numClasses + k] + (1 - lambda) * y[p * numClasses + k];
  }
}
