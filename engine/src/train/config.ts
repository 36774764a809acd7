// Optimizer, learning-rate schedule and regularizer settings shared by every network's
// training loop; each network's config reader fills them from its own spec fields.

export type OptimizerConfig =
  | { type: 'sgd'; lr: number; decay: number; momentum: number; nesterov: boolean }
  | { type: 'adam'; lr: number; beta1: number; beta2: number; epsilon: number; decay: number }
  | { type: 'rmsprop'; lr: number; rho: number; epsilon: number; decay: number };

export type LrConfig =
  | { type: 'step'; learningRate: number; stepSize: number; gamma: number }
  | { type: 'soft_anneal'; learningRate: number; softStart: number; annealingDivider: number; annealingPoints: number[] }
  | { type: 'cosine'; learningRate: number; minLrRatio: number; softStart: number }
  | { type: 'constant'; learningRate: number }
  /**
   * DetectNet_v2's soft_start_annealing_schedule: exponential ramp from minLr to maxLr over the
   * first `softStart` fraction of training, maxLr until `annealing`, then exponential decay
   * back to minLr at the end.
   */
  | { type: 'soft_start_annealing'; learningRate: number; minLr: number; softStart: number; annealing: number };

export interface RegConfig {
  type: 'L1' | 'L2' | 'None';
  /** Layer kinds the regularizer applies to (Conv2D, Dense, ...). */
  scope: string[];
  weightDecay: number;
}

