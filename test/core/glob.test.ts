// File-name globs: the `tao.files.networks` setting (network per file, in the core) and the
// pattern language it shares with the client's `tao.files.globs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSpec } from '../../server/src/core/analyze';
import { globSource, globToRegExp } from '../../server/src/core/util/glob';
import { testCatalog } from '../support/schemas';

test('folder globs match at any depth, name-only globs match the base name anywhere', () => {
  const folder = globToRegExp('**/detection/*.{yaml,txt}');
  assert.ok(folder.test('/home/me/proj/detection/train.yaml'));
  assert.ok(folder.test('detection/spec.txt'));
  assert.ok(!folder.test('/home/me/proj/detection/sub/train.yaml'), '`*` stays within one folder');
  assert.ok(!folder.test('/home/me/proj/detections/train.yaml'));
  const name = globToRegExp('*_dino.yaml');
  assert.ok(name.test('/a/b/train_dino.yaml'));
  assert.ok(!name.test('/a/b/train_dino.yaml.bak'));
});

test('alternatives nest, and a stray closing brace is a literal character', () => {
  const re = globToRegExp('spec.{y{a,}ml,txt}');
  assert.ok(re.test('/x/spec.yaml'));
  assert.ok(re.test('/x/spec.yml'));
  assert.ok(re.test('/x/spec.txt'));
  assert.ok(!re.test('/x/spec.json'));
  assert.ok(globToRegExp('odd}.txt').test('/x/odd}.txt'));
  assert.equal(globSource('a?.b'), 'a[^/]\\.b');
});

test('a glob is compiled once and reused', () => {
  assert.equal(globToRegExp('**/specs/*.yaml'), globToRegExp('**/specs/*.yaml'));
});

test('tao.files.networks picks the network by file path before the keys are scored', () => {
  // Keys alone say dino (the test catalogue's dino, bpnet and classification_tf1); the setting
  // says bpnet for this folder.
  const text = 'train:\n  num_epochs: 12\ndataset:\n  num_classes: 91\n';
  const catalog = testCatalog();
  const byKeys = analyzeSpec(text, { filePath: '/work/cls/train.yaml', catalog });
  const bySetting = analyzeSpec(text, { filePath: '/work/seg/train.yaml', catalog, settings: { fileNetworks: { '**/seg/*.yaml': 'bpnet' } } });
  assert.equal(byKeys.network, 'dino');
  assert.equal(bySetting.network, 'bpnet');
  assert.equal(bySetting.detection.source, 'setting');
  assert.notEqual(byKeys.detection.source, 'setting');
  const elsewhere = analyzeSpec(text, { filePath: '/work/cls/train.yaml', catalog, settings: { fileNetworks: { '**/seg/*.yaml': 'bpnet' } } });
  assert.equal(elsewhere.network, 'dino');
  // A setting naming no known network is passed over, not obeyed.
  const unknown = analyzeSpec(text, { filePath: '/work/seg/train.yaml', catalog, settings: { fileNetworks: { '**/seg/*.yaml': 'no_such_net' } } });
  assert.equal(unknown.network, 'dino');
});
