// The engine side of the Fashion-MNIST goal benchmark (bench/fmnist/main.ts runs it): trains the
// TAO resnet18 template epoch by epoch with the recipe of ./recipe.ts through the engine trainer's
// step (bench/train/step.ts), evaluates on the test images after each epoch, and prints a JSON
// progress line per epoch on stderr and the result on stdout.
//
//   node out/bench/fmnist/engine-worker.js --train-images F --train-labels F --train-n N
//     --test-images F --test-labels F --test-n N --epochs E [--time-limit-s S] [--backend onednn] [--threads T]
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { chooseBackend, isBackendChoice } from '../../engine/src/backend';
import { buildBatch } from '../../engine/src/data/batches';
import { lossAndAccuracy, predictSet } from '../../engine/src/networks/classification_tf1/predict';
import { setLearningRate } from '../../engine/src/train/optimizer';
import { numArg, parseArgs } from '../common/util';
import { loadSet } from '../train/data';
import { buildBenchModel, trainableParams } from '../train/models';
import { makeStepper } from '../train/step';
import { augmentInto, epochPlan, lrAt, RECIPE, TARGET_TOP1 } from './recipe';

const SIZE = 28;
const CLASSES = 10;

async function main(): Promise<void> {
  const { extra: a } = parseArgs();
  const backend = String(a.get('backend') ?? 'onednn');
  if (!isBackendChoice(backend)) throw new Error(`unknown backend ${backend}`);
  const trainN = numArg(a, 'train-n');
  const testN = numArg(a, 'test-n');
  const epochs = numArg(a, 'epochs');
  const timeLimit = numArg(a, 'time-limit-s', 3600);
  const threads = numArg(a, 'threads', availableParallelism());
  const train = loadSet(String(a.get('train-images')), String(a.get('train-labels')), trainN, SIZE, 1, CLASSES);
  const test = loadSet(String(a.get('test-images')), String(a.get('test-labels')), testN, SIZE, 1, CLASSES);

  const chosen = await chooseBackend(backend, { threads });
  const tf = chosen.tf;
  const r = RECIPE;
  const net = buildBenchModel(tf, r.model, 1, SIZE, CLASSES);
  const stepper = makeStepper(tf, net, train, CLASSES, r.batch, r.optimizer.lr, { optimizer: r.optimizer, reg: r.reg });
  // The last partial batch of an epoch is dropped (both sides), so every step has the same size.
  const stepsPerEpoch = Math.floor(trainN / r.batch);
  const per = SIZE * SIZE;
  const pixels = new Uint8Array(r.batch * per);
  const labels = new Int32Array(r.batch);
  // A batch-sized ImageSet over the augmented pixels, so the engine's own batch builder does the
  // 'tf' preprocessing and one-hot targets.
  const batchSet = { ...train, pixels, labels };
  const identity = Int32Array.from({ length: r.batch }, (_, i) => i);

  const history: Array<Record<string, number>> = [];
  let trainSeconds = 0;
  let timeTo93: number | null = null;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const plan = epochPlan(r, epoch, trainN);
    const t0 = performance.now();
    let lossSum = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      setLearningRate(stepper.optimizer, lrAt(r, epoch * stepsPerEpoch + s, stepsPerEpoch, epochs));
      for (let i = 0; i < r.batch; i++) {
        const p = s * r.batch + i;
        const index = plan.order[p];
        augmentInto(train.pixels.subarray(index * per, (index + 1) * per), pixels, i * per, SIZE, SIZE, 1, r.pad, plan.flip[p], plan.dx[p], plan.dy[p]);
        labels[i] = train.labels[index];
      }
      lossSum += stepper.stepBatch(buildBatch(batchSet, identity, 0, r.batch, CLASSES, stepper.pre));
    }
    trainSeconds += (performance.now() - t0) / 1000;
    const m = lossAndAccuracy(predictSet(tf, net, test, CLASSES, 250, stepper.pre), test.labels, CLASSES);
    if (timeTo93 === null && m.accuracy >= TARGET_TOP1) timeTo93 = trainSeconds;
    const row = { epoch: epoch + 1, train_seconds_cumulative: trainSeconds, eval_top1: m.accuracy, eval_loss: m.loss, train_loss: lossSum / stepsPerEpoch };
    history.push(row);
    process.stderr.write(JSON.stringify({ side: 'engine', ...row, tensors: tf.memory().numTensors }) + '\n');
    if (trainSeconds >= timeLimit) break;
  }

  process.stdout.write(
    JSON.stringify({
      side: 'engine',
      backend: chosen.name,
      threads: chosen.threads ?? 1,
      model: r.model,
      recipe: r,
      trainable_params: trainableParams(net),
      train_images: trainN,
      test_images: testN,
      epochs: history,
      time_to_93_s: timeTo93,
      best_top1: Math.max(...history.map((h) => h.eval_top1)),
      train_seconds: trainSeconds,
      peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    }) + '\n',
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`fmnist engine-worker: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
