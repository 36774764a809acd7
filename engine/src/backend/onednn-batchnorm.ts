// Batch normalisation in training mode on the onednn backend (see ../kernels/batchnorm-train.ts
// for why): the kernel TaoOnednnBatchNormTrain computes the batch's moments and the normalised
// output in one native call (three passes over x), and its gradient TaoOnednnBatchNormTrainGrad
// gives dx, d(scale) and d(offset) in another (two passes over dy and x), where tfjs-layers'
// composition ran about a dozen full-size kernels each way.
import type * as tfTypes from '@tensorflow/tfjs';
import type { OnednnAddon } from './onednn';
import type { NativeStorage } from './onednn-storage';
import { setFusedTrainingBatchNorm } from '../kernels/batchnorm-train';
import { inPlaceBackend, updatableInPlace } from './onednn-in-place';

type Tf = typeof tfTypes;
type TensorInfo = tfTypes.TensorInfo;

export const BATCHNORM_TRAIN_KERNEL = 'TaoOnednnBatchNormTrain';
export const BATCHNORM_TRAIN_GRAD_KERNEL = 'TaoOnednnBatchNormTrainGrad';

/** Native calls of the two kernels since the process started (tests check they ran). */
export const batchNormTrainCalls = { forward: 0, backward: 0, movingAverage: 0 };

interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  attrs: Record<string, unknown>;
  backend: NativeStorage;
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

export function installOnednnTrainingBatchNorm(tf: Tf, addon: OnednnAddon): void {
  tf.registerKernel({
    kernelName: BATCHNORM_TRAIN_KERNEL,
    backendName: 'onednn',
    kernelFunc: (({ inputs, attrs, backend }: KernelArgs) => {
      const { x, scale, offset } = inputs;
      if (!x) throw new Error(`${BATCHNORM_TRAIN_KERNEL}: x is missing`);
      const channels = x.shape[x.shape.length - 1];
      const y = backend.allocateFloat32(x.shape);
      const mean = backend.allocateFloat32([channels]);
      const variance = backend.allocateFloat32([channels]);
      const view = (t: TensorInfo | undefined) => (t ? backend.float32View(t) : null);
      addon.batchNormTrain(backend.float32View(x), view(scale), view(offset), Number(attrs.varianceEpsilon), channels, backend.float32View(y), backend.float32View(mean), backend.float32View(variance));
      batchNormTrainCalls.forward++;
      return [y, mean, variance];
    }) as never,
  });
  tf.registerKernel({
    kernelName: BATCHNORM_TRAIN_GRAD_KERNEL,
    backendName: 'onednn',
    kernelFunc: (({ inputs, attrs, backend }: KernelArgs) => {
      const { dy, x, mean, variance, scale, dMean, dVariance } = inputs;
      if (!dy || !x || !mean || !variance) throw new Error(`${BATCHNORM_TRAIN_GRAD_KERNEL}: an input is missing`);
      const channels = x.shape[x.shape.length - 1];
      const dx = backend.allocateFloat32(x.shape);
      const dScale = backend.allocateFloat32([channels]);
      const dOffset = backend.allocateFloat32([channels]);
      const view = (t: TensorInfo | undefined) => (t ? backend.float32View(t) : null);
      addon.batchNormTrainGrad(backend.float32View(dy), backend.float32View(x), backend.float32View(mean), backend.float32View(variance), view(scale), view(dMean), view(dVariance), Number(attrs.varianceEpsilon), channels, backend.float32View(dx), backend.float32View(dScale), backend.float32View(dOffset));
      batchNormTrainCalls.backward++;
      return [dx, dScale, dOffset];
    }) as never,
  });
  tf.registerGradient({
    kernelName: BATCHNORM_TRAIN_KERNEL,
    inputsToSave: ['x', 'scale'],
    outputsToSave: [false, true, true],
    gradFunc: (dys: tfTypes.Tensor | tfTypes.Tensor[], saved: tfTypes.Tensor[], attrs: tfTypes.NamedAttrMap) => {
      const [dy, dMean, dVariance] = dys as Array<tfTypes.Tensor | null>;
      // saved: x, scale (undefined when the layer has none), then the mean and variance outputs.
      const [x, scale, mean, variance] = saved as Array<tfTypes.Tensor | undefined>;
      const inputs: Record<string, tfTypes.Tensor> = { dy: dy ?? tf.zerosLike(x as tfTypes.Tensor), x: x as tfTypes.Tensor, mean: mean as tfTypes.Tensor, variance: variance as tfTypes.Tensor };
      if (scale) inputs.scale = scale;
      if (dMean) inputs.dMean = dMean;
      if (dVariance) inputs.dVariance = dVariance;
      const [dx, dScale, dOffset] = tf.engine().runKernel(BATCHNORM_TRAIN_GRAD_KERNEL, inputs as never, attrs as never) as unknown as tfTypes.Tensor[];
      return { x: () => dx, scale: () => dScale, offset: () => dOffset };
    },
  });
  setFusedTrainingBatchNorm(tf, (x, scale, offset, epsilon) => {
    if (tf.getBackend() !== 'onednn' || x.dtype !== 'float32' || x.size === 0) return undefined;
    const channels = x.shape[x.rank - 1];
    const perChannel = (t: tfTypes.Tensor | undefined) => t === undefined || (t.dtype === 'float32' && t.rank === 1 && t.size === channels);
    if (channels < 1 || !perChannel(scale) || !perChannel(offset) || size(x.shape) < channels) return undefined;
    const inputs: Record<string, tfTypes.Tensor> = { x };
    if (scale) inputs.scale = scale;
    if (offset) inputs.offset = offset;
    return tf.engine().runKernel(BATCHNORM_TRAIN_KERNEL, inputs as never, { varianceEpsilon: epsilon } as never) as unknown as [tfTypes.Tensor, tfTypes.Tensor, tfTypes.Tensor];
  }, (moving, statistic, decay) => {
    // In place only where no other tensor sees the moving statistic's memory (a clone of it,
    // a checkpoint's copy in flight): the same rule as the in-place optimizers.
    if (tf.getBackend() !== 'onednn') return false;
    const backend = inPlaceBackend(tf);
    if (!updatableInPlace(backend, statistic, [moving])) return false;
    addon.movingAverage(backend.float32View(statistic as never), backend.float32View(moving as never), Float32Array.of(decay));
    batchNormTrainCalls.movingAverage++;
    return true;
  });
}
