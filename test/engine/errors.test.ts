// Bad inputs give one clear error, exit code 1, and leave earlier outputs intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { runEngine, tempDir, tinyDataset, writeSpec } from './helpers';

const work = tempDir('errors');
const data = tinyDataset(join(work, 'data'), 2);

test('unknown arch: file:line:col error, exit 1, nothing trained', () => {
  const spec = writeSpec(join(work, 'bad-arch.txt'), { arch: 'resnet_9000', train: data.train });
  const res = join(work, 'bad-arch');
  const r = runEngine(['classification_tf1', 'train', '-e', spec, '-r', res]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad-arch\.txt:2:9: .*resnet_9000/);
  assert.doesNotMatch(r.stderr, /backend:/, 'TensorFlow is not loaded for a bad spec');
  assert.ok(!existsSync(join(res, 'weights')));
});

test('syntax error: reported with its position', () => {
  const spec = join(work, 'syntax.txt');
  writeFileSync(spec, 'model_config {\n  arch: "resnet"\n  n_layers: 10\n\ntrain_config {\n');
  const r = runEngine(['classification_tf1', 'train', '-e', spec, '-r', join(work, 'syntax')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /syntax\.txt:\d+:\d+: /);
});

test('bad input_image_size: points at the value', () => {
  const spec = writeSpec(join(work, 'size.txt'), { train: data.train });
  writeFileSync(spec, readFileSync(spec, 'utf8').replace('"1,16,16"', '"2,8,8"'));
  const r = runEngine(['classification_tf1', 'train', '-e', spec, '-r', join(work, 'size')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /size\.txt:5:21: .*input_image_size/);
});

test('missing dataset folder, empty class folder, corrupt PNG: one clear error each, earlier outputs kept', () => {
  // A finished run whose outputs must survive the failing runs below.
  const res = join(work, 'kept');
  const good = writeSpec(join(work, 'good.txt'), { train: data.train, epochs: 1 });
  assert.equal(runEngine(['classification_tf1', 'train', '-e', good, '-r', res]).code, 0);
  const before = readFileSync(join(res, 'weights', 'final', 'weights.bin'));

  const missing = writeSpec(join(work, 'missing.txt'), { train: join(work, 'nope'), epochs: 1 });
  let r = runEngine(['classification_tf1', 'train', '-e', missing, '-r', res, '--fresh']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: train_dataset_path folder not found: .*nope$/m);

  const emptyRoot = join(work, 'empty-class');
  cpSync(data.train, emptyRoot, { recursive: true });
  mkdirSync(join(emptyRoot, 'zzz'));
  const empty = writeSpec(join(work, 'empty.txt'), { train: emptyRoot, epochs: 1 });
  r = runEngine(['classification_tf1', 'train', '-e', empty, '-r', res, '--fresh']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /class folder .*zzz has no images/);

  const corruptRoot = join(work, 'corrupt');
  cpSync(data.train, corruptRoot, { recursive: true });
  writeFileSync(join(corruptRoot, 'hstripes', 'broken.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
  const corrupt = writeSpec(join(work, 'corrupt.txt'), { train: corruptRoot, epochs: 1 });
  r = runEngine(['classification_tf1', 'train', '-e', corrupt, '-r', res, '--fresh']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot decode image .*broken\.png/);
  assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('error:')).length, 1, 'one error line');

  assert.ok(readFileSync(join(res, 'weights', 'final', 'weights.bin')).equals(before), 'earlier model untouched');
  const last = readFileSync(join(res, 'status.json'), 'utf8').trim().split('\n').pop()!;
  assert.equal(JSON.parse(last).status, 'FAILURE');
});

test('unknown task and missing flags exit non-zero with a message', () => {
  let r = runEngine(['classification_tf1', 'fly']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown task "fly"/);
  r = runEngine(['classification_tf1', 'train', '-r', join(work, 'x')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /needs -e SPEC/);
});
