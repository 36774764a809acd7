// Prune -> re-train on Fashion-MNIST with an engine architecture: accuracy of the trained,
// pruned and re-trained model, parameters, and inference throughput before/after (tfjs on
// the same backend, and onnxruntime on the exported ONNX graphs).
//
//   node tools/build.mjs && node out/bench/prune/fashion-mnist.js [--quick] [--json]
//     [--arch resnet --n_layers 10] [--per_class 600] [--test 2000] [--epochs 6]
//     [--retrain_epochs 4] [--target_ratio 0.33] [--size 16] [--weight_decay 5e-4] [--backend wasm]
//
// Training is a plain Adam loop with L2 weight decay on kernels (TAO's advice: regularize
// before pruning); the pruning threshold is the smallest one (ladder + bisection) that brings
// the model to at most --target_ratio of its parameters.
import * as tf from '@tensorflow/tfjs';
import { chooseBackend, type BackendChoice } from '../../engine/src/backend/index';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import type { ModelConfig } from '../../engine/src/networks/classification_tf1/config';
import { readIdx, findIdxPair, FASHION_MNIST_DIR } from '../../engine/src/data/idx';
import { pruneModel, type PruneReport } from '../../engine/src/prune/index';
import { convertToOnnx } from '../../engine/src/export/convert';
import { loadOrt } from '../../engine/src/export/ort';
import { describeMachine, fail, log, median, parseArgs, round, table } from '../common/util';

interface Data {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
  labels: Int32Array;
}

function loadSplit(prefix: 'train' | 't10k', perClass: number | null, limit: number | null, size: number): Data {
  const pair = findIdxPair(FASHION_MNIST_DIR, prefix);
  if (!pair) fail(`Fashion-MNIST not found in ${FASHION_MNIST_DIR} (Debian package dataset-fashion-mnist)`);
  const images = readIdx(pair.images);
  const labels = readIdx(pair.labels).data;
  const picked: number[] = [];
  const counts = new Array(10).fill(0);
  for (let i = 0; i < labels.length; i++) {
    if (perClass !== null && counts[labels[i]] >= perClass) continue;
    if (limit !== null && picked.length >= limit) break;
    counts[labels[i]]++;
    picked.push(i);
  }
  const data = new Float32Array(picked.length * 784);
  picked.forEach((src, n) => {
    for (let k = 0; k < 784; k++) data[n * 784 + k] = images.data[src * 784 + k] / 255;
  });
  const lab = Int32Array.from(picked.map((i) => labels[i]));
  return {
    // Resized to the model size; same scaling as preprocess_mode "torch" for one channel.
    x: tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(data, [picked.length, 28, 28, 1]), [size, size]).sub(0.449).div(0.226)),
    y: tf.oneHot(tf.tensor1d(lab, 'int32'), 10) as tf.Tensor2D,
    labels: lab,
  };
}

async function train(model: tf.LayersModel, d: Data, epochs: number, lr: number, weightDecay: number, batch: number, seed: number): Promise<void> {
  const opt = tf.train.adam(lr);
  const kernels = model.trainableWeights.filter((w) => /kernel/.test(w.originalName)).map((w) => w.read() as tf.Variable);
  const n = d.labels.length;
  let rng = seed;
  for (let e = 0; e < epochs; e++) {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      rng = (Math.imul(rng, 1664525) + 1013904223) >>> 0;
      const j = rng % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const t0 = Date.now();
    let lossSum = 0;
    let steps = 0;
    for (let s = 0; s < n; s += batch) {
      const idx = tf.tensor1d(order.slice(s, s + batch), 'int32');
      const loss = opt.minimize(() => {
        const xb = tf.gather(d.x, idx);
        const yb = tf.gather(d.y, idx);
        const pred = model.apply(xb, { training: true }) as tf.Tensor;
        // The head outputs softmax probabilities: cross-entropy on their (clipped) log.
        let l: tf.Tensor = tf.neg(tf.mean(tf.sum(tf.mul(yb, tf.log(tf.clipByValue(pred, 1e-7, 1))), -1)));
        if (weightDecay > 0) l = tf.add(l, tf.mul(weightDecay, tf.addN(kernels.map((k) => tf.sum(tf.square(k))))));
        return l as tf.Scalar;
      }, true);
      lossSum += loss!.dataSync()[0];
      steps++;
      tf.dispose([idx, loss!]);
    }
    log(`  epoch ${e + 1}/${epochs}: loss ${(lossSum / steps).toFixed(4)}, ${((n / (Date.now() - t0)) * 1000).toFixed(0)} img/s`);
  }
  opt.dispose();
}

function accuracy(model: tf.LayersModel, d: Data): number {
  let correct = 0;
  for (let s = 0; s < d.labels.length; s += 256) {
    const pred = tf.tidy(() => (model.predict(d.x.slice([s, 0, 0, 0], [Math.min(256, d.labels.length - s), -1, -1, -1])) as tf.Tensor).argMax(-1));
    const p = pred.dataSync();
    for (let i = 0; i < p.length; i++) if (p[i] === d.labels[s + i]) correct++;
    pred.dispose();
  }
  return correct / d.labels.length;
}

/** Images per second of model.predict at a fixed batch size (median of several timed passes). */
function tfjsThroughput(model: tf.LayersModel, d: Data, batch: number, passes: number): number {
  const xb = d.x.slice([0, 0, 0, 0], [batch, -1, -1, -1]);
  tf.tidy(() => (model.predict(xb) as tf.Tensor).dataSync()); // warm-up
  const rates: number[] = [];
  for (let p = 0; p < passes; p++) {
    const t0 = performance.now();
    tf.tidy(() => (model.predict(xb) as tf.Tensor).dataSync());
    rates.push((batch / (performance.now() - t0)) * 1000);
  }
  xb.dispose();
  return median(rates);
}

async function onnxThroughput(model: tf.LayersModel, d: Data, batch: number, passes: number): Promise<number> {
  const ort = loadOrt();
  const conv = convertToOnnx(model, { opset: 13, batchSize: null, fp16Weights: false });
  const session = await ort.InferenceSession.create(conv.bytes, { intraOpNumThreads: 1 });
  const nchw = tf.tidy(() => d.x.slice([0, 0, 0, 0], [batch, -1, -1, -1]).transpose([0, 3, 1, 2]));
  const feed = { [conv.inputName]: new ort.Tensor('float32', nchw.dataSync() as Float32Array, nchw.shape) };
  nchw.dispose();
  await session.run(feed);
  const rates: number[] = [];
  for (let p = 0; p < passes; p++) {
    const t0 = performance.now();
    await session.run(feed);
    rates.push((batch / (performance.now() - t0)) * 1000);
  }
  await session.release();
  return median(rates);
}

async function main(): Promise<void> {
  const args = parseArgs();
  const get = (k: string, dflt: number): number => Number(args.extra.get(k) ?? dflt);
  const quick = args.quick;
  const arch = String(args.extra.get('arch') ?? 'resnet');
  const nLayers = get('n_layers', 10);
  const perClass = get('per_class', quick ? 100 : 600);
  const testCount = get('test', quick ? 500 : 2000);
  const epochs = get('epochs', quick ? 1 : 6);
  const retrainEpochs = get('retrain_epochs', quick ? 1 : 4);
  const target = get('target_ratio', 1 / 3);
  // 16x16 keeps training affordable on two CPU cores; the spec minimum is 16.
  const size = get('size', 16);
  const weightDecay = get('weight_decay', 5e-4);
  const backend = await chooseBackend(String(args.extra.get('backend') ?? 'wasm') as BackendChoice);
  log(`backend: ${backend.description}`);

  const trainData = loadSplit('train', perClass, null, size);
  const testData = loadSplit('t10k', null, testCount, size);
  const cfg: ModelConfig = {
    arch, nLayers, channels: 1, height: size, width: size, resizeInterpolation: 'BILINEAR', retainHead: false,
    useBatchNorm: true, useBias: false, usePooling: true, allProjections: true, freezeBn: false, freezeBlocks: [],
    dropout: 0, bnMomentum: 0.9, bnEpsilon: 1e-3, activation: 'relu', activationParams: {},
  };
  const { model } = buildClassifier(tf, cfg, 10, 42);
  log(`training ${arch}${arch === 'resnet' || arch === 'vgg' ? nLayers : ''} (${model.countParams()} parameters) on ${trainData.labels.length} images, ${epochs} epochs`);
  const t0 = Date.now();
  await train(model, trainData, epochs, 1e-3, weightDecay, 64, 1);
  const trainSeconds = (Date.now() - t0) / 1000;
  const accBefore = accuracy(model, testData);
  log(`accuracy trained: ${accBefore.toFixed(4)}`);

  // Smallest threshold that reaches the target size: a coarse ladder, then bisection between
  // the last threshold above the target and the first one under it.
  let chosen: { pth: number; model: tf.LayersModel; report: PruneReport } | undefined;
  let below = 0;
  for (const pth of [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98]) {
    const r = await pruneModel(model, { threshold: pth });
    log(`  -pth ${pth}: ${r.report.params_after} / ${r.report.params_before} parameters (${(100 * r.report.params_ratio).toFixed(1)}%)`);
    if (r.report.params_ratio <= target) {
      chosen = { pth, ...r };
      break;
    }
    below = pth;
    r.model.dispose();
  }
  for (let i = 0; chosen && i < 6; i++) {
    const pth = round((below + chosen.pth) / 2, 4);
    const r = await pruneModel(model, { threshold: pth });
    log(`  -pth ${pth}: ${r.report.params_after} / ${r.report.params_before} parameters (${(100 * r.report.params_ratio).toFixed(1)}%)`);
    if (r.report.params_ratio <= target) {
      chosen.model.dispose();
      chosen = { pth, ...r };
    } else {
      below = pth;
      r.model.dispose();
    }
  }
  if (!chosen) fail(`no threshold up to 0.98 reached ${target} of the parameters`);
  const accPruned = accuracy(chosen.model, testData);
  log(`accuracy pruned (-pth ${chosen.pth}), before re-training: ${accPruned.toFixed(4)}`);
  const t1 = Date.now();
  await train(chosen.model, trainData, retrainEpochs, 5e-4, 0, 64, 2);
  const retrainSeconds = (Date.now() - t1) / 1000;
  const accRetrained = accuracy(chosen.model, testData);
  log(`accuracy re-trained: ${accRetrained.toFixed(4)}`);

  const batch = 64;
  const passes = quick ? 3 : 7;
  const tfjsBefore = tfjsThroughput(model, testData, batch, passes);
  const tfjsAfter = tfjsThroughput(chosen.model, testData, batch, passes);
  const ortBefore = await onnxThroughput(model, testData, batch, passes);
  const ortAfter = await onnxThroughput(chosen.model, testData, batch, passes);

  const result = {
    machine: describeMachine(),
    backend: backend.name,
    arch: `${arch}${arch === 'resnet' || arch === 'vgg' ? nLayers : ''} all_projections, 1x${size}x${size}`,
    train_images: trainData.labels.length,
    test_images: testData.labels.length,
    epochs,
    retrain_epochs: retrainEpochs,
    weight_decay: weightDecay,
    train_seconds: round(trainSeconds, 1),
    retrain_seconds: round(retrainSeconds, 1),
    pruning_threshold: chosen.pth,
    params_before: chosen.report.params_before,
    params_after: chosen.report.params_after,
    params_ratio: round(chosen.report.params_ratio, 4),
    accuracy_trained: round(accBefore, 4),
    accuracy_pruned: round(accPruned, 4),
    accuracy_retrained: round(accRetrained, 4),
    tfjs_images_per_second_before: round(tfjsBefore, 1),
    tfjs_images_per_second_after: round(tfjsAfter, 1),
    tfjs_speedup: round(tfjsAfter / tfjsBefore, 2),
    onnxruntime_images_per_second_before: round(ortBefore, 1),
    onnxruntime_images_per_second_after: round(ortAfter, 1),
    onnxruntime_speedup: round(ortAfter / ortBefore, 2),
  };
  if (args.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  process.stdout.write(`${result.machine}\n${result.arch}, backend ${result.backend}, ${result.train_images} training / ${result.test_images} test images\n\n`);
  process.stdout.write(
    table(
      ['model', 'parameters', 'top-1', `tfjs img/s (batch ${batch})`, 'onnxruntime img/s'],
      [
        ['trained', result.params_before, result.accuracy_trained, result.tfjs_images_per_second_before, result.onnxruntime_images_per_second_before],
        [`pruned -pth ${result.pruning_threshold}`, result.params_after, result.accuracy_pruned, result.tfjs_images_per_second_after, result.onnxruntime_images_per_second_after],
        [`re-trained ${retrainEpochs} epochs`, result.params_after, result.accuracy_retrained, '', ''],
      ],
    ) + '\n',
  );
}

main().catch((e) => fail((e as Error).stack ?? String(e)));
