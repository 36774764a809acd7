import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { pruneModel, formatPruneReport } from '../../engine/src/prune/index';
import { l2ScoresLastAxis, normalize, keepCount, topIndices, equalize } from '../../engine/src/prune/scores';
import { TINY_MODELS, maxAbsDiff, randomImages, tinyVgg } from './models';

before(async () => {
  await tf.setBackend('cpu');
});

function inputShape(m: tf.LayersModel): number[] {
  return m.inputs[0].shape.slice(1) as number[];
}

describe('score arithmetic', () => {
  test('L2 scores over the last axis', () => {
    // kernel [in=2, out=2]: column 0 = (3, 4), column 1 = (0, 1)
    assert.deepEqual(l2ScoresLastAxis([3, 0, 4, 1], 2), [5, 1]);
  });
  test('max and L2 normalizers', () => {
    assert.deepEqual(normalize([2, 4], 'max'), [0.5, 1]);
    const l2 = normalize([3, 4], 'L2');
    assert.ok(Math.abs(l2[0] - 1.2) < 1e-12 && Math.abs(l2[1] - 1.6) < 1e-12);
  });
  test('threshold, minimum and granularity', () => {
    const s = [0.9, 0.05, 0.5, 0.01, 0.3, 0.2, 0.02, 0.8, 0.6, 0.7];
    assert.equal(keepCount(s, { threshold: 0.1, minFilters: 1, granularity: 1 }), 7);
    assert.equal(keepCount(s, { threshold: 0.1, minFilters: 1, granularity: 4 }), 8);
    assert.equal(keepCount(s, { threshold: 0.95, minFilters: 3, granularity: 1 }), 3);
    assert.equal(keepCount(s, { threshold: 0.1, minFilters: 1, granularity: 8 }), 8);
    assert.equal(keepCount(s, { threshold: 0.015, minFilters: 1, granularity: 4 }), 10, 'never above the original count');
    assert.equal(keepCount(s, { threshold: 0, minFilters: 1, granularity: 1 }), 10);
    assert.deepEqual(topIndices(s, 3), [0, 7, 9]);
  });
  test('equalization rules', () => {
    const a = [1, 0.2, 0.5];
    const b = [0.4, 0.8, 0.5];
    assert.deepEqual(equalize([a, b], 'union'), [1, 0.8, 0.5]);
    assert.deepEqual(equalize([a, b], 'intersection'), [0.4, 0.2, 0.5]);
    assert.deepEqual(equalize([a, b], 'arithmetic_mean'), [0.7, 0.5, 0.5]);
    assert.ok(Math.abs(equalize([a, b], 'geometric_mean')[1] - 0.4) < 1e-12);
  });
});

describe('pruning tiny models of every architecture', () => {
  for (const [name, make] of Object.entries(TINY_MODELS)) {
    test(`${name}: threshold 0 gives a numerically identical model`, async () => {
      const m = make();
      const { model, report } = await pruneModel(m, { threshold: 0 });
      assert.equal(report.params_after, report.params_before);
      const x = randomImages(2, inputShape(m));
      const d = maxAbsDiff(m.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor);
      assert.ok(d === 0, `max difference ${d}`);
    });

    test(`${name}: a hard prune keeps shapes consistent and runs`, async () => {
      const m = make();
      const { model, report } = await pruneModel(m, { threshold: 0.9, minFilters: 4, granularity: 4 });
      assert.ok(report.params_after < report.params_before, `${report.params_after} < ${report.params_before}`);
      const x = randomImages(2, inputShape(m));
      const y = model.predict(x) as tf.Tensor;
      assert.deepEqual(y.shape, (m.predict(x) as tf.Tensor).shape, 'class count unchanged');
      assert.ok(Number.isFinite(y.sum().dataSync()[0]));
      // Every producer keeps a multiple of the granularity (or all it had).
      for (const l of report.layers) assert.ok(l.kept === l.total || l.kept % 4 === 0, `${l.name} ${l.kept}/${l.total}`);
      assert.match(formatPruneReport(report), /parameters: \d+ -> \d+/);
    });
  }
});

describe('pruning semantics', () => {
  test('kept filters are the top-scoring ones, in original order', async () => {
    const m = tinyVgg();
    const { model } = await pruneModel(m, { threshold: 0.8, minFilters: 1, granularity: 1 });
    const k0 = m.getLayer('block1_conv1').getWeights()[0];
    const scores = normalize(l2ScoresLastAxis(k0.dataSync() as Float32Array, 16), 'max');
    const expected = scores.map((s, i) => [s, i]).filter(([s]) => s >= 0.8).map(([, i]) => i);
    const k1 = model.getLayer('block1_conv1').getWeights()[0];
    assert.equal(k1.shape[3], expected.length);
    const want = tf.gather(k0, expected, 3);
    assert.equal(maxAbsDiff(want, k1), 0);
  });

  test('filters that are exactly zero are pruned without changing outputs (checks Flatten expansion)', async () => {
    const m = tinyVgg(16);
    // Zero 8 of 24 filters of the last conv (kernel and bias): after ReLU they contribute nothing,
    // so removing them, including their rows behind Flatten in fc1, must not change outputs.
    const layer = m.getLayer('block2_conv1');
    const [k, b] = layer.getWeights();
    const mask = tf.tensor1d(Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 0 : 1)));
    layer.setWeights([k.mul(mask), b.mul(mask)]);
    const { model, report } = await pruneModel(m, { threshold: 1e-6, minFilters: 1, granularity: 1, excludedLayers: ['block1_conv1', 'block1_conv2', 'fc1'] });
    assert.equal(report.layers.find((l) => l.name === 'block2_conv1')!.kept, 16);
    assert.equal(model.getLayer('fc1').getWeights()[0].shape[0], 16 * 4 * 4);
    const x = randomImages(3, [16, 16, 3]);
    const d = maxAbsDiff(m.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor);
    assert.ok(d < 1e-5, `max difference ${d}`);
  });

  test('ResNet shortcuts form equalization groups that keep the same channels', async () => {
    const m = TINY_MODELS.resnet_all_projections();
    const { model, report } = await pruneModel(m, { threshold: 0.7, minFilters: 1, granularity: 1 });
    const group = report.equalization_groups.find((g) => g.layers.includes('block_1a_conv_2'));
    assert.ok(group, 'group with block_1a_conv_2 exists');
    assert.ok(group.layers.includes('block_1a_conv_shortcut'));
    assert.ok(group.layers.includes('block_2a_conv_shortcut') === false);
    const f2 = (model.getLayer('block_1a_conv_2').getConfig() as { filters: number }).filters;
    const fs = (model.getLayer('block_1a_conv_shortcut').getConfig() as { filters: number }).filters;
    assert.equal(f2, fs);
    assert.equal(f2, group.kept);
  });

  test('identity shortcuts tie a block to the stem', async () => {
    const m = TINY_MODELS.resnet_identity();
    const { report } = await pruneModel(m, { threshold: 0.7, minFilters: 1, granularity: 1 });
    const group = report.equalization_groups.find((g) => g.layers.includes('conv1'));
    assert.ok(group && group.layers.includes('block_1a_conv_2'), JSON.stringify(report.equalization_groups));
  });

  test('depthwise convs join their parent conv; the output layer keeps its classes', async () => {
    const m = TINY_MODELS.mobilenet_v1();
    const { model, report } = await pruneModel(m, { threshold: 0.9, minFilters: 1, granularity: 1 });
    const group = report.equalization_groups.find((g) => g.layers.includes('conv_dw_2'));
    assert.ok(group && group.layers.includes('conv_pw_1'));
    assert.equal((model.getLayer('predictions').getConfig() as { units: number }).units, 5);
  });

  test('excluded layers keep all filters; unknown excluded layer is an error', async () => {
    const m = tinyVgg();
    const { report } = await pruneModel(m, { threshold: 0.95, minFilters: 1, granularity: 1, excludedLayers: ['block1_conv2'] });
    const l = report.layers.find((x) => x.name === 'block1_conv2')!;
    assert.equal(l.kept, l.total);
    await assert.rejects(pruneModel(m, { excludedLayers: ['nope'] }), /excluded layer "nope"/);
  });

  test('Reshape after a layer keeps that layer whole', async () => {
    const input = tf.input({ shape: [8, 8, 2] });
    let x = tf.layers.conv2d({ filters: 16, kernelSize: 3, name: 'c' }).apply(input) as tf.SymbolicTensor;
    x = tf.layers.reshape({ targetShape: [36 * 16] }).apply(x) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, name: 'd' }).apply(x) as tf.SymbolicTensor;
    const { report } = await pruneModel(tf.model({ inputs: input, outputs: out }), { threshold: 0.99, minFilters: 1, granularity: 1 });
    assert.equal(report.layers.find((l) => l.name === 'c')!.kept, 16);
  });
});
