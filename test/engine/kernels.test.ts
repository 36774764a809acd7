// Gradients through our custom kernels must equal the pure JS backend's stock gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerBackpropKernels } from '../../engine/src/kernels/backprop';


interface Case {
  name: string;
  x: number[]; // [n, h, w, c]
  k: number;
  out: number; // conv output channels or depthwise multiplier
  stride: number;
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { name: '3x3 s1 same', x: [2, 7, 7, 3], k: 3, out: 4, stride: 1, pad: 'same' },
  { name: '3x3 s2 same odd', x: [2, 9, 9, 2], k: 3, out: 3, stride: 2, pad: 'same' },
  { name: '3x3 s2 valid', x: [1, 8, 10, 2], k: 3, out: 2, stride: 2, pad: 'valid' },
  { name: '7x7 s2 same', x: [2, 12, 12, 1], k: 7, out: 4, stride: 2, pad: 'same' },
  { name: '1x1 s2 same', x: [3, 6, 6, 4], k: 1, out: 5, stride: 2, pad: 'same' },
  { name: '4x4 s2 same (even kernel)', x: [2, 9, 8, 2], k: 4, out: 3, stride: 2, pad: 'same' },
  { name: '3x3 s3 valid', x: [1, 11, 10, 2], k: 3, out: 2, stride: 3, pad: 'valid' },
  { name: 'depthwise multiplier 2', x: [2, 6, 6, 3], k: 3, out: 2, stride: 2, pad: 'same' },
];

function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

type Grads = { dx: Float32Array; df: Float32Array };

async function convGrads(c: Case, depthwise: boolean): Promise<Grads> {
  const x = seeded(c.x, 1);
  const fShape = depthwise ? [c.k, c.k, c.x[3], c.out] : [c.k, c.k, c.x[3], c.out];
  const f = seeded(fShape, 2);
  const d = 1; // tfjs' own gradients refuse dilation > 1, so there is no reference for it
  const run = (a: tf.Tensor, b: tf.Tensor) =>
    depthwise
      ? tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad, 'NHWC', d)
      : tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad, 'NHWC', d);
  const y = run(x, f);
  const w = seeded(y.shape, 3); // weights the output so every gradient element is distinct
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(run(a, b), w)));
  const [dx, df] = g([x, f]);
  const out = { dx: (await dx.data()) as Float32Array, df: (await df.data()) as Float32Array };
  tf.dispose([x, f, y, w, dx, df]);
  return out;
}

function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let maxErr = 0;
  let maxRef = 0;
  for (let i = 0; i < actual.length; i++) {
    maxErr = Math.max(maxErr, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  assert.ok(maxErr <= 1e-4 * Math.max(1, maxRef), `${label}: max abs error ${maxErr} (max |ref| ${maxRef})`);
}

test('custom gradient kernels match the stock cpu backend', async () => {
  await tf.setBackend('cpu');
  const reference = new Map<string, Grads>();
  for (const c of CASES) {
    reference.set('conv ' + c.name, await convGrads(c, false));
    reference.set('dw ' + c.name, await convGrads(c, true));
  }

  // cpu with our faster filter gradient
  registerBackpropKernels(tf, 'cpu', ['Conv2DBackpropFilter'], true);
  for (const c of CASES) {
    const got = await convGrads(c, false);
    assertClose(got.df, reference.get('conv ' + c.name)!.df, `cpu conv ${c.name} dW`);
  }

  // wasm with all three kernels added
  const added = registerBackpropKernels(tf, 'wasm', ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'], false);
  assert.deepEqual(added.sort(), ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']);
  assert.deepEqual(registerBackpropKernels(tf, 'wasm', ['Conv2DBackpropInput'], true), ['Conv2DBackpropInput']);
  await tf.setBackend('wasm');
  for (const c of CASES) {
    const conv = await convGrads(c, false);
    assertClose(conv.df, reference.get('conv ' + c.name)!.df, `wasm conv ${c.name} dW`);
    assertClose(conv.dx, reference.get('conv ' + c.name)!.dx, `wasm conv ${c.name} dX`);
    const dw = await convGrads(c, true);
    assertClose(dw.df, reference.get('dw ' + c.name)!.df, `wasm depthwise ${c.name} dW`);
    assertClose(dw.dx, reference.get('dw ' + c.name)!.dx, `wasm depthwise ${c.name} dX`);
  }
  const before = tf.memory().numTensors;
  await convGrads(CASES[1], true);
  await convGrads(CASES[1], false);
  assert.equal(tf.memory().numTensors, before, 'kernels leak no tensors');
});
