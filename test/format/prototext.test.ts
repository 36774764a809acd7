import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatProtoText } from '../../server/src/core/format/prototext';
import { parseProtoText } from '../../server/src/core/parse/prototext';
import type { SpecNode } from '../../server/src/core/tree';
import { realSpecsOfDialect } from '../support/real-specs';

const repoRoot = resolve(__dirname, '..', '..', '..');
const fixtures = resolve(repoRoot, 'test', 'fixtures', 'prototext');

/** The tree without positions: keys, kinds, forms and values (raw text for non-strings). */
function shape(node: SpecNode | undefined): unknown {
  if (node === undefined) return null;
  if (node.kind === 'map') return { map: node.entries.map((e) => [e.key, shape(e.value)]) };
  if (node.kind === 'list') return { list: node.items.map(shape) };
  const value = typeof node.value === 'number' && Number.isNaN(node.value) ? 'NaN' : node.value;
  return [node.form, value, node.form === 'string' ? '' : node.raw];
}

/** Formatting is idempotent, keeps the tree, and keeps every comment in order. */
function assertSafeFormat(text: string, label: string): string {
  const before = parseProtoText(text);
  assert.deepEqual(before.diagnostics, [], label);
  const once = formatProtoText(text);
  const after = parseProtoText(once);
  assert.deepEqual(after.diagnostics, [], `${label}: formatted text has errors`);
  assert.deepEqual(shape(after.root), shape(before.root), `${label}: tree changed`);
  assert.deepEqual(
    after.comments.map((c) => c.text),
    before.comments.map((c) => c.text.trimEnd()),
    `${label}: comments changed`,
  );
  assert.equal(formatProtoText(once), once, `${label}: not idempotent`);
  return once;
}

function fixture(name: string): string {
  return readFileSync(resolve(fixtures, name), 'utf8');
}

test('golden layouts of the fixtures', () => {
  for (const [input, expected] of [
    ['messy.prototext', 'messy.formatted.prototext'],
    ['comments.txt', 'comments.formatted.txt'],
    ['tricky.pbtxt', 'tricky.formatted.pbtxt'],
  ]) {
    assert.equal(formatProtoText(fixture(input)), fixture(expected), input);
  }
});

test('idempotent and tree-preserving over every fixture', () => {
  const names = readdirSync(fixtures).filter((n) => /\.(txt|pbtxt|prototext)$/.test(n));
  assert.ok(names.length >= 7);
  for (const name of names) assertSafeFormat(fixture(name), name);
});

test('canonical forms: `name: {`, `<>`, separators, spacing around `:`', () => {
  assert.equal(formatProtoText('a: { b:1; c :2, }'), 'a {\n  b: 1\n  c: 2\n}\n');
  assert.equal(formatProtoText('a < b < c: "x" > >'), 'a {\n  b {\n    c: "x"\n  }\n}\n');
  assert.equal(formatProtoText('a:1 b:2'), 'a: 1\nb: 2\n');
  assert.equal(formatProtoText('l : [ 1 ,2,  3 ]'), 'l: [1, 2, 3]\n');
  assert.equal(formatProtoText('l [ ]'), 'l: []\n');
  assert.equal(formatProtoText('[ my.ext ] : 1'), '[my.ext]: 1\n');
  assert.equal(formatProtoText('e {}'), 'e {}\n');
  assert.equal(formatProtoText('s: "a"   \'b\''), 's: "a" \'b\'\n');
});

test('indent option', () => {
  assert.equal(formatProtoText('a { b { c: 1 } }', { indent: 4 }), 'a {\n    b {\n        c: 1\n    }\n}\n');
  assert.equal(formatProtoText('a { b: 1 }', { indent: 0 }), 'a {\nb: 1\n}\n');
});

test('blank lines: runs collapse to one, none at a block edge or at the top', () => {
  const text = '\n\n\na: 1\n\n\n\nb {\n\n  c: 1\n\n\n  d: 2\n\n}\ne: 3\n';
  assert.equal(formatProtoText(text), 'a: 1\n\nb {\n  c: 1\n\n  d: 2\n}\ne: 3\n');
});

test('comments: own-line at the block indent, trailing after their field', () => {
  const text = '   # top\na {\n        # inside\n  b: 1      # after b   \n# before close\n}  # after close\n';
  assert.equal(formatProtoText(text), '# top\na {\n  # inside\n  b: 1 # after b\n  # before close\n} # after close\n');
});

test('CRLF line breaks are kept', () => {
  assert.equal(formatProtoText('a {\r\n b: 1 # c\r\n}\r\n'), 'a {\r\n  b: 1 # c\r\n}\r\n');
});

test('empty and comment-only documents', () => {
  assert.equal(formatProtoText(''), '');
  assert.equal(formatProtoText('  \n\n'), '');
  assert.equal(formatProtoText('# just this'), '# just this\n');
});

test('a document with syntax errors is returned unchanged', () => {
  for (const text of [
    'a {\n  b: 1\n',
    'a: 1\n}\n',
    'lr 0.1',
    'lr:\nb: 2',
    's: "unterminated\n',
    'l: [1, 2',
    '\u0000\u0001garbage',
    'a {'.repeat(2000),
  ]) {
    assert.equal(formatProtoText(text), text);
  }
});

// ---- the real corpus ----

function realSpecs(): string[] {
  return realSpecsOfDialect('protobuf-text').filter((f) => /\.(txt|prototxt|prototext|pbtxt)$/.test(f));
}

test('idempotent and tree-preserving over every real protobuf-text spec', () => {
  const files = realSpecs();
  assert.equal(files.length, 214);
  let changed = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (assertSafeFormat(text, file) !== text) changed++;
  }
  // The corpus is not all canonical already, so the formatter must really have worked.
  assert.ok(changed > 0);
});

test('mutated real specs: valid results format safely, broken ones stay unchanged', () => {
  const sources = realSpecs().slice(0, 40).map((f) => readFileSync(f, 'utf8'));
  const pieces = ['{', '}', '<', '>', '[', ']', ':', ',', ';', '"', '#', '\n', ' ', 'a', '1', '"s" ', '# c\n', '\r\n', 'x: [1]', 'b {}'];
  let seed = 11;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  let valid = 0;
  for (let it = 0; it < 300; it++) {
    let text = sources[rnd(sources.length)];
    for (let m = 1 + rnd(3); m > 0; m--) {
      const p = rnd(text.length + 1);
      if (rnd(2) === 0) text = text.slice(0, p) + pieces[rnd(pieces.length)] + text.slice(p);
      else text = text.slice(0, p) + text.slice(p + 1 + rnd(20));
    }
    if (parseProtoText(text).diagnostics.length === 0) {
      assertSafeFormat(text, `mutant ${it}`);
      valid++;
    } else {
      assert.equal(formatProtoText(text), text);
    }
  }
  assert.ok(valid > 50);
});
