// The onednn backend's native kernels against the pure-JS cpu backend (tfjs' reference
// kernels): forward ops and, through tf.grads, every gradient kernel, on shapes that cover
// batch 1 and several, 1/3/odd channels, strides 1 and 2, VALID and TensorFlow's asymmetric
// SAME padding, dilation (forward; tfjs has no dilated gradient to compare with), depthwise
// multipliers, and transposed / broadcast matrix products.
// Tolerance: max |onednn - cpu| <= 1e-4 * max |cpu| per output (float32 sums in another order).
// Skipped, with the reason, where the addon or oneDNN is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../engine/src/backend';
import { ACTIVATION_GRAD_KERNEL, fallbackCalls, loadOnednnAddon, nativeCalls } from '../../engine/src/backend/onednn';
import { adamCalls } from '../../engine/src/backend/onednn-adam';
import { BATCHNORM_TRAIN_KERNEL, batchNormTrainCalls } from '../../engine/src/backend/onednn-batchnorm';
import { momentumCalls } from '../../engine/src/backend/onednn-momentum';
import { rmspropCalls } from '../../engine/src/backend/onednn-rmsprop';
import { swishCalls } from '../../engine/src/backend/onednn-swish';
import { deterministicValues, onednnUnavailable } from './backend-support';
import { backboneConfig } from './backbone-support';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { compileInference } from '../../engine/src/infer/plan';
import { makePreprocessor, setNativePreprocess, type NativePreprocess } from '../../engine/src/data/preprocess';

const TOLERANCE = 1e-4;

const skip = onednnUnavailable();


const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const input = (shape: number[], seed: number): tf.Tensor => tf.tensor(deterministicValues(sizeOf(shape), seed), shape);

/** Runs `build` on a backend and reads every output. */
async function on(backend: string, build: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(build);
  const read = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(outs);
  return read;
}

function assertClose(label: string, ours: Float32Array, ref: Float32Array): void {
  assert.equal(ours.length, ref.length, `${label}: length`);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    worst = Math.max(worst, Math.abs(ours[i] - ref[i]));
  }
  assert.ok(Number.isFinite(worst) && worst <= TOLERANCE * Math.max(scale, 1e-6), `${label}: max error ${worst} against max |value| ${scale}`);
}

async function compare(label: string, build: () => tf.Tensor[]): Promise<void> {
  const ref = await on('cpu', build);
  const ours = await on('onednn', build);
  ref.forEach((r, i) => assertClose(`${label} [output ${i}]`, ours[i], r));
}

/** Value and gradients of sum(f(args) * w), w fixed: every gradient element differs. */
function withGrads(f: (...args: tf.Tensor[]) => tf.Tensor, args: tf.Tensor[], seed: number): tf.Tensor[] {
  const y = f(...args);
  const w = input(y.shape, seed);
  const g = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), w)));
  return [y, ...g(args)];
}

interface ConvCase {
  x: [number, number, number, number];
  k: [number, number];
  out: number;
  stride: number | [number, number];
  pad: 'same' | 'valid';
  dilation?: number;
}

const CONV: ConvCase[] = [
  { x: [1, 7, 7, 1], k: [3, 3], out: 4, stride: 1, pad: 'same' },
  { x: [3, 10, 10, 3], k: [3, 3], out: 5, stride: 2, pad: 'same' }, // SAME pads 0 before, 1 after
  { x: [2, 7, 9, 5], k: [4, 4], out: 3, stride: 1, pad: 'same' }, // even kernel: 1 before, 2 after
  { x: [2, 9, 8, 3], k: [3, 3], out: 6, stride: 2, pad: 'valid' },
  { x: [2, 12, 12, 3], k: [7, 7], out: 8, stride: 2, pad: 'same' },
  { x: [3, 6, 6, 16], k: [1, 1], out: 8, stride: 2, pad: 'same' },
  { x: [2, 8, 8, 6], k: [1, 1], out: 4, stride: 2, pad: 'valid' }, // ResNet-50's projections: the last input row and column are never read
  { x: [1, 11, 10, 2], k: [3, 2], out: 3, stride: [3, 2], pad: 'valid' },
  { x: [2, 9, 9, 3], k: [3, 3], out: 4, stride: 1, pad: 'same', dilation: 2 },
  { x: [1, 10, 11, 5], k: [3, 3], out: 2, stride: 1, pad: 'valid', dilation: 3 },
];

const caseName = (c: ConvCase): string => `x ${c.x.join('x')} k ${c.k.join('x')} out ${c.out} stride ${String(c.stride)} ${c.pad}${c.dilation ? ` dilation ${c.dilation}` : ''}`;

test('onednn backend loads', { skip }, async () => {
  const chosen = await chooseBackend('onednn', { threads: 2 });
  assert.equal(chosen.name, 'onednn');
  assert.match(chosen.description, /oneDNN \d+\.\d+/);
  assert.equal(chosen.threads, 2);
});

test('Conv2D, FusedConv2D and both conv gradients equal the cpu backend', { skip }, async () => {
  await chooseBackend('onednn');
  const before = { ...nativeCalls };
  const fallbacksBefore = { ...fallbackCalls };
  for (const c of CONV) {
    const x = () => input(c.x, 1);
    const f = () => input([...c.k, c.x[3], c.out], 2);
    const d = c.dilation ?? 1;
    if (d === 1) {
      await compare(`conv2d ${caseName(c)}`, () => withGrads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), [x(), f()], 3));
    } else {
      await compare(`conv2d ${caseName(c)}`, () => [tf.conv2d(x() as tf.Tensor4D, f() as tf.Tensor4D, c.stride, c.pad, 'NHWC', d)]);
    }
    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu'] as const) {
      await compare(`fused conv2d ${activation} ${caseName(c)}`, () => [
        tf.fused.conv2d({ x: x() as tf.Tensor4D, filter: f() as tf.Tensor4D, strides: c.stride, pad: c.pad, dilations: d, bias: input([c.out], 4), activation, leakyreluAlpha: 0.3 }),
      ]);
    }
  }
  for (const k of ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter']) {
    assert.ok((nativeCalls[k] ?? 0) > (before[k] ?? 0), `${k} ran in oneDNN`);
    assert.equal(fallbackCalls[k] ?? 0, fallbacksBefore[k] ?? 0, `${k}: every case ran in oneDNN, none in the cpu backend`);
  }
});

test('convolutions of images smaller than their kernel (matrix products in the addon) and both gradients equal the cpu backend', { skip }, async () => {
  await chooseBackend('onednn');
  const addon = loadOnednnAddon();
  const before = addon.info().denseTrainingCalls;
  // Input pixels x 2 <= kernel taps: a ResNet's last stages on small images (1x1, 2x2), stride 1
  // and 2, odd channel counts, a rectangular image, batch 1 and several.
  const cases: Array<{ x: number[]; k: [number, number]; out: number; stride: number }> = [
    { x: [3, 1, 1, 5], k: [3, 3], out: 7, stride: 1 },
    { x: [4, 2, 2, 6], k: [3, 3], out: 5, stride: 1 },
    { x: [2, 2, 2, 4], k: [3, 3], out: 3, stride: 2 },
    { x: [1, 1, 2, 3], k: [3, 3], out: 4, stride: 1 },
    { x: [2, 2, 2, 3], k: [5, 5], out: 2, stride: 1 },
  ];
  for (const c of cases) {
    const name = `${c.x.join('x')} * ${c.k.join('x')}x${c.out} stride ${c.stride}`;
    const x = () => input(c.x, 11);
    const f = () => input([...c.k, c.x[3], c.out], 12);
    await compare(`conv2d ${name} and its gradients`, () => withGrads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, 'same'), [x(), f()], 13));
    await compare(`fused conv2d relu with bias ${name} and its gradients`, () =>
      withGrads((a, b, bias) => tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: c.stride, pad: 'same', bias, activation: 'relu' }), [x(), f(), input([c.out], 14)], 15),
    );
  }
  // Dilated (forward; tfjs has no dilated conv gradient).
  await compare('dilated conv2d of a 1x2 image', () => [tf.conv2d(input([2, 1, 2, 3], 16) as tf.Tensor4D, input([3, 3, 3, 4], 17) as tf.Tensor4D, 1, 'same', 'NHWC', 2)]);
  // Each case: conv forward and both gradients, fused forward and both gradients.
  assert.ok(addon.info().denseTrainingCalls >= before + cases.length * 6, 'every case ran as matrix products');
});

test('3x3 stride-1 convolutions by Winograd (blocked layout, staged activations) and both gradients equal the cpu backend', { skip }, async () => {
  await chooseBackend('onednn');
  const addon = loadOnednnAddon();
  const before = addon.info().winogradConvolutions;
  // Forced on shapes the rule would leave to the direct method, so the test stays small: odd and
  // few channels, batch 1 and several, SAME and VALID, a rectangular image. Shapes no other
  // test uses, so each primitive is made here (the cache is keyed by shape).
  const cases: Array<{ x: number[]; out: number; pad: 'same' | 'valid' }> = [
    { x: [2, 6, 6, 16], out: 16, pad: 'same' },
    { x: [1, 5, 7, 3], out: 5, pad: 'same' },
    { x: [3, 8, 8, 20], out: 17, pad: 'same' },
    { x: [2, 7, 6, 8], out: 9, pad: 'valid' },
  ];
  process.env.TAO_ONEDNN_WINOGRAD = 'always';
  try {
    for (const c of cases) {
      const name = `${c.x.join('x')} * 3x3x${c.out} ${c.pad}`;
      const x = () => input(c.x, 21);
      const f = () => input([3, 3, c.x[3], c.out], 22);
      await compare(`winograd conv2d ${name} and its gradients`, () => withGrads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, c.pad), [x(), f()], 23));
      await compare(`winograd fused conv2d relu with bias ${name} and its gradients`, () =>
        withGrads((a, b, bias) => tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: 1, pad: c.pad, bias, activation: 'relu' }), [x(), f(), input([c.out], 24)], 25),
      );
      await compare(`fused conv2d relu6 with bias ${name}`, () => [tf.fused.conv2d({ x: x() as tf.Tensor4D, filter: f() as tf.Tensor4D, strides: 1, pad: c.pad, bias: input([c.out], 26), activation: 'relu6' })]);
    }
  } finally {
    delete process.env.TAO_ONEDNN_WINOGRAD;
  }
  // Per case at least: plain forward, backward data, backward weights, forward with bias + ReLU.
  assert.ok(addon.info().winogradConvolutions >= before + cases.length * 4, `every case ran by Winograd (${addon.info().winogradConvolutions - before} primitives)`);
});

test('Winograd is chosen by size: 64 channels on enough pixels take it, small work keeps the direct method', { skip }, async () => {
  // One thread, so the rule's threshold (batch x pixels x channels >= 1e5) does not depend on the machine's cores.
  await chooseBackend('onednn', { threads: 1 });
  const addon = loadOnednnAddon();
  try {
    const run = (x: number[]): Promise<void> =>
      compare(`conv2d ${x.join('x')} * 3x3x64`, () => [tf.conv2d(input(x, 31) as tf.Tensor4D, input([3, 3, x[3], 64], 32) as tf.Tensor4D, 1, 'same')]);
    const start = addon.info().winogradConvolutions;
    await run([1, 12, 12, 64]); // 9,216: direct
    await run([6, 9, 9, 48]); // 48 channels: direct whatever the size
    assert.equal(addon.info().winogradConvolutions, start, 'small work and few channels stay direct');
    await run([7, 15, 15, 64]); // 100,800: Winograd
    assert.equal(addon.info().winogradConvolutions, start + 1, 'large work at 64 channels takes Winograd');
  } finally {
    await chooseBackend('onednn');
  }
});

test("batches' pixel scaling runs natively on onednn and gives the JavaScript loops' bits (tf, torch, caffe; 1 and 3 channels; image_mean)", { skip }, async () => {
  await chooseBackend('onednn');
  const addon = loadOnednnAddon();
  let calls = 0;
  const counted: NativePreprocess = (...a) => {
    calls++;
    addon.preprocess(...a);
  };
  // Nine 64x64 images: past the addon's threading threshold at one channel and at three.
  for (const channels of [1, 3]) {
    const src = Uint8Array.from({ length: 9 * 64 * 64 * channels }, (_, i) => (i * 2654435761) >>> 24);
    const means: Array<Record<string, number>> = [{}, channels === 1 ? { l: 100.25 } : { r: 120.5, g: 110.125, b: 99.75 }];
    for (const mode of ['tf', 'torch', 'caffe'] as const) {
      for (const mean of means) {
        const scaled = (): Buffer => {
          const out = new Float32Array(src.length + 5);
          makePreprocessor(mode, channels, mean).apply(src, out, 5);
          return Buffer.from(out.buffer);
        };
        setNativePreprocess(counted);
        const before = calls;
        const native = scaled();
        assert.equal(calls, before + 1, `${mode} ${channels}: the native loop ran`);
        setNativePreprocess(undefined);
        const javascript = scaled();
        setNativePreprocess(counted);
        assert.ok(native.equals(javascript), `${mode}, ${channels} channel(s), image_mean ${JSON.stringify(mean)}: the same bits`);
      }
    }
  }
  setNativePreprocess((...a) => addon.preprocess(...a));
});

test('depthwise conv and both its gradients equal the cpu backend', { skip }, async () => {
  await chooseBackend('onednn');
  const before = { ...nativeCalls };
  const cases: ConvCase[] = [
    { x: [1, 7, 7, 1], k: [3, 3], out: 1, stride: 1, pad: 'same' },
    { x: [3, 10, 10, 3], k: [3, 3], out: 2, stride: 2, pad: 'same' },
    { x: [2, 9, 8, 5], k: [3, 3], out: 1, stride: 2, pad: 'valid' },
    { x: [2, 8, 8, 4], k: [5, 5], out: 3, stride: 1, pad: 'same' },
    { x: [2, 9, 9, 3], k: [3, 3], out: 1, stride: 1, pad: 'same', dilation: 2 },
  ];
  for (const c of cases) {
    const x = () => input(c.x, 5);
    const f = () => input([...c.k, c.x[3], c.out], 6);
    const d = c.dilation ?? 1;
    if (d === 1) {
      await compare(`depthwise ${caseName(c)}`, () => withGrads((a, b) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride as [number, number] | number, c.pad), [x(), f()], 7));
    } else {
      await compare(`depthwise ${caseName(c)}`, () => [tf.depthwiseConv2d(x() as tf.Tensor4D, f() as tf.Tensor4D, c.stride as number, c.pad, 'NHWC', d)]);
    }
    await compare(`fused depthwise relu6 ${caseName(c)}`, () => [
      tf.fused.depthwiseConv2d({ x: x() as tf.Tensor4D, filter: f() as tf.Tensor4D, strides: c.stride as number, pad: c.pad, dilations: d, bias: input([c.x[3] * c.out], 8), activation: 'relu6' }),
    ]);
  }
  for (const k of ['DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter']) {
    assert.ok((nativeCalls[k] ?? 0) > (before[k] ?? 0), `${k} ran in oneDNN`);
  }
});

test('max and average pooling and their gradients equal the cpu backend', { skip }, async () => {
  await chooseBackend('onednn');
  const before = { ...nativeCalls };
  const fallbacksBefore = { ...fallbackCalls };
  const cases: Array<{ x: [number, number, number, number]; k: number; s: number; pad: 'same' | 'valid' }> = [
    { x: [1, 8, 8, 1], k: 2, s: 2, pad: 'valid' },
    { x: [3, 9, 9, 3], k: 3, s: 2, pad: 'same' },
    { x: [2, 10, 7, 5], k: 3, s: 2, pad: 'valid' },
    { x: [2, 7, 7, 4], k: 3, s: 1, pad: 'same' },
    { x: [2, 6, 6, 8], k: 6, s: 1, pad: 'valid' },
  ];
  for (const c of cases) {
    const x = () => input(c.x, 9);
    await compare(`maxPool ${c.x.join('x')} k${c.k} s${c.s} ${c.pad}`, () => withGrads((a) => tf.maxPool(a as tf.Tensor4D, c.k, c.s, c.pad), [x()], 10));
    if (c.pad === 'valid') {
      await compare(`avgPool ${c.x.join('x')} k${c.k} s${c.s} valid`, () => withGrads((a) => tf.avgPool(a as tf.Tensor4D, c.k, c.s, 'valid'), [x()], 11));
    } else {
      // tfjs' AvgPoolGrad divides by the whole window even where its forward pass (like
      // TensorFlow's) averaged fewer values at a SAME border, so it is not the gradient of
      // that forward pass. The reference here is: the same average written as a VALID pool
      // over explicitly zero-padded input, divided by the count of real values per window.
      const exact = (a: tf.Tensor): tf.Tensor => {
        const y = tf.avgPool(a as tf.Tensor4D, c.k, c.s, 'same');
        const outH = y.shape[1] as number;
        const outW = y.shape[2] as number;
        const total = (n: number, out: number) => Math.max((out - 1) * c.s + c.k - n, 0);
        const th = total(c.x[1], outH);
        const tw = total(c.x[2], outW);
        const pads: Array<[number, number]> = [[0, 0], [Math.floor(th / 2), th - Math.floor(th / 2)], [Math.floor(tw / 2), tw - Math.floor(tw / 2)], [0, 0]];
        const sum = (t: tf.Tensor) => tf.mul(tf.avgPool(tf.pad(t, pads) as tf.Tensor4D, c.k, c.s, 'valid'), c.k * c.k);
        return tf.div(sum(a), sum(tf.onesLike(a)));
      };
      const x0 = x();
      const y0 = tf.avgPool(x0 as tf.Tensor4D, c.k, c.s, 'same');
      const w = input(y0.shape, 11);
      const ref = await on('cpu', () => [y0, tf.grad((a: tf.Tensor) => tf.sum(tf.mul(exact(a), w)))(x0)]);
      const ours = await on('onednn', () => withGrads((a) => tf.avgPool(a as tf.Tensor4D, c.k, c.s, 'same'), [x0], 11));
      ref.forEach((r, i) => assertClose(`avgPool ${c.x.join('x')} k${c.k} s${c.s} same [output ${i}]`, ours[i], r));
    }
  }
  for (const k of ['MaxPool', 'AvgPool', 'MaxPoolGrad', 'AvgPoolGrad']) {
    assert.ok((nativeCalls[k] ?? 0) > (before[k] ?? 0), `${k} ran in oneDNN`);
    assert.equal(fallbackCalls[k] ?? 0, fallbacksBefore[k] ?? 0, `${k}: every case ran in oneDNN, none in the cpu backend`);
  }
});

test('matMul (transposed, batched, broadcast) and fused matMul equal the cpu backend', { skip }, async () => {
  await chooseBackend('onednn');
  const before = { ...nativeCalls };
  const cases: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean }> = [
    { a: [1, 7], b: [7, 3], ta: false, tb: false },
    { a: [32, 64], b: [64, 10], ta: false, tb: false },
    { a: [64, 32], b: [64, 10], ta: true, tb: false },
    { a: [32, 64], b: [10, 64], ta: false, tb: true },
    { a: [5, 3], b: [4, 5], ta: true, tb: true },
    { a: [3, 4, 5], b: [3, 5, 6], ta: false, tb: false },
    { a: [3, 4, 5], b: [5, 6], ta: false, tb: false },
    { a: [4, 5], b: [2, 6, 5], ta: false, tb: true },
  ];
  for (const c of cases) {
    const label = `matMul ${c.a.join('x')}${c.ta ? 'ᵀ' : ''} · ${c.b.join('x')}${c.tb ? 'ᵀ' : ''}`;
    // tfjs' BatchMatMul gradient does not sum over a broadcast batch: forward only there.
    const broadcast = c.a.length !== c.b.length;
    await compare(label, () => (broadcast ? [tf.matMul(input(c.a, 12), input(c.b, 13), c.ta, c.tb)] : withGrads((a, b) => tf.matMul(a, b, c.ta, c.tb), [input(c.a, 12), input(c.b, 13)], 14)));
    if (c.a.length === 2 && c.b.length === 2) {
      const n = c.tb ? c.b[0] : c.b[1];
      await compare(`fused ${label} + bias, relu`, () => [tf.fused.matMul({ a: input(c.a, 12) as tf.Tensor2D, b: input(c.b, 13) as tf.Tensor2D, transposeA: c.ta, transposeB: c.tb, bias: input([n], 15), activation: 'relu' })]);
    }
  }
  for (const k of ['BatchMatMul', '_FusedMatMul']) assert.ok((nativeCalls[k] ?? 0) > (before[k] ?? 0), `${k} ran in oneDNN`);
});

test('ReLU and ReLU6 gradients (one native pass) equal the cpu backend', { skip }, async () => {
  await chooseBackend('onednn');
  const before = nativeCalls.TaoOnednnActivationGrad ?? 0;
  for (const shape of [[1, 5, 5, 1], [3, 7, 6, 5], [257]]) {
    // Values spread over [-8, 8) so both of ReLU6's edges are crossed.
    const x = () => tf.mul(input(shape, 30), 8);
    await compare(`relu ${shape.join('x')}`, () => withGrads((a) => tf.relu(a), [x()], 31));
    await compare(`relu6 ${shape.join('x')}`, () => withGrads((a) => tf.relu6(a), [x()], 32));
  }
  assert.ok((nativeCalls.TaoOnednnActivationGrad ?? 0) > before, 'the native activation gradient ran');
});

test('reductions, batch moments and their gradients (Sum, Mean, Cast, Identity, Tile) equal the cpu backend', { skip }, async () => {
  await chooseBackend('onednn');
  for (const [shape, axes] of [[[3, 5, 4, 6], [0, 1, 2]], [[4, 7], [0]], [[2, 3, 4], [1]], [[2, 3, 4], [0, 2]]] as Array<[number[], number[]]>) {
    await compare(`moments ${shape.join('x')} over ${axes.join(',')}`, () =>
      withGrads((a) => {
        const m = tf.moments(a, axes);
        return tf.add(tf.sum(m.mean), tf.sum(m.variance));
      }, [input(shape, 40)], 41),
    );
  }
  // Sum and Mean over leading runs, trailing runs, everything, and a middle axis (wasm's).
  const sums = nativeCalls.Sum ?? 0;
  for (const [shape, axis] of [[[3, 5, 4, 6], [0, 1, 2]], [[3, 5, 4, 6], [2, 3]], [[7, 9], undefined], [[2, 3, 4], [1]], [[6], 0], [[2, 3, 4], [2, 0, 1]]] as Array<[number[], number[] | number | undefined]>) {
    for (const keepDims of [false, true]) {
      await compare(`sum/mean ${shape.join('x')} over ${String(axis)}${keepDims ? ' keepDims' : ''}`, () => [tf.sum(input(shape, 44), axis, keepDims), tf.mean(input(shape, 44), axis, keepDims)]);
    }
  }
  assert.ok((nativeCalls.Sum ?? 0) > sums && (nativeCalls.Mean ?? 0) > 0, 'Sum and Mean ran in oneDNN');
  // Tile: whole-input repetitions (the fast path) and others (wasm's).
  const before = nativeCalls.Tile ?? 0;
  for (const [shape, reps] of [[[1, 1, 5], [3, 4, 1]], [[1, 3], [7, 1]], [[2, 3], [2, 2]], [[1, 4, 1], [2, 1, 3]]] as Array<[number[], number[]]>) {
    await compare(`tile ${shape.join('x')} by ${reps.join('x')}`, () => [tf.tile(input(shape, 43), reps)]);
  }
  assert.ok((nativeCalls.Tile ?? 0) > before, 'the whole-repetition Tile ran');
  // Shared memory must survive disposing either tensor.
  await tf.setBackend('onednn');
  const a = input([4, 4], 42);
  const b = tf.cast(a, 'float32');
  const c = tf.clone(a);
  a.dispose();
  assert.deepEqual(Array.from(await b.data()), Array.from(deterministicValues(16, 42)).map((v) => Math.fround(v)));
  b.dispose();
  assert.equal((await c.data()).length, 16);
  c.dispose();
});

test('batch norm (FusedBatchNorm) and its gradient, one native pass each, equal the cpu backend', { skip }, async () => {
  await chooseBackend('onednn');
  const before = { ...nativeCalls };
  // Channels 1/3/5/16, batch 1 and several, rank 2 and 4; [4, 32, 32, 16] is large enough
  // to run on several threads.
  for (const shape of [[1, 5, 5, 1], [3, 7, 6, 3], [2, 4, 4, 5], [9, 16], [4, 32, 32, 16]]) {
    const c = shape[shape.length - 1];
    const x = () => tf.add(tf.mul(input(shape, 50), 3), 0.5);
    const mean = () => tf.mul(input([c], 51), 0.5);
    const variance = () => tf.add(tf.abs(input([c], 52)), 0.1);
    const offset = () => input([c], 53);
    const scale = () => tf.add(input([c], 54), 1.5);
    const label = `batchNorm ${shape.join('x')}`;
    await compare(`${label} offset+scale`, () => withGrads((a, m, v, o, s) => tf.batchNorm(a, m, v, o, s, 1e-3), [x(), mean(), variance(), offset(), scale()], 55));
    // Without scale: forward only (tfjs saves the absent scale for the backward pass and fails
    // there on every backend).
    await compare(`${label} no offset/scale`, () => [tf.batchNorm(x(), mean(), variance(), undefined, undefined, 1e-5)]);
    // One value of scale/offset for every channel: forward, and the gradient of x.
    await compare(`${label} scalar offset/scale`, () => withGrads((a) => tf.batchNorm(a, mean(), variance(), tf.tensor1d([0.25]), tf.tensor1d([-2]), 1e-3), [x()], 57));
    // Training mode as tf.layers runs it: the batch's own moments, gradients through them too.
    await compare(`${label} training (moments)`, () =>
      withGrads((a, o, s) => {
        const axes = shape.slice(0, -1).map((_, i) => i);
        const m = tf.moments(a, axes);
        return tf.batchNorm(a, m.mean, m.variance, o, s, 1e-3);
      }, [x(), offset(), scale()], 58),
    );
  }
  // A per-element mean (not per channel) stays wasm's, still correct.
  await compare('batchNorm per-element mean', () => withGrads((a, m) => tf.batchNorm(a, m, tf.onesLike(m), tf.fill([1, 1, 1], 0.5), tf.fill([1, 1, 1], 2), 1e-3), [input([2, 3, 4], 59), input([2, 3, 4], 60)], 61));
  assert.ok((nativeCalls.FusedBatchNorm ?? 0) > (before.FusedBatchNorm ?? 0), 'FusedBatchNorm ran natively');
  assert.ok((nativeCalls.TaoOnednnBatchNormGrad ?? 0) > (before.TaoOnednnBatchNormGrad ?? 0), 'the native batch-norm gradient ran');
});

test('element-wise Add/Sub/Multiply/RealDiv/Minimum/Maximum (same shape, scalar, per channel), Relu/Relu6/Sqrt/Square, min/max gradients and relu6 layers equal the cpu backend', { skip }, async () => {
  await chooseBackend('onednn');
  const before = { ...nativeCalls };
  // Batch 1 and many, odd channels; [3, 32, 32, 16] is over the addon's threading threshold.
  // Every shape has at least ELEMENTWISE_NATIVE_MIN elements, so the addon runs them.
  const shapes = [[1, 17, 19, 13], [5, 13, 11, 7], [3, 32, 32, 16], [4099]];
  const ops: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
    ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul],
    // Divisors kept away from 0 so the quotient's scale is the values'.
    ['div', (a, b) => tf.div(a, tf.add(tf.abs(b), 0.5))],
    ['minimum', tf.minimum], ['maximum', tf.maximum],
  ];
  for (const shape of shapes) {
    const c = shape[shape.length - 1];
    // The other operand: the same shape, a scalar, one per channel (rank 1 and rank 4), the
    // two trailing axes, and [N, 1, ...] (not a trailing broadcast: wasm's, still correct).
    const others = [shape, [1], [c], shape.map((d, i) => (i === shape.length - 1 ? d : 1)), shape.slice(-2), shape.length > 1 ? [shape[0], ...shape.slice(1).map(() => 1)] : [1]];
    for (const other of others) {
      for (const [name, f] of ops) {
        const label = `${name} ${shape.join('x')} with ${other.join('x')}`;
        // Quantised values, so Minimum and Maximum meet ties (their gradients split on them).
        const a = () => tf.div(tf.round(tf.mul(input(shape, 70), 8)), 4);
        const b = () => tf.div(tf.round(tf.mul(input(other, 71), 8)), 4);
        await compare(`${label}`, () => [f(a(), b()), f(b(), a())]);
        // Gradients towards the full-size operand (the broadcast one's is tfjs' own reduction).
        if (sizeOf(other) === sizeOf(shape)) await compare(`${label} gradients`, () => withGrads(f, [a(), b()], 72));
        else await compare(`${label} gradient of the full operand`, () => withGrads((x) => f(x, b()), [a()], 73));
      }
    }
    const spread = () => tf.mul(input(shape, 74), 8); // both of ReLU6's edges are crossed
    await compare(`relu, relu6, sqrt, square ${shape.join('x')}`, () => [tf.relu(spread()), tf.relu6(spread()), tf.sqrt(tf.abs(spread())), tf.square(spread())]);
    // tfjs-layers' relu6 activation is minimum(6, relu(x)): forward and gradient.
    await compare(`layers relu6 ${shape.join('x')}`, () => withGrads((x) => tf.minimum(6, tf.relu(x)), [spread()], 75));
    const layer = tf.layers.activation({ activation: 'relu6' });
    await compare(`tf.layers.activation relu6 ${shape.join('x')}`, () => withGrads((x) => layer.apply(x) as tf.Tensor, [spread()], 76));
  }
  // Below ELEMENTWISE_NATIVE_MIN elements wasm's kernels run; the values are the same.
  await compare('add/minimum small', () => withGrads((x, y) => tf.add(tf.minimum(x, y), 1), [input([3, 5], 77), input([3, 5], 78)], 79));
  // Tile and broadcastTo large enough for the addon's repeat.
  await compare('tile 1x1x1x16 by 32x8x8x1', () => [tf.tile(input([1, 1, 1, 16], 80), [32, 8, 8, 1]), tf.broadcastTo(input([1, 37], 81), [120, 37])]);
  for (const k of ['Add', 'Sub', 'Multiply', 'RealDiv', 'Minimum', 'Maximum', 'Relu', 'Relu6', 'Sqrt', 'Square', 'Tile', 'TaoOnednnMaskGrad']) {
    assert.ok((nativeCalls[k] ?? 0) > (before[k] ?? 0), `${k} ran natively`);
  }
});

test('the kernels of squeeze-excitation, inception/fire/CSP branches and DarkNet (per-sample broadcasting, middle-axis Sum/Mean, per-sample Tile, Concat, SplitV, Sigmoid, LeakyRelu) equal the cpu backend, none in the cpu backend', { skip }, async () => {
  await chooseBackend('onednn');
  const before = { ...nativeCalls };
  const fallbacksBefore = { ...fallbackCalls };
  // A squeeze-and-excitation block: global average over H, W, a gate through sigmoid, the
  // activation scaled per sample and channel; its gradient sums over H, W and tiles per sample.
  await compare('squeeze-excitation 4x9x7x24', () => withGrads((x) => {
    const gate = tf.sigmoid(tf.mean(x, [1, 2], true));
    return tf.mul(x, gate);
  }, [input([4, 9, 7, 24], 130)], 131));
  await compare('per-sample broadcast the other way round, and Sub/Add/RealDiv', () => {
    const x = input([3, 11, 13, 16], 132);
    const g = input([3, 1, 1, 16], 133);
    return [tf.mul(g, x), tf.sub(x, g), tf.add(g, x), tf.div(x, tf.add(tf.abs(g), 1))];
  });
  await compare('Sum over the middle axes, kept and dropped', () => {
    const x = input([5, 6, 7, 8, 9], 134);
    return [tf.sum(x, [1, 2]), tf.sum(x, [2, 3], true), tf.mean(x, 1), tf.mean(x, [1, 2, 3])];
  });
  // Global average pooling shapes in one call (reduceMiddle): slices split between threads
  // (49 rows), summed one after another on all threads (400 rows > one block), one column.
  const middle: Array<[number[], number[]]> = [[[64, 7, 7, 96], [1, 2]], [[3, 20, 20, 5], [1, 2]], [[4, 5, 6, 1], [1, 2]]];
  for (const [shape, axes] of middle) {
    await compare(`mean ${shape.join('x')} over ${axes.join(',')}`, () => [tf.mean(input(shape, 134), axes), tf.sum(input(shape, 134), axes, true)]);
    // Bit for bit what reduce() gives for each image alone (the per-image calls it replaced).
    await tf.setBackend('onednn');
    const [whole, values] = tf.tidy(() => {
      const x = input(shape, 135);
      return [tf.mean(x, axes).dataSync() as Float32Array, x.dataSync() as Float32Array];
    });
    const [n, rows, cols] = [shape[0], shape[1] * shape[2], shape[3]];
    const alone = new Float32Array(n * cols);
    for (let p = 0; p < n; p++) loadOnednnAddon().reduce(1, rows, cols, 1, values.subarray(p * rows * cols, (p + 1) * rows * cols), alone.subarray(p * cols, (p + 1) * cols));
    assert.deepEqual(whole, alone, `mean ${shape.join('x')}: one call equals one call per image`);
  }
  await compare('Tile per sample', () => [tf.tile(input([3, 1, 1, 20], 135), [1, 6, 5, 1]), tf.broadcastTo(input([4, 1, 30], 136), [4, 50, 30])]);
  // Concat along channels (and another axis) and its gradient, SplitV.
  await compare('Concat and its gradient (SplitV)', () => withGrads((a, b, c) => tf.concat([a, b, c], 3), [input([2, 9, 10, 5], 137), input([2, 9, 10, 16], 138), input([2, 9, 10, 3], 139)], 140));
  await compare('Concat on axis 1, rank 3', () => withGrads((a, b) => tf.concat([a, b], 1), [input([4, 100, 12], 141), input([4, 37, 12], 142)], 143));
  await compare('split into unequal pieces', () => tf.split(input([3, 8, 8, 30], 144), [7, 20, 3], 3));
  await compare('sigmoid and its gradient', () => withGrads((x) => tf.sigmoid(x), [input([6, 40, 41], 145)], 146));
  await compare('leaky relu and its gradient', () => withGrads((x) => tf.leakyRelu(x, 0.1), [input([2, 30, 31, 11], 147)], 148));
  // EfficientNet's swish through tfjs-layers (one native kernel each way on onednn; tfjs-layers'
  // own formula on cpu), at the default alpha and another.
  const swishBefore = swishCalls.forward;
  const swish = tf.layers.activation({ activation: 'swish' });
  await compare('swish layer and its gradient', () => withGrads((x) => swish.apply(x) as tf.Tensor, [input([3, 17, 19, 24], 149)], 150));
  const swishActivation = (swish as unknown as { activation: { apply(x: tf.Tensor, alpha?: number): tf.Tensor } }).activation;
  await compare('swish with alpha 1.7 and its gradient', () => withGrads((x) => swishActivation.apply(x, 1.7), [input([5, 2000], 151)], 152));
  assert.ok(swishCalls.forward >= swishBefore + 2, 'swish ran natively');
  for (const k of ['Multiply', 'Sub', 'Add', 'RealDiv', 'Sum', 'Mean', 'Tile', 'Concat', 'SplitV', 'Sigmoid', 'LeakyRelu', ACTIVATION_GRAD_KERNEL]) {
    assert.ok((nativeCalls[k] ?? 0) > (before[k] ?? 0), `${k} ran natively`);
  }
  // (The gate's sigmoid, 96 values, is below ELEMENTWISE_NATIVE_MIN: the cpu backend's by design.)
  for (const k of ['Concat', 'LeakyRelu', 'Sum', 'Mean']) {
    assert.equal(fallbackCalls[k] ?? 0, fallbacksBefore[k] ?? 0, `${k}: every case natively`);
  }
});

test('Elu, Tanh and Softmax (and their gradients) equal the cpu backend and run natively', { skip }, async () => {
  await chooseBackend('onednn');
  const before = { ...nativeCalls };
  const fallbacksBefore = { ...fallbackCalls };
  const spread = (shape: number[], seed: number) => tf.mul(input(shape, seed), 4); // both sides of 0, tanh near saturation
  await compare('elu and its gradient', () => withGrads((x) => tf.elu(x), [spread([3, 21, 23, 13], 160)], 161));
  await compare('tanh and its gradient', () => withGrads((x) => tf.tanh(x), [spread([2, 50, 61], 162)], 163));
  // A 1000-way classifier head at batch 32, on the last axis given both ways, and its gradient.
  await compare('softmax and its gradient', () => withGrads((x) => tf.softmax(x), [spread([32, 1000], 164)], 165));
  await compare('softmax, dim given', () => [tf.softmax(spread([7, 3, 999], 166), 2)]);
  // Small heads too (a 10-class classifier at batch 32; one row; one column).
  await compare('softmax of small tensors', () => [tf.softmax(spread([32, 10], 167)), tf.softmax(spread([1, 3], 168)), tf.softmax(spread([5, 1], 169))]);
  for (const k of ['Elu', 'EluGrad', 'Tanh', 'Softmax']) {
    assert.ok((nativeCalls[k] ?? 0) > (before[k] ?? 0), `${k} ran natively`);
    assert.equal(fallbackCalls[k] ?? 0, fallbacksBefore[k] ?? 0, `${k}: every case natively`);
  }
});

test('PadV2 and Slice (any box, and the whole tensor shared) and their gradients equal the cpu backend', { skip }, async () => {
  await chooseBackend('onednn');
  const before = { ...nativeCalls };
  const pads: Array<[number[], Array<[number, number]>, number]> = [
    [[2, 17, 19, 13], [[0, 0], [1, 1], [1, 1], [0, 0]], 0], // ZeroPadding2D
    [[1, 30, 31, 5], [[0, 0], [0, 1], [0, 1], [0, 0]], 0], // asymmetric
    [[3, 9, 8, 7], [[1, 0], [0, 2], [3, 1], [0, 1]], 0.5], // every axis, the channels too
    [[67, 71], [[2, 1], [0, 3]], -1], // rank 2
  ];
  for (const [shape, p, value] of pads) {
    await compare(`pad ${shape.join('x')} by ${JSON.stringify(p)}`, () => withGrads((x) => tf.pad(x, p, value), [input(shape, 110)], 111));
  }
  const slices: Array<[number[], number[], number[]]> = [
    [[2, 17, 19, 13], [1, 2, 3, 0], [1, 12, 14, 13]],
    [[2, 17, 19, 13], [0, 0, 0, 2], [2, 17, 19, 7]], // a run of channels: not contiguous rows
    [[5, 40, 33], [1, 3, 0], [3, 30, 33]],
    [[9000], [17], [8000]],
  ];
  for (const [shape, begin, sz] of slices) {
    await compare(`slice ${shape.join('x')} at ${begin.join(',')} size ${sz.join('x')}`, () => withGrads((x) => tf.slice(x, begin, sz), [input(shape, 112)], 113));
  }
  // The whole tensor: shared memory, which must survive disposing either side.
  await tf.setBackend('onednn');
  const a = input([4, 32, 33], 114);
  const b = tf.slice(a, [0, 0, 0], [4, 32, 33]);
  a.dispose();
  assert.deepEqual(Array.from(await b.data()), Array.from(deterministicValues(4 * 32 * 33, 114)).map((v) => Math.fround(v)));
  b.dispose();
  assert.ok((nativeCalls.PadV2 ?? 0) > (before.PadV2 ?? 0) && (nativeCalls.Slice ?? 0) > (before.Slice ?? 0), 'PadV2 and Slice ran natively');
});

test('the primitive cache keeps at most 256 primitives of a kind, and an evicted shape still runs', { skip }, async () => {
  await chooseBackend('onednn');
  const addon = loadOnednnAddon();
  const pool = (w: number) => tf.maxPool(input([1, 4, w, 1], 90 + w) as tf.Tensor4D, 2, 2, 'valid');
  await compare('max pool, first shape', () => [pool(4)]);
  const start = addon.info().cached;
  // 300 different pooling shapes: the cache of pooling primitives stops growing at 256.
  await tf.setBackend('onednn');
  for (let w = 5; w < 305; w++) tf.tidy(() => pool(w).dataSync());
  const cached = addon.info().cached;
  assert.ok(cached - start < 300 && cached <= 4 * 256, `cached primitives: ${start} before, ${cached} after 300 new pooling shapes`);
  // The first shape was evicted (least recently used); it is rebuilt and still right.
  await compare('max pool, first shape again', () => [pool(4)]);
});

/**
 * An in-place optimizer step on onednn (Adam, momentum): native where every variable's memory is
 * its own, tfjs' formula where a clone shares it, the two equal bit for bit, and the cpu backend
 * within 1e-4.
 */
async function checkInPlaceOptimizer(make: () => tf.Optimizer, calls: { native: number; formula: number }): Promise<void> {
  await chooseBackend('onednn');
  const run = async (backend: string, share: boolean): Promise<{ values: Float32Array[]; aliasesKept: boolean }> => {
    await tf.setBackend(backend);
    // An odd-sized matrix (over the threading threshold) and a small vector.
    // Made inside tidy, so the initial values are disposed and each variable's memory has one
    // reference, as in tfjs-layers' weights.
    // The filter goes through a PReLU-fused conv, which runs wasm's kernel: wasm (XNNPACK)
    // keeps a packed copy of a filter per tensor, so an in-place update must look like a new
    // tensor to it.
    const vars = tf.tidy(() => [tf.variable(input([193, 201], 100)), tf.variable(input([5], 101)), tf.variable(input([3, 3, 2, 4], 103))]);
    const x = input([201], 102);
    const img = input([1, 6, 6, 2], 104) as tf.Tensor4D;
    const alpha = tf.fill([4], 0.1);
    const opt = make();
    let aliasesKept = true;
    for (let step = 0; step < 4; step++) {
      // A clone shares the variable's memory: the update must then not write in place.
      const aliases = share ? vars.map((v) => tf.clone(v)) : [];
      const before = aliases.map((a) => a.dataSync().slice());
      opt.minimize(() => {
        const conv = tf.fused.conv2d({ x: img, filter: vars[2] as tf.Tensor4D, strides: 1, pad: 'same', activation: 'prelu', preluActivationWeights: alpha });
        return tf.addN([tf.sum(tf.square(tf.sub(tf.matMul(vars[0], tf.reshape(x, [201, 1])), 0.5))), tf.sum(tf.mul(vars[1], vars[1])), tf.sum(tf.square(conv))]) as tf.Scalar;
      });
      aliases.forEach((a, i) => (aliasesKept &&= tf.util.arraysEqual(Array.from(a.dataSync()), Array.from(before[i]))));
      tf.dispose(aliases);
    }
    // wasm's conv, run again on the variable, must see its current values (a fresh copy of them gives the same output).
    const prelu = (f: tf.Tensor) => tf.fused.conv2d({ x: img, filter: f as tf.Tensor4D, strides: 1, pad: 'same', activation: 'prelu', preluActivationWeights: alpha }).dataSync();
    const fresh = tf.tensor(vars[2].dataSync().slice(), vars[2].shape);
    aliasesKept &&= tf.util.arraysEqual(Array.from(prelu(vars[2])), Array.from(prelu(fresh)));
    fresh.dispose();
    const values = vars.map((v) => v.dataSync().slice() as Float32Array);
    tf.dispose([...vars, x, img, alpha]);
    opt.dispose();
    return { values, aliasesKept };
  };
  const before = { ...calls };
  const native = await run('onednn', false);
  assert.ok(calls.native > before.native && calls.formula === before.formula, 'the in-place update ran');
  const shared = await run('onednn', true);
  assert.ok(calls.formula > before.formula, 'shared memory took the formula');
  assert.ok(shared.aliasesKept, 'a tensor sharing the variable kept its values');
  assert.ok(native.aliasesKept, "after in-place updates, wasm's conv sees the variable's current values");
  native.values.forEach((v, i) => assert.deepEqual(Array.from(v), Array.from(shared.values[i]), `variable ${i}: in place equals tfjs' formula bit for bit`));
  const ref = await run('cpu', false);
  ref.values.forEach((r, i) => assertClose(`variable ${i} against cpu`, native.values[i], r));
}

test('Adam on onednn: in place, bit for bit tfjs formula, the formula where memory is shared, and the cpu backend within 1e-4', { skip }, async () => {
  await checkInPlaceOptimizer(() => tf.train.adam(0.01, 0.9, 0.999, 1e-7), adamCalls);
});

test("SGD with Nesterov momentum on onednn: in place, bit for bit tfjs' formula, and the cpu backend within 1e-4", { skip }, async () => {
  await checkInPlaceOptimizer(() => tf.train.momentum(0.02, 0.9, true), momentumCalls);
});

test("SGD with plain momentum on onednn: in place, bit for bit tfjs' formula, and the cpu backend within 1e-4", { skip }, async () => {
  await checkInPlaceOptimizer(() => tf.train.momentum(0.02, 0.8, false), momentumCalls);
});

test("RMSProp on onednn (as classification_tf1 configures it: no momentum, not centered): in place, bit for bit tfjs' formula, and the cpu backend within 1e-4", { skip }, async () => {
  await checkInPlaceOptimizer(() => tf.train.rmsprop(0.01, 0.9, 0, 1e-7), rmspropCalls);
});

test("RMSProp with momentum on onednn: in place, bit for bit tfjs' formula, and the cpu backend within 1e-4", { skip }, async () => {
  await checkInPlaceOptimizer(() => tf.train.rmsprop(0.01, 0.8, 0.5, 1e-6), rmspropCalls);
});

test('centered RMSProp on onednn keeps tfjs\' own method', { skip }, async () => {
  await chooseBackend('onednn');
  const run = (): Float32Array => {
    const w = tf.tidy(() => tf.variable(input([300, 40], 170)));
    // Gradients far from 0: tfjs' centered step takes sqrt(ms - (mg² + ε)), NaN where they vanish.
    const opt = tf.train.rmsprop(0.01, 0.9, 0.3, 1e-12, true);
    for (let i = 0; i < 3; i++) opt.minimize(() => tf.sum(tf.square(tf.sub(w, 5))) as tf.Scalar, false, [w]);
    const out = w.dataSync().slice() as Float32Array;
    w.dispose();
    opt.dispose();
    return out;
  };
  const calls = { ...rmspropCalls };
  const ours = run();
  assert.deepEqual(rmspropCalls, calls, 'neither the in-place step nor our formula ran');
  await tf.setBackend('cpu');
  assertClose('centered RMSProp against cpu', ours, run());
});

test('batch norm layers in training (tf.layers, training: true) run one native kernel each way and equal the cpu backend: output, gradients, moving statistics', { skip }, async () => {
  await chooseBackend('onednn');
  const before = { ...batchNormTrainCalls };
  // Rank 4 and 2, channels 1/3/16, the [4, 32, 32, 16] case over the threading threshold.
  // (Without scale or center, tfjs-layers' own training branch reads the missing weight and
  // throws on every backend, so there is no reference to compare with.)
  const cases: Array<{ shape: number[]; scale: boolean; center: boolean }> = [
    { shape: [2, 5, 5, 1], scale: true, center: true },
    { shape: [3, 7, 6, 3], scale: true, center: true },
    { shape: [9, 16], scale: true, center: true },
    { shape: [4, 32, 32, 16], scale: true, center: true },
  ];
  for (const { shape, scale, center } of cases) {
    await compare(`batchNormalization layer ${shape.join('x')}${scale ? '' : ' no scale'}${center ? '' : ' no center'}`, () => {
      const layer = tf.layers.batchNormalization({
        momentum: 0.9,
        epsilon: 1e-3,
        scale,
        center,
        gammaInitializer: tf.initializers.constant({ value: 1.5 }) as never,
        betaInitializer: tf.initializers.constant({ value: -0.25 }) as never,
      });
      layer.build(shape);
      const x = tf.add(tf.mul(input(shape, 70), 3), 0.5);
      const w = input(shape, 71);
      const params = layer.trainableWeights.map((v) => v.read() as tf.Variable);
      // Gradients of sum(BN(x) * w) with respect to x and every trainable weight.
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, w)) as tf.Scalar, params);
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(layer.apply(a, { training: true }) as tf.Tensor, w)))(x);
      const moving = layer.nonTrainableWeights.map((v) => tf.clone(v.read()));
      const out = [value, dx, ...params.map((p) => grads[p.name]), ...moving];
      // The layer's variables live outside tidy; released here.
      tf.dispose(layer.weights.map((v) => v.read()));
      return out;
    });
  }
  assert.ok(batchNormTrainCalls.forward > before.forward && batchNormTrainCalls.backward > before.backward, 'the fused training kernels ran');
  assert.ok(batchNormTrainCalls.movingAverage > before.movingAverage, 'the moving statistics were updated in place');
});

test("batch norm's moving statistics, updated in place on onednn, are tfjs-layers' formula bit for bit", { skip }, async () => {
  await chooseBackend('onednn');
  const shape = [4, 6, 6, 8];
  const momentum = 0.9;
  const layer = tf.layers.batchNormalization({
    momentum,
    movingMeanInitializer: tf.initializers.constant({ value: 0.3 }) as never,
    movingVarianceInitializer: tf.initializers.constant({ value: 1.7 }) as never,
  });
  layer.build(shape);
  try {
    const x = tf.add(tf.mul(input(shape, 80), 2), 0.25);
    const [gamma, beta] = layer.trainableWeights.map((v) => v.read());
    // This batch's statistics, from the same kernel the layer calls (deterministic).
    const stats = tf.engine().runKernel(BATCHNORM_TRAIN_KERNEL, { x, scale: gamma, offset: beta } as never, { varianceEpsilon: 1e-3 } as never) as unknown as tf.Tensor[];
    const before = layer.nonTrainableWeights.map((v) => v.read().dataSync() as Float32Array);
    const calls = batchNormTrainCalls.movingAverage;
    tf.tidy(() => layer.apply(x, { training: true }) as tf.Tensor);
    assert.equal(batchNormTrainCalls.movingAverage, calls + 2, 'mean and variance each in one native call');
    const decay = Math.fround(1 - momentum);
    layer.nonTrainableWeights.forEach((v, k) => {
      const statistic = stats[k + 1].dataSync() as Float32Array;
      const expected = before[k].map((m, i) => Math.fround(m - Math.fround(Math.fround(m - statistic[i]) * decay)));
      assert.deepEqual(Array.from(v.read().dataSync()), Array.from(expected), `${v.name} bit for bit`);
    });
    tf.dispose([x, ...stats]);
  } finally {
    tf.dispose(layer.weights.map((v) => v.read()));
  }
});

test('a small conv net trains to the same loss on onednn as on cpu', { skip }, async () => {
  await chooseBackend('onednn');
  const losses = async (backend: string): Promise<number[]> => {
    await tf.setBackend(backend);
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 6, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) as never }),
        tf.layers.batchNormalization(),
        tf.layers.reLU(),
        tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }) as never }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) as never }),
      ],
    });
    const opt = tf.train.sgd(0.1);
    const xs = input([8, 12, 12, 3], 20);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4);
    const out: number[] = [];
    for (let i = 0; i < 5; i++) {
      const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar, true) as tf.Scalar;
      out.push((await cost.data())[0]);
      cost.dispose();
    }
    tf.dispose([xs, ys]);
    model.dispose();
    return out;
  };
  const ref = await losses('cpu');
  const ours = await losses('onednn');
  ours.forEach((l, i) => assert.ok(Math.abs(l - ref[i]) <= 1e-4 * Math.max(1, Math.abs(ref[i])), `step ${i}: ${l} vs ${ref[i]}`));
});

test('folded MobileNetV2 and EfficientNet-B0 on onednn: the ZeroPadding2D before each convolution becomes its padding, every convolution stays native, predictions equal the unfolded model', { skip }, async () => {
  await chooseBackend('onednn', { threads: 1 });
  for (const arch of ['mobilenet_v2', 'efficientnet_b0']) {
    const { model } = buildClassifier(tf, backboneConfig(arch, 0, 64), 5, 11);
    const x = tf.tensor4d(deterministicValues(2 * 64 * 64 * 3, 12), [2, 64, 64, 3]);
    const unfolded = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
    const before = { ...fallbackCalls };
    const plan = compileInference(tf, model);
    const folded = tf.tidy(() => plan.run(x)[0].dataSync() as Float32Array);
    plan.dispose();
    assert.ok(plan.absorbedPaddings > 0, `${arch}: paddings absorbed`);
    for (const kernel of ['FusedConv2D', 'FusedDepthwiseConv2D', 'PadV2']) {
      assert.equal(fallbackCalls[kernel] ?? 0, before[kernel] ?? 0, `${arch}: ${kernel} never left the addon`);
    }
    let worst = 0;
    folded.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - unfolded[i]))));
    assert.ok(worst < 1e-5, `${arch}: folded predictions within 1e-5 of the unfolded model (${worst})`);
    tf.dispose(x);
    model.dispose();
  }
});
