// Reader for the IDX format of MNIST / Fashion-MNIST (optionally gzipped): a big-endian
// header (magic, dimension sizes) followed by uint8 data.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export function readIdx(path: string): IdxArray {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08) throw new Error(`${path}: not an unsigned-byte IDX file`);
  const ndim = buf[3];
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(buf.readUInt32BE(4 + i * 4));
  const offset = 4 + ndim * 4;
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length < offset + size) throw new Error(`${path}: truncated IDX file`);
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + offset, size) };
}

/** Where Debian's `dataset-fashion-mnist` package puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = [
  't-shirt_top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle_boot',
];

/** Finds `<prefix>-images-idx3-ubyte[.gz]` and labels in a folder. */
export function findIdxPair(dir: string, prefix: 'train' | 't10k'): { images: string; labels: string } | undefined {
  const pick = (base: string) => [join(dir, base), join(dir, base + '.gz')].find((p) => existsSync(p));
  const images = pick(`${prefix}-images-idx3-ubyte`);
  const labels = pick(`${prefix}-labels-idx1-ubyte`);
  return images && labels ? { images, labels } : undefined;
}

export function fashionMnistAvailable(dir = FASHION_MNIST_DIR): boolean {
  return findIdxPair(dir, 'train') !== undefined && findIdxPair(dir, 't10k') !== undefined;
}
