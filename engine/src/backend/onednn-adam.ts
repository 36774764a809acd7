// Adam on the onednn backend: each variable's step in one native pass that updates the first
// and second moments and the variable in place (the addon's adam()), instead of tfjs'
// fourteen element-wise kernels per variable, each a full pass that allocates a new tensor
// (~18% of a resnet18 training step at 2 threads, the 11 M parameters read and written
// about thirty times). An earlier native Adam that returned three new tensors per variable was
// no faster: the allocations and the memory they touch cost what the fused loop saved.
//
// Writing in place is only safe where nothing else sees the old values: the variable's, and
// each moment's, memory must have exactly one reference in the backend (tfjs shares memory
// between tensors for reshape, clone and, on this backend, Identity/Cast/whole Slice). Any
// variable for which that does not hold, or that is not float32, takes tfjs' own formula.
// The addon's loop runs tfjs' operations in tfjs' order in float32, so the values are the
// same bit for bit either way, and a resumed run stays byte-identical to an uninterrupted one.
import type * as tfTypes from '@tensorflow/tfjs';
import type { OnednnAddon } from './onednn';
import { inPlaceBackend, routeApplyGradients, updatableInPlace, type NamedGradients } from './onednn-in-place';

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;
type Variable = tfTypes.Variable;

/** The parts of tfjs' AdamOptimizer this step reads and updates (its own field names). */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: Variable;
  accBeta2: Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: Variable } | undefined>;
  incrementIterations(): void;
}

/** In-place Adam steps taken (tests check the native path ran). */
export const adamCalls = { native: 0, formula: 0 };

/** One Adam step over every variable, as tfjs' AdamOptimizer.applyGradients, in place where safe. */
function applyAdam(tf: Tf, addon: OnednnAddon, opt: AdamState, gradients: NamedGradients): void {
  const names = Array.isArray(gradients) ? gradients.map((g) => g.name) : Object.keys(gradients);
  const backend = inPlaceBackend(tf);
  tf.tidy(() => {
    const oneMinusAccBeta1 = tf.sub(1, opt.accBeta1);
    const oneMinusAccBeta2 = tf.sub(1, opt.accBeta2);
    // The scalars as the kernels see them: float32 tensors made from the same numbers.
    const k = Float32Array.from([
      opt.beta1, 1 - opt.beta1, opt.beta2, 1 - opt.beta2,
      oneMinusAccBeta1.dataSync()[0], oneMinusAccBeta2.dataSync()[0], opt.epsilon, -opt.learningRate,
    ]);
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      opt.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      opt.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const gradient = Array.isArray(gradients) ? gradients[i].tensor : gradients[name];
      if (gradient == null) return;
      const m = opt.accumulatedFirstMoment[i]!.variable;
      const v = opt.accumulatedSecondMoment[i]!.variable;
      const own = [value, m, v];
      if (updatableInPlace(backend, gradient, own)) {
        const view = (t: Tensor) => backend.float32View(t as never);
        addon.adam(view(gradient), view(m), view(v), view(value), k);
        adamCalls.native++;
        return;
      }
      // tfjs' formula, as AdamOptimizer writes it.
      const newM = tf.add(tf.mul(m, opt.beta1), tf.mul(gradient, 1 - opt.beta1));
      const newV = tf.add(tf.mul(v, opt.beta2), tf.mul(tf.square(gradient), 1 - opt.beta2));
      const mHat = tf.div(newM, oneMinusAccBeta1);
      const vHat = tf.div(newV, oneMinusAccBeta2);
      m.assign(newM);
      v.assign(newV);
      value.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), opt.epsilon)), -opt.learningRate), value));
      adamCalls.formula++;
    });
    opt.accBeta1.assign(tf.mul(opt.accBeta1, opt.beta1));
    opt.accBeta2.assign(tf.mul(opt.accBeta2, opt.beta2));
  });
  opt.incrementIterations();
}

/** applyAdam in place of tfjs' AdamOptimizer.applyGradients while onednn is the backend. */
export function installOnednnAdam(tf: Tf, addon: OnednnAddon): void {
  routeApplyGradients<AdamState>(tf, 'AdamOptimizer', (opt, gradients) => applyAdam(tf, addon, opt, gradients));
}
