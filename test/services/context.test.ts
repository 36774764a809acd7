import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cursorContext, protoOpenMessages } from '../../server/src/core/services/context';

function ctx(textWithMarker: string, dialect: 'prototext' | 'hydra-yaml') {
  const offset = textWithMarker.indexOf('|');
  return cursorContext(textWithMarker.slice(0, offset) + textWithMarker.slice(offset + 1), offset, dialect);
}

test('YAML: a key being typed without a colon, nested by indentation', () => {
  const c = ctx('train:\n  optim:\n    lr: 1\n  precis|\nmodel: {}\n', 'hydra-yaml')!;
  assert.deepEqual(c.path, ['train']);
  assert.equal(c.kind, 'key');
  assert.equal(c.prefix, 'precis');
  assert.equal(c.keyHasSeparator, false);
});

test('YAML: a blank indented line belongs to the block above it', () => {
  assert.deepEqual(ctx('train:\n  optim:\n    lr: 1\n    |\n', 'hydra-yaml')!.path, ['train', 'optim']);
  assert.deepEqual(ctx('train:\n  optim:\n    lr: 1\n  |\n', 'hydra-yaml')!.path, ['train']);
  assert.deepEqual(ctx('train:\n  optim:\n    lr: 1\n|', 'hydra-yaml')!.path, []);
});

test('YAML: keys inside list items look through the list', () => {
  const text = 'dataset:\n  train_data_sources:\n    - image_dir: /a\n      |\n';
  assert.deepEqual(ctx(text, 'hydra-yaml')!.path, ['dataset', 'train_data_sources']);
  assert.deepEqual(ctx('dataset:\n  train_data_sources:\n    - |\n', 'hydra-yaml')!.path, ['dataset', 'train_data_sources']);
  assert.deepEqual(ctx('dataset:\n  items:\n  - name:\n      sub|\n', 'hydra-yaml')!.path, ['dataset', 'items', 'name']);
});

test('YAML: value positions, quotes, flow lists; none in comments or block scalars', () => {
  const v = ctx('train:\n  precision: fp|\n', 'hydra-yaml')!;
  assert.equal(v.kind, 'value');
  assert.equal(v.key, 'precision');
  assert.equal(v.prefix, 'fp');
  assert.deepEqual(v.path, ['train']);
  const q = ctx('root: "data/tr|"\n', 'hydra-yaml')!;
  assert.equal(q.quote, '"');
  assert.equal(q.prefix, 'data/tr');
  assert.deepEqual(q.replace, { start: 7, end: 14 });
  const l = ctx('steps: [1, 2, |]\n', 'hydra-yaml')!;
  assert.equal(l.inList, true);
  assert.equal(l.prefix, '');
  assert.equal(ctx('# a comment opt|\n', 'hydra-yaml'), undefined);
  assert.equal(ctx('note: >\n  free text|\n', 'hydra-yaml'), undefined);
});

test('protobuf text: nesting from braces, ignoring braces in strings and comments', () => {
  const text = 'a {\n  s: "{ not a block"\n  # } nor this\n  b <\n    c: 1\n  >\n  d {\n    |';
  assert.deepEqual(ctx(text, 'prototext')!.path, ['a', 'd']);
  assert.deepEqual(protoOpenMessages('a: { b { } c {', 14), ['a', 'c']);
});

test('protobuf text: key, value, several fields on a line', () => {
  const k = ctx('train_config {\n  optim|\n}\n', 'prototext')!;
  assert.equal(k.kind, 'key');
  assert.equal(k.prefix, 'optim');
  assert.deepEqual(k.path, ['train_config']);
  const v = ctx('m { method: BIL| }', 'prototext')!;
  assert.equal(v.kind, 'value');
  assert.equal(v.key, 'method');
  assert.equal(v.prefix, 'BIL');
  assert.deepEqual(v.replace, { start: 12, end: 15 });
  const after = ctx('m { a: 1 b|', 'prototext')!;
  assert.equal(after.kind, 'key');
  assert.equal(after.prefix, 'b');
  const renaming = ctx('m {\n  ar|ch: "x"\n}', 'prototext')!;
  assert.equal(renaming.keyHasSeparator, true);
  assert.deepEqual(renaming.replace, { start: 6, end: 10 });
});
