import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBin } from '../support/run';

const dir = mkdtempSync(join(tmpdir(), 'tao-spec-cli-'));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const goodClassification = `model_config {
  arch: "resnet"
  n_layers: 18
  use_batch_norm: true
  input_image_size: "3,224,224"
}
train_config {
  batch_size_per_gpu: 64
  n_epochs: 80
  optimizer {
    sgd {
      lr: 0.01
      momentum: 0.9
    }
  }
  preprocess_mode: "caffe"
}
eval_config {
  top_k: 3
}
`;

const badClassification = goodClassification.replace('n_epochs: 80', 'n_epoch: 80').replace('top_k: 3', 'top_k: 0');

test('clean file: exit 0 and no diagnostics (path check off)', () => {
  const file = write('good.txt', goodClassification);
  const r = runBin('tao-spec.js', ['check', '--no-path-check', '--network', 'classification_tf1', file]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /1 file\(s\) checked: 0 error\(s\)/);
});

test('errors: exit 1, text lines file:line:col severity code message (1-based)', () => {
  const file = write('bad.txt', badClassification);
  const r = runBin('tao-spec.js', ['check', '--no-path-check', file]);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.ok(lines.some((l) => l.startsWith(`${file}:9:3 error unknown-key `) && l.includes("Did you mean 'n_epochs'")), r.stdout);
  assert.ok(lines.every((l) => /^.+:\d+:\d+ (error|warning|information|hint) [a-z-]+ .+/.test(l)), r.stdout);
});

test('--format json prints one array in the documented shape with 0-based positions', () => {
  const file = write('bad2.txt', badClassification);
  const r = runBin('tao-spec.js', ['check', '--no-path-check', '--format', 'json', file]);
  assert.equal(r.status, 1);
  const parsed = JSON.parse(r.stdout) as Array<{ file: string; network: string; diagnostics: Array<Record<string, unknown>> }>;
  assert.equal(parsed.length, 1);
  assert.equal(parsed[0].file, file);
  assert.equal(parsed[0].network, 'classification_tf1');
  const unknown = parsed[0].diagnostics.find((d) => d.code === 'unknown-key')!;
  assert.deepEqual(Object.keys(unknown).sort(), ['code', 'message', 'range', 'severity']);
  assert.deepEqual(unknown.range, { start: { line: 8, character: 2 }, end: { line: 8, character: 9 } });
  assert.equal(unknown.severity, 'error');
});

test('several files, one unreadable: exit 2 and the others still reported', () => {
  const good = write('g.txt', goodClassification);
  const r = runBin('tao-spec.js', ['check', '--no-path-check', '--format', 'json', good, join(dir, 'missing.txt')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot read .*missing\.txt: ENOENT/);
  assert.equal(JSON.parse(r.stdout).length, 1);
});

test('a directory given as a file is exit 2 with the reason', () => {
  const r = runBin('tao-spec.js', ['check', dir]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /EISDIR/);
});

test('usage errors exit 2 with usage text', () => {
  assert.equal(runBin('tao-spec.js', []).status, 2);
  const bad = runBin('tao-spec.js', ['check', '--format', 'xml', 'x.txt']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--format must be text or json/);
  const unknownNet = runBin('tao-spec.js', ['check', '--network', 'yolo_v99', 'x.txt']);
  assert.equal(unknownNet.status, 2);
  assert.match(unknownNet.stderr, /unknown network 'yolo_v99'/);
  assert.equal(runBin('tao-spec.js', ['check', '--bogus', 'x']).status, 2);
  const help = runBin('tao-spec.js', ['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /tao-spec check FILES/);
});

test('YAML spec: network detected from keys, Hydra duplicate key is an error', () => {
  const file = write('dino.yaml', 'train:\n  num_epochs: 10\n  num_epochs: 12\n');
  const r = runBin('tao-spec.js', ['check', '--no-path-check', '--network', 'dino', '--format', 'json', file]);
  assert.equal(r.status, 1, r.stdout);
  const [result] = JSON.parse(r.stdout);
  assert.equal(result.network, 'dino');
  assert.ok(result.diagnostics.some((d: { code: string }) => d.code === 'duplicate-key'));
});

test('networks lists the catalogue with dialects', () => {
  const r = runBin('tao-spec.js', ['networks']);
  assert.equal(r.status, 0);
  for (const n of ['classification_tf1\tprototext', 'detectnet_v2\tprototext', 'yolo_v4\tprototext', 'dino\thydra-yaml', 'classification_pyt\thydra-yaml']) {
    assert.ok(r.stdout.includes(n), `missing ${n} in\n${r.stdout}`);
  }
});
