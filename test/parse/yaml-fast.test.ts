import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseYamlFull, parseYamlSpec } from '../../server/src/core/parse/yaml';
import { parseYamlFast } from '../../server/src/core/parse/yaml-fast';
import { yamlDialectOf } from '../../server/src/core/parse';
import { repoRoot } from '../support/run';

const specsDir = resolve(repoRoot, '..', 'shared', 'tao-specs');

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/.test(name)) out.push(full);
  }
  return out;
}

/** Comparable form: NaN becomes a string so deepEqual can compare it. */
function plain(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
}

test('fast and full YAML readers build identical trees on every real YAML spec', () => {
  const files = yamlFiles(specsDir);
  assert.ok(files.length > 380, `expected the real YAML specs under ${specsDir}`);
  let fastCount = 0;
  let hydraCount = 0;
  let hydraFast = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const dialect = yamlDialectOf(text) as 'hydra-yaml' | 'pyyaml';
    if (dialect === 'hydra-yaml') hydraCount++;
    const fast = parseYamlFast(text, dialect);
    if (!fast) continue;
    fastCount++;
    if (dialect === 'hydra-yaml') hydraFast++;
    const full = parseYamlFull(text, dialect);
    assert.deepEqual(plain(fast.root), plain(full.root), file);
    assert.deepEqual(plain(fast.diagnostics), plain(full.diagnostics), file);
  }
  // The fast reader must actually carry the load on real specs. Of the Hydra ones it declines
  // only a file with a real syntax error and a flow list continued at column 0 (which the full
  // reader re-reads with relaxed indentation); the other twelve it declines are PyYAML specs
  // with plain scalars running over several lines.
  console.log(`fast YAML path used on ${fastCount} of ${files.length} real specs (${hydraFast} of ${hydraCount} Hydra)`);
  assert.ok(hydraFast >= hydraCount - 2, `fast path used on only ${hydraFast} of ${hydraCount} Hydra files`);
  assert.ok(fastCount >= files.length - 14, `fast path used on only ${fastCount} of ${files.length} files`);
});

test('fast reader agrees with the full one, or declines, on mutated specs', () => {
  const files = yamlFiles(specsDir).slice(0, 120);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const pieces = [':', ' ', '-', '- ', '[', ']', '{', '}', ',', '#', '"', "'", '\n', '  ', '&a ', '*a', '!t ', '|', '>', 'y', 'on', '1e5', '${x}', '???', '\\'];
  let compared = 0;
  for (let round = 0; round < 4; round++) {
    for (const file of files) {
      let text = readFileSync(file, 'utf8');
      const at = Math.floor(rand() * text.length);
      text = text.slice(0, at) + pieces[Math.floor(rand() * pieces.length)] + text.slice(at + Math.floor(rand() * 3));
      const dialect = yamlDialectOf(text) as 'hydra-yaml' | 'pyyaml';
      const fast = parseYamlFast(text, dialect);
      if (!fast) continue;
      const full = parseYamlFull(text, dialect);
      // Where the full reader finds a syntax error the fast one must have declined.
      assert.deepEqual(full.diagnostics.filter((d) => d.code === 'syntax'), [], `fast reader accepted a file with a syntax error: ${file} at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 40))}`);
      assert.deepEqual(plain(fast.root), plain(full.root), `${file} mutated at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 40))}`);
      compared++;
    }
  }
  assert.ok(compared > 100, `only ${compared} mutated files compared`);
});

test('parseYamlSpec falls back to the full reader for YAML features the fast one skips', () => {
  const text = 'a: &x 1\nb: *x\nc: |\n  text\n';
  const spec = parseYamlSpec(text, 'hydra-yaml');
  assert.equal(parseYamlFast(text, 'hydra-yaml'), undefined);
  assert.deepEqual(spec.root.entries.map((e) => e.key), ['a', 'b', 'c']);
});

/** The fast reader's result, which must exist and match the full reader's tree and diagnostics. */
function fastMatchesFull(text: string): void {
  const fast = parseYamlFast(text, 'hydra-yaml');
  assert.ok(fast, `the fast reader declined ${JSON.stringify(text)}`);
  const full = parseYamlFull(text, 'hydra-yaml');
  assert.deepEqual(plain(fast.root), plain(full.root));
  assert.deepEqual(plain(fast.diagnostics), plain(full.diagnostics));
}

test('fast reader: a comment right after the colon leaves the value empty', () => {
  fastMatchesFull('pipeline: # Augmentations alone\n  - name: flip\n    p: 0.5\nother: 1\n');
  fastMatchesFull('added_head_superres: ## Ignore when not used\n  enabled: false\n');
  fastMatchesFull('a: # nothing below\nb: 2\n');
  fastMatchesFull('a:\n  b: # last key, null\n');
  fastMatchesFull('a: # c\n- 1\n- 2\n');
});

test('fast reader: flow collections over several lines', () => {
  fastMatchesFull('dataset:\n    data_split: {\n        \'train\': train,\n        \'val\': val\n    }\n    other: 1\n');
  fastMatchesFull('model:\n  operation_order: [\n      "deformable",\n      "ffn",\n  ]\n  depth: 6\n');
  fastMatchesFull('layers_precision: [\n  "/backbone/patch_embed:fp32",\n]\nnext: true\n');
  // Comments, blank lines, CRLF and nesting inside the flow.
  fastMatchesFull('a: [1, # first\n\n# a comment line at column 0\n    [2,\r\n     3], {k: v,\n  j: [x]}\n  ] # done\nb: 2\n');
  // Flows as sequence items and under a sequence item's mapping.
  fastMatchesFull('s:\n  - [a,\n    b]\n  - x: 1\n    y: {p: 1,\n      q: 2}\nt: 3\n');
  // Duplicate keys inside a multi-line flow mapping are reported like the full reader does.
  fastMatchesFull('m: {a: 1,\n  a: 2}\n');
  // Trailing commas on one line too.
  fastMatchesFull('l: [1, 2,]\nm: {a: 1,}\n');
  // A file of comments only.
  fastMatchesFull('# nothing\n\n# here\n');
});

test('fast reader declines multi-line flows it cannot match exactly', () => {
  const declines = [
    'a: [1,\n2]\n', // continuation at the parent column: the full reader relaxes the indentation
    'a:\n  b: [1,\n  2]\n', // the same, nested
    'a: [[1,\n]\n  ]\n', // an inner bracket closed at the parent column
    'a: [x\n  y]\n', // a plain scalar running over lines
    'a: ["x\n  y"]\n', // a quoted scalar running over lines
    'a: {k:\n  v}\n', // a flow mapping value on the next line
    'a: [1, 2] x\n', // text after the closing bracket
    'a: [1,,2]\n', // an empty item
    'a: [1, 2\n', // unterminated
  ];
  for (const text of declines) assert.equal(parseYamlFast(text, 'hydra-yaml'), undefined, JSON.stringify(text));
});
