// classification_tf1 end to end on CSPDarkNet-tiny, the backbone with TAO's custom Split layer
// and concatenations: train -> evaluate -> inference -> prune (model.json and the Keras .hdf5
// TAO reads) -> re-train the pruned model from that .hdf5. The model_config follows NVIDIA's
// cspdarknet_tiny_openimages176.txt (no activation: LeakyReLU); 1x32x32 is the smallest input
// whose last CSP block still has a 1x1 map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runEngine, tempDir, tinyDataset } from '../engine/helpers';

function spec(path: string, data: { train: string; val: string; test: string }, extraTrain = ''): string {
  writeFileSync(
    path,
    `model_config {
  arch: "cspdarknet_tiny"
  use_bias: false
  retain_head: true
  use_batch_norm: true
  input_image_size: "1,32,32"
}
train_config {
  train_dataset_path: "${data.train}"
  val_dataset_path: "${data.val}"
  optimizer { sgd { lr: 0.01 momentum: 0.9 } }
  batch_size_per_gpu: 12
  n_epochs: 1
  random_seed: 7
  preprocess_mode: "torch"
${extraTrain}}
eval_config {
  eval_dataset_path: "${data.test}"
  top_k: 2
  batch_size: 12
}
`,
  );
  return path;
}

function weightCount(modelDir: string): number {
  const manifest = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ weights: Array<{ shape: number[] }> }> };
  return manifest.weightsManifest.flatMap((g) => g.weights).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
}

test('cspdarknet_tiny: train, evaluate, inference, prune, re-train the pruned .hdf5', () => {
  const work = tempDir('csp-tiny');
  const data = tinyDataset(join(work, 'data'));
  const trainSpec = spec(join(work, 'train.txt'), data);
  const r1 = join(work, 'r1');
  const train = runEngine(['classification_tf1', 'train', '-e', trainSpec, '-r', r1, '--backend', 'wasm']);
  assert.equal(train.code, 0, train.stderr);
  const final = join(r1, 'weights', 'final');
  const topology = JSON.stringify(JSON.parse(readFileSync(join(final, 'model.json'), 'utf8')).modelTopology);
  assert.match(topology, /"class_name":"Split"/, 'the saved model keeps TAO\'s Split layer');

  const evaluate = runEngine(['classification_tf1', 'evaluate', '-e', trainSpec, '-r', r1, '-m', final, '--backend', 'wasm']);
  assert.equal(evaluate.code, 0, evaluate.stderr);
  assert.equal(JSON.parse(readFileSync(join(r1, 'evaluation.json'), 'utf8')).images, 12);
  const infer = runEngine(['classification_tf1', 'inference', '-e', trainSpec, '-r', r1, '-m', final, '-i', data.test, '--backend', 'wasm']);
  assert.equal(infer.code, 0, infer.stderr);
  assert.equal(readFileSync(join(r1, 'result.csv'), 'utf8').trim().split('\n').length, 12);

  const pruned = join(work, 'pruned');
  const prune = runEngine(['classification_tf1', 'prune', '-e', trainSpec, '-m', final, '-o', pruned, '-r', join(work, 'rp'), '-pth', '0.9', '-nf', '8', '-pg', '8', '--backend', 'wasm']);
  assert.equal(prune.code, 0, prune.stderr);
  const report = JSON.parse(readFileSync(join(pruned, 'prune_report.json'), 'utf8')) as { params_before: number; params_after: number; layers: Array<{ name: string; kept: number; total: number }> };
  assert.ok(report.params_after < report.params_before, `${report.params_after} < ${report.params_before}`);
  for (const l of report.layers.filter((x) => /_conv_0$/.test(x.name) && x.name !== 'conv_0')) assert.equal(l.kept, l.total, `${l.name} feeds a Split and stays whole`);
  const keras = join(pruned, 'cspdarknet_tiny_pruned.hdf5');
  assert.ok(existsSync(keras), 'the pruned model is also written for TAO');

  // Re-train from the pruned .hdf5, as TAO's retrain spec points pretrained_model_path at it.
  const r2 = join(work, 'r2');
  const retrainSpec = spec(join(work, 'retrain.txt'), data, `  pretrained_model_path: "${keras}"\n`);
  const retrain = runEngine(['classification_tf1', 'train', '-e', retrainSpec, '-r', r2, '--backend', 'wasm']);
  assert.equal(retrain.code, 0, retrain.stderr);
  assert.equal(weightCount(join(r2, 'weights', 'final')), report.params_after, 'the re-trained model keeps the pruned shapes');
});
