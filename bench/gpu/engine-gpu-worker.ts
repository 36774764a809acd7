// One engine training measurement on a GPU backend, in its own process (a backend loads once
// per process): the engine trainer's step (../train/step.ts) with asynchronous loss reads,
// because GPU tensors cannot be read synchronously in Node. Prints one JSON line.
//
//   node out/bench/gpu/engine-gpu-worker.js --backend webgpu --model resnet18 --images F
//     --labels F --n N --size 224 --channels 3 --classes 10 --batch 32 --warmup 2 --steps 10
import { performance } from 'node:perf_hooks';
import { chooseBackend, isBackendChoice } from '../../engine/src/backend';
import { numArg, parseArgs } from '../common/util';
import { loadSet } from '../train/data';
import { buildBenchModel, MODELS, trainableParams, type ModelName } from '../train/models';
import { makeStepper } from '../train/step';

async function main(): Promise<void> {
  const { extra: a } = parseArgs();
  const backend = String(a.get('backend') ?? 'webgpu');
  if (!isBackendChoice(backend)) throw new Error(`unknown backend ${backend}`);
  const model = String(a.get('model')) as ModelName;
  if (!(MODELS as readonly string[]).includes(model)) throw new Error(`unknown model ${model}`);
  const size = numArg(a, 'size', 224);
  const channels = numArg(a, 'channels', 3);
  const classes = numArg(a, 'classes', 10);
  const n = numArg(a, 'n', 64);
  const batch = numArg(a, 'batch', 32);
  const warmup = numArg(a, 'warmup', 2);
  const steps = numArg(a, 'steps', 10);
  const set = loadSet(String(a.get('images')), String(a.get('labels')), n, size, channels, classes);

  const chosen = await chooseBackend(backend);
  const tf = chosen.tf;
  const net = buildBenchModel(tf, model, channels, size, classes);
  const stepper = makeStepper(tf, net, set, classes, batch);
  let pos = 0;
  const next = (): number => {
    const s = pos;
    pos = pos + batch * 2 > n ? 0 : pos + batch;
    return s;
  };
  // Warm-up steps compile the GPU programs (WebGPU builds one pipeline per kernel and shape).
  for (let i = 0; i < warmup; i++) await stepper.stepAsync(next());
  const t0 = performance.now();
  let loss = NaN;
  for (let i = 0; i < steps; i++) loss = await stepper.stepAsync(next());
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    JSON.stringify({
      side: 'engine',
      backend: chosen.name,
      device: chosen.device ?? '',
      software: chosen.software ?? false,
      backend_description: chosen.description,
      model,
      batch,
      input: `${channels}x${size}x${size}`,
      trainable_params: trainableParams(net),
      train_steps: steps,
      train_img_s: (steps * batch) / seconds,
      last_loss: loss,
    }) + '\n',
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`engine-gpu-worker: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
