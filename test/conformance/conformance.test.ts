// `npm run conformance` as CI runs it: zero errors on NVIDIA's real specs (apart from the four
// places TAO itself rejects, which must be reported), and the mutation catch rate target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../support/run';

const tool = join(repoRoot, 'out', 'tools', 'conformance.js');

test('every real spec passes with zero unexpected errors; the four known-bad places are reported', () => {
  const r = spawnSync(process.execPath, [tool], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stdout.slice(-4000) + r.stderr);
  assert.match(r.stdout, /\b0 unexpected errors; 4\/4 expected errors reported/);
  assert.match(r.stdout, /^total\s+61[0-9]\s/m);
});

test('mutation test: at least 95% of injected mistakes caught at the right line, for every kind', () => {
  const r = spawnSync(process.execPath, [tool, '--mutate'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  const rows = [...r.stdout.matchAll(/^([a-z-]+)\s+(\d+)\s+(\d+)\s+([\d.]+)%$/gm)];
  const kinds = new Map(rows.map((m) => [m[1], { injected: Number(m[2]), caught: Number(m[3]) }]));
  for (const kind of ['misspelled-key', 'wrong-type', 'out-of-range', 'bad-option', 'required-deleted', 'wrong-parent', 'overall']) {
    const row = kinds.get(kind);
    assert.ok(row, `no row for ${kind} in\n${r.stdout.slice(-2000)}`);
    assert.ok(row.injected > 100, `${kind}: only ${row.injected} mistakes injected`);
    assert.ok(row.caught / row.injected >= 0.95, `${kind}: ${row.caught}/${row.injected} caught`);
  }
});
