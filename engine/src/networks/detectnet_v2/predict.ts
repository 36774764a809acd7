// Runs a DetectNet_v2 model over images in batches and hands back each image's raw
// coverage and bbox grids (NHWC slices), which postprocess.ts turns into boxes. Inputs are
// scaled to [0, 1] with no mean subtracted, as TAO's DetectNet_v2 feeds its network.
import type * as tfTypes from '@tensorflow/tfjs';
import type { InputShape } from './frames';
import { compileInference } from '../../infer/plan';

type Tf = typeof tfTypes;

export interface RawOutput {
  cov: Float32Array;
  bbox: Float32Array;
}

/** Fills `out` (batch x H x W x C floats) from uint8 images. */
export function toInputBatch(images: Uint8Array[], shape: InputShape, out?: Float32Array): Float32Array {
  const per = shape.width * shape.height * shape.channels;
  const x = out ?? new Float32Array(images.length * per);
  images.forEach((img, i) => {
    const base = i * per;
    for (let j = 0; j < per; j++) x[base + j] = img[j] / 255;
  });
  return x;
}

export async function predictRaw(
  tf: Tf,
  model: tfTypes.LayersModel,
  count: number,
  loadImage: (i: number) => Uint8Array,
  shape: InputShape,
  batchSize: number,
  onBatch?: (done: number) => void,
): Promise<RawOutput[]> {
  const results: RawOutput[] = [];
  // The model compiled for this pass: batch norm folded into the convolutions (infer/plan.ts).
  const plan = compileInference(tf, model);
  try {
    for (let start = 0; start < count; start += batchSize) {
      const end = Math.min(count, start + batchSize);
      const images: Uint8Array[] = [];
      for (let i = start; i < end; i++) images.push(loadImage(i));
      const x = tf.tensor4d(toInputBatch(images, shape), [images.length, shape.height, shape.width, shape.channels]);
      const [cov, bbox] = plan.run(x);
      // data(), not dataSync(): GPU backends cannot read synchronously in Node.
      const [covData, bboxData] = (await Promise.all([cov.data(), bbox.data()])) as Float32Array[];
      const covPer = covData.length / images.length;
      const bboxPer = bboxData.length / images.length;
      for (let i = 0; i < images.length; i++) {
        results.push({ cov: covData.slice(i * covPer, (i + 1) * covPer), bbox: bboxData.slice(i * bboxPer, (i + 1) * bboxPer) });
      }
      tf.dispose([x, cov, bbox]);
      onBatch?.(end);
      await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    plan.dispose();
  }
  return results;
}
