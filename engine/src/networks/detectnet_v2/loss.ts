// DetectNet_v2's cost, as TAO composes it: per class, a weighted binary cross-entropy on the
// coverage map (foreground cells weighted coverage_foreground_weight, background 1 - that) and
// an L1 on the box edges weighted by the rasterized 1/area; each averaged over batch and grid,
// then summed with normalized class weights times normalized objective weights.
import type * as tfTypes from '@tensorflow/tfjs';
import type { CostConfig } from './config';

type Tf = typeof tfTypes;

const EPSILON = 1e-5;

export interface ObjectiveState {
  /** Per class, [cov, bbox] weights (normalized to sum 1 per class). */
  weights: Array<[number, number]>;
}

/** TAO's starting point: initial weights normalized per class. */
export function initialObjectiveWeights(cost: CostConfig, classes: string[]): ObjectiveState {
  return {
    weights: classes.map((name) => {
      const c = cost.classes.find((x) => x.name === name);
      const cov = c?.cov.initial ?? 1;
      const bbox = c?.bbox.initial ?? 10;
      const sum = cov + bbox;
      return sum > 0 ? [cov / sum, bbox / sum] : [0, 0];
    }),
  };
}

/** Class weights normalized to sum 1 (TAO keeps them constant). */
export function classWeights(cost: CostConfig, classes: string[]): number[] {
  const raw = classes.map((name) => cost.classes.find((x) => x.name === name)?.classWeight ?? 1);
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => (sum > 0 ? w / sum : 0));
}

/**
 * enable_autoweighting: at the end of an epoch each objective's weight becomes
 * weight_target / (its summed cost over the epoch), normalized per class and clamped to
 * [min_objective_weight, max_objective_weight]; a class with no cost keeps its weights.
 */
export function autoweight(cost: CostConfig, classes: string[], sums: Array<[number, number]>, prev: ObjectiveState): ObjectiveState {
  return {
    weights: classes.map((name, k) => {
      const c = cost.classes.find((x) => x.name === name);
      const targets = [c?.cov.target ?? 1, c?.bbox.target ?? 10];
      const raw = sums[k].map((s, j) => (s === 0 ? 0 : targets[j] / s));
      const total = raw[0] + raw[1];
      if (total === 0) return prev.weights[k];
      return raw.map((w) => Math.min(cost.maxObjectiveWeight, Math.max(cost.minObjectiveWeight, w / total))) as [number, number];
    }),
  };
}

export interface LossInputs {
  covPred: tfTypes.Tensor4D;
  bboxPred: tfTypes.Tensor4D;
  covTarget: tfTypes.Tensor4D;
  bboxTarget: tfTypes.Tensor4D;
  covNorm: tfTypes.Tensor4D;
  /** [C] coverage_foreground_weight per class. */
  foreground: tfTypes.Tensor1D;
  /** [C] class weight x cov objective weight. */
  covWeight: tfTypes.Tensor1D;
  /** [C] class weight x bbox objective weight. */
  bboxWeight: tfTypes.Tensor1D;
}

export interface LossParts {
  total: tfTypes.Scalar;
  /** [C] mean coverage cost per class (unweighted). */
  cov: tfTypes.Tensor1D;
  /** [C] mean bbox cost per class (unweighted). */
  bbox: tfTypes.Tensor1D;
}

export function detectnetLoss(tf: Tf, x: LossInputs): LossParts {
  const [b, rows, cols, C] = x.covTarget.shape;
  const bce = tf.neg(
    tf.add(
      tf.mul(x.covTarget, tf.log(tf.add(x.covPred, EPSILON))),
      tf.mul(tf.sub(1, x.covTarget), tf.log(tf.add(tf.sub(1, x.covPred), EPSILON))),
    ),
  );
  const fgWeight = tf.where(tf.greater(x.covTarget, 0.5), tf.mul(tf.onesLike(x.covTarget), x.foreground), tf.mul(tf.onesLike(x.covTarget), tf.sub(1, x.foreground)));
  const cov = tf.mean(tf.mul(fgWeight, bce), [0, 1, 2]) as tfTypes.Tensor1D;
  const shape5 = [b, rows, cols, C, 4];
  const dist = tf.abs(tf.sub(tf.reshape(x.bboxPred, shape5), tf.reshape(x.bboxTarget, shape5)));
  const weighted = tf.mul(dist, tf.reshape(x.covNorm, [b, rows, cols, C, 1]));
  const bbox = tf.mean(weighted, [0, 1, 2, 4]) as tfTypes.Tensor1D;
  const total = tf.add(tf.sum(tf.mul(cov, x.covWeight)), tf.sum(tf.mul(bbox, x.bboxWeight))) as tfTypes.Scalar;
  return { total, cov, bbox };
}
