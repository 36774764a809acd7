// Reading tensors back to JavaScript on any backend. On a GPU backend in Node, dataSync() and
// arraySync() throw (tfjs' WebGPU backend reads synchronously through an OffscreenCanvas,
// which Node does not have); the async data() works everywhere, and every backend then keeps
// the values beside the tensor, so a later dataSync() of the same tensor returns them at once.
import type * as tfTypes from '@tensorflow/tfjs';

/**
 * Brings the values of `tensors` to the host, so that code written with dataSync() (ONNX
 * export, pruning scores, Keras files) can read them afterwards on every backend. Only
 * tensors that stay alive (a model's weights) are worth it: a derived tensor is new and
 * would need its own read.
 */
export async function readToHost(tensors: readonly tfTypes.Tensor[]): Promise<void> {
  await Promise.all(tensors.filter((t) => !t.isDisposed).map((t) => t.data()));
}

/** The weights of a model (its variables), for readToHost before synchronous readers. */
export function modelWeights(model: tfTypes.LayersModel): tfTypes.Tensor[] {
  return model.weights.map((w) => w.read());
}
