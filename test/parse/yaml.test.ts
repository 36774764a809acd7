import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlSpec } from '../../server/src/core/parse/yaml';
import { resolvePlainScalar } from '../../server/src/core/parse/yaml-scalars';
import type { ScalarNode } from '../../server/src/core/tree';

test('plain scalars resolve like PyYAML (YAML 1.1) and OmegaConf', () => {
  const cases: Array<[string, 'hydra-yaml' | 'pyyaml', unknown, string]> = [
    ['2e-4', 'hydra-yaml', 2e-4, 'float'],
    ['2e-4', 'pyyaml', '2e-4', 'string'],
    ['2.0e-4', 'pyyaml', 2e-4, 'float'],
    ['1e5', 'pyyaml', '1e5', 'string'],
    ['1_000', 'pyyaml', 1000, 'int'],
    ['0x1F', 'hydra-yaml', 31, 'int'],
    ['017', 'hydra-yaml', 15, 'int'],
    ['1:30', 'hydra-yaml', 90, 'int'],
    ['yes', 'hydra-yaml', true, 'bool'],
    ['Off', 'pyyaml', false, 'bool'],
    ['~', 'hydra-yaml', null, 'null'],
    ['.inf', 'hydra-yaml', Infinity, 'float'],
    ['-.Inf', 'hydra-yaml', -Infinity, 'float'],
    ['???', 'hydra-yaml', '???', 'missing'],
    ['${a.b}/c', 'hydra-yaml', '${a.b}/c', 'interpolation'],
    ['${a.b}/c', 'pyyaml', '${a.b}/c', 'string'],
    ['2024-01-01', 'hydra-yaml', '2024-01-01', 'string'],
  ];
  for (const [source, dialect, value, form] of cases) {
    const r = resolvePlainScalar(source, dialect);
    assert.equal(r.form, form, `${source} (${dialect})`);
    assert.deepEqual(r.value, value, `${source} (${dialect})`);
  }
  assert.ok(Number.isNaN(resolvePlainScalar('.nan', 'pyyaml').value as number));
});

test('entries keep exact key and value spans', () => {
  const text = 'train:\n  lr: 0.1  # comment\n  name: "x y"\nlist: [1, 2]\n';
  const spec = parseYamlSpec(text, 'hydra-yaml');
  const train = spec.root.entries[0];
  assert.equal(text.slice(train.keySpan.start, train.keySpan.end), 'train');
  assert.equal(train.value?.kind, 'map');
  const lr = train.value!.kind === 'map' ? train.value!.entries[0] : undefined;
  assert.equal(text.slice(lr!.keySpan.start, lr!.keySpan.end), 'lr');
  const v = lr!.value as ScalarNode;
  assert.equal(text.slice(v.span.start, v.span.end), '0.1');
  const name = train.value!.kind === 'map' ? (train.value!.entries[1].value as ScalarNode) : undefined;
  assert.equal(name!.value, 'x y');
  assert.equal(name!.quoted, true);
  const list = spec.root.entries[1].value!;
  assert.equal(list.kind, 'list');
  assert.equal(spec.comments.length, 1);
  assert.equal(spec.comments[0].text, ' comment');
});

test('anchors, aliases and merge keys resolve into the tree', () => {
  const text = 'base: &b\n  lr: 0.1\ntrain:\n  <<: *b\n  epochs: 3\n';
  const spec = parseYamlSpec(text, 'hydra-yaml');
  const train = spec.root.entries[1].value!;
  assert.equal(train.kind, 'map');
  assert.deepEqual(train.kind === 'map' && train.entries.map((e) => e.key), ['lr', 'epochs']);
});

test('hostile input never throws and always yields a tree', () => {
  const inputs = [
    '',
    '\u0000\u0001\u0002\uffff\ud800garbage: [',
    'a: ' + 'x'.repeat(1_000_000),
    '['.repeat(5000),
    '{'.repeat(5000) + '}'.repeat(10),
    'a:\n' + '  b:\n'.repeat(1) + Array.from({ length: 300 }, (_, i) => ' '.repeat(i * 2 + 4) + `k${i}:`).join('\n'),
    'key: "unterminated\nother: 1\n',
    '- just\n- a list\n',
    'a: *missing',
    ':\n:\n::',
    '\t\tkey: tab',
  ];
  for (const text of inputs) {
    const spec = parseYamlSpec(text, 'hydra-yaml');
    assert.equal(spec.root.kind, 'map');
    for (const d of spec.diagnostics) {
      assert.ok(d.span.start >= 0 && d.span.end <= text.length + 1, `span in range for ${JSON.stringify(text.slice(0, 20))}`);
    }
  }
});

test('a top level that is not a mapping is reported', () => {
  const spec = parseYamlSpec('- a\n- b\n', 'hydra-yaml');
  assert.deepEqual(spec.diagnostics.map((d) => d.code), ['not-a-mapping']);
});

test('thousands of nesting levels are refused before the yaml package sees them', () => {
  for (const text of ['- '.repeat(5000), `a: ${'['.repeat(5000)}`, '}'.repeat(50000) + '{'.repeat(50000)]) {
    // Twice: the second run of the yaml package on such input used to abort the process.
    for (let i = 0; i < 2; i++) {
      const spec = parseYamlSpec(text, 'hydra-yaml');
      assert.deepEqual(spec.diagnostics.map((d) => d.code), ['syntax']);
      assert.match(spec.diagnostics[0].message, /Nesting deeper than 128 levels/);
    }
  }
});
