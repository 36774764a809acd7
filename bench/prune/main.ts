// `npm run bench:prune [-- --quick] [-- --json]`: what pruning buys on the engine: parameters,
// weight size and inference images/s of the pruned vs unpruned model, and top-1 accuracy before
// pruning, right after it, and after re-training, following TAO's workflow (train -> prune ->
// retrain). Models: the small CNN of the training benchmark (--quick) and the engine's resnet10
// (all_projections, as TAO's pruning specs use; full run), on Fashion-MNIST 1x28x28, wasm
// backend; pruning through engine/src/prune (the CLI's library).
// --json prints one JSON line per (model, pruning threshold).
// Thresholds: after one short training pass every layer's filter L2 norms sit within 0.8-1.0 of
// the layer's largest, so TAO's default threshold 0.1 prunes nothing (the full run shows it);
// 0.9 and 0.95 remove a real share of filters. TAO users get spread-out norms from long training
// with L1 regularisation; here the figure of merit is the accuracy after re-training.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as tfTypes from '@tensorflow/tfjs';
import { chooseBackend } from '../../engine/src/backend';
import type { ImageSet } from '../../engine/src/data/folder';
import { makePreprocessor } from '../../engine/src/data/preprocess';
import { pruneModel } from '../../engine/src/prune/index';
import { lossAndAccuracy, predictSet } from '../../engine/src/networks/classification_tf1/predict';
import { describeMachine, fail, log, machineInfo, parseArgs, round, table } from '../common/util';
import { loadSet, writeFashionMnist } from '../train/data';
import { buildBenchModel, type ModelName } from '../train/models';
import { makeStepper } from '../train/step';

type Tf = typeof tfTypes;

function onePass(tf: Tf, net: tfTypes.LayersModel, set: ImageSet, batch: number): { seconds: number; loss: number } {
  const stepper = makeStepper(tf, net, set, 10, batch);
  const t0 = performance.now();
  let loss = NaN;
  for (let s = 0; s + batch <= set.labels.length; s += batch) loss = stepper.step(s);
  stepper.dispose();
  return { seconds: (performance.now() - t0) / 1000, loss };
}

function evaluate(tf: Tf, net: tfTypes.LayersModel, set: ImageSet, batch: number): { accuracy: number; inferImgS: number } {
  const pre = makePreprocessor('tf', set.channels);
  predictSet(tf, net, { ...set, labels: set.labels.subarray(0, batch) }, 10, batch, pre); // warm-up
  const t0 = performance.now();
  const probs = predictSet(tf, net, set, 10, batch, pre);
  const seconds = (performance.now() - t0) / 1000;
  return { accuracy: lossAndAccuracy(probs, set.labels, 10).accuracy, inferImgS: set.labels.length / seconds };
}

async function main(): Promise<void> {
  const args = parseArgs();
  const quick = args.quick;
  const machine = machineInfo();
  const backend = String(args.extra.get('backend') ?? 'wasm');
  const thresholds = String(args.extra.get('thresholds') ?? (quick ? '0.9,0.95' : '0.1,0.9,0.95')).split(',').map(Number);
  const models = String(args.extra.get('models') ?? (quick ? 'small_cnn' : 'small_cnn,resnet10')).split(',') as ModelName[];
  const trainN = Number(args.extra.get('train-n') ?? (quick ? 2048 : 4096));
  const evalN = Number(args.extra.get('eval-n') ?? (quick ? 1000 : 5000));
  const batch = 32;
  const dir = mkdtempSync(join(tmpdir(), 'tao-bench-prune-'));
  const rows: Array<Record<string, unknown>> = [];
  try {
    const trainFiles = writeFashionMnist(dir, 'train', trainN);
    const testFiles = writeFashionMnist(dir, 't10k', evalN);
    const train = loadSet(trainFiles.images, trainFiles.labels, trainFiles.n, 28, 1, 10);
    const test = loadSet(testFiles.images, testFiles.labels, testFiles.n, 28, 1, 10);
    const { tf, name } = await chooseBackend(backend as never);
    for (const modelName of models) {
      log(`prune: ${describeMachine(machine)}; backend ${name}; ${modelName} on Fashion-MNIST, ${train.labels.length} training / ${test.labels.length} test images`);
      const base = buildBenchModel(tf, modelName, 1, 28, 10);
      const t = onePass(tf, base, train, batch);
      log(`prune: trained unpruned ${modelName} one pass in ${t.seconds.toFixed(1)} s`);
      const before = evaluate(tf, base, test, batch);
      const first = rows.length;
      for (const threshold of thresholds) {
        const { model: pruned, report } = await pruneModel(base, { threshold });
        const right = evaluate(tf, pruned, test, batch);
        const rt = onePass(tf, pruned, train, batch);
        const after = evaluate(tf, pruned, test, batch);
        // Re-measure the unpruned model next to the pruned one: load drifts over minutes.
        const beforeNow = evaluate(tf, base, test, batch);
        log(`prune: ${modelName} threshold ${threshold}: ${report.params_before} -> ${report.params_after} parameters, retrained in ${rt.seconds.toFixed(1)} s`);
        rows.push({
          kind: 'prune',
          model: modelName,
          backend: name,
          dataset: 'fashion-mnist',
          threshold,
          params_before: report.params_before,
          params_after: report.params_after,
          params_ratio: round(report.params_ratio, 4),
          size_bytes_before: report.size_bytes_before,
          size_bytes_after: report.size_bytes_after,
          infer_img_s_before: round(beforeNow.inferImgS, 1),
          infer_img_s_after: round(after.inferImgS, 1),
          infer_speedup: round(after.inferImgS / beforeNow.inferImgS, 2),
          accuracy_before: round(before.accuracy, 4),
          accuracy_pruned_no_retrain: round(right.accuracy, 4),
          accuracy_after_retrain: round(after.accuracy, 4),
          retrain_img_s: round((Math.floor(train.labels.length / batch) * batch) / rt.seconds, 1),
          train_images_per_pass: Math.floor(train.labels.length / batch) * batch,
          eval_images: test.labels.length,
        });
        pruned.dispose();
      }
      if (!quick) {
        // The fair baseline for "after re-train": the unpruned model given the same extra pass.
        onePass(tf, base, train, batch);
        const more = evaluate(tf, base, test, batch);
        for (const r of rows.slice(first)) r.accuracy_unpruned_two_passes = round(more.accuracy, 4);
      }
      base.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (args.json) {
    for (const r of rows) process.stdout.write(JSON.stringify({ ...r, quick, load: machine.load, date: machine.date }) + '\n');
    return;
  }
  const out = [`Pruning benchmark (${quick ? 'quick' : 'full'}): Fashion-MNIST, train one pass -> prune -> retrain one pass (wasm)`, describeMachine(machine), ''];
  out.push(
    table(
      ['model', 'threshold', 'params', 'pruned', 'size KiB', 'pruned KiB', 'infer img/s', 'pruned img/s', 'speedup', 'acc', 'acc pruned', 'acc retrained', ...(quick ? [] : ['acc unpruned 2 passes'])],
      rows.map((r) => [
        String(r.model), String(r.threshold), r.params_before as number, r.params_after as number, round((r.size_bytes_before as number) / 1024, 0), round((r.size_bytes_after as number) / 1024, 0),
        r.infer_img_s_before as number, r.infer_img_s_after as number, r.infer_speedup as number, r.accuracy_before as number, r.accuracy_pruned_no_retrain as number, r.accuracy_after_retrain as number,
        ...(quick ? [] : [r.accuracy_unpruned_two_passes as number]),
      ]),
    ),
  );
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((err) => fail((err as Error).stack ?? String(err)));
