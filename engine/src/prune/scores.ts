// Pure arithmetic of filter pruning: per-filter L2 scores, in-layer normalization, combining
// the scores of layers that must share channels, and choosing which filters to keep.
// Kept free of tfjs so it can be tested on plain arrays.

export type Normalizer = 'max' | 'L2';
export type Equalization = 'union' | 'intersection' | 'arithmetic_mean' | 'geometric_mean';

/**
 * L2 norm of every slice along the last axis of a row-major tensor with `outputs` as its
 * last dimension (conv kernels [kh, kw, in, out], dense kernels [in, out]).
 */
export function l2ScoresLastAxis(values: Float32Array | number[], outputs: number): number[] {
  const sums = new Array<number>(outputs).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    sums[i % outputs] += v * v;
  }
  return sums.map(Math.sqrt);
}

/**
 * Depthwise kernels [kh, kw, in, mult]: one score per input channel over all of its
 * multiplier slices (TAO only prunes multiplier 1, where this is the plain L2 norm).
 */
export function l2ScoresDepthwise(values: Float32Array | number[], channels: number, mult: number): number[] {
  const sums = new Array<number>(channels).fill(0);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / mult) % channels;
    sums[c] += values[i] * values[i];
  }
  return sums.map(Math.sqrt);
}

export function normalize(scores: number[], how: Normalizer): number[] {
  if (scores.length === 0) return [];
  if (how === 'max') {
    const m = Math.max(...scores);
    return m > 0 ? scores.map((s) => s / m) : scores.map(() => 0);
  }
  // L2 (TAO's definition): divide by the norm of the score vector, multiply by the filter count.
  // A layer of equal filters then scores sqrt(n) each, so thresholds are on a larger scale than "max".
  const norm = Math.sqrt(scores.reduce((a, s) => a + s * s, 0));
  return norm > 0 ? scores.map((s) => (s / norm) * scores.length) : scores.map(() => 0);
}

/** Combine equally long normalized score vectors of layers that must keep the same channels. */
export function equalize(vectors: number[][], how: Equalization): number[] {
  if (vectors.length === 0) throw new Error('equalize: no score vectors');
  const n = vectors[0].length;
  for (const v of vectors) if (v.length !== n) throw new Error(`equalize: lengths differ (${v.length} vs ${n})`);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const col = vectors.map((v) => v[i]);
    switch (how) {
      case 'union':
        out[i] = Math.max(...col);
        break;
      case 'intersection':
        out[i] = Math.min(...col);
        break;
      case 'arithmetic_mean':
        out[i] = col.reduce((a, b) => a + b, 0) / col.length;
        break;
      case 'geometric_mean':
        out[i] = Math.pow(col.reduce((a, b) => a * Math.max(b, 0), 1), 1 / col.length);
        break;
    }
  }
  return out;
}

export interface KeepRule {
  threshold: number;
  minFilters: number;
  granularity: number;
}

/** How many filters survive: above-threshold count, raised to the minimum, rounded up to the granularity. */
export function keepCount(scores: number[], rule: KeepRule): number {
  const total = scores.length;
  // ">=" makes threshold 0 keep every filter, which is what "no pruning" should mean.
  let n = scores.filter((s) => s >= rule.threshold).length;
  n = Math.max(n, Math.min(rule.minFilters, total));
  const g = Math.max(1, Math.floor(rule.granularity));
  n = Math.ceil(n / g) * g;
  return Math.max(1, Math.min(n, total));
}

/** Indices of the `count` best scores, returned in their original order (ties keep the lower index). */
export function topIndices(scores: number[], count: number): number[] {
  const order = scores.map((s, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, count).sort((a, b) => a - b);
}
