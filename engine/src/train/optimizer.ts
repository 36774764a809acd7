// Optimizer creation from the spec, learning-rate updates, and saving / restoring the
// optimizer's slots (moments, accumulators, iteration count) with a checkpoint so a resumed
// run continues exactly where the interrupted one stopped.
import type * as tfTypes from '@tensorflow/tfjs';
import type { OptimizerConfig } from './config';

type Tf = typeof tfTypes;
type Optimizer = tfTypes.Optimizer;

export function createOptimizer(tf: Tf, cfg: OptimizerConfig, lr: number): Optimizer {
  switch (cfg.type) {
    case 'adam':
      return tf.train.adam(lr, cfg.beta1, cfg.beta2, cfg.epsilon);
    case 'rmsprop':
      return tf.train.rmsprop(lr, cfg.rho, 0, cfg.epsilon);
    case 'sgd':
      return cfg.momentum > 0 ? tf.train.momentum(lr, cfg.momentum, cfg.nesterov) : tf.train.sgd(lr);
  }
}

/** tfjs optimizers read their rate from different places; SGD/momentum cache it as a scalar. */
export function setLearningRate(opt: Optimizer, lr: number): void {
  const o = opt as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (o.learningRate === lr) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

export interface SavedOptimizer {
  json: string;
  bin: Uint8Array;
}

// Adam's bias-correction powers are not part of getWeights(); tfjs recomputes them with pow()
// on restore, which differs in the last bits from the running product. We store them too.
const ADAM_EXTRA = ['accBeta1', 'accBeta2'] as const;

export async function saveOptimizer(tf: Tf, opt: Optimizer): Promise<SavedOptimizer> {
  const weights = await opt.getWeights();
  const named = weights.map((w, i) => ({ name: `${i}:${w.name}`, tensor: w.tensor }));
  const extras: string[] = [];
  for (const key of ADAM_EXTRA) {
    const t = (opt as unknown as Record<string, tfTypes.Tensor | undefined>)[key];
    if (t) {
      named.push({ name: `extra:${key}`, tensor: t });
      extras.push(key);
    }
  }
  const { data, specs } = await tf.io.encodeWeights(named);
  const bytes = new Uint8Array(Array.isArray(data) ? await new Blob(data).arrayBuffer() : data);
  // getWeights() returns fresh tensors for the iteration count; dispose what is not owned.
  tf.dispose(weights.filter((w) => w.name === 'iter').map((w) => w.tensor));
  return { json: JSON.stringify({ className: opt.getClassName(), specs, extras }), bin: bytes };
}

export async function restoreOptimizer(tf: Tf, opt: Optimizer, saved: SavedOptimizer): Promise<void> {
  const meta = JSON.parse(saved.json) as { className: string; specs: tfTypes.io.WeightsManifestEntry[] };
  if (meta.className !== opt.getClassName()) throw new Error(`checkpoint optimizer is ${meta.className}, spec asks for ${opt.getClassName()}`);
  const buf = saved.bin.buffer.slice(saved.bin.byteOffset, saved.bin.byteOffset + saved.bin.byteLength) as ArrayBuffer;
  const map = tf.io.decodeWeights(buf, meta.specs);
  const slots: Array<{ name: string; tensor: tfTypes.Tensor }> = [];
  for (const spec of meta.specs) {
    if (spec.name.startsWith('extra:')) continue;
    const colon = spec.name.indexOf(':');
    slots.push({ name: spec.name.slice(colon + 1), tensor: map[spec.name] });
  }
  await opt.setWeights(slots);
  for (const key of ADAM_EXTRA) {
    const saved = map[`extra:${key}`];
    const target = (opt as unknown as Record<string, tfTypes.Variable | undefined>)[key];
    if (saved && target) target.assign(saved);
  }
  tf.dispose(Object.values(map));
}
