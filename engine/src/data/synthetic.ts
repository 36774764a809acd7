// A generated image dataset for tests and for the demo on machines without Fashion-MNIST:
// each class is a distinct drawn pattern (stripes, blobs, frames, ...) at a random position
// with noise, so a small CNN can learn it in a few epochs, but not from one pixel.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from './images';
import { mixSeed, mulberry32 } from '../util/rng';

export const SYNTHETIC_CLASSES = ['hstripes', 'vstripes', 'disc', 'frame', 'diagonal', 'cross', 'checker', 'dots'];

function draw(cls: number, size: number, channels: number, rand: () => number): Uint8Array {
  const img = new Uint8Array(size * size * channels);
  const cx = size * (0.35 + 0.3 * rand());
  const cy = size * (0.35 + 0.3 * rand());
  const r = size * (0.2 + 0.1 * rand());
  const period = Math.max(2, Math.round(size / (4 + rand() * 2)));
  const tint = [0.6 + 0.4 * rand(), 0.6 + 0.4 * rand(), 0.6 + 0.4 * rand()];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x - cx;
      const dy = y - cy;
      let on = false;
      switch (cls % SYNTHETIC_CLASSES.length) {
        case 0: on = Math.floor(y / period) % 2 === 0; break;
        case 1: on = Math.floor(x / period) % 2 === 0; break;
        case 2: on = dx * dx + dy * dy < r * r; break;
        case 3: on = Math.max(Math.abs(dx), Math.abs(dy)) < r * 1.3 && Math.max(Math.abs(dx), Math.abs(dy)) > r * 0.7; break;
        case 4: on = Math.floor((x + y) / period) % 2 === 0; break;
        case 5: on = Math.abs(dx) < r * 0.35 || Math.abs(dy) < r * 0.35; break;
        case 6: on = (Math.floor(x / period) + Math.floor(y / period)) % 2 === 0; break;
        case 7: on = (x % period === 0 || x % period === 1) && (y % period === 0 || y % period === 1); break;
      }
      const v = (on ? 200 : 40) + (rand() - 0.5) * 60;
      for (let c = 0; c < channels; c++) img[(y * size + x) * channels + c] = Math.max(0, Math.min(255, Math.round(v * (channels === 3 ? tint[c] : 1))));
    }
  }
  return img;
}

/**
 * Writes ROOT/<split>/<class>/<n>.png for each split. Deterministic for a seed.
 * Returns the split folders.
 */
export function writeSyntheticDataset(
  root: string,
  opts: { classes: number; size: number; channels: number; perClass: Record<string, number>; seed?: number },
): Record<string, string> {
  const out: Record<string, string> = {};
  Object.entries(opts.perClass).forEach(([split, count], s) => {
    const splitDir = join(root, split);
    out[split] = splitDir;
    for (let c = 0; c < opts.classes; c++) {
      const dir = join(splitDir, SYNTHETIC_CLASSES[c]);
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < count; i++) {
        const rand = mulberry32(mixSeed(opts.seed ?? 7, s, c, i));
        const data = draw(c, opts.size, opts.channels, rand);
        writeFileSync(join(dir, `${String(i).padStart(5, '0')}.png`), encodePng({ width: opts.size, height: opts.size, channels: opts.channels, data }));
      }
    }
  });
  return out;
}
