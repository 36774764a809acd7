// INT8 dynamic ranges. Two estimators: max-abs (the largest |activation| seen) and the
// entropy method TensorRT documents for EntropyCalibration2: histogram |x| into 2048 bins,
// then pick the clipping point whose 128-level quantized distribution loses the least
// information (smallest KL divergence) against the clipped fp32 distribution.
// Pure functions over plain arrays; collecting activations lives in calibrate.ts.

export const HISTOGRAM_BINS = 2048;
export const QUANT_LEVELS = 128;

export class Histogram {
  readonly counts: Float64Array;
  constructor(readonly maxAbs: number, readonly bins = HISTOGRAM_BINS) {
    this.counts = new Float64Array(bins);
  }

  get binWidth(): number {
    return this.maxAbs / this.bins;
  }

  add(values: ArrayLike<number>): void {
    if (this.maxAbs <= 0) {
      this.counts[0] += values.length;
      return;
    }
    const scale = this.bins / this.maxAbs;
    const last = this.bins - 1;
    for (let i = 0; i < values.length; i++) {
      const b = Math.floor(Math.abs(values[i]) * scale);
      this.counts[b > last ? last : b] += 1;
    }
  }
}

// Both distributions below get the same smoothing: empty bins receive a little mass (eps),
// taken evenly from the occupied bins, so KL(P || Q) stays finite where Q has holes.
// P = the first i bins with everything beyond folded into bin i-1 (what clipping does);
// Q = the first i bins merged into QUANT_LEVELS groups and spread back evenly over the
// bins of each group that held data (what quantizing does).

/**
 * KL(P || Q) for candidate i after the epsilon smoothing above, computed in one pass without
 * building P and Q: this runs ~2000 times per tensor, so allocation-free matters.
 */
function candidateKl(counts: Float64Array, i: number, outliers: number, levels: number, groupValue: Float64Array, eps = 1e-4): number {
  // Per-group value of Q on occupied bins, and the zero counts the smoothing needs.
  const per = i / levels;
  let qZeros = 0;
  for (let j = 0; j < levels; j++) {
    const start = Math.floor(j * per);
    const end = j === levels - 1 ? i : Math.floor((j + 1) * per);
    let sum = 0;
    let used = 0;
    for (let k = start; k < end; k++) {
      sum += counts[k];
      if (counts[k] !== 0) used++;
    }
    groupValue[j] = used === 0 ? 0 : sum / used;
    qZeros += end - start - used;
  }
  let pZeros = 0;
  let pSum = outliers;
  for (let k = 0; k < i; k++) {
    pSum += counts[k];
    if (counts[k] === 0 && !(k === i - 1 && outliers > 0)) pZeros++;
  }
  const qSum = pSum - outliers;
  if (pZeros === i || qZeros === i) return NaN;
  const pTake = (eps * pZeros) / (i - pZeros);
  const qTake = (eps * qZeros) / (i - qZeros);
  let kl = 0;
  let j = 0;
  let groupEnd = levels === 1 ? i : Math.floor(per);
  for (let k = 0; k < i; k++) {
    while (k >= groupEnd && j < levels - 1) {
      j++;
      groupEnd = j === levels - 1 ? i : Math.floor((j + 1) * per);
    }
    const raw = k === i - 1 ? counts[k] + outliers : counts[k];
    const p = (raw === 0 ? eps : raw - pTake) / pSum;
    const q = (counts[k] === 0 ? eps : groupValue[j] - qTake) / qSum;
    if (p > 0) kl += p * Math.log(p / q);
  }
  return kl;
}

/** Entropy-calibrated dynamic range of one histogram. */
export function entropyRange(h: Histogram, levels = QUANT_LEVELS): number {
  if (h.maxAbs <= 0) return 0;
  const total = h.counts.reduce((a, b) => a + b, 0);
  if (total === 0) return h.maxAbs;
  const groupValue = new Float64Array(levels);
  // outliers(i) = mass beyond the first i bins, accumulated from the top down.
  const tail = new Float64Array(h.bins + 1);
  for (let k = h.bins - 1; k >= 0; k--) tail[k] = tail[k + 1] + h.counts[k];
  let bestI = h.bins;
  let bestKl = Infinity;
  for (let i = levels; i <= h.bins; i++) {
    const kl = candidateKl(h.counts, i, tail[i], levels, groupValue);
    if (kl < bestKl) {
      bestKl = kl;
      bestI = i;
    }
  }
  // TensorRT's description of the method clips in the middle of the chosen bin count.
  return Math.min((bestI + 0.5) * h.binWidth, h.maxAbs);
}
