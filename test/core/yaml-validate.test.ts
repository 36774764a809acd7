import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSpec } from '../../server/src/core/analyze';
import { LineIndex } from '../../server/src/core/text';
import { testCatalog } from '../support/schemas';

const catalog = testCatalog();

function check(text: string, filePath = '/specs/train.yaml') {
  const result = analyzeSpec(text, { filePath, catalog });
  const lines = new LineIndex(text);
  return {
    ...result,
    found: result.diagnostics.map((d) => ({ code: d.code, severity: d.severity, line: lines.positionAt(d.span.start).line, text: text.slice(d.span.start, d.span.end), message: d.message, fixes: d.fixes })),
  };
}

const goodDino = `results_dir: /results
train:
  num_epochs: 12
  optim:
    lr: 2e-4
    optimizer: AdamW
    lr_steps: [11]
  precision: fp32
dataset:
  num_classes: 91
  batch_size: -1
  train_data_sources:
    - image_dir: /data/images
      json_file: /data/ann.json
`;

test('a valid Hydra spec has no diagnostics and is detected as dino', () => {
  const r = check(goodDino);
  assert.equal(r.network, 'dino');
  assert.equal(r.detection.source, 'content');
  assert.deepEqual(r.found, []);
});

test('OmegaConf reads 2e-4 as a float: no type error in Hydra YAML', () => {
  const r = check(goodDino);
  assert.equal(r.found.filter((d) => d.code === 'wrong-type').length, 0);
});

test('misspelled key: unknown-key at the key with a did-you-mean fix', () => {
  const r = check(goodDino.replace('num_epochs', 'num_epoch'));
  const d = r.found.find((x) => x.code === 'unknown-key');
  assert.ok(d, JSON.stringify(r.found));
  assert.equal(d.line, 2);
  assert.equal(d.text, 'num_epoch');
  assert.match(d.message, /Did you mean 'num_epochs'/);
  assert.equal(d.fixes?.[0].edits[0].newText, 'num_epochs');
});

test('wrong type, out of range and option not allowed are errors on the value', () => {
  const r = check(goodDino.replace('num_epochs: 12', 'num_epochs: twelve').replace('num_classes: 91', 'num_classes: 0').replace('precision: fp32', 'precision: fp64'));
  const codes = r.found.map((d) => `${d.code}@${d.line}:${d.text}`);
  assert.ok(codes.includes('wrong-type@2:twelve'), codes.join(' '));
  assert.ok(codes.includes('out-of-range@9:0'), codes.join(' '));
  assert.ok(codes.includes('not-an-option@7:fp64'), codes.join(' '));
  assert.match(r.found.find((d) => d.code === 'not-an-option')!.message, /Did you mean 'fp16'|Allowed: fp16, fp32, bf16/);
});

test('missing required key is reported at the section key with an insert fix', () => {
  const r = check(goodDino.replace('  num_classes: 91\n', ''));
  const d = r.found.find((x) => x.code === 'missing-required');
  assert.ok(d);
  assert.equal(d.text, 'dataset');
  assert.match(d.fixes![0].edits[0].newText, /\n  num_classes: /);
});

test('??? is a warning naming the key, ${...} is never a type error', () => {
  const r = check(goodDino.replace('num_epochs: 12', 'num_epochs: ???').replace('/results', '/r').replace('precision: fp32', 'precision: fp32\n  results_dir: ${results_dir}/train'));
  assert.deepEqual(r.found.map((d) => d.code), ['unfilled-mandatory']);
  assert.match(r.found[0].message, /train\.num_epochs/);
});

test('an interpolation to a key that does not exist is a warning', () => {
  const r = check(goodDino.replace('precision: fp32', 'precision: fp32\n  results_dir: ${output_dir}/train'));
  assert.deepEqual(r.found.map((d) => d.code), ['unresolved-interpolation']);
  assert.equal(r.found[0].text, '${output_dir}');
});

test('duplicate keys are an error in Hydra YAML (OmegaConf refuses them)', () => {
  const r = check(goodDino.replace('  precision: fp32\n', '  precision: fp32\n  precision: fp16\n'));
  const d = r.found.find((x) => x.code === 'duplicate-key');
  assert.ok(d);
  assert.equal(d.severity, 'error');
  assert.equal(d.line, 8);
});

test('YAML 1.1 booleans: yes/off are booleans, so a string field still accepts them but a bool field accepts yes', () => {
  const r = check(goodDino.replace('precision: fp32', 'precision: fp32\n  use_amp: yes'));
  assert.deepEqual(r.found, []);
  const bad = check(goodDino.replace('precision: fp32', 'precision: fp32\n  use_amp: maybe'));
  assert.deepEqual(bad.found.map((d) => d.code), ['wrong-type']);
});

test('a key moved to the wrong parent says where it belongs', () => {
  const r = check(goodDino.replace('  num_classes: 91\n', '  num_classes: 91\n  num_epochs: 3\n'));
  const d = r.found.find((x) => x.code === 'unknown-key');
  assert.ok(d);
  assert.match(d.message, /belongs under 'train'/);
});

test('PyYAML dialect (__class_name__ specs): 2e-4 is a string, warned with a fix', () => {
  const text = '__class_name__: BpNetTrainer\noptimizer:\n  __class_name__: WeightedMomentumOptimizer\n  learning_rate: 2e-4\n  weight_decay: 5.0e-4\n';
  const r = check(text, '/specs/bpnet.yaml');
  assert.equal(r.network, 'bpnet');
  assert.equal(r.spec.dialect, 'pyyaml');
  assert.deepEqual(r.found.map((d) => `${d.severity}:${d.code}:${d.text}`), ['warning:pyyaml-float-string:2e-4']);
  assert.equal(r.found[0].fixes?.[0].edits[0].newText, '2.0e-4');
});

test('the same 2e-4 under Hydra YAML is fine', () => {
  const r = check('train:\n  optim:\n    lr: 2e-4\n', '/x.yaml');
  assert.equal(r.network, 'dino');
  assert.deepEqual(r.found, []);
});

test('YAML syntax errors are reported and the rest of the document is still checked', () => {
  const r = check('train:\n  num_epochs: 3\n  optim: [1, 2\ndataset:\n  num_clases: 3\n');
  assert.ok(r.found.some((d) => d.code === 'syntax'), JSON.stringify(r.found));
});

test('modeline chooses the network and an unknown modeline name gets a fix', () => {
  const r = check('# tao: network=dino\ntrain:\n  num_epochs: 1\n', '/a.yaml');
  assert.equal(r.detection.source, 'modeline');
  const bad = check('# tao: network=dinno\ntrain:\n  num_epochs: 1\n', '/a.yaml');
  const d = bad.found.find((x) => x.code === 'unknown-network');
  assert.ok(d);
  assert.equal(d.fixes?.[0].edits[0].newText, 'dino');
});

test('the version rule warns about keys added after the targeted TAO version', () => {
  const schemaCatalog = testCatalog();
  const dino = schemaCatalog.schema('dino')!;
  dino.properties!.train.properties!.use_amp['x-tao-since'] = '5.2.0';
  const text = 'train:\n  use_amp: true\n';
  const old = analyzeSpec(text, { filePath: '/a.yaml', catalog: schemaCatalog, taoVersion: '5.0.0', network: 'dino' });
  assert.deepEqual(old.diagnostics.map((d) => d.code), ['added-in-version']);
  const latest = analyzeSpec(text, { filePath: '/a.yaml', catalog: schemaCatalog, network: 'dino' });
  assert.deepEqual(latest.diagnostics, []);
});

test('a flow list continued at column 0 is accepted like PyYAML does, with spans in the original text', () => {
  const text = "train:\n  num_epochs: 3\n  optim:\n    lr_steps: [1,\n2,\n    3]\n    optimizer: Adamw\n";
  const r = check(text, '/x.yaml');
  assert.equal(r.found.filter((d) => d.code === 'syntax').length, 0, JSON.stringify(r.found));
  const d = r.found.find((x) => x.code === 'not-an-option');
  assert.ok(d);
  assert.equal(d.text, 'Adamw');
  assert.equal(d.line, 6);
});
