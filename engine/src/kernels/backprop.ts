// Gradient kernels the wasm backend lacks (and a faster filter gradient for the pure JS
// backend), each expressed as ONE forward convolution that the backend already runs well:
//
// - Conv2DBackpropFilter: dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*s+kh*d-pt, ow*s+kw*d-pl, ci] * dy[n,oh,ow,co].
//   Swap axes so channels become the batch and the batch becomes channels, and dy becomes
//   the filter: a conv with stride d and dilation s produces [ci, kh, kw, co].
// - DepthwiseConv2dNativeBackpropFilter: the same trick, with (channel, batch) pairs as the
//   depthwise channels; the batch sum is a final Sum.
// - DepthwiseConv2dNativeBackpropInput: zero-stuff dy by the stride, correlate with the
//   spatially flipped filter (a depthwise conv), sum over the channel multiplier.
//
// The kernels call the backend's own kernels directly (as tfjs' built-in kernels do), so no
// tensors are created on the engine and no tape is recorded; intermediates are disposed here.
import type * as tfTypes from '@tensorflow/tfjs';

type Tf = typeof tfTypes;
type TensorInfo = tfTypes.TensorInfo;
type Backend = tfTypes.KernelBackend;
type Pad = 'valid' | 'same' | number | number[][];

interface Runner {
  run(kernel: string, inputs: Record<string, TensorInfo>, attrs?: Record<string, unknown>): TensorInfo;
  free(info: TensorInfo): void;
}

function runner(tf: Tf, backend: Backend, backendName: string): Runner {
  return {
    run(kernel, inputs, attrs = {}) {
      const k = tf.getKernel(kernel, backendName);
      if (!k) throw new Error(`kernel ${kernel} missing on backend ${backendName}`);
      return k.kernelFunc({ inputs: inputs as never, backend, attrs: attrs as never }) as TensorInfo;
    },
    free(info) {
      backend.disposeData(info.dataId);
    },
  };
}

/** Explicit padding that makes a correlation over `len` inputs produce `outLen` outputs; may slice the input when the tail is unused. */
function fitPadding(len: number, padBefore: number, outLen: number, stride: number, effKernel: number): { before: number; after: number; keep: number } {
  const needed = (outLen - 1) * stride + effKernel; // padded length the correlation consumes
  let after = needed - len - padBefore;
  let keep = len;
  if (after < 0) {
    keep = len + after;
    after = 0;
  }
  return { before: padBefore, after, keep };
}

function convInfo(tf: Tf, xShape: number[], filterShape: number[], strides: number | number[], dilations: number | number[], pad: Pad, rounding: unknown, depthwise: boolean) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides as [number, number],
    dilations as [number, number],
    pad as never,
    rounding as never,
    depthwise,
  );
}

function sliceIfNeeded(r: Runner, t: TensorInfo, keepH: number, keepW: number, hAxis: number): TensorInfo {
  const shape = t.shape;
  if (shape[hAxis] === keepH && shape[hAxis + 1] === keepW) return t;
  const size = [...shape];
  size[hAxis] = keepH;
  size[hAxis + 1] = keepW;
  const out = r.run('Slice', { x: t }, { begin: shape.map(() => 0), size });
  r.free(t);
  return out;
}

export function conv2dBackpropFilter(tf: Tf, backendName: string) {
  return ({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: Backend; attrs: Record<string, unknown> }): TensorInfo => {
    const r = runner(tf, backend, backendName);
    const { x, dy } = inputs;
    const filterShape = attrs.filterShape as number[];
    if (attrs.dataFormat && attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter: only NHWC is supported');
    const info = convInfo(tf, x.shape, filterShape, attrs.strides as number[], 1, attrs.pad as Pad, attrs.dimRoundingMode, false);
    const [kh, kw] = filterShape;
    const ph = fitPadding(info.inHeight, info.padInfo.top, kh, 1, (info.outHeight - 1) * info.strideHeight + 1);
    const pw = fitPadding(info.inWidth, info.padInfo.left, kw, 1, (info.outWidth - 1) * info.strideWidth + 1);
    let xt = r.run('Transpose', { x }, { perm: [3, 1, 2, 0] }); // [ci, H, W, n]
    xt = sliceIfNeeded(r, xt, ph.keep, pw.keep, 1);
    const dyt = r.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [oh, ow, n, co]
    const out = r.run(
      'Conv2D',
      { x: xt, filter: dyt },
      {
        strides: [1, 1],
        dilations: [info.strideHeight, info.strideWidth],
        pad: [[0, 0], [ph.before, ph.after], [pw.before, pw.after], [0, 0]],
        dataFormat: 'NHWC',
      },
    ); // [ci, kh, kw, co]
    r.free(xt);
    r.free(dyt);
    const dw = r.run('Transpose', { x: out }, { perm: [1, 2, 0, 3] });
    r.free(out);
    return dw;
  };
}

export function depthwiseBackpropFilter(tf: Tf, backendName: string) {
  return ({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: Backend; attrs: Record<string, unknown> }): TensorInfo => {
    const r = runner(tf, backend, backendName);
    const { x, dy } = inputs;
    const filterShape = attrs.filterShape as number[];
    const dilations = (attrs.dilations ?? 1) as number | number[];
    const info = convInfo(tf, x.shape, filterShape, attrs.strides as number[], dilations, attrs.pad as Pad, attrs.dimRoundingMode, true);
    const [kh, kw, c, m] = filterShape;
    const n = x.shape[0];
    const ph = fitPadding(info.inHeight, info.padInfo.top, kh, info.dilationHeight, (info.outHeight - 1) * info.strideHeight + 1);
    const pw = fitPadding(info.inWidth, info.padInfo.left, kw, info.dilationWidth, (info.outWidth - 1) * info.strideWidth + 1);
    const xt0 = r.run('Transpose', { x }, { perm: [1, 2, 3, 0] }); // [H, W, c, n]
    const xt1 = r.run('Reshape', { x: xt0 }, { shape: [1, info.inHeight, info.inWidth, c * n] });
    r.free(xt0);
    const xt = sliceIfNeeded(r, xt1, ph.keep, pw.keep, 1);
    const dy5 = r.run('Reshape', { x: dy }, { shape: [n, info.outHeight, info.outWidth, c, m] });
    const dyt0 = r.run('Transpose', { x: dy5 }, { perm: [1, 2, 3, 0, 4] }); // [oh, ow, c, n, m]
    r.free(dy5);
    const dyt = r.run('Reshape', { x: dyt0 }, { shape: [info.outHeight, info.outWidth, c * n, m] });
    r.free(dyt0);
    const out = r.run(
      'DepthwiseConv2dNative',
      { x: xt, filter: dyt },
      {
        strides: [info.dilationHeight, info.dilationWidth],
        dilations: [info.strideHeight, info.strideWidth],
        pad: [[0, 0], [ph.before, ph.after], [pw.before, pw.after], [0, 0]],
      },
    ); // [1, kh, kw, c*n*m]
    r.free(xt);
    r.free(dyt);
    const out5 = r.run('Reshape', { x: out }, { shape: [kh, kw, c, n, m] });
    r.free(out);
    const dw = r.run('Sum', { x: out5 }, { axis: [3], keepDims: false });
    r.free(out5);
    return dw;
  };
}

/** dy [n, oh, ow, ch] with (stride - 1) zeros between elements: [n, (oh-1)*sh+1, (ow-1)*sw+1, ch]. */
function zeroStuff(r: Runner, dy: TensorInfo, sh: number, sw: number): { t: TensorInfo; owned: boolean } {
  if (sh === 1 && sw === 1) return { t: dy, owned: false };
  const [n, oh, ow, ch] = dy.shape;
  const d6 = r.run('Reshape', { x: dy }, { shape: [n, oh, 1, ow, 1, ch] });
  const padded = r.run('PadV2', { x: d6 }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
  r.free(d6);
  const flat = r.run('Reshape', { x: padded }, { shape: [n, oh * sh, ow * sw, ch] });
  r.free(padded);
  const t = r.run('Slice', { x: flat }, { begin: [0, 0, 0, 0], size: [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, ch] });
  r.free(flat);
  return { t, owned: true };
}

/**
 * filter [kh, kw, ci, co] -> [kh, kw, co, ci] with both spatial axes reversed, in one plain
 * loop: the backends' 4-D Transpose + Reverse took longer than the convolution itself for
 * 3x3x512x512 filters (the whole kh*kw block reverses as one axis of length kh*kw).
 */
function flipAndSwapFilter(backend: Backend, filter: TensorInfo): TensorInfo {
  const [kh, kw, ci, co] = filter.shape;
  const src = backend.readSync(filter.dataId) as Float32Array;
  const out = new Float32Array(src.length);
  const taps = kh * kw;
  for (let k = 0; k < taps; k++) {
    const from = (taps - 1 - k) * ci * co;
    const to = k * co * ci;
    for (let i = 0; i < ci; i++) {
      const row = from + i * co;
      for (let o = 0; o < co; o++) out[to + o * ci + i] = src[row + o];
    }
  }
  const shape = [kh, kw, co, ci];
  return { dataId: backend.write(out, shape, 'float32'), shape, dtype: 'float32' };
}

/**
 * Strided Conv2DBackpropInput by phase decomposition: the input pixels whose index has a
 * given remainder modulo the stride receive contributions from only the filter taps with the
 * matching remainder. So instead of one convolution over a zero-stuffed dy (s*s times the
 * work, mostly multiplying zeros), run s*s small stride-1 convolutions of dy itself, one per
 * phase, with that phase's taps (reversed, channels swapped), and interleave the results.
 */
function conv2dBackpropInputPhases(r: Runner, backend: Backend, dy: TensorInfo, filter: TensorInfo, inputShape: number[], s: [number, number], pt: number, pl: number): TensorInfo {
  const [kh, kw, ci, co] = filter.shape;
  const [n, h, w] = inputShape;
  const [oh, ow] = [dy.shape[1], dy.shape[2]];
  const src = backend.readSync(filter.dataId) as Float32Array;
  const dx = new Float32Array(n * h * w * ci);
  for (let py = 0; py < s[0]; py++) {
    for (let px = 0; px < s[1]; px++) {
      const my = Math.ceil((kh - py) / s[0]); // taps of this phase along y
      const mx = Math.ceil((kw - px) / s[1]);
      // Output rows of this phase: i = q*s + py - pt, 0 <= i < h.
      const qy0 = Math.ceil((pt - py) / s[0]);
      const qy1 = Math.floor((h - 1 + pt - py) / s[0]);
      const qx0 = Math.ceil((pl - px) / s[1]);
      const qx1 = Math.floor((w - 1 + pl - px) / s[1]);
      if (my <= 0 || mx <= 0 || qy1 < qy0 || qx1 < qx0) continue;
      // Sub-filter [my, mx, co, ci], reversed: tap m' holds W[p + s*(M-1-m')].
      const sub = new Float32Array(my * mx * co * ci);
      for (let a = 0; a < my; a++) {
        for (let b = 0; b < mx; b++) {
          const ky = py + s[0] * (my - 1 - a);
          const kx = px + s[1] * (mx - 1 - b);
          const from = (ky * kw + kx) * ci * co;
          const to = (a * mx + b) * co * ci;
          for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) sub[to + o * ci + i] = src[from + i * co + o];
        }
      }
      const subShape = [my, mx, co, ci];
      const f: TensorInfo = { dataId: backend.write(sub, subShape, 'float32'), shape: subShape, dtype: 'float32' };
      // Correlation output j = q - q0 reads dy[q - (M-1) .. q]: padding before = (M-1) - q0.
      const ly = qy1 - qy0 + 1;
      const lx = qx1 - qx0 + 1;
      let input = dy;
      let beforeY = my - 1 - qy0;
      let beforeX = mx - 1 - qx0;
      if (beforeY < 0 || beforeX < 0) {
        // Leading dy rows/cols this phase never reads.
        const cutY = Math.max(0, -beforeY);
        const cutX = Math.max(0, -beforeX);
        input = r.run('Slice', { x: dy }, { begin: [0, cutY, cutX, 0], size: [n, oh - cutY, ow - cutX, co] });
        beforeY = Math.max(0, beforeY);
        beforeX = Math.max(0, beforeX);
      }
      const fy = fitPadding(input.shape[1], beforeY, ly, 1, my);
      const fx = fitPadding(input.shape[2], beforeX, lx, 1, mx);
      if (fy.keep !== input.shape[1] || fx.keep !== input.shape[2]) {
        const cut = r.run('Slice', { x: input }, { begin: [0, 0, 0, 0], size: [n, fy.keep, fx.keep, co] });
        if (input !== dy) r.free(input);
        input = cut;
      }
      const part = r.run(
        'Conv2D',
        { x: input, filter: f },
        { strides: [1, 1], dilations: [1, 1], pad: [[0, 0], [fy.before, fy.after], [fx.before, fx.after], [0, 0]], dataFormat: 'NHWC' },
      ); // [n, ly, lx, ci]
      r.free(f);
      if (input !== dy) r.free(input);
      const vals = backend.readSync(part.dataId) as Float32Array;
      r.free(part);
      for (let b = 0; b < n; b++) {
        for (let j = 0; j < ly; j++) {
          const iy = (qy0 + j) * s[0] + py - pt;
          for (let k = 0; k < lx; k++) {
            const ix = (qx0 + k) * s[1] + px - pl;
            dx.set(vals.subarray(((b * ly + j) * lx + k) * ci, ((b * ly + j) * lx + k + 1) * ci), ((b * h + iy) * w + ix) * ci);
          }
        }
      }
    }
  }
  const shape = [n, h, w, ci];
  return { dataId: backend.write(dx, shape, 'float32'), shape, dtype: 'float32' };
}

/**
 * Conv2DBackpropInput as one stride-1 convolution of the zero-stuffed dy with the spatially
 * flipped filter (in/out channels swapped). The wasm backend has this kernel, but as a plain
 * loop; XNNPACK's convolution is several times faster.
 */
export function conv2dBackpropInput(tf: Tf, backendName: string) {
  return ({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: Backend; attrs: Record<string, unknown> }): TensorInfo => {
    const r = runner(tf, backend, backendName);
    const { dy, filter } = inputs;
    if (attrs.dataFormat && attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropInput: only NHWC is supported');
    const inputShape = attrs.inputShape as number[];
    const info = convInfo(tf, inputShape, filter.shape, attrs.strides as number[], 1, attrs.pad as Pad, attrs.dimRoundingMode, false);
    const [kh, kw, ci, co] = filter.shape;
    const [n, h, w] = inputShape;
    if (info.strideHeight > 1 || info.strideWidth > 1) {
      return conv2dBackpropInputPhases(r, backend, dy, filter, inputShape, [info.strideHeight, info.strideWidth], info.padInfo.top, info.padInfo.left);
    }
    let { t: dyd, owned } = zeroStuff(r, dy, info.strideHeight, info.strideWidth);
    const ph = fitPadding(dyd.shape[1], kh - 1 - info.padInfo.top, h, 1, kh);
    const pw = fitPadding(dyd.shape[2], kw - 1 - info.padInfo.left, w, 1, kw);
    if (ph.keep !== dyd.shape[1] || pw.keep !== dyd.shape[2]) {
      const cut = r.run('Slice', { x: dyd }, { begin: [0, 0, 0, 0], size: [n, ph.keep, pw.keep, co] });
      if (owned) r.free(dyd);
      dyd = cut;
      owned = true;
    }
    const f = flipAndSwapFilter(backend, filter); // [kh, kw, co, ci], spatially reversed
    const dx = r.run(
      'Conv2D',
      { x: dyd, filter: f },
      { strides: [1, 1], dilations: [1, 1], pad: [[0, 0], [ph.before, ph.after], [pw.before, pw.after], [0, 0]], dataFormat: 'NHWC' },
    );
    r.free(f);
    if (owned) r.free(dyd);
    void ci;
    return dx;
  };
}

export function depthwiseBackpropInput(tf: Tf, backendName: string) {
  return ({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: Backend; attrs: Record<string, unknown> }): TensorInfo => {
    const r = runner(tf, backend, backendName);
    const { dy, filter } = inputs;
    const inputShape = attrs.inputShape as number[];
    const dilations = (attrs.dilations ?? 1) as number | number[];
    const info = convInfo(tf, inputShape, filter.shape, attrs.strides as number[], dilations, attrs.pad as Pad, attrs.dimRoundingMode, true);
    const [kh, kw, c, m] = filter.shape;
    const [n, h, w] = inputShape;
    const sh = info.strideHeight;
    const sw = info.strideWidth;
    const cm = c * m;
    // Zero-stuff dy so a stride-1 correlation reproduces the strided forward's adjoint.
    let { t: dyd, owned } = zeroStuff(r, dy, sh, sw);
    const effH = (kh - 1) * info.dilationHeight + 1;
    const effW = (kw - 1) * info.dilationWidth + 1;
    const lenH = dyd.shape[1];
    const lenW = dyd.shape[2];
    const ph = fitPadding(lenH, effH - 1 - info.padInfo.top, h, 1, effH);
    const pw = fitPadding(lenW, effW - 1 - info.padInfo.left, w, 1, effW);
    if (ph.keep !== lenH || pw.keep !== lenW) {
      const cut = r.run('Slice', { x: dyd }, { begin: [0, 0, 0, 0], size: [n, ph.keep, pw.keep, cm] });
      if (owned) r.free(dyd);
      dyd = cut;
      owned = true;
    }
    const flipped = r.run('Reverse', { x: filter }, { dims: [0, 1] });
    const f = r.run('Reshape', { x: flipped }, { shape: [kh, kw, cm, 1] });
    r.free(flipped);
    const out = r.run(
      'DepthwiseConv2dNative',
      { x: dyd, filter: f },
      {
        strides: [1, 1],
        dilations: [info.dilationHeight, info.dilationWidth],
        pad: [[0, 0], [ph.before, ph.after], [pw.before, pw.after], [0, 0]],
      },
    ); // [n, h, w, c*m]
    r.free(f);
    if (owned) r.free(dyd);
    if (m === 1) return out;
    const out5 = r.run('Reshape', { x: out }, { shape: [n, h, w, c, m] });
    r.free(out);
    const dx = r.run('Sum', { x: out5 }, { axis: [4], keepDims: false });
    r.free(out5);
    return dx;
  };
}

/**
 * Registers the kernels on a backend. `override` replaces existing ones (the pure JS backend's
 * filter gradient is correct but ~10x slower than one convolution).
 */
export function registerBackpropKernels(tf: Tf, backendName: string, which: string[], override: boolean): string[] {
  const makers: Record<string, (tf: Tf, b: string) => unknown> = {
    Conv2DBackpropFilter: conv2dBackpropFilter,
    Conv2DBackpropInput: conv2dBackpropInput,
    DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
  };
  const done: string[] = [];
  for (const name of which) {
    const exists = tf.getKernel(name, backendName) !== undefined;
    if (exists && !override) continue;
    if (exists) tf.unregisterKernel(name, backendName);
    tf.registerKernel({ kernelName: name, backendName, kernelFunc: makers[name](tf, backendName) as never });
    done.push(name);
  }
  return done;
}
