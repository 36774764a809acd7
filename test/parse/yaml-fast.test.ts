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
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const dialect = yamlDialectOf(text) as 'hydra-yaml' | 'pyyaml';
    const fast = parseYamlFast(text, dialect);
    if (!fast) continue;
    fastCount++;
    const full = parseYamlFull(text, dialect);
    assert.deepEqual(plain(fast.root), plain(full.root), file);
    assert.deepEqual(plain(fast.diagnostics), plain(full.diagnostics), file);
  }
  // The fast reader must actually carry the load on real specs.
  assert.ok(fastCount / files.length > 0.8, `fast path used on ${fastCount} of ${files.length} files`);
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
