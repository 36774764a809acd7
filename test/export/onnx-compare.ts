// The ONNX comparison the export tests share: the model converted as `tao-engine export` does,
// run by onnxruntime on the same images, and the largest difference from tfjs' own prediction.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { convertToOnnx } from '../../engine/src/export/convert';
import { loadOrt } from '../../engine/src/export/ort';

/**
 * max |onnxruntime - tfjs| over every output value for the NHWC images `x`. onnxruntime runs
 * one intra-op thread: with several, how its pool splits the sums changes the rounding (and
 * so the measured difference) from run to run.
 */
export async function onnxMaxDiff(model: tf.LayersModel, x: tf.Tensor4D): Promise<number> {
  const ort = loadOrt();
  const want = (model.predict(x) as tf.Tensor).dataSync();
  const converted = convertToOnnx(model, { opset: 13, batchSize: null, fp16Weights: false });
  const session = await ort.InferenceSession.create(converted.bytes, { intraOpNumThreads: 1 });
  const nchw = x.transpose([0, 3, 1, 2]);
  try {
    const out = await session.run({ [converted.inputName]: new ort.Tensor('float32', nchw.dataSync() as Float32Array, nchw.shape) });
    const got = out[converted.outputName].data as Float32Array;
    assert.equal(got.length, want.length, 'onnxruntime and tfjs give as many output values');
    let d = 0;
    for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
    return d;
  } finally {
    nchw.dispose();
    await session.release();
  }
}
