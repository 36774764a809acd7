// The models the training benchmark runs, built for the engine exactly as the CLI builds them
// (buildClassifier with a config from buildConfig, i.e. a classification_tf1 spec's
// model_config), plus the small CNN of the backends note (not an engine architecture, so it
// is written here with the same layer kinds). bench/train/pytorch_bench.py mirrors each one
// layer for layer. FLOPs per image are counted from the built model's layer shapes.
import type * as tfTypes from '@tensorflow/tfjs';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';

type Tf = typeof tfTypes;

export const MODELS = ['small_cnn', 'resnet18', 'mobilenet_v2'] as const;
/** resnet10 is only used by the pruning benchmark. */
export type ModelName = (typeof MODELS)[number] | 'resnet10';

/** model_config of a classification_tf1 spec for each engine architecture (the spec's names). */
function specFor(model: ModelName, channels: number, size: number): Record<string, unknown> {
  const common = { input_image_size: `${channels},${size},${size}`, use_batch_norm: true };
  if (model === 'resnet18') return { ...common, arch: 'resnet', n_layers: 18, use_pooling: true, all_projections: false };
  // TAO's pruning specs use all_projections so every block prunes alike.
  if (model === 'resnet10') return { ...common, arch: 'resnet', n_layers: 10, use_pooling: true, all_projections: true };
  if (model === 'mobilenet_v2') return { ...common, arch: 'mobilenet_v2' };
  throw new Error(`${model} is not an engine architecture`);
}

/**
 * Small CNN: 5 x (conv3x3 without bias + BN + ReLU), widths 16-32-32-64-64, strides 2-1-2-1-2,
 * global average pool, dense softmax. At 3x64x64 and 10 classes: 70.6k trainable parameters
 * and 29 MFLOP forward per image, the figures the backends note gives for its CNN.
 */
export const SMALL_CNN = { widths: [16, 32, 32, 64, 64], strides: [2, 1, 2, 1, 2] };

function smallCnn(tf: Tf, channels: number, size: number, classes: number, seed: number): tfTypes.LayersModel {
  const input = tf.input({ shape: [size, size, channels], name: 'input_1' });
  let x = input as tfTypes.SymbolicTensor;
  SMALL_CNN.widths.forEach((w, i) => {
    x = tf.layers
      .conv2d({ name: `conv_${i + 1}`, filters: w, kernelSize: 3, strides: SMALL_CNN.strides[i], padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: seed + i }) as never })
      .apply(x) as tfTypes.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `bn_${i + 1}`, momentum: 0.9, epsilon: 1e-3 }).apply(x) as tfTypes.SymbolicTensor;
    x = tf.layers.activation({ name: `relu_${i + 1}`, activation: 'relu' }).apply(x) as tfTypes.SymbolicTensor;
  });
  x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tfTypes.SymbolicTensor;
  const out = tf.layers.dense({ name: 'predictions', units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 99 }) as never }).apply(x) as tfTypes.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'small_cnn' });
}

export function buildBenchModel(tf: Tf, model: ModelName, channels: number, size: number, classes: number, seed = 42): tfTypes.LayersModel {
  if (model === 'small_cnn') return smallCnn(tf, channels, size, classes, seed);
  const { config, problems } = buildConfig({ model_config: specFor(model, channels, size), train_config: { batch_size_per_gpu: 32, n_epochs: 1 } } as never);
  const serious = problems.filter((p) => p.path.startsWith('model_config'));
  if (serious.length) throw new Error(`model_config for ${model}: ${serious.map((p) => p.message).join('; ')}`);
  return buildClassifier(tf, config.model, classes, seed).model;
}

export function trainableParams(model: tfTypes.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/**
 * Forward FLOPs per image (multiply and add counted as 2), from each layer's output shape:
 * conv 2*K*K*Cin*Cout per output pixel, depthwise 2*K*K per output element, dense 2*in*out,
 * batch norm 2 per element (inference form: scale and shift), activations, adds and softmax
 * 1 per element, pooling its window per output element. Training is counted as 3x forward
 * (forward, gradient w.r.t. inputs, gradient w.r.t. weights), the usual approximation.
 * `convAndDenseOnly` counts the convolutions and dense layers alone: the part another
 * framework's model can be counted the same way (bench/backbones' torchvision side).
 */
export function forwardFlops(model: tfTypes.LayersModel, convAndDenseOnly = false): number {
  let total = 0;
  const elems = (shape: unknown): number => {
    const list = shape as Array<number | null> | Array<Array<number | null>>;
    const s = (Array.isArray(list[0]) ? list[0] : list) as Array<number | null>;
    return s.slice(1).reduce((a: number, b) => a * (b ?? 1), 1);
  };
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (convAndDenseOnly && cls !== 'Conv2D' && cls !== 'DepthwiseConv2D' && cls !== 'Dense') continue;
    const out = elems(layer.outputShape);
    const cfg = layer.getConfig() as Record<string, unknown>;
    if (cls === 'Conv2D') {
      const [kh, kw] = cfg.kernelSize as number[];
      const cin = layer.getWeights()[0].shape[2] as number;
      total += 2 * kh * kw * cin * out + (cfg.useBias ? out : 0);
    } else if (cls === 'DepthwiseConv2D') {
      const [kh, kw] = cfg.kernelSize as number[];
      total += 2 * kh * kw * out + (cfg.useBias ? out : 0);
    } else if (cls === 'Dense') {
      const w = layer.getWeights()[0].shape as number[];
      total += 2 * w[0] * w[1] + w[1];
    } else if (cls === 'BatchNormalization') {
      total += 2 * out;
    } else if (cls === 'Activation' || cls === 'ReLU' || cls === 'Add') {
      total += out;
    } else if (cls === 'MaxPooling2D') {
      const [ph, pw] = cfg.poolSize as number[];
      total += ph * pw * out;
    } else if (cls === 'GlobalAveragePooling2D') {
      const inEl = elems((layer.input as tfTypes.SymbolicTensor).shape);
      total += inEl;
    }
  }
  return total;
}
