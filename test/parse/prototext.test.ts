import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseProtoText, MAX_DEPTH, MAX_SYNTAX_DIAGNOSTICS } from '../../server/src/core/parse/prototext';
import { parseProtoFloat } from '../../server/src/core/parse/prototext-lexer';
import type { Entry, ListNode, MapNode, ParsedSpec, ScalarNode, Span, SpecNode } from '../../server/src/core/tree';
import { realSpecsOfDialect } from '../support/real-specs';

const repoRoot = resolve(__dirname, '..', '..', '..');
const fixtures = resolve(repoRoot, 'test', 'fixtures', 'prototext');

/** Span of the `nth` occurrence (0-based) of `needle` in `text`. */
function at(text: string, needle: string, nth = 0): Span {
  let s = -1;
  for (let k = 0; k <= nth; k++) {
    s = text.indexOf(needle, s + 1);
    assert.ok(s >= 0, `'${needle}' #${nth} not found`);
  }
  return { start: s, end: s + needle.length };
}

function entry(map: MapNode, key: string, nth = 0): Entry {
  const found = map.entries.filter((e) => e.key === key);
  assert.ok(found.length > nth, `no entry '${key}' #${nth}; have ${map.entries.map((e) => e.key).join(',')}`);
  return found[nth];
}

function scalar(e: Entry): ScalarNode {
  assert.equal(e.value?.kind, 'scalar', `entry ${e.key} is not a scalar`);
  return e.value as ScalarNode;
}

function map(e: Entry): MapNode {
  assert.equal(e.value?.kind, 'map', `entry ${e.key} is not a message`);
  return e.value as MapNode;
}

function list(e: Entry): ListNode {
  assert.equal(e.value?.kind, 'list', `entry ${e.key} is not a list`);
  return e.value as ListNode;
}

function clean(text: string): ParsedSpec {
  const parsed = parseProtoText(text);
  assert.deepEqual(parsed.diagnostics, [], `unexpected diagnostics for ${JSON.stringify(text)}`);
  assert.equal(parsed.dialect, 'prototext');
  return parsed;
}

function messages(parsed: ParsedSpec): string[] {
  return parsed.diagnostics.map((d) => d.message);
}

/** Every diagnostic is a syntax error with a span inside the text. */
function assertWellFormed(parsed: ParsedSpec): void {
  for (const d of parsed.diagnostics) {
    assert.equal(d.code, 'syntax');
    assert.equal(d.severity, 'error');
    assert.ok(d.span.start >= 0 && d.span.start <= d.span.end && d.span.end <= parsed.text.length, JSON.stringify(d));
  }
  assert.equal(parsed.root.kind, 'map');
}

// ---- accepted syntax, with exact spans ----

test('scalar field: key, value and entry spans', () => {
  const text = 'lr: 0.5\nname : "x"';
  const p = clean(text);
  const lr = entry(p.root, 'lr');
  assert.deepEqual(lr.keySpan, at(text, 'lr'));
  assert.deepEqual(lr.value?.span, at(text, '0.5'));
  assert.deepEqual(lr.span, { start: 0, end: 7 });
  assert.deepEqual(scalar(lr), { kind: 'scalar', span: at(text, '0.5'), raw: '0.5', value: 0.5, form: 'float', quoted: false });
  const name = entry(p.root, 'name');
  assert.deepEqual(name.keySpan, at(text, 'name'));
  assert.deepEqual(name.span, { start: at(text, 'name').start, end: text.length });
  assert.deepEqual(p.root.span, { start: 0, end: text.length });
});

test('messages: `name {}`, `name: {}` and `name <>`, spans through the closing bracket', () => {
  for (const [text, open, close] of [
    ['m { a: 1 }', '{', '}'],
    ['m: { a: 1 }', '{', '}'],
    ['m < a: 1 >', '<', '>'],
    ['m: <a: 1>', '<', '>'],
  ]) {
    const p = clean(text);
    const m = entry(p.root, 'm');
    const body = map(m);
    assert.deepEqual(body.span, { start: at(text, open).start, end: at(text, close).end }, text);
    assert.deepEqual(m.span, { start: 0, end: text.length }, text);
    assert.equal(scalar(entry(body, 'a')).value, 1);
    assert.deepEqual(entry(body, 'a').keySpan, at(text, 'a'));
  }
});

test('nested messages and repeated fields keep source order', () => {
  const text = 'outer {\n  inner { x: 1 }\n  y: 2\n  y: 3\n}\nouter { }';
  const p = clean(text);
  assert.deepEqual(p.root.entries.map((e) => e.key), ['outer', 'outer']);
  const first = map(entry(p.root, 'outer'));
  assert.deepEqual(first.entries.map((e) => e.key), ['inner', 'y', 'y']);
  assert.deepEqual(entry(first, 'y', 1).value?.span, at(text, '3'));
  assert.deepEqual(map(entry(first, 'inner')).span, { start: at(text, '{', 1).start, end: at(text, '}').end });
  assert.equal(map(entry(p.root, 'outer', 1)).entries.length, 0);
});

test('list syntax for values and messages', () => {
  const text = 'a: [1, 2.5, x]\nb: [{k: 1}, <k: 2>]\nc [ {k: 3} ]\nd: []\ne: ["s" "t", "u"]';
  const p = clean(text);
  const a = list(entry(p.root, 'a'));
  assert.deepEqual(a.span, at(text, '[1, 2.5, x]'));
  assert.deepEqual(entry(p.root, 'a').span, at(text, 'a: [1, 2.5, x]'));
  assert.deepEqual(a.items.map((i) => (i as ScalarNode).value), [1, 2.5, 'x']);
  assert.deepEqual(a.items.map((i) => i.span), [at(text, '1'), at(text, '2.5'), at(text, 'x')]);
  const b = list(entry(p.root, 'b'));
  assert.deepEqual(b.items.map((i) => i.kind), ['map', 'map']);
  assert.deepEqual(b.items[1].span, at(text, '<k: 2>'));
  assert.equal(scalar(entry(b.items[1] as MapNode, 'k')).value, 2);
  const c = list(entry(p.root, 'c'));
  assert.deepEqual(c.span, at(text, '[ {k: 3} ]'));
  assert.equal(list(entry(p.root, 'd')).items.length, 0);
  const e = list(entry(p.root, 'e'));
  assert.deepEqual(e.items.map((i) => (i as ScalarNode).value), ['st', 'u']);
  assert.deepEqual(e.items[0].span, at(text, '"s" "t"'));
});

test('comments: all collected, text after #, none inside strings', () => {
  const text = '# top\na: "x # not a comment" # trailing\r\nb {  # in block\n}\n#\n';
  const p = clean(text);
  assert.deepEqual(
    p.comments.map((c) => c.text),
    [' top', ' trailing', ' in block', ''],
  );
  assert.deepEqual(p.comments[0].span, at(text, '# top'));
  // The CR of a CRLF line break is not part of the comment.
  assert.deepEqual(p.comments[1].span, at(text, '# trailing'));
  assert.equal(scalar(entry(p.root, 'a')).value, 'x # not a comment');
});

test('fields may be separated by `,` or `;`', () => {
  const text = 'a: 1, b: 2; c { d: 3; e: 4, }; f: 5';
  const p = clean(text);
  assert.deepEqual(p.root.entries.map((e) => e.key), ['a', 'b', 'c', 'f']);
  assert.deepEqual(map(entry(p.root, 'c')).entries.map((e) => e.key), ['d', 'e']);
  assert.deepEqual(entry(p.root, 'a').span, at(text, 'a: 1'));
});

test('strings: both quotes, C escapes, UTF-8 bytes, adjacent literals concatenated', () => {
  const cases: Array<[string, string]> = [
    ['"plain"', 'plain'],
    ["'single'", 'single'],
    ['"a\\nb\\tc"', 'a\nb\tc'],
    ['"back\\\\slash"', 'back\\slash'],
    ['"q\\"d\\\'s"', 'q"d\'s'],
    ["'it\\'s'", "it's"],
    ['"\\x41\\x4a"', 'AJ'],
    ['"\\101\\60"', 'A0'],
    ['"\\u0041\\U00000042"', 'AB'],
    ['"\\xc3\\xa9"', 'é'],
    ['"\\a\\b\\f\\v\\r"', '\x07\b\f\v\r'],
    ['"unknown \\q \\? \\X41 kept"', 'unknown \\q \\? \\X41 kept'],
    ['"é 😀"', 'é 😀'],
    ['""', ''],
  ];
  for (const [literal, value] of cases) {
    const text = `s: ${literal}`;
    const s = scalar(entry(clean(text).root, 's'));
    assert.equal(s.value, value, literal);
    assert.equal(s.form, 'string');
    assert.equal(s.quoted, true);
    assert.equal(s.raw, literal);
    assert.deepEqual(s.span, { start: 3, end: text.length });
  }
  const text = "s: \"one\" 'two'\n   # between\n   \"three\"\nnext: 1";
  const p = clean(text);
  const s = scalar(entry(p.root, 's'));
  assert.equal(s.value, 'onetwothree');
  assert.deepEqual(s.span, { start: at(text, '"one"').start, end: at(text, '"three"').end });
  assert.equal(s.raw, text.slice(s.span.start, s.span.end));
  assert.equal(p.comments.length, 1);
  assert.deepEqual(entry(p.root, 's').span, { start: 0, end: at(text, '"three"').end });
  // Bytes of adjacent literals are joined before UTF-8 decoding, as protobuf joins them.
  assert.equal(scalar(entry(clean('s: "\\xc3" "\\xa9"').root, 's')).value, 'é');
});

test('escapes TAO reads differently from C: warnings, and the value TAO really gets', () => {
  // Python unescapes through unicode_escape/raw_unicode_escape: a code point of 256 or more
  // comes back as the literal text `\uXXXX`.
  const text = 's: "\\u4e2d \\U0001F600 \\777"';
  const p = parseProtoText(text);
  assert.equal(scalar(entry(p.root, 's')).value, '\\u4e2d \\U0001f600 \\u01ff');
  assert.deepEqual(
    p.diagnostics.map((d) => [d.severity, d.code, text.slice(d.span.start, d.span.end)]),
    [
      ['warning', 'string-escape', '\\u4e2d'],
      ['warning', 'string-escape', '\\U0001F600'],
      ['warning', 'string-escape', '\\777'],
    ],
  );
  assert.match(p.diagnostics[0].message, /Write '中' itself/);
  // A lone high byte is not UTF-8: TAO refuses the string.
  const bad = 's: "caf\\xe9" "!"';
  const q = parseProtoText(bad);
  assert.equal(q.diagnostics.length, 1);
  assert.equal(q.diagnostics[0].severity, 'error');
  assert.deepEqual(q.diagnostics[0].span, at(bad, '"caf\\xe9" "!"'));
  assert.match(q.diagnostics[0].message, /not valid UTF-8/);
  assert.equal(parseProtoText('s: "\\u00e9"').diagnostics[0].severity, 'error');
});

test('numbers: the integer and float spellings protobuf reads', () => {
  const cases: Array<[string, 'int' | 'float', number]> = [
    ['42', 'int', 42],
    ['0', 'int', 0],
    ['-12', 'int', -12],
    ['+3', 'int', 3],
    ['0x1F', 'int', 31],
    ['-0x10', 'int', -16],
    ['0755', 'int', 493],
    ['-017', 'int', -15],
    ['0o17', 'int', 15],
    ['0b101', 'int', 5],
    ['1_000', 'int', 1000],
    ['1.5', 'float', 1.5],
    ['-0.25', 'float', -0.25],
    ['.5', 'float', 0.5],
    ['5.', 'float', 5],
    ['1e5', 'float', 100000],
    ['5e-6', 'float', 5e-6],
    ['5.0E-4', 'float', 5e-4],
    ['2.5f', 'float', 2.5],
    ['1ff', 'float', 1],
    ['INFf', 'float', Infinity],
    ['1e-3f', 'float', 1e-3],
    ['08', 'float', 8],
    ['inf', 'float', Infinity],
    ['-inf', 'float', -Infinity],
    ['INF', 'float', Infinity],
    ['infinity', 'float', Infinity],
    ['-Infinity', 'float', -Infinity],
    ['inff', 'float', Infinity],
    ['nan', 'float', NaN],
    ['NaN', 'float', NaN],
  ];
  for (const [raw, form, value] of cases) {
    const text = `n: ${raw}`;
    const s = scalar(entry(clean(text).root, 'n'));
    assert.equal(s.form, form, raw);
    assert.ok(Object.is(s.value, value), `${raw}: ${String(s.value)} != ${value}`);
    assert.equal(s.raw, raw);
    assert.equal(s.quoted, false);
    assert.deepEqual(s.span, { start: 3, end: text.length });
  }
});

test('bare words are identifiers; the schema decides bool or enum', () => {
  for (const word of ['true', 'True', 't', 'false', 'False', 'f', 'BILINEAR', 'SGD', 'some_enum-2']) {
    const s = scalar(entry(clean(`v: ${word}`).root, 'v'));
    assert.deepEqual(
      { form: s.form, value: s.value, raw: s.raw, quoted: s.quoted },
      { form: 'identifier', value: word, raw: word, quoted: false },
    );
  }
});

test('extension and Any keys in brackets', () => {
  const text = '[my.ext.field]: 3\n[ type.googleapis.com/pkg.Msg ] { x: 1 }';
  const p = clean(text);
  assert.deepEqual(p.root.entries.map((e) => e.key), ['[my.ext.field]', '[type.googleapis.com/pkg.Msg]']);
  assert.deepEqual(p.root.entries[0].keySpan, at(text, '[my.ext.field]'));
  assert.deepEqual(p.root.entries[1].keySpan, at(text, '[ type.googleapis.com/pkg.Msg ]'));
  assert.equal(scalar(entry(map(p.root.entries[1]), 'x')).value, 1);
});

test('offsets are UTF-16 code units; a leading BOM is ignored', () => {
  const text = '\ufeffa: "😀é" # ü😀\nb: 1';
  const p = clean(text);
  assert.deepEqual(entry(p.root, 'a').keySpan, { start: 1, end: 2 });
  assert.deepEqual(entry(p.root, 'b').keySpan, at(text, 'b'));
  assert.deepEqual(scalar(entry(p.root, 'b')).span, { start: text.length - 1, end: text.length });
  assert.equal(p.comments[0].text, ' ü😀');
});

test('empty, blank and comment-only documents give an empty root', () => {
  for (const text of ['', '   \n\t\n', '# only a comment', '\r\n# a\r\n# b\r\n']) {
    const p = clean(text);
    assert.deepEqual(p.root, { kind: 'map', span: { start: 0, end: text.length }, entries: [] });
  }
});

test('fixture with every feature parses cleanly', () => {
  const text = readFileSync(resolve(fixtures, 'features.pbtxt'), 'utf8');
  const p = clean(text);
  assert.deepEqual(p.root.entries.map((e) => e.key), [
    'random_seed', 'model_config', 'training_config', 'image_extension', 'note', 'mask', 'perm', 'neg', 'limit',
    'scale', 'missing', 'img_dir_names', 'num_shards', 'empty_list', 'target_class_mapping', '[my.ext.field]',
    '[type.googleapis.com/pkg.Msg]',
  ]);
  assert.equal(scalar(entry(p.root, 'note')).value, "tab\there and 'more'quote \"x\"");
  const lr = map(entry(map(entry(p.root, 'training_config')), 'learning_rate'));
  assert.equal(scalar(entry(map(entry(lr, 'soft_start_annealing_schedule')), 'max_learning_rate')).value, 5e-4);
});

// ---- agreement with Python protobuf ----

interface MergeCase {
  /** `i` (int64), `f` (double), `s` (string), or null for a whole document. */
  field: 'i' | 'f' | 's' | null;
  text: string;
  ok: boolean;
  value?: number | string;
}

test('agrees with Python protobuf text_format.Merge on recorded cases', () => {
  // Recorded by running each text through protobuf 4.21 `text_format.Merge` into a message
  // with fields i: int64, f: double, s: string, b: bool, e: enum, m: message, and repeated
  // ri/rs/rf/rm. Documents use every field with its right kind, so only syntax decides.
  const cases = JSON.parse(readFileSync(resolve(fixtures, 'python-merge-cases.json'), 'utf8')) as MergeCase[];
  assert.ok(cases.length > 400);
  const wrong: string[] = [];
  for (const c of cases) {
    const p = parseProtoText(c.text);
    let ok = p.diagnostics.every((d) => d.severity !== 'error');
    let value: unknown;
    const v = p.root.entries[0]?.value;
    if (ok && c.field !== null) {
      if (v?.kind !== 'scalar') ok = false;
      else if (c.field === 'i') ok = v.form === 'int';
      else if (c.field === 's') ok = v.form === 'string';
      else ok = !v.quoted && parseProtoFloat(v.raw) !== undefined;
      if (ok && v?.kind === 'scalar') value = c.field === 'f' ? parseProtoFloat(v.raw) : v.value;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) value = Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    if (ok !== c.ok || (ok && c.field !== null && value !== c.value)) {
      wrong.push(`${JSON.stringify(c.text)}: protobuf ${c.ok ? JSON.stringify(c.value ?? 'ok') : 'refuses'}, we ${ok ? JSON.stringify(value ?? 'ok') : 'refuse'}`);
    }
  }
  assert.deepEqual(wrong, []);
});

// ---- errors and recovery ----

test('missing colon before a value', () => {
  const text = 'lr 0.1\nb: 2';
  const p = parseProtoText(text);
  assertWellFormed(p);
  assert.equal(p.diagnostics.length, 1);
  assert.deepEqual(p.diagnostics[0].span, at(text, '0.1'));
  assert.match(p.diagnostics[0].message, /Expected ':' after field name 'lr'/);
  assert.equal(scalar(entry(p.root, 'lr')).value, 0.1);
  assert.equal(scalar(entry(p.root, 'b')).value, 2);
});

test('a word alone on its line: expected `:` or `{`', () => {
  const text = 'model\nb: 2';
  const p = parseProtoText(text);
  assert.deepEqual(messages(p), ["Expected ':' or '{' after field name 'model'"]);
  assert.deepEqual(p.diagnostics[0].span, at(text, 'model'));
  assert.equal(entry(p.root, 'model').value, undefined);
  assert.equal(scalar(entry(p.root, 'b')).value, 2);
});

test('missing value: the next field is not taken as the value', () => {
  const text = 'a {\n  lr:\n  b: 2\n  c:\n}\nd: 1, e:';
  const p = parseProtoText(text);
  assertWellFormed(p);
  assert.deepEqual(messages(p), [
    "Missing value for field 'lr'; write a value after ':'",
    "Missing value for field 'c'; write a value after ':'",
    "Missing value for field 'e'; write a value after ':'",
  ]);
  assert.deepEqual(p.diagnostics[0].span, at(text, 'lr:'));
  assert.deepEqual(p.diagnostics[1].span, at(text, 'c:'));
  assert.deepEqual(p.diagnostics[2].span, at(text, 'e:'));
  const a = map(entry(p.root, 'a'));
  assert.equal(entry(a, 'lr').value, undefined);
  assert.deepEqual(entry(a, 'lr').span, at(text, 'lr:'));
  assert.equal(scalar(entry(a, 'b')).value, 2);
  assert.deepEqual(p.root.entries.map((e) => e.key), ['a', 'd', 'e']);
});

test('a value on the same line that is not a value is pointed at', () => {
  const text = 'a: }';
  const p = parseProtoText(text);
  assert.equal(p.diagnostics[0].message, "Missing value for field 'a'; write a value after ':'");
  assert.deepEqual(p.diagnostics[0].span, at(text, '}'));
});

test('unclosed brace: reported at the brace, inner fields kept', () => {
  const text = 'a: 1\nmodel {\n  arch: "resnet"\n  inner <\n    x: 1\n';
  const p = parseProtoText(text);
  assertWellFormed(p);
  assert.deepEqual(messages(p), ["Unclosed '<' opened at line 4; add '>'", "Unclosed '{' opened at line 2; add '}'"]);
  assert.deepEqual(p.diagnostics[1].span, at(text, '{'));
  assert.deepEqual(p.diagnostics[0].span, at(text, '<'));
  const model = map(entry(p.root, 'model'));
  assert.equal(scalar(entry(model, 'arch')).value, 'resnet');
  assert.equal(scalar(entry(map(entry(model, 'inner')), 'x')).value, 1);
  assert.equal(model.span.end, text.length);
  assert.equal(entry(p.root, 'model').span.end, text.length);
});

test('unclosed brace: indentation points at the inner block that lost its `}`', () => {
  const text = 'a {\n  b {\n    c: 1\n  d: 2\n}\ne: 3\n';
  const p = parseProtoText(text);
  assert.deepEqual(messages(p), [
    "Unclosed '{' opened at line 1; add '}'",
    "This '}' closes the '{' of line 2 but is indented like an outer block: the block of line 2 is probably missing its '}'; add it before this line",
  ]);
  assert.deepEqual(p.diagnostics[1].span, at(text, '}'));
  // Braces still pair by count, as protobuf pairs them.
  assert.deepEqual(map(entry(map(entry(p.root, 'a')), 'b')).entries.map((e) => e.key), ['c', 'd']);
  // Badly indented but balanced files get no hint.
  assert.deepEqual(parseProtoText('a {\n    b {\n  c: 1\n}\n}\n').diagnostics, []);
});

test('unbalanced closing brace is reported and skipped', () => {
  const text = 'a { b: 1 }\n}\nc: 2';
  const p = parseProtoText(text);
  assert.deepEqual(messages(p), ["Unexpected '}': no '{' is open here; remove it"]);
  assert.deepEqual(p.diagnostics[0].span, at(text, '}', 1));
  assert.deepEqual(p.root.entries.map((e) => e.key), ['a', 'c']);
});

test('mismatched closing bracket', () => {
  const text = 'a < b: 1 }\nc: 2';
  const p = parseProtoText(text);
  assert.deepEqual(messages(p), ["Expected '>' to close '<' opened at line 1, found '}'"]);
  assert.deepEqual(p.root.entries.map((e) => e.key), ['a', 'c']);
  const q = parseProtoText('a { b: 1 >\n}');
  assert.equal(q.diagnostics.length, 1);
  assert.match(q.diagnostics[0].message, /Expected a field name, found '>'/);
});

test('unterminated string: reported, the next line still parsed', () => {
  const text = 'a: "abc\nb: \'x\\\nc: 3';
  const p = parseProtoText(text);
  assertWellFormed(p);
  assert.deepEqual(messages(p), [
    'Unterminated string; add the closing " on this line',
    "Unterminated string; add the closing ' on this line",
  ]);
  assert.deepEqual(p.diagnostics[0].span, at(text, '"abc'));
  assert.equal(scalar(entry(p.root, 'a')).value, 'abc');
  assert.equal(scalar(entry(p.root, 'c')).value, 3);
  // Lines end at \n only (as in Python): a lone \r is part of a string; a CRLF's \r is not.
  const crlf = 'a: "x\ry"\r\nb: "open\r\nc: 1';
  const q = parseProtoText(crlf);
  assert.equal(scalar(entry(q.root, 'a')).value, 'x\ry');
  assert.deepEqual(q.diagnostics.map((d) => d.span), [at(crlf, '"open')]);
  assert.equal(scalar(entry(q.root, 'c')).value, 1);
});

test('bad escapes are reported at the escape', () => {
  const text = 's: "a\\xZ \\u12"';
  const p = parseProtoText(text);
  assert.equal(p.diagnostics.length, 2);
  assert.deepEqual(p.diagnostics[0].span, at(text, '\\x'));
  assert.deepEqual(p.diagnostics[1].span, at(text, '\\u12'));
  assert.match(p.diagnostics[1].message, /exactly 4 hex digits/);
});

test('invalid numbers', () => {
  for (const raw of ['10abc', '1.5.5', '0x', '1e', '-', '0xZZ', '1__0', '0x1.8', '1F', '2.5F']) {
    const text = `n: ${raw}\nnext: 1`;
    const p = parseProtoText(text);
    assert.equal(p.diagnostics.length, 1, raw);
    assert.deepEqual(p.diagnostics[0].span, at(text, raw), raw);
    assert.match(p.diagnostics[0].message, /^Invalid number/);
    assert.equal(scalar(entry(p.root, 'next')).value, 1);
  }
});

test('one broken field does not hide the rest of the document', () => {
  const text = 'a: 1\nb = 3\n@@ junk 12 "x" {nested: junk}\nc { d: 2 }\n55: 1\ne: 4';
  const p = parseProtoText(text);
  assertWellFormed(p);
  assert.deepEqual(p.root.entries.map((e) => e.key), ['a', 'b', 'c', 'e']);
  assert.equal(scalar(entry(map(entry(p.root, 'c')), 'd')).value, 2);
  assert.equal(scalar(entry(p.root, 'e')).value, 4);
  assert.deepEqual(messages(p), [
    "Expected ':' or '{' after field name 'b'",
    "Expected a field name, found '55'",
  ]);
  assert.deepEqual(p.diagnostics[0].span, at(text, '='));
});

test('list errors: missing `]`, trailing comma, missing comma, mixed items, colon-less values', () => {
  const text = 'a: [1, 2\nb: 3\nc: [1,]\nd: [1 2]\ne: [{x: 1}, 2]\nf [1, 2]\ng: [1, =]';
  const p = parseProtoText(text);
  assertWellFormed(p);
  assert.deepEqual(messages(p), [
    "Expected ',' or ']' in the list ('[' opened at line 1); add ']'",
    "Expected a list item after ','; remove the trailing ','",
    "Expected ',' between list items",
    'List mixes messages and plain values; a field holds either messages or values',
    "Expected ':' before '[': a list of values is written 'f: [...]'",
    "Unexpected '=' in a list",
  ]);
  assert.deepEqual(p.diagnostics[0].span, at(text, 'b'));
  assert.deepEqual(p.root.entries.map((e) => e.key), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  assert.deepEqual(list(entry(p.root, 'a')).items.map((i) => (i as ScalarNode).value), [1, 2]);
  assert.equal(list(entry(p.root, 'a')).span.end, at(text, '2').end);
  const q = parseProtoText('a: [ { x: 1 ]\nb: 2');
  assert.deepEqual(messages(q), ["Missing '}' for '{' opened at line 1; add it before ']'"]);
  assert.deepEqual(q.root.entries.map((e) => e.key), ['a', 'b']);
  const r = parseProtoText('a: [1, 2');
  assert.deepEqual(messages(r), ["Unclosed '[' opened at line 1; add ']'"]);
});

test('stray separators are reported', () => {
  const p = parseProtoText('a: 1,, b: 2;\n; c: 3');
  assert.deepEqual(messages(p), [
    "Unexpected ',': a separator may only follow a field; remove it",
    "Unexpected ';': a separator may only follow a field; remove it",
  ]);
  assert.deepEqual(p.root.entries.map((e) => e.key), ['a', 'b', 'c']);
});

test('malformed extension names', () => {
  const p = parseProtoText('[foo.bar: 1\nb: 2\n[]: 3\nc: 4');
  assert.equal(p.diagnostics.length, 2);
  assert.match(p.diagnostics[0].message, /Expected '\]' to close the extension name '\[foo.bar'/);
  assert.match(p.diagnostics[1].message, /Expected an extension name/);
  assert.deepEqual(p.root.entries.map((e) => e.key), ['b', 'c']);
});

// ---- hostile input: never throw, never overflow ----

function seededBytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let k = 0; k < n; k++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    b[k] = x >>> 24;
  }
  return b;
}

test('hostile inputs never throw and give well-formed results', () => {
  const inputs = [
    seededBytes(1 << 20, 1).toString('latin1'),
    seededBytes(1 << 18, 2).toString('utf8'),
    '{'.repeat(100_000),
    '}'.repeat(100_000),
    '<'.repeat(100_000),
    '['.repeat(100_000),
    'a: ['.repeat(50_000),
    'a: [{'.repeat(50_000),
    '"'.repeat(100_001),
    '\\'.repeat(10_000),
    'a: "' + 'x'.repeat(1 << 20),
    '#' + 'x'.repeat(1 << 20),
    ':{}[]<>,;./'.repeat(10_000),
    '\u0000\ud800\udfff\ufffe'.repeat(1000),
    'a'.repeat(1 << 20),
    '1'.repeat(1 << 20),
  ];
  for (const text of inputs) {
    const p = parseProtoText(text);
    assertWellFormed(p);
    assert.ok(p.diagnostics.length <= MAX_SYNTAX_DIAGNOSTICS + 1);
  }
});

test('a 1 MB single line of fields parses completely', () => {
  const text = 'a: 1 b { c: "x" } '.repeat(60_000);
  assert.ok(text.length > 1_000_000);
  const p = clean(text);
  assert.equal(p.root.entries.length, 120_000);
});

test('100,000 nested braces: depth limit diagnostic, no stack overflow', () => {
  const n = 100_000;
  const closed = 'a {'.repeat(n) + '}'.repeat(n) + '\nafter: 1';
  const p = parseProtoText(closed);
  assertWellFormed(p);
  assert.equal(p.diagnostics.length, 1);
  assert.match(p.diagnostics[0].message, new RegExp(`Nesting deeper than ${MAX_DEPTH} levels`));
  assert.equal(p.diagnostics[0].span.start, 3 * MAX_DEPTH + 2);
  assert.equal(scalar(entry(p.root, 'after')).value, 1);
  let depth = 0;
  let node: MapNode = p.root;
  while (node.entries.length > 0 && node.entries[0].value?.kind === 'map') {
    node = node.entries[0].value;
    depth++;
  }
  // MAX_DEPTH blocks are built; the next one is kept as an empty block whose contents were skipped.
  assert.equal(depth, MAX_DEPTH + 1);
  assert.equal(node.entries.length, 0);
  const open = parseProtoText('a {'.repeat(n));
  assertWellFormed(open);
  assert.ok(open.diagnostics.length >= 2);
  const angles = parseProtoText('a <'.repeat(n) + '>'.repeat(n));
  assert.equal(angles.diagnostics.length, 1);
});

test('a flood of errors is capped', () => {
  const p = parseProtoText('a b\n'.repeat(1000));
  assert.equal(p.diagnostics.length, MAX_SYNTAX_DIAGNOSTICS + 1);
  assert.match(p.diagnostics[MAX_SYNTAX_DIAGNOSTICS].message, /Too many syntax errors/);
});

// ---- the real corpus ----

function realSpecs(): string[] {
  return realSpecsOfDialect('protobuf-text');
}

test('all real protobuf-text specs parse with zero diagnostics', () => {
  const files = realSpecs();
  assert.equal(files.length, 214);
  for (const file of files) {
    assert.ok(existsSync(file), file);
    const p = parseProtoText(readFileSync(file, 'utf8'));
    assert.deepEqual(p.diagnostics, [], file);
    assert.ok(p.root.entries.length > 0, file);
  }
});

// ---- mutated real specs: structural invariants hold on any input ----

/** Children lie inside their parents, in source order; entry spans run from key to value. */
function assertSpansNested(node: SpecNode, lo: number, hi: number, text: string): void {
  assert.ok(node.span.start >= lo && node.span.end <= hi && node.span.start <= node.span.end, JSON.stringify(node.span));
  if (node.kind === 'scalar') {
    assert.equal(node.raw, text.slice(node.span.start, node.span.end));
  } else if (node.kind === 'list') {
    let prev = node.span.start;
    for (const item of node.items) {
      assert.ok(item.span.start >= prev);
      assertSpansNested(item, node.span.start, node.span.end, text);
      prev = item.span.end;
    }
  } else {
    let prev = node.span.start;
    for (const e of node.entries) {
      assert.ok(e.keySpan.start >= prev && e.span.start === e.keySpan.start && e.keySpan.end <= e.span.end);
      assert.ok(e.span.end <= node.span.end);
      if (e.value) {
        assert.equal(e.value.span.end, e.span.end);
        assertSpansNested(e.value, e.keySpan.end, e.span.end, text);
      }
      prev = e.span.end;
    }
  }
}

test('mutated real specs: never throw, spans always nested and exact', () => {
  const sources = realSpecs().slice(0, 40).map((f) => readFileSync(f, 'utf8'));
  const pieces = ['{', '}', '<', '>', '[', ']', ':', ',', ';', '"', "'", '#', '\n', 'a', '1', '-', '.', '\\', 'x: [', '{a:1}'];
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  for (let it = 0; it < 400; it++) {
    let text = sources[rnd(sources.length)];
    for (let m = 1 + rnd(4); m > 0; m--) {
      const p = rnd(text.length + 1);
      const op = rnd(3);
      if (op === 0) text = text.slice(0, p) + pieces[rnd(pieces.length)] + text.slice(p);
      else if (op === 1) text = text.slice(0, p) + text.slice(p + 1 + rnd(20));
      else {
        const q = rnd(text.length + 1);
        text = text.slice(0, p) + text.slice(q, q + rnd(40)) + text.slice(p);
      }
    }
    const p = parseProtoText(text);
    assertWellFormed(p);
    assertSpansNested(p.root, 0, text.length, text);
  }
});
