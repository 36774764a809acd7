// Calibration batches from an image folder, prepared exactly like training input (the
// engine's decoder, resize and preprocess_mode), then laid out NCHW for the ONNX graph.
import { listImageInputs, loadImages } from '../data/folder';
import { makePreprocessor, type PreprocessMode } from '../data/preprocess';
import { EngineError } from '../tasks/types';
import type { BatchSource, CalBatch } from './calibrate';

export interface CalImageOptions {
  dir: string;
  batches: number;
  batchSize: number;
  height: number;
  width: number;
  channels: number;
  preprocessMode: PreprocessMode;
  imageMean?: Record<string, number>;
}

/** HWC floats of several images -> NCHW. */
export function hwcToNchw(src: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < n; i++) {
    const base = i * h * w * c;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let k = 0; k < c; k++) out[base + (k * h + y) * w + x] = src[base + (y * w + x) * c + k];
      }
    }
  }
  return out;
}

/** Lists the images up front so an empty folder fails before anything is computed. */
export function imageFolderSource(o: CalImageOptions): { source: BatchSource; files: string[] } {
  let files: string[];
  try {
    files = listImageInputs(o.dir);
  } catch (e) {
    throw new EngineError(`calibration images: ${(e as Error).message}`);
  }
  if (!(o.batches >= 1) || !(o.batchSize >= 1)) throw new EngineError('--batches and --batch_size must be at least 1');
  // Like TAO: batches x batch_size images, fewer when the folder is smaller.
  const used = files.slice(0, o.batches * o.batchSize);
  const prep = makePreprocessor(o.preprocessMode, o.channels, o.imageMean ?? {});
  const per = o.height * o.width * o.channels;
  const source: BatchSource = async function* (): AsyncGenerator<CalBatch> {
    for (let start = 0; start < used.length; start += o.batchSize) {
      const chunk = used.slice(start, start + o.batchSize);
      const pixels = loadImages(chunk, o.height, o.width, o.channels);
      const hwc = new Float32Array(pixels.length);
      for (let i = 0; i < chunk.length; i++) prep.apply(pixels.subarray(i * per, (i + 1) * per), hwc, i * per);
      yield { data: hwcToNchw(hwc, chunk.length, o.height, o.width, o.channels), shape: [chunk.length, o.channels, o.height, o.width] };
    }
  };
  return { source, files: used };
}
