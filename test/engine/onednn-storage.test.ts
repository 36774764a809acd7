// The onednn backend's own tensor storage (engine/src/backend/onednn-storage.ts): tensors
// past the 4 GB a wasm heap could hold, and the ownership rules that make pooling freed
// arrays and the optimizers' in-place steps safe. Skipped, with the reason, where the addon or
// oneDNN is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../engine/src/backend';
import { totalmem } from 'node:os';
import { poolLimitBytes, type NativeStorage } from '../../engine/src/backend/onednn-storage';
import { adamCalls } from '../../engine/src/backend/onednn-adam';
import { loadOnednnAddon } from '../../engine/src/backend/onednn';
import { compileInference, type InferencePlan } from '../../engine/src/infer/plan';
import { deterministicValues, inFreshOnednnProcess, onednnUnavailable } from './backend-support';

const skip = onednnUnavailable();

const storage = (): NativeStorage => tf.backend() as unknown as NativeStorage;

test('tensors totalling more than 4 GB live together, and a native kernel runs on one of them', { skip }, async () => {
  await chooseBackend('onednn', { threads: 2 });
  // Three tensors of 1.5 GB each (the wasm heap stopped at 4 GB in all), then a native ReLU
  // over one: 6 GB of tensors at once. Untouched pages cost no physical memory.
  const n = 3 * 2 ** 27;
  const big = [0, 1, 2].map(() => tf.engine().makeTensorFromTensorInfo(storage().allocateFloat32([n])));
  const view = storage().float32View(big[2]);
  view[0] = -1;
  view[n - 1] = 2.5;
  const relu = tf.relu(big[2]);
  const out = storage().float32View(relu);
  assert.equal(out[0], 0);
  assert.equal(out[n - 1], 2.5);
  assert.equal(tf.memory().numBytes >= 4 * 4 * n, true, `tf.memory() counts ${tf.memory().numBytes} bytes`);
  tf.dispose([...big, relu]);
});

test('values read out are copies, values written in are copied in', { skip }, async () => {
  await chooseBackend('onednn');
  const mine = Float32Array.from([1, 2, 3, 4, 5]);
  const t = tf.tensor(mine);
  mine[0] = 100;
  assert.equal((await t.data())[0], 1, "the tensor keeps its values when the caller's array changes");
  const read = t.dataSync() as Float32Array;
  read[1] = 200;
  assert.equal(t.dataSync()[1], 2, 'changing what was read does not change the tensor');
  t.dispose();
  // After dispose the memory may be reused; an array read earlier must not change with it.
  const before = tf.tensor(deterministicValues(50_000, 1));
  const kept = before.dataSync();
  const copy = Float32Array.from(kept);
  before.dispose();
  const after = tf.relu(tf.tensor(deterministicValues(50_000, 2)));
  assert.deepEqual(Array.from(kept.subarray(0, 100)), Array.from(copy.subarray(0, 100)));
  after.dispose();
});

test('freed arrays are pooled and handed out again; a contiguous slice never shares its source memory', { skip }, async () => {
  await chooseBackend('onednn');
  const shape = [64, 1024];
  const aIn = tf.tensor(deterministicValues(64 * 1024, 3), shape);
  const a = tf.relu(aIn);
  const arrayOfA = storage().float32View(a);
  const pooledBefore = storage().pooledBytes();
  a.dispose();
  assert.equal(storage().pooledBytes(), pooledBefore + arrayOfA.byteLength, 'the freed output went to the pool');
  const bIn = tf.tensor(deterministicValues(64 * 1024, 4), shape);
  const b = tf.relu(bIn);
  assert.ok([storage().float32View(bIn), storage().float32View(b)].includes(arrayOfA), 'a same-sized tensor got the freed array back');
  assert.equal((await b.data())[5], Math.max(0, Math.fround(deterministicValues(64 * 1024, 4)[5])), 'with its own values');
  // A slice of whole rows is contiguous: the cpu backend's Slice returns a view of the source,
  // which the storage copies (small boxes take that path; large ones are the addon's copy).
  const source = tf.tensor(deterministicValues(4 * 300, 5), [4, 300]);
  const rows = tf.slice(source, [1, 0], [2, 300]);
  const expected = Array.from(deterministicValues(4 * 300, 5).subarray(300, 900)).map((v) => Math.fround(v));
  source.dispose();
  // Reuse whatever was freed, with different values.
  const filler = Array.from({ length: 8 }, (_, i) => tf.relu(tf.tensor(deterministicValues(4 * 300, 10 + i), [4, 300])));
  assert.deepEqual(Array.from(await rows.data()), expected);
  tf.dispose([aIn, bIn, b, rows, ...filler]);
});

test('the pool keeps the most recently freed arrays within its bound and releases the oldest at once; arrays the caller holds never are', { skip }, async () => {
  await chooseBackend('onednn');
  // More 256 MB tensors than the whole pool can hold. They are never written, so they cost
  // address space, not physical memory.
  const length = 2 ** 26;
  const bytes = 4 * length;
  const count = Math.ceil(poolLimitBytes(totalmem()) / bytes) + 2;
  const tensors = Array.from({ length: count }, () => tf.engine().makeTensorFromTensorInfo(storage().allocateFloat32([length])));
  const arrays = tensors.map((t) => storage().float32View(t));
  // A caller's array handed in (copied in), values read out (copies), and a small tensor.
  const mine = new Float32Array(length);
  const handedIn = tf.tensor(mine);
  const small = tf.tensor(deterministicValues(100, 7));
  const smallArray = storage().float32View(small);
  const readOut = tensors[0].dataSync();
  tf.dispose([...tensors, handedIn, small]);
  const released = arrays.filter((a) => a.buffer.byteLength === 0).length;
  assert.ok(released >= 2, `${released} of ${count} arrays were released`);
  assert.equal(arrays[0].buffer.byteLength, 0, 'the first freed is released');
  assert.equal(arrays[count - 1].length, length, 'the last freed is kept for reuse');
  assert.ok(storage().pooledBytes() <= poolLimitBytes(totalmem()), 'the pool stays within its bound');
  assert.equal(mine.length, length, "the caller's array is intact");
  assert.equal(readOut.length, length, 'values read out are intact');
  assert.equal(smallArray.length, 100, 'small arrays are left to the garbage collector');
  // The pool never hands out a released array.
  const again = Array.from({ length: count }, () => tf.engine().makeTensorFromTensorInfo(storage().allocateFloat32([length])));
  assert.ok(again.every((t) => storage().float32View(t).length === length));
  tf.dispose(again);
});

test('the pool holds no more than was ever alive at once: arrays only the cpu backend makes do not pile up', { skip }, () => {
  // A fresh process (this file's other tests have had gigabytes alive). 300 arrays of 1 MB that
  // a kernel made itself (as the cpu backend's kernels do) are adopted and freed one at a time:
  // no later allocation asks for them, so the pool keeps at most its 64 MB floor of them.
  const { pooled, live } = inFreshOnednnProcess<{ pooled: number; live: number }>(`
    const backend = tf.backend();
    const n = 2 ** 18;
    for (let i = 0; i < 300; i++) {
      const t = tf.engine().makeTensorFromTensorInfo(backend.makeTensorInfo([n], 'float32', new Float32Array(n)));
      t.dispose();
    }
    return { pooled: backend.pooledBytes(), live: tf.memory().numBytes };`);
  assert.ok(live < 2 ** 20, `little is alive (${live} bytes)`);
  assert.ok(pooled > 0, 'freed arrays are still pooled');
  assert.ok(pooled <= 64 * 2 ** 20, `the pool holds ${pooled} bytes, at most its 64 MB floor`);
});

test('int32 and bool cast to float32 reach the native kernels as float values', { skip }, async () => {
  await chooseBackend('onednn');
  const ints = tf.tensor(Int32Array.from({ length: 8192 }, (_, i) => i - 4096), [8192], 'int32');
  const floats = tf.cast(ints, 'float32');
  const doubled = tf.add(floats, floats); // native from 4096 values on
  const values = await doubled.data();
  assert.equal(values[0], -8192);
  assert.equal(values[8191], 8190);
  const mask = tf.cast(tf.greater(floats, 0), 'float32');
  assert.equal((await tf.sum(tf.mul(mask, floats)).data())[0], (4095 * 4096) / 2);
  tf.dispose([ints, floats, doubled, mask]);
});

test("Adam's in-place step never writes into an array the caller handed in", { skip }, async () => {
  await chooseBackend('onednn');
  const initial = deterministicValues(10_000, 6);
  const snapshot = Float32Array.from(initial);
  // Inside tidy the tensor handed to tf.variable is released, so the variable alone holds its memory.
  const w = tf.tidy(() => tf.variable(tf.tensor(initial)));
  const opt = tf.train.adam(0.01);
  const calls = adamCalls.native;
  for (let i = 0; i < 3; i++) opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
  assert.ok(adamCalls.native > calls, 'the in-place step ran');
  assert.deepEqual(Array.from(initial), Array.from(snapshot), "the caller's array is unchanged");
  assert.notDeepEqual(Array.from(w.dataSync().subarray(0, 10)), Array.from(snapshot.subarray(0, 10)), 'the variable moved');
  w.dispose();
  opt.dispose();
});

test("inference keeps folded filters in oneDNN's layout for the pass, forgets them after, and never serves a stale one", { skip }, async () => {
  await chooseBackend('onednn', { threads: 1 });
  const addon = loadOnednnAddon();
  // 32 channels in and out: oneDNN wants these filters in a blocked layout, so a conversion is
  // needed (and kept) for each.
  const input = tf.input({ shape: [16, 16, 32] });
  let h = input as tf.SymbolicTensor;
  for (let i = 0; i < 3; i++) {
    h = tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', useBias: false, name: `c${i}` }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization({ name: `bn${i}` }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.reLU({ name: `r${i}` }).apply(h) as tf.SymbolicTensor;
  }
  const model = tf.model({ inputs: input, outputs: h });
  const x = tf.tensor4d(deterministicValues(4 * 16 * 16 * 32, 8), [4, 16, 16, 32]);
  const predict = (): Float32Array => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
  const planned = (plan: InferencePlan): Float32Array => tf.tidy(() => plan.run(x)[0].dataSync() as Float32Array);
  const unfolded = predict();

  const before = addon.info().constantWeights;
  const plan = compileInference(tf, model);
  const first = planned(plan);
  assert.equal(addon.info().constantWeights, before + 3, 'one kept filter per folded convolution');
  const second = planned(plan);
  assert.deepEqual(Array.from(second), Array.from(first), 'the kept filters give the same predictions');
  plan.dispose();
  assert.equal(addon.info().constantWeights, before, 'disposing the folded weights forgets their copies');
  let worst = 0;
  first.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - unfolded[i]))));
  assert.ok(worst < 1e-4, `folded predictions match the unfolded model (${worst})`);

  // New weights, a new fold: the kept copies of the old ones must not be used.
  model.getLayer('c1').setWeights([tf.mul(model.getLayer('c1').getWeights()[0], -1)]);
  const changed = predict();
  const replan = compileInference(tf, model);
  const folded = planned(replan);
  replan.dispose();
  worst = 0;
  folded.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - changed[i]))));
  assert.ok(worst < 1e-4, `a fold after new weights predicts with the new weights (${worst})`);
  assert.notDeepEqual(Array.from(folded.subarray(0, 64)), Array.from(first.subarray(0, 64)));
  tf.dispose([x]);
  model.dispose();
});

test('a folded convolution over an input barely larger than its kernel runs as one matrix product and equals the cpu backend', { skip }, async () => {
  // 2x2 and 1x1 inputs under 3x3 kernels (a ResNet's last stage on small images), with dilation
  // and with a ReLU fused; each must take the dense path (kept per filter) and match the cpu
  // backend's unfolded result.
  const cases: Array<{ shape: [number, number, number, number]; filters: number; dilation: number; relu: boolean }> = [
    { shape: [4, 2, 2, 48], filters: 32, dilation: 1, relu: true },
    { shape: [3, 1, 1, 16], filters: 24, dilation: 1, relu: false },
    { shape: [2, 2, 2, 8], filters: 8, dilation: 2, relu: true },
  ];
  for (const [i, c] of cases.entries()) {
    const build = (): tf.LayersModel => {
      const input = tf.input({ shape: c.shape.slice(1) });
      let h = tf.layers.conv2d({ filters: c.filters, kernelSize: 3, padding: 'same', dilationRate: c.dilation, useBias: true, name: 'c', kernelInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 20 + i }) as never, biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 30 + i }) as never }).apply(input) as tf.SymbolicTensor;
      h = tf.layers.batchNormalization({ name: 'bn', gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 40 + i }) as never, betaInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 50 + i }) as never }).apply(h) as tf.SymbolicTensor;
      if (c.relu) h = tf.layers.reLU({ name: 'r' }).apply(h) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: h });
    };
    const values = deterministicValues(c.shape.reduce((a, b) => a * b, 1), 60 + i);
    await tf.setBackend('cpu');
    const cpuModel = build();
    const expected = tf.tidy(() => (cpuModel.predict(tf.tensor4d(values, c.shape)) as tf.Tensor).dataSync() as Float32Array);
    cpuModel.dispose();
    await chooseBackend('onednn', { threads: 1 });
    const addon = loadOnednnAddon();
    const model = build();
    const x = tf.tensor4d(values, c.shape);
    const kept = addon.info().denseConvolutions;
    const plan = compileInference(tf, model);
    const got = tf.tidy(() => plan.run(x)[0].dataSync() as Float32Array);
    assert.equal(addon.info().denseConvolutions, kept + 1, `case ${i}: the dense form was built and kept`);
    plan.dispose();
    assert.equal(addon.info().denseConvolutions, kept, `case ${i}: and forgotten with the folded filter`);
    let worst = 0;
    let scale = 0;
    got.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - expected[j]));
      scale = Math.max(scale, Math.abs(expected[j]));
    });
    assert.ok(worst <= 1e-4 * Math.max(scale, 1), `case ${i}: max error ${worst} against max |value| ${scale}`);
    x.dispose();
    model.dispose();
  }
});
