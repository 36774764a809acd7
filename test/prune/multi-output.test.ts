// Models with several outputs (DetectNet_v2's two heads on one backbone layer), through the
// shared prune library and ONNX converter: heads keep their channels, their shared input is
// cut once for both, `keepWhole` holds a layer whole, and outputs can carry fixed ONNX names.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { onnx } from 'onnx-proto';
import { pruneModel } from '../../engine/src/prune/index';
import { convertToOnnx } from '../../engine/src/export/convert';
import { loadOrt } from '../../engine/src/export/ort';
import { hwcToNchw } from '../../engine/src/export/cal-images';
import { randomImages } from './models';

before(async () => {
  await tf.setBackend('cpu');
});

/** Two 1x1 heads (sigmoid "cov", linear "bbox") on one conv, whose filters have spread-out norms. */
function twoHeads(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3], name: 'input_1' });
  const trunk = tf.layers.conv2d({ name: 'trunk', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }).apply(input) as tf.SymbolicTensor;
  const cov = tf.layers.conv2d({ name: 'cov', filters: 2, kernelSize: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }).apply(trunk) as tf.SymbolicTensor;
  const bbox = tf.layers.conv2d({ name: 'bbox', filters: 8, kernelSize: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 5 }) }).apply(trunk) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: [cov, bbox] });
  // Trunk filter k gets L2 norm (k + 1) / 32, so which filters survive a threshold is known.
  const [k, b] = model.getLayer('trunk').getWeights();
  const norms = tf.sqrt(tf.sum(tf.square(k), [0, 1, 2], true));
  const scale = tf.range(1, 33).div(32).reshape([1, 1, 1, 32]);
  model.getLayer('trunk').setWeights([k.div(norms).mul(scale), b]);
  return model;
}

test('two heads: output channels whole, shared input cut once, kept filters the strongest', async () => {
  const model = twoHeads();
  const { model: pruned, report } = await pruneModel(model, { threshold: 0.51, granularity: 1, minFilters: 1 });
  assert.deepEqual(report.output_layers, ['cov', 'bbox']);
  const kernel = (m: tf.LayersModel, name: string) => m.getLayer(name).getWeights()[0];
  assert.deepEqual(kernel(pruned, 'cov').shape, [1, 1, 16, 2]);
  assert.deepEqual(kernel(pruned, 'bbox').shape, [1, 1, 16, 8]);
  // Filters 16..31 are kept (normalized scores 17/32 .. 1 pass 0.51), in order, for both heads alike.
  const keep = tf.tensor1d(Array.from({ length: 16 }, (_, i) => 16 + i), 'int32');
  for (const head of ['cov', 'bbox']) {
    const want = tf.gather(kernel(model, head), keep, 2);
    assert.equal(tf.max(tf.abs(tf.sub(want, kernel(pruned, head)))).dataSync()[0], 0, head);
  }
});

test('keepWhole keeps a layer whole; an unknown name is an error', async () => {
  const { report } = await pruneModel(twoHeads(), { threshold: 0.5, granularity: 1, minFilters: 1, keepWhole: ['trunk'] });
  assert.equal(report.params_after, report.params_before);
  assert.deepEqual(report.options.kept_whole, ['trunk']);
  await assert.rejects(pruneModel(twoHeads(), { keepWhole: ['nope'] }), /"nope" \(always kept whole\) is not in the model/);
});

test('ONNX: every output exported under its mapped name, matching tfjs', async () => {
  const model = twoHeads();
  const names = { cov: 'cov/Sigmoid', bbox: 'bbox/BiasAdd' };
  const converted = convertToOnnx(model, { opset: 13, batchSize: null, fp16Weights: false, outputNames: names });
  assert.deepEqual(converted.outputNames, ['cov/Sigmoid', 'bbox/BiasAdd']);
  assert.deepEqual(converted.outputShapes, [['N', 2, 8, 8], ['N', 8, 8, 8]]);
  const graph = onnx.ModelProto.decode(converted.bytes).graph!;
  assert.ok(!graph.node!.some((n) => n.output![0] === 'cov' || n.output![0] === 'bbox'), 'the old names are gone');
  const x = randomImages(2, [8, 8, 3]);
  const ort = loadOrt();
  const session = await ort.InferenceSession.create(converted.bytes, { intraOpNumThreads: 1 });
  const out = await session.run({ input_1: new ort.Tensor('float32', hwcToNchw(x.dataSync() as Float32Array, 2, 8, 8, 3), [2, 3, 8, 8]) });
  const expected = (model.predict(x) as tf.Tensor4D[]).map((t) => t.transpose([0, 3, 1, 2]).dataSync());
  ['cov/Sigmoid', 'bbox/BiasAdd'].forEach((name, i) => {
    const got = out[name].data as Float32Array;
    let max = 0;
    for (let k = 0; k < got.length; k++) max = Math.max(max, Math.abs(got[k] - expected[i][k]));
    assert.ok(max < 1e-5, `${name}: ${max}`);
  });
  await session.release();
  assert.throws(() => convertToOnnx(model, { opset: 13, batchSize: null, fp16Weights: false, outputNames: { trunk: 'x' } }), /"trunk", which is not an output/);
});
