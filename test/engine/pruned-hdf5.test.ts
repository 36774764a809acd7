// A pruned .hdf5 written by TAO carries none of the engine's metadata, yet TAO's makenet
// re-trains it from `pretrained_model_path` alone: a backbone layer whose weights do not fit
// the spec's model (before the `predictions` head) tells TAO the file is pruned, and TAO
// trains the file's own graph. The engine does the same (issue 14): the run keeps the pruned
// parameter count, says how it recognised the file, and refuses a pruned file whose class
// count differs from the dataset's with one clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';
import { pruneModel } from '../../engine/src/prune';
import { writeKerasModel } from '../../engine/src/io/hdf5/keras-model';
import { loadModel } from '../../engine/src/io/model-io';
import { runEngine, tempDir, tinyDataset, writeSpec } from './helpers';

async function prunedTaoFile(path: string, classes: number): Promise<number> {
  await tf.setBackend('cpu');
  const cfg = buildConfig({ model_config: { arch: 'resnet', n_layers: 10, use_batch_norm: true, input_image_size: '1,16,16' } }).config.model;
  const full = buildClassifier(tf, cfg, classes, 5).model;
  const { model } = await pruneModel(full, { threshold: 0.9, granularity: 4, minFilters: 4 });
  assert.ok(model.countParams() < full.countParams(), 'pruning removed filters');
  // No metadata argument: the file looks like one TAO wrote.
  await writeKerasModel(model, path);
  return model.countParams();
}

test('classification_tf1 train: a TAO-pruned .hdf5 (no engine metadata) is recognised and trained as its own graph', async () => {
  const work = tempDir('pruned-hdf5');
  const data = tinyDataset(join(work, 'data'), 3);
  const file = join(work, 'resnet10_pruned.hdf5');
  const params = await prunedTaoFile(file, 3);
  const spec = writeSpec(join(work, 'spec.txt'), { train: data.train, val: data.val, nLayers: 10, epochs: 1, extraTrain: `  pretrained_model_path: "${file}"\n` });
  const results = join(work, 'results');
  const r = runEngine(['classification_tf1', 'train', '-e', spec, '-r', results]);
  const out = r.stdout + r.stderr;
  assert.equal(r.code, 0, out);
  assert.match(out, /resnet10_pruned\.hdf5: a pruned model \(\d+ of \d+ parameters; recognised by layer \w+: .* in the file, .* for the spec\); training it as it is/);
  const trained = await loadModel(tf, join(results, 'weights', 'final'));
  assert.equal(trained.model.countParams(), params, 'the trained model keeps the pruned shapes');
  const status = readFileSync(join(results, 'status.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { categorical?: { pretrained?: { pruned_graph?: boolean } } });
  assert.ok(status.some((s) => s.categorical?.pretrained?.pruned_graph === true), 'status.json says the pruned graph was trained');
});

test('classification_tf1 train: a TAO-pruned .hdf5 for another class count is one clear error', async () => {
  const work = tempDir('pruned-hdf5-classes');
  const data = tinyDataset(join(work, 'data'), 3);
  const file = join(work, 'resnet10_pruned.hdf5');
  await prunedTaoFile(file, 4);
  const spec = writeSpec(join(work, 'spec.txt'), { train: data.train, val: data.val, nLayers: 10, epochs: 1, extraTrain: `  pretrained_model_path: "${file}"\n` });
  const r = runEngine(['classification_tf1', 'train', '-e', spec, '-r', join(work, 'results')]);
  const out = r.stdout + r.stderr;
  assert.notEqual(r.code, 0, out);
  assert.match(out, /resnet10_pruned\.hdf5 is a pruned model \(layer \w+: .*\) with 4 classes, the dataset has 3/);
  assert.doesNotMatch(out, /at .*\.js:\d+/, 'no stack trace');
});
