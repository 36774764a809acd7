// What the onednn backend's in-place optimizer steps (./onednn-adam.ts, ./onednn-momentum.ts)
// share: the wasm backend's bookkeeping they read, the check that writing into a variable's
// memory is safe, and renewing a tensor's number after its memory was written.
import type * as tfTypes from '@tensorflow/tfjs';

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;

/** The wasm backend's fields an in-place update reads and adjusts (its own names). */
export interface InPlaceBackend {
  refCount(dataId: object): number;
  typedArrayFromHeap(t: { dataId: object; shape: number[]; dtype: string }): Float32Array;
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  dataIdNextNumber: number;
  wasm: { tfjs: { disposeData(id: number): void; registerTensor(id: number, size: number, memoryOffset: number): void } };
}

export function inPlaceBackend(tf: Tf): InPlaceBackend {
  return tf.backend() as unknown as InPlaceBackend;
}

/**
 * Whether `own` (a variable and its optimizer slots) may be overwritten from `gradient`: all
 * float32 and of one size, each of `own` the only tensor on its memory (tfjs shares memory
 * between tensors for reshape, clone and, on this backend, Identity/Cast/whole Slice), and no
 * two of them, the gradient included, on the same memory.
 */
export function updatableInPlace(backend: InPlaceBackend, gradient: Tensor, own: Tensor[]): boolean {
  const all = [gradient, ...own];
  const n = own[0].size;
  return n > 0 && all.every((t) => t.dtype === 'float32' && t.size === n)
    && own.every((t) => backend.refCount(t.dataId) === 1) && new Set(all.map((t) => t.dataId)).size === all.length;
}

/**
 * After an in-place update, the tensor's memory gets a new number in the wasm backend. wasm's
 * own convolution and matrix kernels (XNNPACK) keep their packed copy of a filter under that
 * number and drop it only when the number is disposed; tfjs never changes a tensor's values,
 * so until now a new value always came with a new number. Without this, a layer that falls
 * back to wasm's FusedConv2D or _FusedMatMul kept computing with the weights it first saw
 * (found by the resume test: its losses drifted from the formula's at the second step).
 */
export function renew(backend: InPlaceBackend, t: Tensor): void {
  const record = backend.dataIdMap.get(t.dataId);
  if (!record) return;
  backend.wasm.tfjs.disposeData(record.id);
  record.id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(record.id, t.size, record.memoryOffset);
}

/** Gradients as tfjs' Optimizer.applyGradients receives them. */
export type NamedGradients = tfTypes.NamedTensorMap | Array<{ name: string; tensor: Tensor }>;

/**
 * Routes a tfjs optimizer class's applyGradients through `step` while the onednn backend is
 * the active one; on any other backend the original method runs. Installed once per class.
 */
export function routeApplyGradients<S>(tf: Tf, className: 'AdamOptimizer' | 'MomentumOptimizer', step: (opt: S, gradients: NamedGradients) => void): void {
  const proto = (tf as unknown as Record<string, { prototype: Record<string | symbol, unknown> }>)[className].prototype;
  const marker = Symbol.for(`tao.onednn.${className}`);
  if (proto[marker]) return;
  const original = proto.applyGradients as (this: unknown, g: NamedGradients) => void;
  proto.applyGradients = function (this: S, gradients: NamedGradients): void {
    if (tf.getBackend() !== 'onednn') return original.call(this, gradients);
    step(this, gradients);
  };
  proto[marker] = true;
}
