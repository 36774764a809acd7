// EfficientNet through the CLI: train -> prune -> re-train. The pruned model keeps TAO's
// equalization of expand conv, depthwise conv and SE expand, and re-training starts from the
// pruned shapes (the (1, 1, C) SE reshapes included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runEngine, tempDir, tinyDataset, writeSpec } from '../engine/helpers';

interface Manifest {
  modelTopology: { config: { layers: Array<{ class_name: string; config: { name: string; target_shape?: number[] } }> } };
  weightsManifest: Array<{ weights: Array<{ name: string; shape: number[] }> }>;
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Manifest;
}

function paramCount(dir: string): number {
  let total = 0;
  for (const group of manifest(dir).weightsManifest) for (const w of group.weights) total += w.shape.reduce((a, b) => a * b, 1);
  return total;
}

test('efficientnet_b0: train -> prune -> re-train', () => {
  const work = tempDir('retrain-effnet');
  const data = tinyDataset(join(work, 'data'));
  const spec = writeSpec(join(work, 'spec.txt'), { arch: 'efficientnet_b0', train: data.train, val: data.val, test: data.test, epochs: 1 });
  const first = runEngine(['classification_tf1', 'train', '-e', spec, '-r', join(work, 'r1'), '--backend', 'wasm']);
  assert.equal(first.code, 0, first.stderr);

  const pruned = join(work, 'pruned');
  const p = runEngine(['classification_tf1', 'prune', '-e', spec, '-m', join(work, 'r1', 'weights', 'final'), '-o', pruned, '-r', join(work, 'rp'), '-pth', '0.9', '-nf', '8', '-pg', '8', '--backend', 'wasm']);
  assert.equal(p.code, 0, p.stderr);
  const report = JSON.parse(readFileSync(join(pruned, 'prune_report.json'), 'utf8')) as {
    params_before: number;
    params_after: number;
    equalization_groups: Array<{ layers: string[]; kept: number; total: number }>;
  };
  assert.ok(report.params_after < report.params_before, JSON.stringify(report.params_after));
  const group = report.equalization_groups.find((g) => g.layers.includes('block3a_dwconv'));
  assert.ok(group && group.layers.includes('block3a_expand_conv') && group.layers.includes('block3a_se_expand'), JSON.stringify(group));
  const reshape = manifest(pruned).modelTopology.config.layers.find((l) => l.config.name === 'block3a_se_reshape');
  assert.deepEqual(reshape?.config.target_shape, [1, 1, group.kept]);

  const retrainSpec = writeSpec(join(work, 'retrain.txt'), {
    arch: 'efficientnet_b0',
    train: data.train,
    val: data.val,
    test: data.test,
    epochs: 1,
    extraTrain: `  pretrained_model_path: "${pruned}"\n`,
  });
  const r2 = join(work, 'r2');
  const again = runEngine(['classification_tf1', 'train', '-e', retrainSpec, '-r', r2, '--backend', 'wasm']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr + again.stdout, /a pruned model/);
  assert.equal(paramCount(join(r2, 'weights', 'final')), report.params_after);
  const e = runEngine(['classification_tf1', 'evaluate', '-e', retrainSpec, '-r', r2, '-m', join(r2, 'weights', 'final'), '--backend', 'wasm']);
  assert.equal(e.code, 0, e.stderr);
});
