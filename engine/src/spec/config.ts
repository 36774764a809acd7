// Typed view of a classification_tf1 spec, with the defaults TAO's code applies to proto3
// zero values filled in. Every task reads this object, never the raw tree, so a default is
// decided in exactly one place (./defaults.ts).

export type OptimizerConfig =
  | { type: 'sgd'; lr: number; decay: number; momentum: number; nesterov: boolean }
  | { type: 'adam'; lr: number; beta1: number; beta2: number; epsilon: number; decay: number }
  | { type: 'rmsprop'; lr: number; rho: number; epsilon: number; decay: number };

export type LrConfig =
  | { type: 'step'; learningRate: number; stepSize: number; gamma: number }
  | { type: 'soft_anneal'; learningRate: number; softStart: number; annealingDivider: number; annealingPoints: number[] }
  | { type: 'cosine'; learningRate: number; minLrRatio: number; softStart: number }
  | { type: 'constant'; learningRate: number };

export interface ModelConfig {
  /** Lower-case arch name without depth, e.g. `resnet`, `mobilenet_v2`, `vgg`. */
  arch: string;
  /** resnet/vgg depth (`n_layers`). */
  nLayers: number;
  channels: 1 | 3;
  height: number;
  width: number;
  resizeInterpolation: 'BILINEAR' | 'BICUBIC';
  retainHead: boolean;
  useBatchNorm: boolean;
  useBias: boolean;
  usePooling: boolean;
  allProjections: boolean;
  freezeBn: boolean;
  freezeBlocks: number[];
  dropout: number;
  bnMomentum: number;
  bnEpsilon: number;
  /** Keras activation name (relu, swish, elu, ...). */
  activation: string;
  activationParams: Record<string, number>;
}

export interface RegConfig {
  type: 'L1' | 'L2' | 'None';
  /** Layer kinds the regularizer applies to (Conv2D, Dense, ...). */
  scope: string[];
  weightDecay: number;
}

export interface TrainConfig {
  trainDatasetPath: string;
  valDatasetPath: string;
  pretrainedModelPath: string;
  optimizer: OptimizerConfig;
  lr: LrConfig;
  reg: RegConfig;
  batchSize: number;
  epochs: number;
  randomSeed: number;
  labelSmoothing: number;
  mixupAlpha: number;
  enableRandomCrop: boolean;
  enableCenterCrop: boolean;
  enableColorAugmentation: boolean;
  disableHorizontalFlip: boolean;
  preprocessMode: 'tf' | 'caffe' | 'torch';
  /** Per-channel means for caffe/torch modes, keyed b/g/r or l (grayscale). */
  imageMean: Record<string, number>;
}

export interface EvalConfig {
  topK: number;
  evalDatasetPath: string;
  modelPath: string;
  batchSize: number;
  enableCenterCrop: boolean;
}

export interface ClassificationConfig {
  model: ModelConfig;
  train: TrainConfig;
  eval: EvalConfig;
}
