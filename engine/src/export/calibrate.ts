// Collects activation statistics for every tensor of the exported ONNX graph by running the
// calibration batches through onnxruntime on a copy of the graph that exposes all
// intermediate tensors as outputs. Measuring the ONNX graph itself (not the tfjs model)
// guarantees the cache names exactly the tensors TensorRT will see.
import { ConvertedModel } from './convert';
import { CalibrationAlgorithm } from './cal-cache';
import { Histogram, entropyRange } from './calibration';
import { loadOrt } from './ort';

/** One calibration batch: NCHW (or the graph's input layout) float32 data and its shape. */
export interface CalBatch {
  data: Float32Array;
  shape: number[];
}

/** Produces the calibration batches; called once per pass, so it must be repeatable. */
export type BatchSource = () => AsyncIterable<CalBatch>;

export interface CalibrationResult {
  /** Tensor name -> dynamic range (max |x| the INT8 scale maps to 127), in graph order. */
  ranges: Map<string, number>;
  /** Tensor name -> largest |x| seen (what the minmax calibrator would use). */
  maxAbs: Map<string, number>;
  batches: number;
  images: number;
}

function maxAbsOf(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}

export async function calibrate(tapped: ConvertedModel, source: BatchSource, algo: CalibrationAlgorithm): Promise<CalibrationResult> {
  const ort = loadOrt();
  const session = await ort.InferenceSession.create(tapped.bytes);
  const names = tapped.tensorNames;
  const run = async (batch: CalBatch): Promise<Map<string, ArrayLike<number>>> => {
    const out = await session.run({ [tapped.inputName]: new ort.Tensor('float32', batch.data, batch.shape) });
    const values = new Map<string, ArrayLike<number>>([[tapped.inputName, batch.data]]);
    for (const n of names) if (out[n]) values.set(n, out[n].data as Float32Array);
    return values;
  };

  // Pass 1: the largest magnitude per tensor fixes each histogram's range.
  const maxAbs = new Map<string, number>(names.map((n) => [n, 0]));
  let batches = 0;
  let images = 0;
  for await (const batch of source()) {
    batches++;
    images += batch.shape[0];
    for (const [n, v] of await run(batch)) maxAbs.set(n, Math.max(maxAbs.get(n) ?? 0, maxAbsOf(v)));
  }
  if (batches === 0) throw new Error('calibration produced no batches');

  const ranges = new Map<string, number>();
  if (algo === 'minmax') {
    for (const n of names) ranges.set(n, maxAbs.get(n) ?? 0);
    await session.release();
    return { ranges, maxAbs, batches, images };
  }

  // Pass 2: histograms of |x| over [0, max].
  const hists = new Map<string, Histogram>(names.map((n) => [n, new Histogram(maxAbs.get(n) ?? 0)]));
  for await (const batch of source()) {
    for (const [n, v] of await run(batch)) hists.get(n)?.add(v);
  }
  await session.release();
  for (const n of names) ranges.set(n, entropyRange(hists.get(n)!));
  return { ranges, maxAbs, batches, images };
}
