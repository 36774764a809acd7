// Where a training step's time goes, kernel by kernel: `node out/bench/train/profile.js
// --backend wasm --model resnet18 [--size 64 --channels 3 --batch 32 --threads N]`. Runs one warm-up step,
// then one step under tf.profile, and prints each kernel's share of the summed kernel time
// (kernel times are wall-clock per kernel, so they add up to about the step's compute).
// `--infer` profiles one batch of the engine's predict path instead (model.predict, batch
// norm in inference mode), after one warm-up batch. `--recipe fmnist` steps with the
// Fashion-MNIST goal's optimizer and L2 penalty (bench/fmnist/recipe.ts) instead of Adam.
import { chooseBackend, isBackendChoice } from '../../engine/src/backend';
import { parseArgs } from '../common/util';
import { buildBenchModel, MODELS, type ModelName } from './models';
import { makeStepper } from './step';
import { RECIPE } from '../fmnist/recipe';
import type { ImageSet } from '../../engine/src/data/folder';
import type * as tfTypes from '@tensorflow/tfjs';

async function main(): Promise<void> {
  const { extra: a } = parseArgs();
  const backend = String(a.get('backend') ?? 'wasm');
  if (!isBackendChoice(backend)) throw new Error(`unknown backend ${backend}`);
  const model = String(a.get('model') ?? 'resnet18') as ModelName;
  if (!(MODELS as readonly string[]).includes(model)) throw new Error(`unknown model ${model}`);
  const size = Number(a.get('size') ?? 64);
  const channels = Number(a.get('channels') ?? 3);
  const batch = Number(a.get('batch') ?? 32);
  const classes = 10;
  const threads = a.has('threads') ? Number(a.get('threads')) : undefined;
  const chosen = await chooseBackend(backend, { threads });
  const tf = chosen.tf;
  // Random images: the profile depends on shapes only.
  const n = batch * 2;
  const pixels = new Uint8Array(n * size * size * channels).map((_, i) => (i * 2654435761) >>> 24);
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const set: ImageSet = { pixels, labels, files: [], height: size, width: size, channels, classes: Array.from({ length: classes }, (_, i) => String(i)) };
  const net = buildBenchModel(tf, model, channels, size, classes);
  const recipe = a.get('recipe');
  if (recipe !== undefined && recipe !== 'fmnist') throw new Error(`--recipe must be fmnist (got ${String(recipe)})`);
  const stepper = recipe ? makeStepper(tf, net, set, classes, batch, RECIPE.optimizer.lr, { optimizer: RECIPE.optimizer, reg: RECIPE.reg }) : makeStepper(tf, net, set, classes, batch);
  const infer = a.has('infer');
  const predict = (): void => {
    tf.tidy(() => {
      const x = tf.randomUniform([batch, size, size, channels]);
      (net.predict(x) as tfTypes.Tensor).dataSync();
    });
  };
  if (infer) predict();
  else stepper.step(0);
  const t0 = Date.now();
  const info = await tf.profile(() => {
    if (infer) predict();
    else stepper.step(batch);
  });
  const wall = Date.now() - t0;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.calls++;
    byKernel.set(k.name, e);
  }
  const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
  const rows = [...byKernel.entries()].sort((x, y) => y[1].ms - x[1].ms);
  process.stdout.write(`${model} ${infer ? 'predict' : 'training step'} ${channels}x${size}x${size} batch ${batch} on ${chosen.description}: kernels ${total.toFixed(0)} ms, step under the profiler ${wall} ms\n`);
  for (const [name, e] of rows) {
    const pct = (100 * e.ms) / total;
    if (pct < 0.3) continue;
    process.stdout.write(`${name.padEnd(34)} ${e.ms.toFixed(1).padStart(9)} ms ${pct.toFixed(1).padStart(5)}%  ${String(e.calls).padStart(4)} calls\n`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
