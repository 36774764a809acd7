// The Fashion-MNIST goal benchmark is fair only if both sides train on the same batches: the
// Python port of mulberry32 / mixSeed / the epoch plan and of the cosine schedule must give the
// TypeScript values exactly. Runs bench/fmnist/pytorch_fmnist.py --plan-only as a process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { augmentInto, epochPlan, lrAt, RECIPE } from '../../bench/fmnist/recipe';

const PYTHON = process.env.TAO_BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(__dirname, '..', '..', '..', 'bench', 'fmnist', 'pytorch_fmnist.py');

test('fmnist recipe: the Python epoch plan and learning rates equal the TypeScript ones', () => {
  const n = 1000;
  const r = spawnSync(PYTHON, [SCRIPT, '--recipe', JSON.stringify(RECIPE), '--plan-only', String(n), '--train-images', '-', '--train-labels', '-', '--train-n', '0', '--test-images', '-', '--test-labels', '-', '--test-n', '0', '--epochs', '10'], { encoding: 'utf8' });
  // .ci/run installs Debian's python3-torch and python3-numpy; elsewhere: apt-get install python3-torch.
  assert.ok(!r.error && r.status !== 3, `${PYTHON} with numpy and torch is needed (apt-get install python3-torch): ${r.error?.message ?? r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const py = JSON.parse(r.stdout) as { order: number[]; flip: number[]; dx: number[]; dy: number[]; lr: number[] };
  const ts = epochPlan(RECIPE, 0, n);
  assert.deepEqual(py.order, Array.from(ts.order));
  assert.deepEqual(py.flip, Array.from(ts.flip));
  assert.deepEqual(py.dx, Array.from(ts.dx));
  assert.deepEqual(py.dy, Array.from(ts.dy));
  // 10 epochs of 20 steps, the total the Python side was given. Python's math.cos and V8's may
  // differ in the last bit, far below float32, which both optimizers compute the update in.
  assert.equal(py.lr.length, 200);
  py.lr.forEach((lr, s) => {
    const want = lrAt(RECIPE, s, 20, 10);
    assert.ok(Math.abs(lr - want) <= 1e-12 * want, `step ${s}: Python ${lr}, TypeScript ${want}`);
  });
});

test('fmnist recipe: augmentInto mirrors first, then crops from the zero-padded image', () => {
  // 3x3 image 1..9, flipped: rows [3,2,1],[6,5,4],[9,8,7]; crop at dx=dy=0 with pad 1 shifts it down-right by one.
  const src = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const dst = new Uint8Array(9);
  augmentInto(src, dst, 0, 3, 3, 1, 1, 1, 0, 0);
  assert.deepEqual(Array.from(dst), [0, 0, 0, 0, 3, 2, 0, 6, 5]);
  augmentInto(src, dst, 0, 3, 3, 1, 1, 0, 1, 1);
  assert.deepEqual(Array.from(dst), Array.from(src));
});
