// What the backend comparison tests share: inputs that are the same on every backend, and
// whether the onednn addon loads here (the tests skip with that reason outside CI).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadOnednnAddon } from '../../engine/src/backend/onednn';

/** Deterministic values in [-1, 1) (a small LCG), the same on every backend. */
export function deterministicValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** Why the onednn addon does not load here, or undefined when it does. */
export function onednnUnavailable(): string | undefined {
  try {
    loadOnednnAddon();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Runs `body` (JavaScript with `tf` in scope, ending in `return <JSON-able value>`) in a fresh
 * Node process that chose the onednn backend with `options`, and returns that value: for what
 * a long-lived test process can no longer show (a pool's whole history, its threads at start).
 */
export function inFreshOnednnProcess<T>(body: string, options: { threads?: number } = {}, env: NodeJS.ProcessEnv = {}): T {
  const script = `
    const { chooseBackend } = require(${JSON.stringify(join(__dirname, '../../engine/src/backend'))});
    chooseBackend('onednn', ${JSON.stringify(options)}).then(({ tf }) => {
      const result = (() => { ${body} })();
      process.stdout.write(JSON.stringify(result));
    });`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: join(__dirname, '../..'), env: { ...process.env, ...env } });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as T;
}
