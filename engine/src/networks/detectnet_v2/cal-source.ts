// INT8 calibration batches for a DetectNet_v2 export, prepared exactly as training feeds the
// network: decoded to the model's channel count (RGB or grey), fitted to the input the way
// training fitted them (top-left pad/crop, or stretched with enable_auto_resize), scaled to
// [0, 1] with no mean, then laid out NCHW for the ONNX graph.
import { listImageInputs } from '../../data/folder';
import { hwcToNchw } from '../../export/cal-images';
import type { BatchSource, CalBatch } from '../../export/calibrate';
import { EngineError } from '../../tasks/types';
import { FrameImages, type InputShape } from './frames';
import { toInputBatch } from './predict';

export interface DetectCalOptions {
  dir: string;
  batches: number;
  batchSize: number;
  shape: InputShape;
}

export function detectnetCalibrationSource(o: DetectCalOptions): { source: BatchSource; files: string[] } {
  let files: string[];
  try {
    files = listImageInputs(o.dir);
  } catch (e) {
    throw new EngineError(`--cal_image_dir: ${(e as Error).message}`);
  }
  // As TAO: batches x batch_size images, fewer when the folder holds fewer.
  const used = files.slice(0, o.batches * o.batchSize);
  const { width, height, channels } = o.shape;
  // No cache: calibration reads each image twice (max pass, histogram pass), and a large
  // folder must not pile up in memory.
  const images = new FrameImages(o.shape, 0);
  const source: BatchSource = async function* (): AsyncGenerator<CalBatch> {
    for (let start = 0; start < used.length; start += o.batchSize) {
      const chunk = used.slice(start, start + o.batchSize);
      const hwc = toInputBatch(chunk.map((imagePath) => images.load({ imagePath })), o.shape);
      yield { data: hwcToNchw(hwc, chunk.length, height, width, channels), shape: [chunk.length, channels, height, width] };
    }
  };
  return { source, files: used };
}
