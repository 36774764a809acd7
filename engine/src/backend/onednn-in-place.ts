// What the onednn backend's in-place optimizer steps (./onednn-adam.ts, ./onednn-momentum.ts,
// ./onednn-rmsprop.ts)
// share: the check that writing into a variable's memory is safe, and routing an optimizer's
// applyGradients to its in-place step.
import type * as tfTypes from '@tensorflow/tfjs';
import type { NativeStorage } from './onednn-storage';

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;

export function inPlaceBackend(tf: Tf): NativeStorage {
  return tf.backend() as unknown as NativeStorage;
}

/**
 * Whether `own` (a variable and its optimizer slots) may be overwritten from `gradient`: all
 * float32 and of one size, each of `own` the only tensor on its memory (tfjs shares memory
 * between tensors for reshape, clone, Identity, Cast to the same dtype and, on this backend,
 * whole Slice), and no two of them, the gradient included, on the same memory. (Two data ids
 * never share an array on this backend: ./onednn-storage.ts copies where a kernel would.)
 */
export function updatableInPlace(backend: NativeStorage, gradient: Tensor, own: Tensor[]): boolean {
  const all = [gradient, ...own];
  const n = own[0].size;
  return n > 0 && all.every((t) => t.dtype === 'float32' && t.size === n)
    && own.every((t) => backend.refCount(t.dataId) === 1) && new Set(all.map((t) => t.dataId)).size === all.length;
}

/** Gradients as tfjs' Optimizer.applyGradients receives them. */
export type NamedGradients = tfTypes.NamedTensorMap | Array<{ name: string; tensor: Tensor }>;

/**
 * Routes a tfjs optimizer class's applyGradients through `step` while the onednn backend is
 * the active one; on any other backend the original method runs. `step` may hand a case it
 * does not take back to the original. Installed once per class.
 */
export function routeApplyGradients<S>(tf: Tf, className: 'AdamOptimizer' | 'MomentumOptimizer' | 'RMSPropOptimizer',
  step: (opt: S, gradients: NamedGradients, original: (gradients: NamedGradients) => void) => void): void {
  const proto = (tf as unknown as Record<string, { prototype: Record<string | symbol, unknown> }>)[className].prototype;
  const marker = Symbol.for(`tao.onednn.${className}`);
  if (proto[marker]) return;
  const original = proto.applyGradients as (this: unknown, g: NamedGradients) => void;
  proto.applyGradients = function (this: S, gradients: NamedGradients): void {
    if (tf.getBackend() !== 'onednn') return original.call(this, gradients);
    step(this, gradients, (g) => original.call(this, g));
  };
  proto[marker] = true;
}
