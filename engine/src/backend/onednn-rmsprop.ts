// RMSProp on the onednn backend: each variable's step in one native pass that updates the mean
// square, the moment and the variable in place (the addon's rmsprop()), where tfjs'
// RMSPropOptimizer runs eight element-wise kernels per variable, each a full pass allocating a
// new tensor. classification_tf1's `rmsprop` optimizer maps onto it (engine/src/train/optimizer.ts:
// no momentum, not centered). The centered variant, which no TAO spec can ask for, stays tfjs'
// own method. Same safety rule as the in-place Adam and momentum (./onednn-in-place.ts); tfjs'
// operations in tfjs' order in float32, so the values are the same bit for bit either way.
import type * as tfTypes from '@tensorflow/tfjs';
import type { OnednnAddon } from './onednn';
import { inPlaceBackend, routeApplyGradients, updatableInPlace, type NamedGradients } from './onednn-in-place';

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;
type Variable = tfTypes.Variable;

type Slot = { originalName: string; variable: Variable } | undefined;

/** The parts of tfjs' RMSPropOptimizer this step reads and updates (its own field names). */
interface RmsPropState {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
  accumulatedMeanSquares: Slot[];
  accumulatedMoments: Slot[];
  incrementIterations(): void;
}

/** In-place RMSProp steps taken per variable (tests check the native path ran). */
export const rmspropCalls = { native: 0, formula: 0 };

function applyRmsProp(tf: Tf, addon: OnednnAddon, opt: RmsPropState, gradients: NamedGradients): void {
  const names = Array.isArray(gradients) ? gradients.map((g) => g.name) : Object.keys(gradients);
  const backend = inPlaceBackend(tf);
  // The scalars as tfjs' kernels see them: float32 values of the same numbers (1 - decay is
  // computed in double first, as tfjs does before making it a tensor).
  const k = Float32Array.from([opt.decay, 1 - opt.decay, opt.momentum, opt.learningRate, opt.epsilon]);
  names.forEach((name, i) => {
    const value = tf.engine().registeredVariables[name];
    const zeros = (suffix: string): Slot => ({ originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) });
    opt.accumulatedMeanSquares[i] ??= zeros('rms');
    opt.accumulatedMoments[i] ??= zeros('momentum');
    const gradient = Array.isArray(gradients) ? gradients[i].tensor : gradients[name];
    if (gradient == null) return;
    const meanSquare = opt.accumulatedMeanSquares[i]!.variable;
    const moment = opt.accumulatedMoments[i]!.variable;
    if (updatableInPlace(backend, gradient, [value, meanSquare, moment])) {
      const view = (t: Tensor) => backend.float32View(t as never);
      addon.rmsprop(view(gradient), view(meanSquare), view(moment), view(value), k);
      rmspropCalls.native++;
      return;
    }
    // tfjs' formula, as RMSPropOptimizer writes it.
    tf.tidy(() => {
      const newMeanSquare = tf.add(tf.mul(meanSquare, opt.decay), tf.mul(tf.square(gradient), 1 - opt.decay));
      const newMoment = tf.add(tf.mul(moment, opt.momentum), tf.div(tf.mul(gradient, opt.learningRate), tf.sqrt(tf.add(newMeanSquare, opt.epsilon))));
      meanSquare.assign(newMeanSquare);
      moment.assign(newMoment);
      value.assign(tf.sub(value, newMoment));
    });
    rmspropCalls.formula++;
  });
  opt.incrementIterations();
}

/** applyRmsProp in place of tfjs' RMSPropOptimizer.applyGradients while onednn is the backend (not centered). */
export function installOnednnRmsProp(tf: Tf, addon: OnednnAddon): void {
  routeApplyGradients<RmsPropState>(tf, 'RMSPropOptimizer', (opt, gradients, original) => {
    if (opt.centered) original(gradients);
    else applyRmsProp(tf, addon, opt, gradients);
  });
}
