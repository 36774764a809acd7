// Per-image training augmentation on Uint8 HWC images, driven by the spec's train_config
// switches. Used online by training (one random variant per image per epoch) and offline by
// the augment task (several variants written as new files).
import { resizeRegion } from './images';

export interface AugmentOptions {
  randomCrop: boolean;
  flip: boolean;
  color: boolean;
}

/** Returns a new image of the same size; the source is not modified. */
export function augmentImage(src: Uint8Array, h: number, w: number, c: number, opts: AugmentOptions, rand: () => number): Uint8Array {
  let img = src;
  if (opts.randomCrop) {
    // Random-resized crop: 60-100% of the area, aspect 3/4..4/3, resized back to h x w.
    const area = (0.6 + 0.4 * rand()) * h * w;
    const aspect = Math.exp(Math.log(3 / 4) + rand() * Math.log(16 / 9));
    const cw = Math.min(w, Math.sqrt(area * aspect));
    const ch = Math.min(h, Math.sqrt(area / aspect));
    const x = rand() * (w - cw);
    const y = rand() * (h - ch);
    img = resizeRegion({ width: w, height: h, channels: c, data: img }, { x, y, w: cw, h: ch }, w, h);
  }
  if (opts.flip && rand() < 0.5) {
    const out = new Uint8Array(img.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const a = (y * w + x) * c;
        const b = (y * w + (w - 1 - x)) * c;
        for (let k = 0; k < c; k++) out[a + k] = img[b + k];
      }
    }
    img = out;
  }
  if (opts.color) {
    // Brightness and contrast jitter (and saturation for colour images), +-20% each.
    const brightness = (rand() - 0.5) * 0.4 * 255;
    const contrast = 1 + (rand() - 0.5) * 0.4;
    const saturation = 1 + (rand() - 0.5) * 0.4;
    let mean = 0;
    for (let i = 0; i < img.length; i++) mean += img[i];
    mean /= img.length;
    const out = new Uint8Array(img.length);
    for (let p = 0; p < h * w; p++) {
      const base = p * c;
      let gray = 0;
      if (c === 3) gray = 0.299 * img[base] + 0.587 * img[base + 1] + 0.114 * img[base + 2];
      for (let k = 0; k < c; k++) {
        let v = img[base + k];
        if (c === 3) v = gray + (v - gray) * saturation;
        v = (v - mean) * contrast + mean + brightness;
        out[base + k] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
    img = out;
  }
  return img === src ? src.slice() : img;
}
