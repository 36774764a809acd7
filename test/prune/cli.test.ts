// prune and export through the installed CLI (separate process, TAO's flag spellings), on a
// small saved model so no training is needed.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveModel } from '../../engine/src/io/model-io';
import { tempDir } from '../engine/helpers';
import { tinyMobilenetV2 } from './models';

const engineBin = join(resolve(__dirname, '..', '..', '..'), 'bin', 'tao-engine.js');
const work = tempDir('prune-cli');
const spec = join(work, 'spec.txt');

function engine(args: string[]): { code: number; stderr: string } {
  const r = spawnSync(process.execPath, [engineBin, 'classification_tf1', ...args, '--backend', 'wasm'], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stderr: r.stderr };
}

before(async () => {
  await tf.setBackend('cpu');
  await saveModel(tf, tinyMobilenetV2(), join(work, 'model'), { classmap: { a: 0, b: 1, c: 2, d: 3, e: 4 }, preprocessMode: 'torch' });
  writeFileSync(spec, 'model_config {\n  arch: "mobilenet_v2"\n  input_image_size: "3,32,32"\n}\ntrain_config {\n  preprocess_mode: "torch"\n}\n');
});

test('prune with TAO flags, then export the pruned model to ONNX (fp16)', () => {
  const out = join(work, 'pruned');
  const p = engine(['prune', '-e', spec, '-m', join(work, 'model'), '-o', out, '-r', join(work, 'r1'), '-pth', '0.6', '-nm', 'max', '-eq', 'arithmetic_mean', '-pg', '4', '-nf', '4']);
  assert.equal(p.code, 0, p.stderr);
  const report = JSON.parse(readFileSync(join(out, 'prune_report.json'), 'utf8'));
  assert.equal(report.options.pruning_threshold, 0.6);
  assert.equal(report.options.equalization_criterion, 'arithmetic_mean');
  assert.ok(report.params_after < report.params_before);

  const onnx = join(work, 'export', 'model.onnx');
  const e = engine(['export', '-e', spec, '-m', out, '-o', onnx, '-r', join(work, 'r2'), '--data_type', 'fp16', '--target_opset', '13']);
  assert.equal(e.code, 0, e.stderr);
  assert.ok(existsSync(onnx) && existsSync(join(work, 'export', 'classmap.json')) && existsSync(join(work, 'export', 'model_tfjs', 'model.json')));
});

test('CLI errors: not a model, unknown excluded layer', () => {
  const bogus = join(work, 'bogus.json');
  writeFileSync(bogus, 'not json at all');
  const a = engine(['prune', '-e', spec, '-m', bogus, '-o', join(work, 'x'), '-r', join(work, 'r3')]);
  assert.equal(a.code, 1);
  assert.match(a.stderr, /not a readable tfjs layers model/);
  assert.equal(existsSync(join(work, 'x')), false);
  const status = readFileSync(join(work, 'r3', 'status.json'), 'utf8');
  assert.match(status, /"status":"FAILURE"/);
  const b = engine(['prune', '-e', spec, '-m', join(work, 'model'), '-o', join(work, 'y'), '-r', join(work, 'r4'), '-el', 'no_such_layer']);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /excluded layer "no_such_layer" is not in the model/);
});

test('prune without -r writes status.json next to the pruned model; export takes bare --classmap_json and --no_tfjs', () => {
  const out = join(work, 'no-r', 'pruned');
  const p = engine(['prune', '-e', spec, '-m', join(work, 'model'), '-o', out, '-pth', '0.5']);
  assert.equal(p.code, 0, p.stderr);
  assert.match(readFileSync(join(work, 'no-r', 'status.json'), 'utf8'), /"status":"SUCCESS"/);
  const onnx = join(work, 'bare', 'model.onnx');
  const e = engine(['export', '-e', spec, '-m', out, '-o', onnx, '-r', join(work, 'r5'), '--classmap_json', '--no_tfjs']);
  assert.equal(e.code, 0, e.stderr);
  assert.ok(existsSync(onnx) && existsSync(join(work, 'bare', 'classmap.json')));
  assert.equal(existsSync(join(work, 'bare', 'model_tfjs')), false);
});
