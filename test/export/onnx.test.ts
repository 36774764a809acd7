import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadOrt } from '../../engine/src/export/ort';

const ort = loadOrt();
import { convertToOnnx } from '../../engine/src/export/convert';
import { pruneModel } from '../../engine/src/prune/index';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../engine/src/io/float16';
import { TINY_MODELS } from '../prune/models';
import { fashionImages } from './images';

before(async () => {
  await tf.setBackend('cpu');
});

/** Runs the ONNX bytes in onnxruntime on NHWC images (transposed to the graph's NCHW input). */
export async function runOnnx(bytes: Uint8Array, images: tf.Tensor4D): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const nchw = tf.tidy(() => images.transpose([0, 3, 1, 2]));
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', nchw.dataSync() as Float32Array, nchw.shape) };
  nchw.dispose();
  const out = await session.run(feeds);
  return out[session.outputNames[0]].data as Float32Array;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function imagesFor(m: tf.LayersModel, n: number): tf.Tensor4D {
  const [h, , c] = m.inputs[0].shape.slice(1) as number[];
  return fashionImages(n, h, c);
}

describe('ONNX export matches tfjs (onnxruntime-node, Fashion-MNIST images)', () => {
  for (const [name, make] of Object.entries(TINY_MODELS)) {
    test(`${name}: unpruned and pruned`, async () => {
      const m = make();
      const { model: pruned } = await pruneModel(m, { threshold: 0.5, minFilters: 4, granularity: 4 });
      for (const [label, model] of [['unpruned', m], ['pruned', pruned]] as const) {
        const x = imagesFor(model, 4);
        const want = (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
        const conv = convertToOnnx(model, { opset: 13, batchSize: null, fp16Weights: false });
        const got = await runOnnx(conv.bytes, x);
        const d = maxDiff(want, got);
        assert.ok(d < 1e-4, `${name} ${label}: max |onnx - tfjs| = ${d}`);
      }
    });
  }

  test('fixed batch size, opsets 9/10/11/17 and fp16 weights', async () => {
    const m = TINY_MODELS.mobilenet_v2();
    const x = imagesFor(m, 2);
    const want = (m.predict(x) as tf.Tensor).dataSync() as Float32Array;
    const fixed = convertToOnnx(m, { opset: 11, batchSize: 2, fp16Weights: false });
    const session = await ort.InferenceSession.create(fixed.bytes, { intraOpNumThreads: 1 });
    assert.deepEqual(fixed.inputShape, [2, 3, 32, 32]);
    assert.equal(session.inputNames[0], 'input_1');
    assert.ok(maxDiff(want, await runOnnx(fixed.bytes, x)) < 1e-4);
    // Opsets 9/10 write Clip bounds and Pad amounts as attributes instead of inputs.
    for (const opset of [9, 10, 17]) {
      const old = convertToOnnx(m, { opset, batchSize: null, fp16Weights: false });
      assert.ok(maxDiff(want, await runOnnx(old.bytes, x)) < 1e-4, `opset ${opset}`);
    }
    const half = convertToOnnx(m, { opset: 13, batchSize: null, fp16Weights: true });
    assert.ok(half.bytes.length < fixed.bytes.length * 0.8, `fp16 file ${half.bytes.length} vs fp32 ${fixed.bytes.length}`);
    const d = maxDiff(want, await runOnnx(half.bytes, x));
    assert.ok(d < 2e-3, `fp16 weights: max difference ${d}`);
  });

  test('an opset too old for a layer is one clear error', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const y = tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'softmax' }).apply(input) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: y });
    assert.throws(() => convertToOnnx(m, { opset: 11, batchSize: null, fp16Weights: false }), /needs opset 13 or newer/);
    assert.throws(() => convertToOnnx(m, { opset: 7, batchSize: null, fp16Weights: false }), /opset 7 is not supported/);
  });

  test('an unsupported layer is one clear error', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const y = tf.layers.upSampling2d({ size: [2, 2], name: 'up' }).apply(input) as tf.SymbolicTensor;
    assert.throws(() => convertToOnnx(tf.model({ inputs: input, outputs: y }), { opset: 13, batchSize: null, fp16Weights: false }), /"up" \(UpSampling2D\) has no ONNX export/);
  });
});

describe('float16 conversion', () => {
  test('round trip of representative values', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 1e-5, 6.1e-5, 3.14159]) {
      const back = float16BitsToFloat32(float32ToFloat16Bits(v));
      assert.ok(Math.abs(back - v) <= Math.abs(v) * 1e-3 + 6e-8, `${v} -> ${back}`);
    }
    assert.equal(float32ToFloat16Bits(1), 0x3c00);
    assert.equal(float32ToFloat16Bits(-2), 0xc000);
    assert.equal(float32ToFloat16Bits(1e6), 0x7c00);
  });
});
