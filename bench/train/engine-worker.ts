// One engine measurement in its own process (one backend per process, so backends never share
// state): builds the model, trains with the engine trainer's step (./step.ts), then times
// inference with the engine's predictSet. Prints one JSON line on stdout.
//
//   node out/bench/train/engine-worker.js --backend wasm --model resnet18 --images F --labels F
//     --n N --size 64 --channels 3 --classes 10 --batch 32 --warmup 1 --steps 5 --infer-batches 5
//     [--infer-passes P]  (inference timed P times over the same images; the median pass counts)
//     [--threads N]  (onednn's thread count; default every core)
//     [--mode accuracy --eval-images F --eval-labels F --eval-n N]
import { performance } from 'node:perf_hooks';
import { chooseBackend, isBackendChoice } from '../../engine/src/backend';
import { lossAndAccuracy, predictSet } from '../../engine/src/networks/classification_tf1/predict';
import { median, numArg, parseArgs } from '../common/util';
import { buildBenchModel, forwardFlops, MODELS, trainableParams, type ModelName } from './models';
import { makeStepper } from './step';
import { loadSet } from './data';

async function main(): Promise<void> {
  const { extra: a } = parseArgs();
  const backend = String(a.get('backend') ?? 'wasm');
  if (!isBackendChoice(backend)) throw new Error(`unknown backend ${backend}`);
  const model = String(a.get('model')) as ModelName;
  if (!(MODELS as readonly string[]).includes(model)) throw new Error(`unknown model ${model}`);
  const size = numArg(a, 'size');
  const channels = numArg(a, 'channels');
  const classes = numArg(a, 'classes');
  const n = numArg(a, 'n');
  const batch = numArg(a, 'batch', 32);
  const mode = String(a.get('mode') ?? 'throughput');
  const set = loadSet(String(a.get('images')), String(a.get('labels')), n, size, channels, classes);

  // Threads for backends that have a choice (onednn); the others compute on one.
  const threads = a.has('threads') ? numArg(a, 'threads') : undefined;
  const chosen = await chooseBackend(backend, { threads });
  const tf = chosen.tf;
  const net = buildBenchModel(tf, model, channels, size, classes);
  const stepper = makeStepper(tf, net, set, classes, batch);
  const { pre } = stepper;
  const step = (start: number): number => stepper.step(start);

  const result: Record<string, unknown> = {
    side: 'engine',
    backend: chosen.name,
    backend_description: chosen.description,
    threads: chosen.threads ?? 1,
    model,
    batch,
    input: `${channels}x${size}x${size}`,
    trainable_params: trainableParams(net),
    flops_forward: forwardFlops(net),
  };

  if (mode === 'accuracy') {
    // One pass over the training images in file order (the PyTorch script does the same), then top-1 on the eval set.
    const t0 = performance.now();
    let lastLoss = NaN;
    for (let start = 0; start + batch <= n; start += batch) lastLoss = step(start);
    const seconds = (performance.now() - t0) / 1000;
    const evalN = numArg(a, 'eval-n');
    const evalSet = loadSet(String(a.get('eval-images')), String(a.get('eval-labels')), evalN, size, channels, classes);
    const t1 = performance.now();
    const probs = predictSet(tf, net, evalSet, classes, batch, pre);
    const inferSeconds = (performance.now() - t1) / 1000;
    const m = lossAndAccuracy(probs, evalSet.labels, classes);
    const trained = Math.floor(n / batch) * batch;
    Object.assign(result, { train_images: trained, train_seconds: seconds, train_img_s: trained / seconds, infer_images: evalN, infer_img_s: evalN / inferSeconds, last_loss: lastLoss, eval_images: evalN, accuracy: m.accuracy, eval_loss: m.loss });
  } else {
    const warmup = numArg(a, 'warmup', 1);
    const steps = numArg(a, 'steps', 3);
    const inferBatches = numArg(a, 'infer-batches', 5);
    const budget = numArg(a, 'budget-s', 0);
    let pos = 0;
    const next = (): number => {
      const s = pos;
      pos = pos + batch * 2 > n ? 0 : pos + batch;
      return s;
    };
    for (let i = 0; i < warmup; i++) step(next());
    const t0 = performance.now();
    let done = 0;
    let loss = NaN;
    // Stop early when a time budget is given (slow backends), after at least one timed step.
    while (done < steps && (budget === 0 || done === 0 || (performance.now() - t0) / 1000 < budget)) {
      loss = step(next());
      done++;
    }
    const trainSeconds = (performance.now() - t0) / 1000;
    // Inference: the engine's batched predict (BN in inference mode), on the same images,
    // timed over several passes after a one-batch warm-up; the median pass is reported
    // (pytorch_bench.py does the same), as one pass of a few batches is too short to time alone.
    const inferSet = { ...set, labels: set.labels.subarray(0, Math.min(n, inferBatches * batch)) };
    predictSet(tf, net, { ...inferSet, labels: inferSet.labels.subarray(0, batch) }, classes, batch, pre); // warm-up
    const passSeconds: number[] = [];
    for (let p = 0; p < numArg(a, 'infer-passes', 1); p++) {
      const t1 = performance.now();
      predictSet(tf, net, inferSet, classes, batch, pre);
      passSeconds.push((performance.now() - t1) / 1000);
    }
    const inferSeconds = median(passSeconds);
    Object.assign(result, {
      train_steps: done,
      train_img_s: (done * batch) / trainSeconds,
      infer_images: inferSet.labels.length,
      infer_img_s: inferSet.labels.length / inferSeconds,
      infer_pass_img_s: passSeconds.map((sec) => inferSet.labels.length / sec),
      last_loss: loss,
      tensors_after: tf.memory().numTensors,
    });
  }
  // maxRSS is in KiB: the process's peak resident memory, model, data and backend included.
  result.peak_rss_mb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`engine-worker: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
