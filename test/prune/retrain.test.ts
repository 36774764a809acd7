// Re-train: `train` with pretrained_model_path pointing at a pruned model trains the pruned
// shapes (not the spec's full architecture), and its checkpoints resume with those shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runEngine, tempDir, tinyDataset, writeSpec } from '../engine/helpers';

function paramCount(modelDir: string): number {
  const manifest = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ weights: Array<{ shape: number[] }> }> };
  let total = 0;
  for (const group of manifest.weightsManifest) for (const w of group.weights) total += w.shape.reduce((a, b) => a * b, 1);
  return total;
}

test('train -> prune -> re-train keeps the pruned shapes, also across a resume', () => {
  const work = tempDir('retrain');
  const data = tinyDataset(join(work, 'data'));
  const spec = writeSpec(join(work, 'spec.txt'), { train: data.train, val: data.val, test: data.test, epochs: 1, extraModel: '  all_projections: true\n' });
  const first = runEngine(['classification_tf1', 'train', '-e', spec, '-r', join(work, 'r1'), '--backend', 'wasm']);
  assert.equal(first.code, 0, first.stderr);

  const pruned = join(work, 'pruned');
  const p = runEngine(['classification_tf1', 'prune', '-e', spec, '-m', join(work, 'r1', 'weights', 'final'), '-o', pruned, '-r', join(work, 'rp'), '-pth', '0.95', '-nf', '8', '-pg', '8', '--backend', 'wasm']);
  assert.equal(p.code, 0, p.stderr);
  const report = JSON.parse(readFileSync(join(pruned, 'prune_report.json'), 'utf8')) as { params_before: number; params_after: number };
  assert.ok(report.params_after < report.params_before, JSON.stringify(report));

  const retrainSpec = writeSpec(join(work, 'retrain.txt'), {
    train: data.train,
    val: data.val,
    test: data.test,
    epochs: 2,
    extraModel: '  all_projections: true\n',
    extraTrain: `  pretrained_model_path: "${pruned}"\n`,
  });
  const r2 = join(work, 'r2');
  const stopped = runEngine(['classification_tf1', 'train', '-e', retrainSpec, '-r', r2, '--backend', 'wasm', '--stop-after', '1']);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stderr + stopped.stdout, /a pruned model/);
  assert.equal(paramCount(join(r2, 'weights', 'epoch_001')), paramCount(pruned));

  const resumed = runEngine(['classification_tf1', 'train', '-e', retrainSpec, '-r', r2, '--backend', 'wasm']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(paramCount(join(r2, 'weights', 'final')), report.params_after);
  const meta = JSON.parse(readFileSync(join(r2, 'weights', 'final', 'model.json'), 'utf8'));
  assert.ok(JSON.stringify(meta).includes('"pruned"'), 'the re-trained model still says it was pruned');
});
