// dataset_convert from IDX files and from image folders (PNG and JPEG), to the class-folder layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as jpeg from 'jpeg-js';
import { runEngine, tempDir } from './helpers';
import { decodeImage } from '../../engine/src/data/images';

const work = tempDir('dataset');

function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + dims.length * 4);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + i * 4));
  return gzipSync(Buffer.concat([header, Buffer.from(data)]));
}

test('idx files -> train/val/test class folders', () => {
  const src = join(work, 'idx');
  mkdirSync(src);
  // 30 training and 9 test images of 28x28 with labels 0,1,2 repeating.
  for (const [prefix, n] of [['train', 30], ['t10k', 9]] as const) {
    const images = new Uint8Array(n * 28 * 28).map((_, i) => (i * 7) % 256);
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 3);
    writeFileSync(join(src, `${prefix}-images-idx3-ubyte.gz`), idx([n, 28, 28], images));
    writeFileSync(join(src, `${prefix}-labels-idx1-ubyte.gz`), idx([n], labels));
  }
  const out = join(work, 'fm');
  const r = runEngine(['classification_tf1', 'dataset_convert', '--format', 'idx', '--source', src, '-o', out, '-r', join(work, 'r1'), '--classes', '0,2', '--per-class', '6', '--val-per-class', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(join(out, 'train')).sort(), ['pullover', 't-shirt_top']);
  assert.equal(readdirSync(join(out, 'train', 'pullover')).length, 6);
  assert.equal(readdirSync(join(out, 'val', 'pullover')).length, 2);
  assert.equal(readdirSync(join(out, 'test', 't-shirt_top')).length, 3);
  const img = decodeImage(join(out, 'train', 'pullover', readdirSync(join(out, 'train', 'pullover'))[0]));
  assert.equal(img.width, 28);
  assert.equal(img.height, 28);
});

test('image folder with PNG and JPEG -> split PNG class folders', () => {
  const src = join(work, 'photos');
  for (const cls of ['cat', 'dog']) {
    mkdirSync(join(src, cls), { recursive: true });
    for (let i = 0; i < 10; i++) {
      const data = Buffer.alloc(20 * 12 * 4, cls === 'cat' ? 50 + i : 200 - i);
      writeFileSync(join(src, cls, `${i}.jpg`), jpeg.encode({ data, width: 20, height: 12 }, 90).data);
    }
  }
  const out = join(work, 'converted');
  const r = runEngine(['classification_tf1', 'dataset_convert', '--format', 'folder', '--source', src, '-o', out, '-r', join(work, 'r2'), '--val', '0.2', '--test', '0.2']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readdirSync(join(out, 'train', 'cat')).length, 6);
  assert.equal(readdirSync(join(out, 'val', 'dog')).length, 2);
  assert.equal(readdirSync(join(out, 'test', 'dog')).length, 2);
  assert.ok(readdirSync(join(out, 'train', 'dog')).every((f) => f.endsWith('.png')));
});
