import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { repoRoot } from '../support/run';

// A short, seeded pass of `npm run fuzz` in CI; long runs are reported in closing notes.
test('fuzzer: mutated real specs and random bytes never throw or stall', () => {
  const r = spawnSync(process.execPath, [resolve(repoRoot, 'out/tools/fuzz.js'), '--iterations', '150', '--seed', '20261126'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /fuzz: 150 iterations, \d+ calls, seed 20261126, .* 0 failures/);
});
