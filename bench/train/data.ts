// The data both trainers read: one raw file of uint8 images (N x H x W x C, HWC order) and one
// of uint8 labels, written once per run so the engine and PyTorch see byte-identical inputs.
// Synthetic images are seeded noise with a class-dependent brightness (learnable, cheap);
// Fashion-MNIST comes from Debian's dataset-fashion-mnist package.
import { readFileSync, writeFileSync } from 'node:fs';
import type { ImageSet } from '../../engine/src/data/folder';
import { join } from 'node:path';
import { FASHION_MNIST_DIR, findIdxPair, readIdx } from '../../engine/src/data/idx';
import { mulberry32 } from '../../engine/src/util/rng';

export interface DataFiles {
  images: string;
  labels: string;
  n: number;
  size: number;
  channels: number;
  classes: number;
}

export function writeSynthetic(dir: string, n: number, size: number, channels: number, classes: number, seed = 7): DataFiles {
  const rand = mulberry32(seed);
  const per = size * size * channels;
  const images = new Uint8Array(n * per);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = Math.floor(rand() * classes);
    labels[i] = label;
    const base = (label * 255) / classes;
    for (let k = 0; k < per; k++) images[i * per + k] = Math.max(0, Math.min(255, base + (rand() - 0.5) * 96));
  }
  const files = { images: join(dir, `synthetic_${size}_${channels}.u8`), labels: join(dir, `synthetic_${size}_${channels}_labels.u8`), n, size, channels, classes };
  writeFileSync(files.images, images);
  writeFileSync(files.labels, labels);
  return files;
}

/** The first `n` images of a Fashion-MNIST split (28x28x1), as raw files. */
export function writeFashionMnist(dir: string, split: 'train' | 't10k', n: number): DataFiles {
  const pair = findIdxPair(FASHION_MNIST_DIR, split);
  if (!pair) throw new Error(`Fashion-MNIST not found in ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist)`);
  const images = readIdx(pair.images);
  const labels = readIdx(pair.labels);
  const count = Math.min(n, images.dims[0]);
  const per = 28 * 28;
  const files = { images: join(dir, `fmnist_${split}_${count}.u8`), labels: join(dir, `fmnist_${split}_${count}_labels.u8`), n: count, size: 28, channels: 1, classes: 10 };
  writeFileSync(files.images, images.data.subarray(0, count * per));
  writeFileSync(files.labels, labels.data.subarray(0, count));
  return files;
}

/** Reads the raw files back as the engine's ImageSet (what its batch builder and predictSet take). */
export function loadSet(images: string, labels: string, n: number, size: number, channels: number, classes: number): ImageSet {
  const pixels = new Uint8Array(readFileSync(images)).subarray(0, n * size * size * channels);
  const lab = Int32Array.from(new Uint8Array(readFileSync(labels)).subarray(0, n));
  return { classes: Array.from({ length: classes }, (_, i) => String(i)), files: [], labels: lab, height: size, width: size, channels, pixels };
}
