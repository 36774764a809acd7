// Swish, x · sigmoid(αx), EfficientNet's activation, as one native kernel each way on the
// onednn backend. tfjs-layers runs it as three kernels forward (x · α, sigmoid, multiply) and,
// through their gradients, about six backward, each a full pass over the activation: in a
// profile of one efficientnet_b0 training step (224x224, batch 8, one thread) Multiply, Sub
// and Sigmoid were 72 % of the kernel time and the convolutions 13 % (bench/RESULTS.md,
// 2026-12-05 15:12). Here the forward is the addon's swish loop and the backward oneDNN's
// swish derivative, dy · (s + αx · s · (1 − s)) with s = sigmoid(αx).
//
// tfjs-layers' Swish activation is patched on its prototype so that, while onednn is the
// backend, apply() runs the kernel; on any other backend, and for tensors below the native
// size, it runs tfjs-layers' own formula.
import type * as tfTypes from '@tensorflow/tfjs';
import type { OnednnAddon } from './onednn';
import type { NativeStorage } from './onednn-storage';

type Tf = typeof tfTypes;
type TensorInfo = tfTypes.TensorInfo;

export const SWISH_KERNEL = 'TaoOnednnSwish';

/** Native swish calls since the process started (tests check they ran). */
export const swishCalls = { forward: 0 };

interface KernelArgs {
  inputs: { x: TensorInfo };
  attrs: { alpha: number };
  backend: NativeStorage;
}

/**
 * Registers the kernel and its gradient, and routes tfjs-layers' swish to it. `gradKernel` is
 * the backend's activation-gradient kernel (kind 3: oneDNN's swish backward); `minSize` the
 * size from which element-wise work goes native.
 */
export function installOnednnSwish(tf: Tf, addon: OnednnAddon, gradKernel: string, minSize: number): void {
  tf.registerKernel({
    kernelName: SWISH_KERNEL,
    backendName: 'onednn',
    kernelFunc: (({ inputs, attrs, backend }: KernelArgs) => {
      const out = backend.allocateFloat32(inputs.x.shape);
      addon.unary(7, backend.float32View(inputs.x), backend.float32View(out), Number(attrs.alpha));
      swishCalls.forward++;
      return out;
    }) as never,
  });
  tf.registerGradient({
    kernelName: SWISH_KERNEL,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const alpha = Number(attrs.alpha);
      return { x: () => tf.engine().runKernel(gradKernel, { dy, x } as never, { kind: 3, alpha, beta: 0 } as never) as tfTypes.Tensor };
    },
  });
  // The class from tfjs' serialization registry (where tfjs-layers registers its activations),
  // not from a throwaway layer: creating one would advance tfjs-layers' automatic layer names.
  const registered = tf.serialization.SerializationMap.getMap().classNameMap.swish as unknown as [{ prototype: Record<string | symbol, unknown> }] | undefined;
  if (!registered) throw new Error("onednn: tfjs-layers' swish activation is not registered");
  const proto = registered[0].prototype;
  const marker = Symbol.for('tao.onednn.swish');
  if (proto[marker]) return;
  const original = proto.apply as (this: unknown, x: tfTypes.Tensor, alpha?: number) => tfTypes.Tensor;
  proto.apply = function (this: unknown, x: tfTypes.Tensor, alpha = 1): tfTypes.Tensor {
    if (tf.getBackend() !== 'onednn' || x.dtype !== 'float32' || x.size < minSize) return original.call(this, x, alpha);
    return tf.engine().runKernel(SWISH_KERNEL, { x } as never, { alpha } as never) as tfTypes.Tensor;
  };
  proto[marker] = true;
}
