// Real images for export checks: the first test images of Fashion-MNIST from the Debian
// package dataset-fashion-mnist, padded from 28x28 to the model size and repeated over the
// colour channels (values scaled to [0, 1]).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';

export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

export function fashionImages(n: number, size = 32, channels = 3, offset = 0): tf.Tensor4D {
  const raw = gunzipSync(readFileSync(`${FASHION_DIR}/t10k-images-idx3-ubyte.gz`));
  const header = 16;
  const pad = Math.floor((size - 28) / 2);
  const data = new Float32Array(n * size * size * channels);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < 28 && y + pad < size; y++) {
      for (let x = 0; x < 28 && x + pad < size; x++) {
        const v = raw[header + (offset + i) * 784 + y * 28 + x] / 255;
        for (let c = 0; c < channels; c++) data[((i * size + y + pad) * size + x + pad) * channels + c] = v;
      }
    }
  }
  return tf.tensor4d(data, [n, size, size, channels]);
}
