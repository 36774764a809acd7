import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldingRanges } from '../../server/src/core/services/folding';
import { formatDocument, formatRange } from '../../server/src/core/services/formatting';
import { documentSymbols } from '../../server/src/core/services/symbols';
import { docOf } from './helpers';

const proto = `# model
# settings
model_config {
  arch: "resnet"
  freeze_blocks: 0
  freeze_blocks: 1
}
train_config {
  optimizer {
    sgd { lr: 0.1 }
  }
}
`;

test('outline: nested sections, repeated fields numbered, values as detail', () => {
  const symbols = documentSymbols(docOf(proto));
  assert.deepEqual(symbols.map((s) => s.name), ['model_config', 'train_config']);
  assert.deepEqual(symbols[0].children!.map((s) => `${s.name}=${s.detail}`), ['arch="resnet"', 'freeze_blocks [1]=0', 'freeze_blocks [2]=1']);
  assert.equal(symbols[1].children![0].children![0].name, 'sgd');
  assert.deepEqual(symbols[0].range, { start: { line: 2, character: 0 }, end: { line: 6, character: 1 } });
  assert.deepEqual(symbols[0].selectionRange, { start: { line: 2, character: 0 }, end: { line: 2, character: 12 } });
});

test('outline: YAML list items of sections', () => {
  const symbols = documentSymbols(docOf('dataset:\n  num_classes: 2\n  train_data_sources:\n    - image_dir: /a\n    - image_dir: /b\n', '/specs/dino.yaml'));
  const sources = symbols[0].children![1];
  assert.equal(sources.name, 'train_data_sources');
  assert.deepEqual(sources.children!.map((c) => `${c.name}:${c.children![0].name}`), ['[0]:image_dir', '[1]:image_dir']);
  assert.deepEqual(symbols[0].range.end, { line: 4, character: 19 });
});

test('folding: sections (closing brace kept visible) and comment blocks', () => {
  const ranges = foldingRanges(docOf(proto));
  assert.deepEqual(ranges, [
    { startLine: 2, endLine: 5 },
    { startLine: 7, endLine: 10 },
    { startLine: 8, endLine: 9 },
    { startLine: 0, endLine: 1, kind: 'comment' },
  ]);
  const yaml = foldingRanges(docOf('train:\n  optim:\n    lr: 1\n    momentum: 0.9\n  num_epochs: 2\n', '/specs/dino.yaml'));
  assert.deepEqual(yaml, [{ startLine: 0, endLine: 4 }, { startLine: 1, endLine: 3 }]);
});

test('formatting: protobuf text with the editor indentation; YAML and broken documents untouched', () => {
  const doc = docOf('model_config{arch:"resnet"\n n_layers:18}\n');
  assert.deepEqual(formatDocument(doc, { tabSize: 4, insertSpaces: true }), [
    { range: { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } }, newText: 'model_config {\n    arch: "resnet"\n    n_layers: 18\n}\n' },
  ]);
  assert.deepEqual(formatDocument(docOf('model_config {\n  arch: "resnet"\n}\n'), { tabSize: 2, insertSpaces: true }), []);
  assert.deepEqual(formatDocument(docOf('model_config {\n  arch: "resnet"\n'), { tabSize: 2, insertSpaces: true }), []);
  assert.deepEqual(formatDocument(docOf('train:\n    num_epochs: 1\n', '/specs/dino.yaml'), { tabSize: 2, insertSpaces: true }), []);
});

test('formatting edits only the lines that change; range formatting only inside the range', () => {
  const text = 'model_config {\n  arch: "resnet"\n     n_layers: 18\n}\ntrain_config {\n batch_size_per_gpu: 4\n}\n';
  const doc = docOf(text);
  const whole = formatDocument(doc, { tabSize: 2, insertSpaces: true });
  assert.deepEqual(whole, [
    { range: { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } }, newText: '  n_layers: 18\n' },
    { range: { start: { line: 5, character: 0 }, end: { line: 6, character: 0 } }, newText: '  batch_size_per_gpu: 4\n' },
  ]);
  const ranged = formatRange(doc, { start: { line: 5, character: 0 }, end: { line: 5, character: 3 } }, { tabSize: 2, insertSpaces: true });
  assert.deepEqual(ranged, [whole[1]]);
});
