// Image decoding and resizing in plain JavaScript (pngjs, jpeg-js), so reading a dataset
// needs no native code and no TensorFlow. Images are kept as Uint8 HWC at the model's input
// size; conversion to floats happens per batch.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

/** An 8-bit image, row-major, channels interleaved. */
export interface RawImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/** Decodes a PNG or JPEG file into RGB (3 channels). Throws a message naming the file on corrupt data. */
export function decodeImage(path: string): RawImage {
  const buf = readFileSync(path);
  let width: number;
  let height: number;
  let rgba: Uint8Array;
  try {
    if (buf.length >= 8 && buf[0] === 0x89 && buf[1] === 0x50) {
      const png = PNG.sync.read(buf);
      ({ width, height } = png);
      rgba = png.data;
    } else if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8) {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
      ({ width, height } = img);
      rgba = img.data;
    } else {
      throw new Error('not a PNG or JPEG file');
    }
  } catch (err) {
    throw new Error(`cannot decode image ${path}: ${(err as Error).message}`);
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += 4) {
    rgb[i * 3] = rgba[j];
    rgb[i * 3 + 1] = rgba[j + 1];
    rgb[i * 3 + 2] = rgba[j + 2];
  }
  return { width, height, channels: 3, data: rgb };
}

/** Bilinear resize of a region (crop box in source pixels) to outW x outH, half-pixel centres like TF's resize. */
export function resizeRegion(
  src: RawImage,
  box: { x: number; y: number; w: number; h: number },
  outW: number,
  outH: number,
  out: Uint8Array = new Uint8Array(outW * outH * src.channels),
  outOffset = 0,
): Uint8Array {
  const c = src.channels;
  const sx = box.w / outW;
  const sy = box.h / outH;
  for (let oy = 0; oy < outH; oy++) {
    const fy = Math.min(Math.max(box.y + (oy + 0.5) * sy - 0.5, 0), src.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, src.height - 1);
    const wy = fy - y0;
    for (let ox = 0; ox < outW; ox++) {
      const fx = Math.min(Math.max(box.x + (ox + 0.5) * sx - 0.5, 0), src.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, src.width - 1);
      const wx = fx - x0;
      const o = outOffset + (oy * outW + ox) * c;
      const a = (y0 * src.width + x0) * c;
      const b = (y0 * src.width + x1) * c;
      const d = (y1 * src.width + x0) * c;
      const e = (y1 * src.width + x1) * c;
      for (let k = 0; k < c; k++) {
        const top = src.data[a + k] * (1 - wx) + src.data[b + k] * wx;
        const bottom = src.data[d + k] * (1 - wx) + src.data[e + k] * wx;
        out[o + k] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return out;
}

/** RGB -> gray (ITU-R 601 luma) or gray -> RGB, whichever the model needs. */
export function toChannels(img: RawImage, channels: number): RawImage {
  if (img.channels === channels) return img;
  const n = img.width * img.height;
  const out = new Uint8Array(n * channels);
  if (channels === 1) {
    for (let i = 0; i < n; i++) out[i] = Math.round(0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2]);
  } else {
    for (let i = 0; i < n; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = img.data[i];
  }
  return { width: img.width, height: img.height, channels, data: out };
}

/**
 * Decodes and fits an image to the model's input: channels converted, then resized to W x H.
 * With `centerCrop`, the image is first resized so the crop keeps 87.5% of it (as ImageNet
 * evaluation does), then the centre W x H is taken.
 */
export function loadForModel(path: string, width: number, height: number, channels: number, centerCrop = false): Uint8Array {
  const img = toChannels(decodeImage(path), channels);
  let box = { x: 0, y: 0, w: img.width, h: img.height };
  if (centerCrop) {
    const w = img.width * 0.875;
    const h = img.height * 0.875;
    box = { x: (img.width - w) / 2, y: (img.height - h) / 2, w, h };
  }
  return resizeRegion(img, box, width, height);
}

/** Encodes an RGB or gray image as PNG bytes. */
export function encodePng(img: RawImage): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  // pngjs wants RGBA in `data` regardless of output type.
  const rgba = Buffer.alloc(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) {
    const r = img.data[i * img.channels];
    const g = img.channels === 1 ? r : img.data[i * 3 + 1];
    const b = img.channels === 1 ? r : img.data[i * 3 + 2];
    rgba[i * 4] = r;
    rgba[i * 4 + 1] = g;
    rgba[i * 4 + 2] = b;
    rgba[i * 4 + 3] = 255;
  }
  png.data = rgba;
  return PNG.sync.write(png, { colorType: img.channels === 1 ? 0 : 2 });
}

/** Encodes an RGB or gray image as baseline JPEG (quality 0-100). */
export function encodeJpeg(img: RawImage, quality = 92): Buffer {
  const rgba = Buffer.alloc(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) {
    const r = img.data[i * img.channels];
    rgba[i * 4] = r;
    rgba[i * 4 + 1] = img.channels === 1 ? r : img.data[i * 3 + 1];
    rgba[i * 4 + 2] = img.channels === 1 ? r : img.data[i * 3 + 2];
    rgba[i * 4 + 3] = 255;
  }
  return jpeg.encode({ data: rgba, width: img.width, height: img.height }, quality).data;
}
