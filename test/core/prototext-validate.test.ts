import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeSpec } from '../../server/src/core/analyze';
import { nodeFileProbe } from '../../server/src/core/node-probe';
import type { FileProbe } from '../../server/src/core/rules/types';
import { LineIndex } from '../../server/src/core/text';
import { testCatalog } from '../support/schemas';

const catalog = testCatalog();

function check(text: string, extra: { filePath?: string; probe?: FileProbe; mountsFile?: string } = {}) {
  const result = analyzeSpec(text, { filePath: extra.filePath ?? '/specs/classification.txt', catalog, probe: extra.probe, mountsFile: extra.mountsFile });
  const lines = new LineIndex(text);
  return {
    ...result,
    found: result.diagnostics.map((d) => ({ code: d.code, severity: d.severity, line: lines.positionAt(d.span.start).line, text: text.slice(d.span.start, d.span.end), message: d.message, fixes: d.fixes })),
  };
}

const good = `model_config {
  arch: "resnet"
  n_layers: 18
  input_image_size: "3,224,224"
  use_batch_norm: True
  freeze_blocks: 0
  freeze_blocks: 1
  resize_interpolation_method: BICUBIC
}
train_config {
  preprocess_mode: "caffe"
  batch_size_per_gpu: 64
  optimizer {
    sgd { lr: 0.01 momentum: 0.9 }
  }
  lr_config {
    soft_anneal {
      learning_rate: 0.05
      soft_start: 0.056
      annealing_points: [0.3, 0.6, 0.8]
    }
  }
  image_mean { key: "b" value: 103.9 }
  image_mean { key: "g" value: 116.8 }
}
random_seed: 42
`;

test('a valid classification_tf1 spec has no diagnostics', () => {
  const r = check(good);
  assert.equal(r.network, 'classification_tf1');
  assert.deepEqual(r.found, []);
});

test('protobuf bool spellings t/f/True/1 and enum by number are accepted', () => {
  const r = check(good.replace('use_batch_norm: True', 'use_batch_norm: t').replace('BICUBIC', '1'));
  assert.deepEqual(r.found, []);
});

test('unquoted text, quoted enum, wrong enum name', () => {
  const r = check(good.replace('arch: "resnet"', 'arch: resnet').replace('resize_interpolation_method: BICUBIC', 'resize_interpolation_method: BICUBC'));
  const codes = r.found.map((d) => `${d.code}@${d.line}`);
  assert.deepEqual(codes, ['wrong-type@1', 'not-an-option@7']);
  assert.match(r.found[0].message, /quoted/);
  assert.equal(r.found[0].fixes?.[0].edits[0].newText, '"resnet"');
  assert.equal(r.found[1].fixes?.[0].edits[0].newText, 'BICUBIC');
});

test('a singular field given twice is a warning on the first (TAO keeps the last)', () => {
  const r = check(good.replace('  n_layers: 18\n', '  n_layers: 18\n  n_layers: 10\n'));
  assert.deepEqual(r.found.map((d) => `${d.severity}:${d.code}@${d.line}`), ['warning:duplicate-field@2']);
});

test('two optimizers in one oneof is an error', () => {
  const r = check(good.replace('sgd { lr: 0.01 momentum: 0.9 }', 'sgd { lr: 0.01 momentum: 0.9 }\n    adam { lr: 0.001 }'));
  assert.deepEqual(r.found.map((d) => `${d.code}@${d.line}`), ['oneof-conflict@14']);
});

test('a message field given a scalar, and a scalar field given a message', () => {
  const r = check(good.replace('  optimizer {\n    sgd { lr: 0.01 momentum: 0.9 }\n  }\n', '  optimizer: "sgd"\n').replace('  n_layers: 18\n', '  n_layers { x: 1 }\n'));
  const codes = r.found.map((d) => `${d.code}@${d.line}`).sort();
  assert.deepEqual(codes, ['wrong-type@12', 'wrong-type@2']);
});

test('classification rules: image size, n_layers for arch, freeze_blocks range, schedule order, preprocess mode', () => {
  const text = good
    .replace('"3,224,224"', '"4,8,224"')
    .replace('n_layers: 18', 'n_layers: 20')
    .replace('freeze_blocks: 1', 'freeze_blocks: 7')
    .replace('[0.3, 0.6, 0.8]', '[0.3, 0.2, 1.5]')
    .replace('"caffe"', '"keras"');
  const r = check(text);
  const codes = r.found.map((d) => `${d.severity}:${d.code}@${d.line}`);
  assert.deepEqual(codes, [
    'error:n-layers@2',
    'error:image-size@3',
    'error:image-size@3',
    'error:freeze-blocks@6',
    'warning:preprocess-mode@10',
    'error:lr-schedule@19',
    'error:lr-schedule@19',
  ]);
});

test('soft_start after the first annealing point is an error', () => {
  const r = check(good.replace('soft_start: 0.056', 'soft_start: 0.5'));
  assert.deepEqual(r.found.map((d) => `${d.code}@${d.line}`), ['lr-schedule@18']);
});

test('dataset paths that do not exist are warnings; ~/.tao_mounts.json maps container paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tao-paths-'));
  mkdirSync(join(dir, 'host-data', 'train'), { recursive: true });
  mkdirSync(join(dir, 'specs', 'rel'), { recursive: true });
  const mounts = join(dir, 'mounts.json');
  writeFileSync(mounts, JSON.stringify({ Mounts: [{ source: join(dir, 'host-data'), destination: '/workspace/data' }] }));
  const specPath = join(dir, 'specs', 'spec.txt');
  const withPath = (p: string) => good.replace('preprocess_mode: "caffe"', `preprocess_mode: "caffe"\n  train_dataset_path: "${p}"`);
  assert.deepEqual(check(withPath('/workspace/data/train'), { filePath: specPath, probe: nodeFileProbe, mountsFile: mounts }).found, []);
  assert.deepEqual(check(withPath('rel'), { filePath: specPath, probe: nodeFileProbe, mountsFile: mounts }).found, []);
  const missing = check(withPath('/workspace/data/val'), { filePath: specPath, probe: nodeFileProbe, mountsFile: mounts });
  assert.deepEqual(missing.found.map((d) => `${d.severity}:${d.code}@${d.line}`), ['warning:path-not-found@11']);
  assert.match(missing.found[0].message, /mapped to '.*host-data\/val'/);
  // Without a probe (e.g. conformance runs) no file system access and no warning.
  assert.deepEqual(check(withPath('/nowhere')).found, []);
});

test('a syntax error still leaves the rest of the document checked', () => {
  const r = check(good.replace('n_layers: 18', 'n_layers 18').replace('batch_size_per_gpu: 64', 'batch_size_per_gpu: 0'));
  const codes = r.found.map((d) => d.code);
  assert.ok(codes.includes('syntax'), codes.join());
  assert.ok(codes.includes('out-of-range'), codes.join());
});

test('URLs with any scheme are not checked as local paths', () => {
  const spec = good.replace('preprocess_mode: "caffe"', 'preprocess_mode: "caffe"\n  train_dataset_path: "s3://bucket/train"');
  assert.deepEqual(check(spec, { filePath: '/tmp/x/spec.txt', probe: nodeFileProbe }).found, []);
});
