// Frames as DetectNet_v2 trains and evaluates on them: the image fitted to the network's
// input the way TAO's default loader does it (top-left on an output-size canvas, cropped or
// zero-padded; stretched without keeping the aspect ratio when enable_auto_resize is on) and
// its boxes mapped into those pixels, with label classes already mapped through
// target_class_mapping to output indices. Decoded images are kept in memory while they fit
// a budget, so later epochs do not decode PNGs again.
import { decodeImage, resizeRegion, toChannels } from '../../data/images';
import { EngineError } from '../../tasks/types';
import type { TargetBox } from './targets';

export interface SourceObject {
  cls: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface SourceFrame {
  id: string;
  imagePath: string;
  /** Size of the image on disk (from the record or the file). */
  width: number;
  height: number;
  objects: SourceObject[];
}

export interface PreparedFrame {
  id: string;
  imagePath: string;
  /** Original image size (inference rescales boxes back to it). */
  width: number;
  height: number;
  /** Ground truth in model-input pixels. */
  boxes: TargetBox[];
}

/** Label class -> output index, via target_class_mapping (exact match, as TAO compares names). */
export function classIndexer(mapping: Record<string, string>, classes: string[]): (cls: string) => number {
  const index = new Map(classes.map((c, i) => [c, i]));
  return (cls) => {
    const target = mapping[cls];
    return target === undefined ? -1 : (index.get(target) ?? -1);
  };
}

export interface InputShape {
  width: number;
  height: number;
  channels: number;
  /** 'stretch' resizes to the input (enable_auto_resize); 'pad' places the image top-left. */
  fit?: 'stretch' | 'pad';
}

export class FrameImages {
  private cache = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(readonly shape: InputShape, private readonly budgetBytes = 2 * 1024 ** 3) {}

  /** The frame's pixels at the model's input size, HWC uint8. */
  load(frame: { imagePath: string }): Uint8Array {
    const hit = this.cache.get(frame.imagePath);
    if (hit) return hit;
    const { width, height, channels } = this.shape;
    let img;
    try {
      img = toChannels(decodeImage(frame.imagePath), channels);
    } catch (err) {
      throw new EngineError(`cannot read image ${frame.imagePath}: ${(err as Error).message}`);
    }
    const data = this.shape.fit === 'pad' ? padTopLeft(img.data, img.width, img.height, width, height, channels) : resizeRegion(img, { x: 0, y: 0, w: img.width, h: img.height }, width, height);
    const size = data.byteLength;
    if (this.bytes + size <= this.budgetBytes) {
      this.cache.set(frame.imagePath, data);
      this.bytes += size;
    }
    return data;
  }
}

function padTopLeft(src: Uint8Array, w: number, h: number, outW: number, outH: number, channels: number): Uint8Array {
  const out = new Uint8Array(outW * outH * channels);
  const rowBytes = Math.min(w, outW) * channels;
  for (let y = 0; y < Math.min(h, outH); y++) out.set(src.subarray(y * w * channels, y * w * channels + rowBytes), y * outW * channels);
  return out;
}

/** Maps each frame's labels into model-input pixels (dropping classes the mapping leaves out). */
export function prepareFrames(frames: SourceFrame[], shape: InputShape, indexOf: (cls: string) => number): PreparedFrame[] {
  return frames.map((f) => {
    const { width, height } = f;
    const pad = shape.fit === 'pad';
    const sx = pad ? 1 : shape.width / width;
    const sy = pad ? 1 : shape.height / height;
    const boxes: TargetBox[] = [];
    for (const o of f.objects) {
      const cls = indexOf(o.cls);
      if (cls < 0) continue;
      // Clipped to the canvas: a padded frame larger than the input loses its right/bottom part.
      const x1 = Math.max(0, o.x1 * sx);
      const y1 = Math.max(0, o.y1 * sy);
      const x2 = Math.min(shape.width, o.x2 * sx);
      const y2 = Math.min(shape.height, o.y2 * sy);
      if (x2 <= x1 || y2 <= y1) continue;
      boxes.push({ cls, x1, y1, x2, y2 });
    }
    return { id: f.id, imagePath: f.imagePath, width, height, boxes };
  });
}
