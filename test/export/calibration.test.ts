import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Histogram, entropyRange } from '../../engine/src/export/calibration';
import { scaleHex, formatCalibrationCache, parseCalibrationCache } from '../../engine/src/export/cal-cache';
import { calibrate, type CalBatch } from '../../engine/src/export/calibrate';
import { convertToOnnx } from '../../engine/src/export/convert';
import { TINY_MODELS } from '../prune/models';
import { fashionImages } from './images';

before(async () => {
  await tf.setBackend('cpu');
});

/** Seeded generator so the histograms below are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

/**
 * Reference for the entropy method, written independently of the engine: for every candidate
 * bin count i, P is the clipped histogram and Q its 128-level quantization expanded back;
 * both get the same epsilon smoothing; the range is (argmin + 0.5) * bin width.
 */
function referenceEntropyRange(counts: number[], maxAbs: number): number {
  const bins = counts.length;
  const width = maxAbs / bins;
  const smoothNorm = (d: number[]): number[] | null => {
    const zeros = d.filter((v) => v === 0).length;
    if (zeros === d.length) return null;
    const take = (1e-4 * zeros) / (d.length - zeros);
    const s = d.map((v) => (v === 0 ? 1e-4 : v - take));
    const sum = s.reduce((a, b) => a + b, 0);
    return s.map((v) => v / sum);
  };
  let best = Infinity;
  let bestI = bins;
  for (let i = 128; i <= bins; i++) {
    const p = counts.slice(0, i);
    p[i - 1] += counts.slice(i).reduce((a, b) => a + b, 0);
    const q = new Array<number>(i).fill(0);
    for (let j = 0; j < 128; j++) {
      const lo = Math.floor((j * i) / 128);
      const hi = j === 127 ? i : Math.floor(((j + 1) * i) / 128);
      const group = counts.slice(lo, hi);
      const nz = group.filter((v) => v !== 0).length;
      const total = group.reduce((a, b) => a + b, 0);
      for (let k = lo; k < hi; k++) q[k] = counts[k] !== 0 ? total / nz : 0;
    }
    const ps = smoothNorm(p);
    const qs = smoothNorm(q);
    if (!ps || !qs) continue;
    let kl = 0;
    for (let k = 0; k < i; k++) if (ps[k] > 0) kl += ps[k] * Math.log(ps[k] / qs[k]);
    if (kl < best) {
      best = kl;
      bestI = i;
    }
  }
  return Math.min((bestI + 0.5) * width, maxAbs);
}

describe('TensorRT calibration cache format', () => {
  test('scales are float32 bits of range/127 in hex', () => {
    assert.equal(scaleHex(1.0), '3c010204');
    assert.equal(scaleHex(2.64), '3caa4a57');
  });
  test('header and lines round-trip', () => {
    const text = formatCalibrationCache(new Map([['input_1', 1.0], ['conv1', 2.64]]), 'entropy');
    assert.equal(text, 'TRT-8501-EntropyCalibration2\ninput_1: 3c010204\nconv1: 3caa4a57\n');
    const parsed = parseCalibrationCache(text);
    assert.equal(parsed.header, 'TRT-8501-EntropyCalibration2');
    assert.ok(Math.abs(parsed.scales.get('conv1')! * 127 - 2.64) < 1e-6);
    assert.match(formatCalibrationCache(new Map([['x', 1]]), 'minmax'), /^TRT-8501-MinMaxCalibration\n/);
  });
  test('a tensor that was zero on every image gets the smallest positive scale, never 0', () => {
    const scales = parseCalibrationCache(formatCalibrationCache(new Map([['dead_relu', 0], ['live', 1]]), 'entropy')).scales;
    assert.equal(scales.get('dead_relu'), 2 ** -126);
    assert.ok(Math.abs(scales.get('live')! * 127 - 1) < 1e-6);
  });
});

describe('entropy (KL) range selection', () => {
  const cases: Record<string, () => number> = {
    // A heavy-tailed activation: the KL choice should clip well below the largest value.
    laplace: (() => {
      const r = lcg(5);
      return () => -Math.log(1 - r()) * (r() < 0.5 ? -1 : 1);
    })(),
    // ReLU-like: half zeros, half half-normal.
    relu: (() => {
      const r = lcg(9);
      return () => (r() < 0.5 ? 0 : Math.sqrt(-2 * Math.log(r())) * Math.abs(Math.cos(2 * Math.PI * r())));
    })(),
  };
  for (const [name, draw] of Object.entries(cases)) {
    test(`${name}: matches the reference and clips the tail`, () => {
      const values = Array.from({ length: 20000 }, draw);
      const maxAbs = Math.max(...values.map(Math.abs));
      const h = new Histogram(maxAbs);
      h.add(values);
      const got = entropyRange(h);
      const want = referenceEntropyRange(Array.from(h.counts), maxAbs);
      assert.ok(Math.abs(got - want) < 1e-9 * maxAbs, `${got} vs reference ${want}`);
      assert.ok(got < maxAbs, `range ${got} below max ${maxAbs}`);
      assert.ok(got > 0.1 * maxAbs, `range ${got} not absurdly small`);
    });
  }
  test('uniform data keeps (almost) the full range', () => {
    const r = lcg(3);
    const h = new Histogram(1);
    h.add(Array.from({ length: 50000 }, () => r() * 2 - 1));
    assert.ok(entropyRange(h) > 0.9, `${entropyRange(h)}`);
  });
});

describe('calibrating an exported graph', () => {
  test('max-abs ranges equal the largest activations tfjs computes; entropy ranges are within them', async () => {
    const m = TINY_MODELS.resnet_all_projections();
    const images = fashionImages(8, 32, 3);
    const tapped = convertToOnnx(m, { opset: 13, batchSize: null, fp16Weights: false, exposeAllTensors: true });
    const source = async function* (): AsyncGenerator<CalBatch> {
      for (let i = 0; i < 2; i++) {
        const part = tf.tidy(() => images.slice([i * 4, 0, 0, 0], [4, 32, 32, 3]).transpose([0, 3, 1, 2]));
        yield { data: part.dataSync() as Float32Array, shape: part.shape };
        part.dispose();
      }
    };
    const minmax = await calibrate(tapped, source, 'minmax');
    assert.equal(minmax.batches, 2);
    assert.equal(minmax.images, 8);
    // Every tensor of the graph is named, starting with the input.
    assert.deepEqual([...minmax.ranges.keys()], tapped.tensorNames);
    // Reference: tfjs outputs of a few layers, max |x| over all calibration images.
    for (const layer of ['conv1', 'activation_1', 'block_1a_add', 'block_2a_relu', 'predictions']) {
      const probe = tf.model({ inputs: m.inputs, outputs: m.getLayer(layer).output as tf.SymbolicTensor });
      const want = tf.tidy(() => (probe.predict(images) as tf.Tensor).abs().max().dataSync()[0]);
      const got = minmax.ranges.get(layer)!;
      assert.ok(Math.abs(got - want) <= 1e-4 * Math.max(1, want), `${layer}: ${got} vs tfjs ${want}`);
    }
    const entropy = await calibrate(tapped, source, 'entropy');
    for (const [name, r] of entropy.ranges) {
      assert.ok(r > 0 && r <= minmax.ranges.get(name)! * (1 + 1e-6), `${name}: ${r} vs max ${minmax.ranges.get(name)}`);
    }
  });
});
