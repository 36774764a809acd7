// The onednn backend through the CLI: a training run on it (status.json names it, the epoch's
// numbers equal a second run on the same backend: resumable runs need that), --threads, and
// the extension passing tao.engine.threads. The runs are skipped where the addon is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runEngine, tempDir, tinyDataset, writeSpec } from './helpers';
import { inFreshOnednnProcess, onednnUnavailable } from './backend-support';
import { buildCommandLine } from '../../client/src/core/commandLine';
import { applyIdleSpin, IDLE_SPIN_COUNT } from '../../engine/src/backend/onednn';

const skip = onednnUnavailable();

test('training on onednn: status.json names it, two runs give the same numbers', { skip }, () => {
  const work = tempDir('onednn-cli');
  const data = tinyDataset(join(work, 'data'));
  const spec = writeSpec(join(work, 'spec.txt'), { train: data.train, val: data.val, epochs: 1 });
  const lines: string[] = [];
  for (const run of ['a', 'b']) {
    const results = join(work, run);
    const r = runEngine(['classification_tf1', 'train', '-e', spec, '-r', results, '--backend', 'onednn', '--threads', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /backend: onednn \(oneDNN [\d.]+, .*2 threads/);
    const status = readFileSync(join(results, 'status.json'), 'utf8');
    assert.match(status, /"backend":\s*"onednn"/);
    // training.csv: epoch, loss, accuracy, val_loss, val_accuracy, lr, then timings.
    lines.push(readFileSync(join(results, 'training.csv'), 'utf8').trim().split('\n')[1].split(',').slice(0, 6).join(','));
  }
  // Same backend, same threads: the same losses and accuracies.
  assert.equal(lines[0], lines[1]);
});

test('on onednn, a run interrupted and resumed from its checkpoint equals the uninterrupted run', { skip }, () => {
  const work = tempDir('onednn-resume');
  const data = tinyDataset(join(work, 'data'));
  const spec = writeSpec(join(work, 'spec.txt'), { train: data.train, epochs: 2 });
  const flags = ['--backend', 'onednn', '--threads', '2'];
  const whole = runEngine(['classification_tf1', 'train', '-e', spec, '-r', join(work, 'whole'), ...flags]);
  assert.equal(whole.code, 0, whole.stderr);
  const first = runEngine(['classification_tf1', 'train', '-e', spec, '-r', join(work, 'resumed'), '--stop-after', '1', ...flags]);
  assert.equal(first.code, 0, first.stderr);
  const second = runEngine(['classification_tf1', 'train', '-e', spec, '-r', join(work, 'resumed'), ...flags]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /resuming from .*epoch_001/);
  const a = readFileSync(join(work, 'whole', 'weights', 'final', 'weights.bin'));
  const b = readFileSync(join(work, 'resumed', 'weights', 'final', 'weights.bin'));
  assert.ok(a.equals(b), 'final weights are byte-identical');
});

test('--threads must be a whole number of at least 1', () => {
  const work = tempDir('onednn-threads');
  const data = tinyDataset(join(work, 'data'));
  const spec = writeSpec(join(work, 'spec.txt'), { train: data.train, epochs: 1 });
  const r = runEngine(['classification_tf1', 'train', '-e', spec, '-r', join(work, 'r'), '--threads', '0']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--threads must be a whole number of at least 1/);
});

test('the extension passes tao.engine.threads as --threads (0: left out)', () => {
  const def = { type: 'tao' as const, network: 'classification_tf1', task: 'train', spec: '/s.txt', results: '/r' };
  const base = { mode: 'local' as const, backend: 'onednn', enginePath: '/e.js', nodePath: '/node', launcherPath: 'tao', taoVersion: '5.5.0', mounts: [] };
  assert.deepEqual(buildCommandLine(def, { ...base, threads: 3 }).args.slice(-4), ['--backend', 'onednn', '--threads', '3']);
  assert.ok(!buildCommandLine(def, { ...base, threads: 0 }).args.includes('--threads'));
});

test('idle OpenMP threads spin a bounded time before sleeping, unless the user chose a wait policy or spin', () => {
  const defaults: NodeJS.ProcessEnv = {};
  applyIdleSpin(defaults);
  assert.deepEqual(defaults, { GOMP_SPINCOUNT: IDLE_SPIN_COUNT, KMP_BLOCKTIME: '1' });
  // A wait policy the user set decides alone: no spin bound is added beside it.
  const passive: NodeJS.ProcessEnv = { OMP_WAIT_POLICY: 'PASSIVE' };
  applyIdleSpin(passive);
  assert.deepEqual(passive, { OMP_WAIT_POLICY: 'PASSIVE' });
  // The user's own spin count and block time stay as they are.
  const own: NodeJS.ProcessEnv = { GOMP_SPINCOUNT: '0', KMP_BLOCKTIME: '0' };
  applyIdleSpin(own);
  assert.deepEqual(own, { GOMP_SPINCOUNT: '0', KMP_BLOCKTIME: '0' });
});

/** The scheduling policy of each thread of a fresh process that chose onednn with `threads` (0 SCHED_OTHER, 5 SCHED_IDLE), the main thread's first. */
function threadPolicies(threads: number, env: NodeJS.ProcessEnv = {}): number[] {
  return inFreshOnednnProcess<number[]>(`
    const { readdirSync, readFileSync } = require('node:fs');
    // A kernel large enough to run on the whole team.
    tf.conv2d(tf.ones([8, 32, 32, 16]), tf.ones([3, 3, 16, 16]), 1, 'same').dataSync();
    const policy = (tid) => Number(readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(') ')[1].split(' ')[38]);
    const tids = readdirSync('/proc/self/task').map(Number).sort((a, b) => (a === process.pid ? -1 : b === process.pid ? 1 : a - b));
    return tids.map(policy);`, { threads }, env);
}

test("on onednn, V8's helper threads run at SCHED_IDLE, the JavaScript thread and the OpenMP team at normal priority; TAO_ONEDNN_HELPER_THREADS=normal leaves them", { skip: skip ?? (process.platform !== 'linux' ? 'Linux only' : undefined) }, () => {
  const policies = threadPolicies(2);
  assert.equal(policies[0], 0, 'the main thread keeps its policy');
  assert.equal(policies.filter((p) => p === 0).length, 2, `the main thread and one OpenMP worker stay normal (${JSON.stringify(policies)})`);
  assert.ok(policies.filter((p) => p === 5).length >= 2, `the other threads are SCHED_IDLE (${JSON.stringify(policies)})`);
  const untouched = threadPolicies(2, { TAO_ONEDNN_HELPER_THREADS: 'normal' });
  assert.ok(untouched.every((p) => p === 0), `nothing changed (${JSON.stringify(untouched)})`);
});
