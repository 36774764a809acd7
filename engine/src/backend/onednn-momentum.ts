// SGD with momentum (and Nesterov's variant) on the onednn backend: each variable's step in one
// native pass that updates the accumulator and the variable in place (the addon's momentum()),
// where tfjs' MomentumOptimizer runs four or five element-wise kernels per variable, each a
// full pass that allocates a new tensor. The Fashion-MNIST recipe of issue #11 trains
// resnet18's 11 M parameters this way every step. Same safety rule as the in-place
// Adam (./onednn-in-place.ts); tfjs' operations in tfjs' order in float32, so the values are
// the same bit for bit either way.
import type * as tfTypes from '@tensorflow/tfjs';
import type { OnednnAddon } from './onednn';
import { inPlaceBackend, routeApplyGradients, updatableInPlace, type NamedGradients } from './onednn-in-place';

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;
type Variable = tfTypes.Variable;

/** The parts of tfjs' MomentumOptimizer this step reads and updates (its own field names). */
interface MomentumState {
  learningRate: number;
  momentum: number;
  useNesterov: boolean;
  /** -learningRate as a float32 scalar (SGDOptimizer keeps it in step with setLearningRate). */
  c: Tensor;
  m: Tensor;
  accumulations: Array<{ originalName: string; variable: Variable } | undefined>;
  incrementIterations(): void;
}

/** In-place momentum steps taken per variable (tests check the native path ran). */
export const momentumCalls = { native: 0, formula: 0 };

function applyMomentum(tf: Tf, addon: OnednnAddon, opt: MomentumState, gradients: NamedGradients): void {
  const names = Array.isArray(gradients) ? gradients.map((g) => g.name) : Object.keys(gradients);
  const backend = inPlaceBackend(tf);
  // The scalars as tfjs' kernels see them: float32 values of the same numbers.
  const k = Float32Array.from([opt.momentum, -opt.learningRate, opt.useNesterov ? 1 : 0]);
  names.forEach((name, i) => {
    const value = tf.engine().registeredVariables[name];
    opt.accumulations[i] ??= { originalName: `${name}/momentum`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
    const gradient = Array.isArray(gradients) ? gradients[i].tensor : gradients[name];
    if (gradient == null) return;
    const accumulation = opt.accumulations[i]!.variable;
    if (updatableInPlace(backend, gradient, [value, accumulation])) {
      const view = (t: Tensor) => backend.float32View(t as never);
      addon.momentum(view(gradient), view(accumulation), view(value), k);
      momentumCalls.native++;
      return;
    }
    // tfjs' formula, as MomentumOptimizer writes it.
    tf.tidy(() => {
      const newAccumulation = tf.add(tf.mul(opt.m, accumulation), gradient);
      const step = opt.useNesterov ? tf.add(gradient, tf.mul(newAccumulation, opt.m)) : newAccumulation;
      accumulation.assign(newAccumulation);
      value.assign(tf.add(tf.mul(opt.c, step), value));
    });
    momentumCalls.formula++;
  });
  opt.incrementIterations();
}

/** applyMomentum in place of tfjs' MomentumOptimizer.applyGradients while onednn is the backend. */
export function installOnednnMomentum(tf: Tf, addon: OnednnAddon): void {
  routeApplyGradients<MomentumState>(tf, 'MomentumOptimizer', (opt, gradients) => applyMomentum(tf, addon, opt, gradients));
}
