// The `onednn` backend: tfjs' pure-JavaScript cpu backend with its heavy kernels replaced by
// oneDNN's (the CPU library under PyTorch and TensorFlow), through the addon
// engine/native/onednn.cc.
//
// How it is put together: a backend named `onednn` whose instance is the cpu backend's class
// with its own tensor storage (./onednn-storage.ts: each tensor a Float32Array in Node's
// memory, freed arrays pooled), every cpu kernel registered again under the new name, and then
// the kernels below registered over them. The addon receives the tensors' Float32Arrays, so a
// native kernel reads its inputs and writes its output in place, with no copy to or from
// JavaScript. Besides convolutions, pooling and matrix products, the addon runs batch-norm
// normalisation and its gradient, Sum/Mean over leading or trailing axes, the ReLU/ReLU6 and
// Minimum/Maximum gradients, the arithmetic element-wise kernels from ELEMENTWISE_NATIVE_MIN
// elements on (same shapes, scalar or per-channel broadcasting), whole-input Tile, Slice and
// constant padding, and Adam's and momentum's updates (in place, ./onednn-adam.ts,
// ./onednn-momentum.ts); whole Slice shares memory (see below). The other kernels stay the cpu
// backend's (JavaScript, one thread).
//
// Until December 2026 the base was the wasm backend (its kernels SIMD, its tensors in its
// heap). wasm32's heap stops at 4 GB, which ended training at 224x224 batch 32 for 15 of TAO's
// 18 backbones; docs/onednn.md has the measurements behind the change.
//
// A kernel whose attributes oneDNN is not given here (NCHW data, PReLU, a bias that is not
// per channel, integer tensors) runs the cpu backend's implementation instead.
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { findSharedLibrary } from './native-libs';
import { setNativeBatchNormGrad } from '../kernels/batchnorm-grad';
import { installOnednnAdam } from './onednn-adam';
import { registerReductionGradients } from '../kernels/reduce-grad';
import { installOnednnTrainingBatchNorm } from './onednn-batchnorm';
import { installOnednnMomentum } from './onednn-momentum';
import { installOnednnRmsProp } from './onednn-rmsprop';
import { onednnBackendClass, type NativeStorage } from './onednn-storage';
import { installOnednnSwish } from './onednn-swish';
import { setNativePreprocess } from '../data/preprocess';

type Tf = typeof tfTypes;
type TensorInfo = tfTypes.TensorInfo;

export const ONEDNN_ADDON = 'tao_onednn.node';

/** What engine/native/onednn.cc exports. */
export interface OnednnAddon {
  /** filterToken: 0, or NativeStorage.constantToken of a filter that never changes (its layout conversion is then kept) */
  conv(mode: number, params: Int32Array, a: Float32Array, b: Float32Array, bias: Float32Array | null, out: Float32Array, alpha: number, filterToken: number): void;
  pool(mode: number, params: Int32Array, a: Float32Array, b: Float32Array | null, out: Float32Array): void;
  matmul(params: Int32Array, a: Float32Array, b: Float32Array, bias: Float32Array | null, out: Float32Array, alpha: number): void;
  eltwiseGrad(kind: number, dy: Float32Array, x: Float32Array, out: Float32Array, alpha: number, beta: number): void;
  reduce(kind: number, rows: number, cols: number, overRows: number, x: Float32Array, out: Float32Array): void;
  /** x [outer, rows, cols] summed (kind 0) or averaged (1) over rows: out [outer, cols]. */
  reduceMiddle(kind: number, outer: number, rows: number, cols: number, x: Float32Array, out: Float32Array): void;
  batchNorm(x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null, scale: Float32Array | null, out: Float32Array, epsilon: number, channels: number): void;
  batchNormGrad(dy: Float32Array, x: Float32Array, mean: Float32Array, variance: Float32Array, scale: Float32Array | null, epsilon: number, channels: number, dx: Float32Array, sumDy: Float32Array, sumDyXmm: Float32Array): void;
  batchNormTrain(x: Float32Array, scale: Float32Array | null, offset: Float32Array | null, epsilon: number, channels: number, y: Float32Array, mean: Float32Array, variance: Float32Array): void;
  batchNormTrainGrad(dy: Float32Array, x: Float32Array, mean: Float32Array, variance: Float32Array, scale: Float32Array | null, dMean: Float32Array | null, dVariance: Float32Array | null, epsilon: number, channels: number, dx: Float32Array, dScale: Float32Array, dOffset: Float32Array): void;
  /** op 0 add, 1 sub, 2 mul, 3 div, 4 min, 5 max, 6 elu's gradient (a = dy, b = elu's output) */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** Softmax over the last axis, rows of `cols` values. */
  softmax(cols: number, x: Float32Array, out: Float32Array): void;
  /** op 0 relu, 1 relu6, 2 repeat x whole over out, 3 sqrt, 4 square, 5 sigmoid, 6 leaky relu (slope alpha), 7 swish x * sigmoid(alpha x), 8 elu, 9 tanh */
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  maskGrad(kind: number, dy: Float32Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  adam(g: Float32Array, m: Float32Array, v: Float32Array, w: Float32Array, scalars: Float32Array): void;
  /** RMSProp, not centered; scalars: decay, 1 - decay, momentum, learning rate, epsilon */
  rmsprop(g: Float32Array, meanSquare: Float32Array, moment: Float32Array, w: Float32Array, scalars: Float32Array): void;
  /** scalars: momentum, -learning rate, 1 for Nesterov's variant */
  momentum(g: Float32Array, accumulation: Float32Array, w: Float32Array, scalars: Float32Array): void;
  /** params: srcShape[4], dstShape[4], srcBegin[4], dstBegin[4], size[4]; fill: set dst to it first */
  copyBox(params: Int32Array, src: Float32Array, dst: Float32Array, fill: number | null): void;
  info(): { version: string; cpuRuntime: string; isa: string; threads: number; cached: number; constantWeights: number; denseConvolutions: number; denseTrainingCalls: number; winogradConvolutions: number };
  /** Frees the array's memory now (detaches its ArrayBuffer). */
  release(values: Float32Array): void;
  /** Drops the kept layout conversions of a constant filter. */
  forgetWeights(token: number): void;
  setThreads(n: number): void;
  /** TAO's pixel scaling (engine/src/data/preprocess.ts' NativePreprocess). */
  preprocess(mode: number, channels: number, src: Uint8Array, dst: Float32Array, offset: number, params: Float64Array): void;
  /** Linux: puts every thread but the caller and the OpenMP team in SCHED_IDLE; returns how many it changed. */
  yieldHelperThreads(): number;
  /** A moving statistic updated in place: moving - (moving - statistic) * decay, in float32 (tfjs-layers' formula, bit for bit). */
  movingAverage(statistic: Float32Array, moving: Float32Array, decay: Float32Array): void;
  noop(): void;
}


/** Where the built addon may be: TAO_ONEDNN_ADDON, else out/native/ of this checkout (found from out/ or dist/). */
export function addonCandidates(dir: string = __dirname): string[] {
  const found: string[] = [];
  if (process.env.TAO_ONEDNN_ADDON) found.push(process.env.TAO_ONEDNN_ADDON);
  found.push(join(dir, 'native', ONEDNN_ADDON));
  for (let d = dir; ; d = dirname(d)) {
    found.push(join(d, 'out', 'native', ONEDNN_ADDON));
    if (dirname(d) === d) break;
  }
  return found;
}

/** The missing piece, phrased for --verbose and doctor, with the commands that install it. */
export class OnednnMissing extends Error {
  constructor(message: string, readonly fixes: string[]) {
    super(message);
  }
}

/** Install commands for the oneDNN runtime on this platform. */
export function runtimeFixes(): string[] {
  if (process.platform === 'darwin') return ['brew install onednn'];
  return ['sudo apt-get install libdnnl2   # Debian 12 / Ubuntu 22.04+', 'conda install -c conda-forge onednn   # elsewhere'];
}

let loaded: OnednnAddon | undefined;

/** Every function of OnednnAddon: what a loaded addon must export. */
const REQUIRED_EXPORTS: (keyof OnednnAddon)[] = ['conv', 'pool', 'matmul', 'eltwiseGrad', 'reduce', 'batchNorm', 'batchNormGrad', 'batchNormTrain',
  'batchNormTrainGrad', 'binary', 'softmax', 'reduceMiddle', 'unary', 'maskGrad', 'adam', 'momentum', 'rmsprop', 'movingAverage', 'preprocess', 'copyBox', 'info', 'release', 'forgetWeights', 'setThreads', 'yieldHelperThreads', 'noop'];

/** libgomp's spin count for idle OpenMP threads (its estimate: ~100k spins per millisecond). */
export const IDLE_SPIN_COUNT = '30000';

/** Sets the OpenMP runtimes' idle-spin bounds in `env` unless the user chose a wait policy or spin time. */
export function applyIdleSpin(env: NodeJS.ProcessEnv): void {
  if (env.OMP_WAIT_POLICY !== undefined) return;
  env.GOMP_SPINCOUNT ??= IDLE_SPIN_COUNT;
  // LLVM's libomp (Homebrew's and conda's oneDNN builds): milliseconds before an idle thread sleeps.
  env.KMP_BLOCKTIME ??= '1';
}

/** Loads the addon (once); throws OnednnMissing naming what is absent. */
export function loadOnednnAddon(): OnednnAddon {
  if (loaded) return loaded;
  const file = addonCandidates().find((f) => existsSync(f));
  if (!file) {
    const buildFixes = process.platform === 'darwin'
      ? ['brew install onednn', 'node tools/build-onednn.mjs   # in the checkout']
      : ['sudo apt-get install g++ libdnnl-dev', 'node tools/build-onednn.mjs   # in the checkout (npm install runs it too)'];
    throw new OnednnMissing('the oneDNN addon is not built (out/native/tao_onednn.node)', buildFixes);
  }
  // How long OpenMP's idle threads spin before they sleep (the runtime reads this when the addon
  // loads it). Between two native kernels the JavaScript thread works alone for 20-500 us (the
  // layer code, the cpu backend's small kernels). Workers that slept at once (the passive
  // policy) had to be woken for every kernel, 30-90 us each on this VM, longer than a small
  // kernel itself: MobileNetV2's kernels at 64x64 ran no faster on two threads than on one. A
  // bounded spin (libgomp: ~30k spins, a few hundred us; libomp: 1 ms) bridges those gaps,
  // yet leaves the cores free soon enough when the machine is busy: long spins made
  // resnet18's training 3x slower at load 4 on 2 cores (18 vs 57 img/s). Measurements in
  // bench/RESULTS.md ("Idle OpenMP threads"). A setting the user made wins.
  applyIdleSpin(process.env);
  const mod = { exports: {} as OnednnAddon };
  try {
    process.dlopen(mod, file);
  } catch (err) {
    const message = (err as Error).message.split('\n')[0];
    if (/libdnnl/.test(message) || (process.platform === 'linux' && !findSharedLibrary('libdnnl.so.2'))) {
      throw new OnednnMissing(`the oneDNN library is not installed (${message})`, runtimeFixes());
    }
    throw new OnednnMissing(`the oneDNN addon does not load: ${message}`, ['node tools/build-onednn.mjs --force   # rebuild it in the checkout']);
  }
  // An addon built from an older engine/native/onednn.cc (a checkout updated without
  // `npm install`) lacks the newer functions; say so here rather than fail inside a kernel.
  const absent = REQUIRED_EXPORTS.filter((name) => typeof (mod.exports as unknown as Record<string, unknown>)[name] !== 'function');
  if (absent.length > 0) {
    throw new OnednnMissing(`the oneDNN addon ${file} is older than this engine (it lacks ${absent.join(', ')})`, ['node tools/build-onednn.mjs --force   # rebuild it in the checkout']);
  }
  loaded = mod.exports;
  return loaded;
}

/**
 * Threads for oneDNN: `threads` when given, else every core. The process's other threads (V8's
 * compiler and garbage-collector helpers) then run only on cores the team leaves idle (the
 * addon's yieldHelperThreads says why: a compile job that took a core mid-kernel stalled it for
 * milliseconds), unless TAO_ONEDNN_HELPER_THREADS=normal.
 */
export function setOnednnThreads(addon: OnednnAddon, threads?: number): number {
  const n = threads && threads > 0 ? Math.floor(threads) : availableParallelism();
  addon.setThreads(n);
  if (process.env.TAO_ONEDNN_HELPER_THREADS !== 'normal') addon.yieldHelperThreads();
  return n;
}

// ---- kernels ----------------------------------------------------------------------------

const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, elu: 3, sigmoid: 4, leakyrelu: 5 };

type ConvInfo = ReturnType<Tf['backend_util']['computeConv2DInfo']>;
type PoolInfo = ReturnType<Tf['backend_util']['computePool2DInfo']>;

/**
 * The padding after the data that makes oneDNN's output size equal TensorFlow's. For SAME and
 * VALID it is TensorFlow's own bottom/right padding; with explicit padding and ceil rounding
 * the last window may reach further, which zero (or -inf) padding reproduces. When the last
 * window ends before the input does (a 1x1 stride-2 VALID convolution of an even size: every
 * ResNet-50/101 projection), oneDNN's size rule rounds down, as TensorFlow's does, so no
 * padding gives the same output: 0, as long as less than one stride is left unread (the
 * gradient towards the unread tail is zero, as in TensorFlow). More than that is not given to
 * oneDNN (undefined). Until this case ran natively, those layers fell back to the other backend.
 */
function padAfter(inLen: number, outLen: number, stride: number, effKernel: number, before: number): number | undefined {
  const after = (outLen - 1) * stride + effKernel - inLen - before;
  if (after >= 0) return after;
  return -after < stride ? 0 : undefined;
}

function convParams(c: ConvInfo, groups: number, act: number, hasBias: boolean): Int32Array | undefined {
  const pb = padAfter(c.inHeight, c.outHeight, c.strideHeight, c.effectiveFilterHeight, c.padInfo.top);
  const pr = padAfter(c.inWidth, c.outWidth, c.strideWidth, c.effectiveFilterWidth, c.padInfo.left);
  if (pb === undefined || pr === undefined || c.padInfo.top < 0 || c.padInfo.left < 0) return undefined;
  return Int32Array.from([
    c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.outHeight, c.outWidth, c.outChannels,
    c.filterHeight, c.filterWidth, c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth,
    c.padInfo.top, c.padInfo.left, pb, pr, groups, act, hasBias ? 1 : 0,
  ]);
}

function poolParams(p: PoolInfo): Int32Array | undefined {
  if (p.dilationHeight !== 1 || p.dilationWidth !== 1) return undefined;
  const pb = padAfter(p.inHeight, p.outHeight, p.strideHeight, p.filterHeight, p.padInfo.top);
  const pr = padAfter(p.inWidth, p.outWidth, p.strideWidth, p.filterWidth, p.padInfo.left);
  if (pb === undefined || pr === undefined) return undefined;
  return Int32Array.from([
    p.batchSize, p.inHeight, p.inWidth, p.inChannels, p.outHeight, p.outWidth,
    p.filterHeight, p.filterWidth, p.strideHeight, p.strideWidth, p.padInfo.top, p.padInfo.left, pb, pr,
  ]);
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Native kernels need float32 inputs with at least one element. */
function usable(...infos: Array<TensorInfo | undefined>): boolean {
  return infos.every((t) => t === undefined || (t.dtype === 'float32' && size(t.shape) > 0));
}

/** Bias for a fused op: per output channel only (size = channels), else undefined. */
function channelBias(bias: TensorInfo | undefined, channels: number): TensorInfo | null | undefined {
  if (!bias) return null;
  return bias.dtype === 'float32' && size(bias.shape) === channels ? bias : undefined;
}

interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  attrs: Record<string, unknown>;
  backend: NativeStorage;
}

type NativeKernel = (args: KernelArgs) => TensorInfo | undefined;

function isChannelsLast(attrs: Record<string, unknown>): boolean {
  const f = attrs.dataFormat;
  return f === undefined || f === 'NHWC' || f === 'channelsLast';
}

/** One oneDNN convolution call into a new output. */
function runConv(backend: NativeStorage, addon: OnednnAddon, mode: number, params: Int32Array, outShape: number[], a: TensorInfo, b: TensorInfo, bias: TensorInfo | null, alpha: number): TensorInfo {
  const out = backend.allocateFloat32(outShape);
  // b is the filter in modes 0 and 1 (dy in mode 2, never constant).
  const filterToken = mode === 2 ? 0 : backend.constantToken(b);
  addon.conv(mode, params, backend.float32View(a), backend.float32View(b), bias ? backend.float32View(bias) : null, backend.float32View(out), alpha, filterToken);
  return out;
}

/** Batch-norm parameters the native kernels take: mean/variance per channel, offset/scale per channel or one value. */
function batchNormChannels(channels: number, mean: TensorInfo, variance: TensorInfo, offset?: TensorInfo, scale?: TensorInfo): boolean {
  const perChannel = (t: TensorInfo) => size(t.shape) === channels;
  const param = (t: TensorInfo | undefined) => t === undefined || perChannel(t) || size(t.shape) === 1;
  return channels > 0 && perChannel(mean) && perChannel(variance) && param(offset) && param(scale);
}

/**
 * Element-wise kernels go native from this many output elements on. Below it wasm's SIMD loop
 * on the JavaScript thread is as fast as our call (views, output, the addon's checks: a few µs)
 * and a thread team would cost more than it saves; Adam's updates of biases and batch-norm
 * parameters stay there.
 */
export const ELEMENTWISE_NATIVE_MIN = 4096;

/**
 * The broadcast shape of a and b when the addon's element-wise loops take it: equal sizes, or
 * one side a single value, or one side's shape (leading 1s dropped) the trailing axes of the
 * other's (a per-channel vector against channels-last data). The other side must be the full
 * output. undefined for anything else (wasm's general broadcasting then).
 */
export function simpleBroadcast(tf: Tf, aShape: number[], bShape: number[]): number[] | undefined {
  let out: number[];
  try {
    out = tf.backend_util.assertAndGetBroadcastShape(aShape, bShape);
  } catch {
    return undefined;
  }
  const n = size(out);
  const na = size(aShape);
  const nb = size(bShape);
  if (n === 0) return undefined;
  if (na === n && nb === n) return out;
  const suffix = (s: number[]): boolean => {
    if (size(s) === 1) return true;
    const first = s.findIndex((d) => d !== 1);
    const tail = s.slice(first);
    return tf.util.arraysEqual(tail, out.slice(out.length - tail.length));
  };
  if (na === n && suffix(bShape)) return out;
  if (nb === n && suffix(aShape)) return out;
  return undefined;
}

/**
 * The broadcast shape of a and b when they broadcast per sample: the same rank, the same first
 * axis (more than one sample), and within a sample a simple broadcast (simpleBroadcast). A
 * squeeze-and-excitation block scales its [N, H, W, C] activation by a [N, 1, 1, C] gate this
 * way. undefined otherwise.
 */
export function perSampleBroadcast(tf: Tf, aShape: number[], bShape: number[]): number[] | undefined {
  if (aShape.length !== bShape.length || aShape.length < 2 || aShape[0] < 2 || aShape[0] !== bShape[0]) return undefined;
  const inner = simpleBroadcast(tf, aShape.slice(1), bShape.slice(1));
  return inner ? [aShape[0], ...inner] : undefined;
}

/** A shape of rank <= 4 as rank 4 (leading 1s), for the addon's copyBox; `fill` pads other arrays alike. */
function four(values: number[], fill: number): number[] {
  return [...new Array<number>(4 - values.length).fill(fill), ...values];
}

/** The box copy behind Slice and PadV2 (float32, rank 1 to 4); allocates dst first. */
function copyBox(backend: NativeStorage, addon: OnednnAddon, x: TensorInfo, outShape: number[], srcBegin: number[], dstBegin: number[], boxSize: number[], fill: number | null): TensorInfo {
  const out = backend.allocateFloat32(outShape);
  const params = Int32Array.from([...four(x.shape, 1), ...four(outShape, 1), ...four(srcBegin, 0), ...four(dstBegin, 0), ...four(boxSize, 1)]);
  addon.copyBox(params, backend.float32View(x), backend.float32View(out), fill);
  return out;
}

function kernels(tf: Tf, addon: OnednnAddon): Record<string, NativeKernel> {
  const u = tf.backend_util;
  const forward = (depthwise: boolean, fused: boolean): NativeKernel => ({ inputs, attrs, backend }) => {
    const { x, filter, bias, preluActivationWeights } = inputs;
    if (!x || !filter || !usable(x, filter) || !isChannelsLast(attrs) || preluActivationWeights) return undefined;
    const activation = fused ? String(attrs.activation ?? 'linear') : 'linear';
    const act = ACTIVATIONS[activation];
    if (act === undefined) return undefined;
    const c = u.computeConv2DInfo(x.shape as never, filter.shape as never, attrs.strides as never, (attrs.dilations ?? 1) as never, attrs.pad as never, attrs.dimRoundingMode as never, depthwise);
    const b = channelBias(fused ? bias : undefined, c.outChannels);
    if (b === undefined) return undefined;
    const params = convParams(c, depthwise ? c.inChannels : 1, act, b !== null);
    if (!params) return undefined;
    return runConv(backend, addon, 0, params, c.outShape, x, filter, b, Number(attrs.leakyreluAlpha ?? 0.2));
  };
  const backpropInput = (depthwise: boolean): NativeKernel => ({ inputs, attrs, backend }) => {
    const { dy, filter } = inputs;
    if (!dy || !filter || !usable(dy, filter) || !isChannelsLast(attrs)) return undefined;
    const inShape = attrs.inputShape as number[];
    const c = u.computeConv2DInfo(inShape as never, filter.shape as never, attrs.strides as never, (attrs.dilations ?? 1) as never, attrs.pad as never, attrs.dimRoundingMode as never, depthwise);
    const params = convParams(c, depthwise ? c.inChannels : 1, 0, false);
    if (!params || size(inShape) === 0) return undefined;
    return runConv(backend, addon, 1, params, c.inShape, dy, filter, null, 0);
  };
  const backpropFilter = (depthwise: boolean): NativeKernel => ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs;
    if (!x || !dy || !usable(x, dy) || !isChannelsLast(attrs)) return undefined;
    const filterShape = attrs.filterShape as number[];
    const c = u.computeConv2DInfo(x.shape as never, filterShape as never, attrs.strides as never, (attrs.dilations ?? 1) as never, attrs.pad as never, attrs.dimRoundingMode as never, depthwise);
    const params = convParams(c, depthwise ? c.inChannels : 1, 0, false);
    if (!params) return undefined;
    return runConv(backend, addon, 2, params, filterShape, x, dy, null, 0);
  };
  const pool = (max: boolean): NativeKernel => ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    if (!x || !usable(x) || x.shape.length !== 4) return undefined;
    const p = u.computePool2DInfo(x.shape as never, attrs.filterSize as never, attrs.strides as never, 1, attrs.pad as never, attrs.dimRoundingMode as never);
    const params = poolParams(p);
    if (!params) return undefined;
    const out = backend.allocateFloat32(p.outShape);
    addon.pool(max ? 0 : 1, params, backend.float32View(x), null, backend.float32View(out));
    return out;
  };
  const poolGrad = (max: boolean): NativeKernel => ({ inputs, attrs, backend }) => {
    const { dy, input } = inputs;
    if (!dy || !input || !usable(dy, input) || input.shape.length !== 4) return undefined;
    const p = u.computePool2DInfo(input.shape as never, attrs.filterSize as never, attrs.strides as never, 1, attrs.pad as never, attrs.dimRoundingMode as never);
    const params = poolParams(p);
    if (!params) return undefined;
    const out = backend.allocateFloat32(input.shape);
    addon.pool(max ? 2 : 3, params, backend.float32View(dy), max ? backend.float32View(input) : null, backend.float32View(out));
    return out;
  };
  const matmul = (fused: boolean): NativeKernel => ({ inputs, attrs, backend }) => {
    const { a, b, bias, preluActivationWeights } = inputs;
    if (!a || !b || !usable(a, b) || preluActivationWeights || a.shape.length < 2 || b.shape.length < 2) return undefined;
    const act = ACTIVATIONS[fused ? String(attrs.activation ?? 'linear') : 'linear'];
    if (act === undefined) return undefined;
    const ta = attrs.transposeA === true;
    const tb = attrs.transposeB === true;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = ta ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = ta ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = tb ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
    if (k !== kb) return undefined;
    const batchA = a.shape.slice(0, -2);
    const batchB = b.shape.slice(0, -2);
    const ba = size(batchA);
    const bb = size(batchB);
    // Batches broadcast only as a whole here (equal, or one side a single matrix).
    let batchShape: number[];
    if (ba === bb && (batchA.length === batchB.length || ba === 1)) batchShape = batchA.length >= batchB.length ? batchA : batchB;
    else if (ba === 1) batchShape = batchB;
    else if (bb === 1) batchShape = batchA;
    else return undefined;
    const biasInfo = channelBias(fused ? bias : undefined, n);
    if (biasInfo === undefined) return undefined;
    const out = backend.allocateFloat32([...batchShape, m, n]);
    const params = Int32Array.from([ba, bb, m, k, n, ta ? 1 : 0, tb ? 1 : 0, act, biasInfo ? 1 : 0]);
    addon.matmul(params, backend.float32View(a), backend.float32View(b), biasInfo ? backend.float32View(biasInfo) : null, backend.float32View(out), Number(attrs.leakyreluAlpha ?? 0.2));
    return out;
  };
  // Sum and Mean over one run of adjacent axes: a leading run (batch-norm statistics and
  // gradients over N, H, W of NHWC data; the other backends transpose first), a trailing run, or
  // a run in the middle (global pooling over H, W in squeeze-and-excitation blocks and its
  // gradient), the last as one leading-run reduction per index of the axes before it. Other
  // axis sets stay the cpu backend's.
  const reduce = (mean: boolean): NativeKernel => ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    if (!x || !usable(x) || x.shape.length === 0) return undefined;
    const rank = x.shape.length;
    const axes = [...new Set(tf.util.parseAxisParam(attrs.axis as number | number[], x.shape))].sort((p, q) => p - q);
    if (axes.length === 0 || axes.some((a, i) => a !== axes[0] + i)) return undefined;
    const leading = axes[0] === 0;
    const trailing = axes[axes.length - 1] === rank - 1;
    const kept = x.shape.filter((_, i) => !axes.includes(i));
    const outShape = attrs.keepDims === true ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept;
    const out = backend.allocateFloat32(outShape);
    const kind = mean ? 1 : 0;
    if (leading || trailing) {
      const cut = leading ? axes.length : axes[0];
      addon.reduce(kind, size(x.shape.slice(0, cut)), size(x.shape.slice(cut)), leading ? 1 : 0, backend.float32View(x), backend.float32View(out));
      return out;
    }
    // Middle axes (global average pooling over H and W): every leading index in one call.
    const outer = size(x.shape.slice(0, axes[0]));
    const rows = size(axes.map((a) => x.shape[a]));
    const cols = size(x.shape.slice(axes[axes.length - 1] + 1));
    addon.reduceMiddle(kind, outer, rows, cols, backend.float32View(x), backend.float32View(out));
    return out;
  };
  // FusedBatchNorm over the last axis (channels-last): mean and variance one value per channel,
  // offset and scale one per channel or a single value. Other layouts stay wasm's.
  const batchNorm: NativeKernel = ({ inputs, attrs, backend }) => {
    const { x, mean, variance, offset, scale } = inputs;
    if (!x || !mean || !variance || !usable(x, mean, variance, offset, scale) || x.shape.length === 0) return undefined;
    const channels = x.shape[x.shape.length - 1];
    if (!batchNormChannels(channels, mean, variance, offset, scale)) return undefined;
    const out = backend.allocateFloat32(x.shape);
    const view = (t: TensorInfo | undefined) => (t ? backend.float32View(t) : null);
    addon.batchNorm(backend.float32View(x), backend.float32View(mean), backend.float32View(variance), view(offset), view(scale), backend.float32View(out), Number(attrs.varianceEpsilon ?? 0.001), channels);
    return out;
  };
  // Add, Sub, Multiply, RealDiv, Minimum, Maximum on float32 with the broadcasting the addon
  // takes (simpleBroadcast), from ELEMENTWISE_NATIVE_MIN elements on: OpenMP, and no slow
  // broadcasting path for a scalar or per-channel operand.
  // Also per sample (perSampleBroadcast): one call per sample, each a simple broadcast.
  const binary = (op: number): NativeKernel => ({ inputs, backend }) => {
    const { a, b } = inputs;
    if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
    const outShape = simpleBroadcast(tf, a.shape, b.shape);
    if (outShape) {
      if (size(outShape) < ELEMENTWISE_NATIVE_MIN) return undefined;
      const out = backend.allocateFloat32(outShape);
      addon.binary(op, backend.float32View(a), backend.float32View(b), backend.float32View(out));
      return out;
    }
    const perSample = perSampleBroadcast(tf, a.shape, b.shape);
    if (!perSample || size(perSample) < ELEMENTWISE_NATIVE_MIN) return undefined;
    const out = backend.allocateFloat32(perSample);
    const [va, vb, vo] = [backend.float32View(a), backend.float32View(b), backend.float32View(out)];
    const n = perSample[0];
    const [na, nb, no] = [va.length / n, vb.length / n, vo.length / n];
    for (let i = 0; i < n; i++) addon.binary(op, va.subarray(i * na, (i + 1) * na), vb.subarray(i * nb, (i + 1) * nb), vo.subarray(i * no, (i + 1) * no));
    return out;
  };
  const unary = (op: number): NativeKernel => ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    if (!x || x.dtype !== 'float32' || size(x.shape) < ELEMENTWISE_NATIVE_MIN) return undefined;
    const out = backend.allocateFloat32(x.shape);
    // Relu, Sigmoid and the like run without attributes.
    addon.unary(op, backend.float32View(x), backend.float32View(out), Number((attrs as Record<string, unknown> | undefined)?.alpha ?? 0));
    return out;
  };
  // EluGrad (inputs dy and elu's output y, same shape): one pass.
  const eluGrad: NativeKernel = ({ inputs, backend }) => {
    const { dy, y } = inputs;
    if (!dy || !y || !usable(dy, y) || size(dy.shape) !== size(y.shape) || size(dy.shape) < ELEMENTWISE_NATIVE_MIN) return undefined;
    const out = backend.allocateFloat32(dy.shape);
    addon.binary(6, backend.float32View(dy), backend.float32View(y), backend.float32View(out));
    return out;
  };
  // Softmax over the last axis, in one pass per row.
  const softmax: NativeKernel = ({ inputs, attrs, backend }) => {
    const { logits } = inputs;
    // Every size: the cpu backend's Softmax is five kernels with their tensors (~230 us for a
    // classifier's [32, 10] output, a third of a Fashion-MNIST small CNN's prediction time).
    if (!logits || !usable(logits) || logits.shape.length === 0 || size(logits.shape) === 0) return undefined;
    const rank = logits.shape.length;
    const dim = Number(attrs.dim ?? -1);
    if (dim !== -1 && dim !== rank - 1) return undefined;
    const out = backend.allocateFloat32(logits.shape);
    addon.softmax(logits.shape[rank - 1], backend.float32View(logits), backend.float32View(out));
    return out;
  };
  // Concat of float32 tensors up to rank 4: each input copied into its place (copyBox).
  // Inception modules, fire modules and CSP blocks join their branches along channels.
  const concat: NativeKernel = ({ inputs, attrs, backend }) => {
    const parts = Object.values(inputs).filter((t): t is TensorInfo => t !== undefined && size(t.shape) > 0);
    if (parts.length < 2 || parts.some((t) => t.dtype !== 'float32') || parts[0].shape.length > 4) return undefined;
    const axis = tf.util.parseAxisParam(attrs.axis as number, parts[0].shape)[0];
    const outShape = u.computeOutShape(parts.map((t) => t.shape), axis);
    if (size(outShape) < ELEMENTWISE_NATIVE_MIN) return undefined;
    const out = backend.allocateFloat32(outShape);
    const target = backend.float32View(out);
    const shift = 4 - outShape.length; // copyBox's shapes are rank 4, leading 1s
    let offset = 0;
    for (const part of parts) {
      const dstBegin = [0, 0, 0, 0];
      dstBegin[shift + axis] = offset;
      const params = Int32Array.from([...four(part.shape, 1), ...four(outShape, 1), 0, 0, 0, 0, ...dstBegin, ...four(part.shape, 1)]);
      addon.copyBox(params, backend.float32View(part), target, null);
      offset += part.shape[axis];
    }
    return out;
  };
  // PadV2 with a constant (ZeroPadding2D): fill, then copy x into place.
  const pad: NativeKernel = ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    const paddings = attrs.paddings as Array<[number, number]>;
    if (!x || x.dtype !== 'float32' || x.shape.length === 0 || x.shape.length > 4 || paddings.length !== x.shape.length) return undefined;
    if (paddings.some(([b, a]) => b < 0 || a < 0)) return undefined;
    const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
    if (size(outShape) < ELEMENTWISE_NATIVE_MIN || size(x.shape) === 0) return undefined;
    return copyBox(backend, addon, x, outShape, x.shape.map(() => 0), paddings.map((p) => p[0]), x.shape, Number(attrs.constantValue ?? 0));
  };
  return {
    PadV2: pad,
    Add: binary(0),
    Sub: binary(1),
    Multiply: binary(2),
    RealDiv: binary(3),
    Minimum: binary(4),
    Maximum: binary(5),
    Relu: unary(0),
    Relu6: unary(1),
    Sigmoid: unary(5),
    LeakyRelu: unary(6),
    Elu: unary(8),
    EluGrad: eluGrad,
    Tanh: unary(9),
    Softmax: softmax,
    Concat: concat,
    Sqrt: unary(3),
    Square: unary(4),
    FusedBatchNorm: batchNorm,
    Sum: reduce(false),
    Mean: reduce(true),
    Conv2D: forward(false, false),
    FusedConv2D: forward(false, true),
    DepthwiseConv2dNative: forward(true, false),
    FusedDepthwiseConv2D: forward(true, true),
    Conv2DBackpropInput: backpropInput(false),
    DepthwiseConv2dNativeBackpropInput: backpropInput(true),
    Conv2DBackpropFilter: backpropFilter(false),
    DepthwiseConv2dNativeBackpropFilter: backpropFilter(true),
    MaxPool: pool(true),
    AvgPool: pool(false),
    MaxPoolGrad: poolGrad(true),
    AvgPoolGrad: poolGrad(false),
    BatchMatMul: matmul(false),
    _FusedMatMul: matmul(true),
  };
}

/** Calls each kernel made into oneDNN (not its fallback), so tests can tell which ran. */
export const nativeCalls: Record<string, number> = {};

/**
 * Calls of a kernel with a native implementation that went to the cpu backend's instead
 * (attributes the native one does not take). Such a call runs in single-threaded JavaScript,
 * so tests and benchmarks check that a model's step makes none.
 */
export const fallbackCalls: Record<string, number> = {};

/** Kernel names oneDNN runs in this backend. */
export const ONEDNN_KERNELS = Object.keys(kernels({ backend_util: {} } as unknown as Tf, {} as OnednnAddon));

/** The kernel that takes ReLU's and ReLU6's gradient in one native pass (onednn only). */
export const ACTIVATION_GRAD_KERNEL = 'TaoOnednnActivationGrad';

/**
 * ReLU, ReLU6 and leaky ReLU gradients. tfjs computes them as dy * cast(step(x)) (and, for
 * ReLU6, a lessEqual mask; for leaky ReLU a greater, a multiply and a select): three or four
 * full-size kernels and passes over memory per activation. On
 * onednn they become one native pass; on any other backend these are tfjs' own formulas, so
 * registering them (gradients are per kernel, not per backend) changes nothing there.
 */
function registerActivationGradients(tf: Tf, addon: OnednnAddon): void {
  tf.registerKernel({
    kernelName: ACTIVATION_GRAD_KERNEL,
    backendName: 'onednn',
    kernelFunc: (({ inputs, attrs, backend }: KernelArgs) => {
      const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
      const out = backend.allocateFloat32(x.shape);
      addon.eltwiseGrad(Number(attrs.kind), backend.float32View(dy), backend.float32View(x), backend.float32View(out), Number(attrs.alpha), Number(attrs.beta));
      nativeCalls[ACTIVATION_GRAD_KERNEL] = (nativeCalls[ACTIVATION_GRAD_KERNEL] ?? 0) + 1;
      return out;
    }) as never,
  });
  const native = (dy: tfTypes.Tensor, x: tfTypes.Tensor): boolean => tf.getBackend() === 'onednn' && dy.dtype === 'float32' && x.dtype === 'float32' && x.size > 0 && tf.util.arraysEqual(dy.shape, x.shape);
  const run = (dy: tfTypes.Tensor, x: tfTypes.Tensor, kind: number, alpha: number, beta: number): tfTypes.Tensor =>
    tf.engine().runKernel(ACTIVATION_GRAD_KERNEL, { dy, x } as never, { kind, alpha, beta } as never) as tfTypes.Tensor;
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const g = dy as tfTypes.Tensor;
      const [x] = saved;
      return { x: () => (native(g, x) ? run(g, x, 1, 0, 0) : tf.mul(g, tf.cast(tf.step(x), 'float32'))) };
    },
  });
  tf.registerGradient({
    kernelName: 'LeakyRelu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const g = dy as tfTypes.Tensor;
      const [x] = saved;
      const alpha = Number(attrs.alpha);
      // oneDNN's relu with a negative slope: dy where x > 0, alpha * dy elsewhere, as tfjs' where().
      return { x: () => (native(g, x) ? run(g, x, 1, alpha, 0) : tf.where(tf.greater(x, 0), g, tf.mul(g, alpha))) };
    },
  });
  tf.registerGradient({
    kernelName: 'Relu6',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const g = dy as tfTypes.Tensor;
      const [x] = saved;
      return { x: () => (native(g, x) ? run(g, x, 2, 0, 6) : tf.mul(g, tf.cast(tf.mul(tf.lessEqual(x, 6), tf.step(x)), 'float32'))) };
    },
  });
}

/** The kernel that takes Minimum's and Maximum's gradient towards one input in one native pass (onednn only). */
export const MASK_GRAD_KERNEL = 'TaoOnednnMaskGrad';

/**
 * Minimum's and Maximum's gradients. tfjs-layers' relu6 activation is minimum(6, relu(x)), so
 * every MobileNetV2 activation's backward pass ran greater(6, relu(x)) on wasm's broadcasting
 * path, a cast and a multiply (~30% of a training step). On onednn the gradient towards a
 * full-size input (the shape of dy) is one native pass, dy * (a > b ? 1 : 0) and the like,
 * the same values; the other input's gradient (the constant 6 here, never asked for) and every
 * other backend keep tfjs' formulas.
 */
function registerMinMaxGradients(tf: Tf, addon: OnednnAddon): void {
  tf.registerKernel({
    kernelName: MASK_GRAD_KERNEL,
    backendName: 'onednn',
    kernelFunc: (({ inputs, attrs, backend }: KernelArgs) => {
      const { dy, a, b } = inputs as { dy: TensorInfo; a: TensorInfo; b: TensorInfo };
      const out = backend.allocateFloat32(dy.shape);
      addon.maskGrad(Number(attrs.kind), backend.float32View(dy), backend.float32View(a), backend.float32View(b), backend.float32View(out));
      nativeCalls[MASK_GRAD_KERNEL] = (nativeCalls[MASK_GRAD_KERNEL] ?? 0) + 1;
      return out;
    }) as never,
  });
  // kind: 0 a <= b, 1 a > b, 2 a >= b, 3 a < b (the addon's maskGrad).
  const grad = (dy: tfTypes.Tensor, a: tfTypes.Tensor, b: tfTypes.Tensor, side: tfTypes.Tensor, kind: number, formula: () => tfTypes.Tensor): tfTypes.Tensor => {
    const native = tf.getBackend() === 'onednn' && [dy, a, b].every((t) => t.dtype === 'float32') && tf.util.arraysEqual(side.shape, dy.shape) && tf.util.arraysEqual(simpleBroadcast(tf, a.shape, b.shape) ?? [], dy.shape);
    if (!native) return formula();
    return tf.engine().runKernel(MASK_GRAD_KERNEL, { dy, a, b } as never, { kind } as never) as tfTypes.Tensor;
  };
  const f32 = (t: tfTypes.Tensor): tfTypes.Tensor => tf.cast(t, 'float32');
  tf.registerGradient({
    kernelName: 'Minimum',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const g = dy as tfTypes.Tensor;
      const [a, b] = saved;
      return {
        a: () => grad(g, a, b, a, 0, () => tf.mul(g, f32(tf.lessEqual(a, b)))),
        b: () => grad(g, a, b, b, 1, () => tf.mul(g, f32(tf.greater(a, b)))),
      };
    },
  });
  tf.registerGradient({
    kernelName: 'Maximum',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const g = dy as tfTypes.Tensor;
      const [a, b] = saved;
      return {
        a: () => grad(g, a, b, a, 2, () => tf.mul(g, f32(tf.greaterEqual(a, b)))),
        b: () => grad(g, a, b, b, 3, () => tf.mul(g, f32(tf.less(a, b)))),
      };
    },
  });
}

/** The kernel that computes FusedBatchNorm's gradient from dy and x in one native pass (onednn only). */
export const BATCHNORM_GRAD_KERNEL = 'TaoOnednnBatchNormGrad';

/**
 * FusedBatchNorm's gradient (engine/src/kernels/batchnorm-grad.ts) on onednn: its three
 * full-size quantities, dx through the normalised value, sum(dy) and sum(dy * (x - mean)) per
 * channel, in one multithreaded pass over dy and x instead of four wasm kernels (Sub, three
 * Multiply) and two reductions. The per-channel remainder stays tfjs ops on [C] tensors.
 */
function registerBatchNormGrad(tf: Tf, addon: OnednnAddon): void {
  tf.registerKernel({
    kernelName: BATCHNORM_GRAD_KERNEL,
    backendName: 'onednn',
    kernelFunc: (({ inputs, attrs, backend }: KernelArgs) => {
      const { dy, x, mean, variance, scale } = inputs as { dy: TensorInfo; x: TensorInfo; mean: TensorInfo; variance: TensorInfo; scale?: TensorInfo };
      const channels = x.shape[x.shape.length - 1];
      const dx = backend.allocateFloat32(x.shape);
      const sumDy = backend.allocateFloat32(mean.shape);
      const sumDyXmm = backend.allocateFloat32(mean.shape);
      const view = (t: TensorInfo) => backend.float32View(t);
      addon.batchNormGrad(view(dy), view(x), view(mean), view(variance), scale ? view(scale) : null, Number(attrs.varianceEpsilon), channels, view(dx), view(sumDy), view(sumDyXmm));
      nativeCalls[BATCHNORM_GRAD_KERNEL] = (nativeCalls[BATCHNORM_GRAD_KERNEL] ?? 0) + 1;
      return [dx, sumDy, sumDyXmm];
    }) as never,
  });
  setNativeBatchNormGrad((dy, x, mean, variance, scale, varianceEpsilon) => {
    if (tf.getBackend() !== 'onednn' || x.rank === 0 || x.size === 0) return undefined;
    const all = scale ? [dy, x, mean, variance, scale] : [dy, x, mean, variance];
    if (all.some((t) => t.dtype !== 'float32') || !tf.util.arraysEqual(dy.shape, x.shape)) return undefined;
    // mean/variance exactly one per channel (the gradients are shaped like them); scale per channel or one value.
    const channels = x.shape[x.rank - 1];
    if (mean.size !== channels || !batchNormChannels(channels, mean, variance, undefined, scale)) return undefined;
    const inputs = scale ? { dy, x, mean, variance, scale } : { dy, x, mean, variance };
    return tf.engine().runKernel(BATCHNORM_GRAD_KERNEL, inputs as never, { varianceEpsilon } as never) as unknown as [tfTypes.Tensor, tfTypes.Tensor, tfTypes.Tensor];
  });
}

/**
 * Re-registers the onednn backend's kernel `name` as `own`, which receives the implementation
 * registered before it (the cpu backend's) to fall back on for the cases it declines.
 */
function overrideKernel(tf: Tf, name: string, own: (args: KernelArgs, fallback: (args: KernelArgs) => unknown) => unknown): void {
  const config = tf.getKernel(name, 'onednn');
  if (!config) return;
  const previous = config.kernelFunc as unknown as (args: KernelArgs) => unknown;
  tf.unregisterKernel(name, 'onednn');
  tf.registerKernel({ ...config, kernelFunc: ((args: KernelArgs) => own(args, previous)) as never });
}

/**
 * Tile when the result is the input repeated whole, back to back (every tiled axis comes
 * before the input's first axis longer than 1; broadcasting a per-channel vector over a batch
 * is this case): one copy of the input, then doubling copies. Axes in front that are not
 * tiled make that per index of them: a squeeze-and-excitation gate [N, 1, 1, C] spread over
 * [N, H, W, C] (Mean's gradient over H, W) is each sample's C values repeated H x W times.
 * wasm's Tile computed an index per element (so does the cpu backend's) and was ~45% of a
 * resnet18 step when batch-norm gradients broadcast with it.
 */
function fastTile(tf: Tf, addon?: OnednnAddon): void {
  overrideKernel(tf, 'Tile', (args, fallback) => {
    const { x } = args.inputs as { x: TensorInfo };
    const reps = args.attrs.reps as number[];
    if (x.dtype !== 'float32' || reps.length !== x.shape.length || size(x.shape) === 0) return fallback(args);
    const firstTiled = reps.findIndex((r) => r !== 1);
    const prefix = firstTiled < 0 ? 0 : firstTiled;
    const rest = x.shape.slice(prefix);
    const firstLong = rest.findIndex((d) => d > 1);
    const split = firstLong < 0 ? rest.length : firstLong;
    if (!reps.slice(prefix).every((r, i) => r === 1 || i < split)) return fallback(args);
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const out = args.backend.allocateFloat32(outShape);
    const outer = size(x.shape.slice(0, prefix));
    const from = args.backend.float32View(x);
    const to = args.backend.float32View(out);
    const [xs, os] = [from.length / outer, to.length / outer];
    for (let o = 0; o < outer; o++) {
      const src = from.subarray(o * xs, (o + 1) * xs);
      const dst = to.subarray(o * os, (o + 1) * os);
      if (addon && to.length >= ELEMENTWISE_NATIVE_MIN) {
        // The addon's repeat: the same copies, on every thread.
        addon.unary(2, src, dst, 0);
        continue;
      }
      dst.set(src, 0);
      for (let filled = src.length; filled < dst.length; ) {
        const n = Math.min(filled, dst.length - filled);
        dst.copyWithin(filled, 0, n);
        filled += n;
      }
    }
    nativeCalls.Tile = (nativeCalls.Tile ?? 0) + 1;
    return out;
  });
}

/**
 * Cast of int32 or bool to float32. The cpu backend's shares the input's memory under the new
 * dtype (an Int32Array then stands for float32 values), which the native kernels, reading
 * Float32Arrays, must not be given: here the values are converted into a float32 array of
 * their own. Every other cast is the cpu backend's (to the same dtype it shares memory, as
 * Identity does; tf.moments casts every batch-norm input this way).
 */
function convertingCast(tf: Tf): void {
  overrideKernel(tf, 'Cast', (args, fallback) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (args.attrs.dtype !== 'float32' || (x.dtype !== 'int32' && x.dtype !== 'bool')) return fallback(args);
    const out = args.backend.allocateFloat32(x.shape);
    args.backend.float32View(out).set(args.backend.data.get(x.dataId).values as ArrayLike<number>);
    return out;
  });
}

/**
 * Slice. Of the whole tensor (begin 0, size the full shape) it shares the input's memory, as
 * Identity does; any other box of a float32 tensor (rank 1 to 4, from ELEMENTWISE_NATIVE_MIN
 * elements) is the addon's copyBox (wasm's strided slice was 28% of a MobileNetV2 training
 * step once ZeroPadding2D came in: PadV2's gradient is a Slice; the cpu backend's would
 * compute an index per element too). tfjs-layers' predict() slices every batch out of its
 * input, and the engine predicts one batch per call, so each prediction began with a full copy
 * of the batch: 9 ms of small_cnn's 19 ms prediction of 32 images at 64x64 (1 thread, wasm).
 */
function fastSlice(tf: Tf, addon?: OnednnAddon): void {
  overrideKernel(tf, 'Slice', (args, fallback) => {
    const { x } = args.inputs as { x: TensorInfo };
    const [begin, sizes] = tf.slice_util.parseSliceParams(x as never, args.attrs.begin as number[], args.attrs.size as number[]);
    const whole = begin.every((b) => b === 0) && sizes.every((d, i) => d === x.shape[i]) && x.dtype !== 'string';
    if (!whole) {
      // Any other box of a float32 tensor up to rank 4 (PadV2's gradient): the addon's copy.
      if (addon && x.dtype === 'float32' && x.shape.length >= 1 && x.shape.length <= 4 && size(sizes) >= ELEMENTWISE_NATIVE_MIN) {
        nativeCalls.Slice = (nativeCalls.Slice ?? 0) + 1;
        return copyBox(args.backend, addon, x, sizes, begin, sizes.map(() => 0), sizes, null);
      }
      return fallback(args);
    }
    args.backend.incRef(x.dataId);
    nativeCalls.Slice = (nativeCalls.Slice ?? 0) + 1;
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  });
}

/**
 * SplitV, the gradient of Concat: each piece of a float32 tensor up to rank 4 is the addon's
 * copyBox out of x. The cpu backend's splits through its own Slice, an index computation per
 * element along the channel axis, and was the largest kernel of a SqueezeNet or CSPDarkNet
 * training step once the backend was built on it.
 */
function fastSplit(tf: Tf, addon: OnednnAddon): void {
  overrideKernel(tf, 'SplitV', (args, fallback) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype !== 'float32' || x.shape.length < 1 || x.shape.length > 4 || size(x.shape) < ELEMENTWISE_NATIVE_MIN) return fallback(args);
    const axis = tf.util.parseAxisParam(args.attrs.axis as number, x.shape)[0];
    const lengths = tf.backend_util.prepareSplitSize(x as never, args.attrs.numOrSizeSplits as number | number[], axis);
    const begin = x.shape.map(() => 0);
    nativeCalls.SplitV = (nativeCalls.SplitV ?? 0) + 1;
    return lengths.map((length) => {
      const shape = x.shape.map((d, i) => (i === axis ? length : d));
      const piece = size(shape) === 0 ? args.backend.allocateFloat32(shape) : copyBox(args.backend, addon, x, shape, [...begin], shape.map(() => 0), shape, null);
      begin[axis] += length;
      return piece;
    });
  });
}

/**
 * Registers the `onednn` backend on `tf` (once): the cpu backend's class with native storage
 * (./onednn-storage.ts) and the cpu backend's kernels under the new name, oneDNN's kernels
 * over the heavy ones. Every kernel the engine adds to the cpu backend must be registered
 * before (index.ts does that first).
 */
export function registerOnednnBackend(tf: Tf, addon: OnednnAddon, totalMemory: number): void {
  if (tf.findBackendFactory('onednn')) return;
  const Backend = onednnBackendClass(tf, totalMemory, {
    release: (values) => addon.release(values),
    forgetConstant: (token) => addon.forgetWeights(token),
  });
  tf.registerBackend('onednn', () => new Backend(), 1);
  const native = kernels(tf, addon);
  for (const config of tf.getKernelsForBackend('cpu')) {
    const own = native[config.kernelName];
    if (!own) {
      tf.registerKernel({ ...config, backendName: 'onednn' });
      continue;
    }
    // Ours first; the cpu backend's implementation for the cases ours declines.
    const fallback = config.kernelFunc;
    const name = config.kernelName;
    tf.registerKernel({
      kernelName: name,
      backendName: 'onednn',
      setupFunc: config.setupFunc,
      disposeFunc: config.disposeFunc,
      kernelFunc: ((args: KernelArgs) => {
        const out = own(args);
        if (!out) {
          fallbackCalls[name] = (fallbackCalls[name] ?? 0) + 1;
          return fallback(args as never);
        }
        nativeCalls[name] = (nativeCalls[name] ?? 0) + 1;
        return out;
      }) as never,
    });
  }
  registerActivationGradients(tf, addon);
  registerBatchNormGrad(tf, addon);
  registerMinMaxGradients(tf, addon);
  registerReductionGradients(tf);
  convertingCast(tf);
  fastTile(tf, addon);
  fastSlice(tf, addon);
  fastSplit(tf, addon);
  installOnednnAdam(tf, addon);
  installOnednnTrainingBatchNorm(tf, addon);
  installOnednnMomentum(tf, addon);
  installOnednnRmsProp(tf, addon);
  installOnednnSwish(tf, addon, ACTIVATION_GRAD_KERNEL, ELEMENTWISE_NATIVE_MIN);
  // Batches' pixel scaling too (the same bits as the JavaScript loops; data/preprocess.ts).
  setNativePreprocess((mode, channels, src, dst, offset, params) => addon.preprocess(mode, channels, src, dst, offset, params));
  // Kernels the cpu backend lacks altogether (none today, but a native one needs no fallback).
  for (const [name, own] of Object.entries(native)) {
    if (tf.getKernel(name, 'onednn')) continue;
    tf.registerKernel({
      kernelName: name,
      backendName: 'onednn',
      kernelFunc: ((args: KernelArgs) => {
        const out = own(args);
        if (!out) throw new Error(`onednn: ${name} with these attributes is not supported`);
        return out;
      }) as never,
    });
  }
}
