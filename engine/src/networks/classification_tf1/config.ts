// Typed view of a classification_tf1 spec, with the defaults TAO's code applies to proto3
// zero values filled in. Every task reads this object, never the raw tree, so a default is
// decided in exactly one place (./defaults.ts).

import type { BackboneConfig } from '../../backbones/config';
import type { LrConfig, OptimizerConfig, RegConfig } from '../../train/config';

export type { LrConfig, OptimizerConfig, RegConfig };
/** classification_tf1's model_config is a backbone plus the classifier head's settings. */
export type ModelConfig = BackboneConfig;

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
