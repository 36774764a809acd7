// The training loop of classification_tf1: data -> model (fresh, pretrained, or resumed) ->
// epochs of seeded, augmented mini-batches -> validation -> atomic checkpoint per epoch ->
// final model. Every random draw derives from (random_seed, epoch), and the optimizer's
// slots travel with each checkpoint, so stopping after epoch k and resuming gives the same
// weights as never stopping.
import { existsSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import type { TaskContext } from '../../tasks/types';
import type { ClassificationConfig } from './config';
import { EngineError } from '../../tasks/types';
import { indexDataset, loadDataset, type ImageSet } from '../../data/folder';
import { buildBatch, mixupBatch } from '../../data/batches';
import { makePreprocessor } from '../../data/preprocess';
import { buildClassifier } from './model';
import { loadModel, type EngineModelMetadata } from '../../io/model-io';
import { writeFileAtomic } from '../../io/atomic';
import { createOptimizer, setLearningRate } from '../../train/optimizer';
import { finishTraining, latestCheckpoint, restoreOptimizerFrom, saveCheckpoint, taoCheckpointName, weightsDir } from '../../train/checkpoints';
import { regularizationLoss } from '../../train/regularizer';
import { learningRateAt } from '../../train/schedule';
import { prunedLayerIn, transferWeights } from './transfer';
import { assertPretrainedFits } from '../../train/arch-match';
import { predictSetAsync, lossAndAccuracy } from './predict';
import { betaSym, mixSeed, mulberry32, seedMathRandom, shuffleInPlace } from '../../util/rng';
import { resolveSpecPath } from '../../util/paths';
import { Progress } from '../../util/progress';
import { timedelta, type StatusEvent } from '../../util/status';
import { backboneDepths } from '../../backbones/depths';

type Tf = typeof tfTypes;

export interface TrainOptions {
  /** Stop after this many epochs in this run (a deliberate interruption; resume continues). */
  stopAfter?: number;
  /** Ignore existing checkpoints and start over. */
  fresh?: boolean;
}

export interface TrainState {
  /** Epochs completed. */
  epoch: number;
  epochs: number;
  seed: number;
  classes: string[];
  arch: string;
}

export async function runTraining(ctx: TaskContext<ClassificationConfig>, opts: TrainOptions = {}): Promise<void> {
  const { tf, config, log, status, resultsDir } = ctx;
  const m = config.model;
  const t = config.train;
  const seed = t.randomSeed;

  // --- data ---------------------------------------------------------------------------
  const trainIndex = indexDataset(resolveSpecPath(ctx.specPath, t.trainDatasetPath), 'train_dataset_path');
  const valPath = resolveSpecPath(ctx.specPath, t.valDatasetPath);
  const valIndex = valPath ? indexDataset(valPath, 'val_dataset_path') : undefined;
  if (valIndex && valIndex.classes.join('\n') !== trainIndex.classes.join('\n')) {
    throw new EngineError(`train and val datasets have different classes: [${trainIndex.classes.join(', ')}] vs [${valIndex.classes.join(', ')}]`);
  }
  const classes = trainIndex.classes;
  const numClasses = classes.length;
  if (numClasses < 2) throw new EngineError('classification needs at least 2 classes');
  const loadBar = new Progress(log, 'loading train images', trainIndex.files.length);
  const train = loadDataset(trainIndex, m.height, m.width, m.channels, false, (d) => loadBar.update(d, d));
  loadBar.finish();
  let val: ImageSet | undefined;
  if (valIndex) val = loadDataset(valIndex, m.height, m.width, m.channels, config.eval.enableCenterCrop);
  log.info(`data: ${train.labels.length} training images, ${val ? val.labels.length : 0} validation images, ${numClasses} classes`);

  // --- model --------------------------------------------------------------------------
  const classmap: Record<string, number> = Object.fromEntries(classes.map((c, i) => [c, i]));
  const resume = opts.fresh ? undefined : latestCheckpoint<TrainState>(resultsDir);
  // A pruned model (from `prune`) is trained as it is: rebuilding the spec's architecture
  // would bring back the full filter counts and throw the pruned weights away.
  let pretrained: Awaited<ReturnType<typeof loadModel>> | undefined;
  if (!resume && t.pretrainedModelPath) {
    const path = resolveSpecPath(ctx.specPath, t.pretrainedModelPath);
    try {
      pretrained = await loadModel(tf, path);
    } catch (err) {
      throw new EngineError(`pretrained_model_path: ${(err as Error).message}`);
    }
  }
  const resumed = resume ? await loadModel(tf, resume.dir) : undefined;
  let prunedSource = (resumed?.metadata.pruned ?? pretrained?.metadata.pruned) as Record<string, unknown> | undefined;
  let model: tfTypes.LayersModel;
  if (prunedSource) {
    const source = (resumed ?? pretrained)!;
    const sourceClasses = Object.entries(source.metadata.classmap ?? {}).sort((a, b) => a[1] - b[1]).map(([c]) => c);
    if (sourceClasses.join('\n') !== classes.join('\n')) {
      throw new EngineError(`the pruned model was trained on classes [${sourceClasses.join(', ')}], the dataset has [${classes.join(', ')}]; re-train a pruned model on the same classes`);
    }
    model = source.model;
  } else {
    model = buildClassifier(tf, m, numClasses, seed).model;
    if (pretrained && !resume) {
      // A pruned .hdf5 written by TAO carries no metadata of ours: recognise it as TAO does
      // (a backbone layer whose shapes do not fit) and train its own graph.
      const pretrainedPath = resolveSpecPath(ctx.specPath, t.pretrainedModelPath);
      assertPretrainedFits({ network: 'classification_tf1', specKey: 'pretrained_model_path', file: pretrainedPath, fileModel: pretrained.model, specModel: model, arch: m.arch, nLayers: m.nLayers });
      const sign = prunedLayerIn(model, pretrained.model);
      if (sign) {
        const outputs = (pretrained.model.outputs[0].shape[1] ?? 0) as number;
        if (outputs !== numClasses) {
          throw new EngineError(`pretrained_model_path: ${t.pretrainedModelPath} is a pruned model (layer ${sign.name}: ${sign.file} in the file, ${sign.spec} for the spec) with ${outputs} classes, the dataset has ${numClasses}; re-train a pruned model on the classes it was trained on`);
        }
        prunedSource = { params_before: model.countParams(), params_after: pretrained.model.countParams(), detected_by: `layer ${sign.name}: ${sign.file} in the file, ${sign.spec} for the spec` };
        model.dispose();
        model = pretrained.model;
      }
    }
  }
  const metadata: EngineModelMetadata = {
    classmap,
    inputImageSize: `${m.channels},${m.height},${m.width}`,
    preprocessMode: t.preprocessMode,
    imageMean: t.imageMean,
    // resnet18, darknet53, ...: families with several depths carry theirs (TAO's model names do).
    arch: backboneDepths(m.arch) ? `${m.arch}${m.nLayers}` : m.arch,
    ...(prunedSource ? { pruned: prunedSource } : {}),
  };
  const stepsPerEpoch = Math.ceil(train.labels.length / t.batchSize);
  const totalSteps = stepsPerEpoch * t.epochs;
  const optimizer = createOptimizer(tf, t.optimizer, learningRateAt(t.lr, t.optimizer.decay, 0, stepsPerEpoch, totalSteps));

  let startEpoch = 0;
  let pretrainedStatus: StatusEvent | undefined;
  if (resume && resumed) {
    if (resume.state.classes.join('\n') !== classes.join('\n')) {
      throw new EngineError(`checkpoint ${resume.dir} was trained on other classes; use --fresh to start over`);
    }
    if (resumed.model !== model) {
      model.setWeights(resumed.model.getWeights());
      resumed.model.dispose();
    }
    await restoreOptimizerFrom(tf, optimizer, resume.dir);
    startEpoch = resume.state.epoch;
    log.info(`resuming from ${resume.dir} (epoch ${startEpoch} of ${t.epochs} done)`);
  } else if (pretrained && prunedSource) {
    const message = `pretrained ${t.pretrainedModelPath}: a pruned model (${String(prunedSource.params_after)} of ${String(prunedSource.params_before)} parameters${prunedSource.detected_by ? `; recognised by ${String(prunedSource.detected_by)}` : ''}); training it as it is`;
    log.info(message);
    pretrainedStatus = { status: 'RUNNING', message, categorical: { pretrained: { path: t.pretrainedModelPath, pruned_graph: true, params: model.countParams() } } };
  } else if (pretrained) {
    const report = transferWeights(tf, model, pretrained.model, classes, pretrained.metadata.classmap);
    pretrained.model.dispose();
    const skipped = report.skipped.map((s) => `${s.name} (${s.why})`);
    const message =
      `pretrained ${t.pretrainedModelPath}: ${report.copiedLayers} layers loaded (matched by ${report.matchedBy})` +
      (skipped.length ? `, ${skipped.length} skipped: ${skipped.join('; ')}` : '') +
      (report.keptClasses.length ? `; head rows kept for ${report.keptClasses.join(', ')}` : '');
    log.info(message);
    // The run panel and TAO-style tooling read status.json: the same facts, machine-readable
    // (written right after the STARTED line).
    pretrainedStatus = {
      status: 'RUNNING',
      message,
      categorical: { pretrained: { path: t.pretrainedModelPath, loaded_layers: report.copiedLayers, matched_by: report.matchedBy, skipped: report.skipped, kept_classes: report.keptClasses } },
    };
  }
  // Old checkpoints go only now, once data and model are known to be good.
  if (opts.fresh && existsSync(weightsDir(resultsDir))) rmSync(weightsDir(resultsDir), { recursive: true, force: true });
  writeFileAtomic(join(resultsDir, 'classmap.json'), JSON.stringify(classmap, null, 2) + '\n');

  const trainable = model.trainableWeights.map((w) => w.read() as tfTypes.Variable);
  const pre = makePreprocessor(t.preprocessMode, m.channels, t.imageMean);
  const augmentOpts = { randomCrop: t.enableRandomCrop, flip: !t.disableHorizontalFlip, color: t.enableColorAugmentation };
  const csvPath = join(resultsDir, 'training.csv');
  if (startEpoch === 0 || !existsSync(csvPath)) writeFileSync(csvPath, 'epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds,images_per_second,num_tensors\n');

  status.write({ status: 'STARTED', message: 'Starting Training Loop.', backend: ctx.backend });
  if (pretrainedStatus) status.write(pretrainedStatus);
  log.info(`training ${metadata.arch} for ${t.epochs} epochs, batch ${t.batchSize}, ${stepsPerEpoch} steps per epoch, ${trainable.length} trainable tensors`);

  // TAO 5's checkpoint names (weights/resnet_010.hdf5), next to the tfjs folders.
  const kerasOutputs = { checkpoint: (epoch: number) => taoCheckpointName(m.arch, epoch) };
  const endEpoch = opts.stopAfter !== undefined ? Math.min(t.epochs, startEpoch + opts.stopAfter) : t.epochs;
  const epochTimes: number[] = [];
  for (let epoch = startEpoch; epoch < endEpoch; epoch++) {
    const started = Date.now();
    const rand = mulberry32(mixSeed(seed, epoch, 1));
    const order = Int32Array.from({ length: train.labels.length }, (_, i) => i);
    shuffleInPlace(order, rand);
    const restoreRandom = seedMathRandom(mixSeed(seed, epoch, 2));
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let lr = 0;
    const bar = new Progress(log, `epoch ${epoch + 1}/${t.epochs}`, train.labels.length);
    try {
      for (let step = 0; step < stepsPerEpoch; step++) {
        const globalStep = epoch * stepsPerEpoch + step;
        lr = learningRateAt(t.lr, t.optimizer.decay, globalStep, stepsPerEpoch, totalSteps);
        setLearningRate(optimizer, lr);
        const start = step * t.batchSize;
        const end = Math.min(train.labels.length, start + t.batchSize);
        const batch = buildBatch(train, order, start, end, numClasses, pre, { opts: augmentOpts, rand }, t.labelSmoothing);
        if (t.mixupAlpha > 0) mixupBatch(batch, numClasses, betaSym(t.mixupAlpha, rand), rand);
        let correctT: tfTypes.Tensor | undefined;
        const xs = tf.tensor4d(batch.x, [batch.size, m.height, m.width, m.channels]);
        const ys = tf.tensor2d(batch.y, [batch.size, numClasses]);
        const cost = optimizer.minimize(
          () => {
            const probs = model.apply(xs, { training: true }) as tfTypes.Tensor;
            correctT = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), tf.tensor1d(batch.labels, 'int32')), 'float32')));
            const clipped = tf.clipByValue(probs, 1e-7, 1 - 1e-7);
            const ce = tf.neg(tf.mean(tf.sum(tf.mul(ys, tf.log(clipped)), 1))) as tfTypes.Scalar;
            const reg = regularizationLoss(tf, model, t.reg.type, t.reg.weightDecay, t.reg.scope);
            return reg ? (tf.add(ce, reg) as tfTypes.Scalar) : ce;
          },
          true,
          trainable,
        );
        // data(), not dataSync(): GPU backends cannot read synchronously in Node.
        const [costV, correctV] = await Promise.all([(cost as tfTypes.Scalar).data(), correctT ? correctT.data() : undefined]);
        lossSum += costV[0] * batch.size;
        correct += correctV ? correctV[0] : 0;
        seen += batch.size;
        tf.dispose([xs, ys, cost as tfTypes.Tensor, correctT as tfTypes.Tensor]);
        bar.update(seen, seen, `loss ${(lossSum / seen).toFixed(4)} acc ${(correct / seen).toFixed(4)}`);
        // Let Node handle signals (Ctrl-C, the editor's Cancel) between steps; the step loop
        // is otherwise synchronous and a SIGINT would wait for the whole run.
        await new Promise<void>((resolveStep) => setImmediate(resolveStep));
      }
    } finally {
      restoreRandom();
      bar.finish();
    }
    const trainLoss = lossSum / Math.max(1, seen);
    const trainAcc = correct / Math.max(1, seen);
    let valMetrics: { loss: number; accuracy: number } | undefined;
    if (val) {
      const probs = await predictSetAsync(tf, model, val, numClasses, config.eval.batchSize, pre);
      valMetrics = lossAndAccuracy(probs, val.labels, numClasses);
    }
    const seconds = (Date.now() - started) / 1000;
    epochTimes.push(seconds);

    // Checkpoint: model + optimizer slots + state, in one atomic folder.
    const state: TrainState = { epoch: epoch + 1, epochs: t.epochs, seed, classes, arch: metadata.arch as string };
    await saveCheckpoint(tf, resultsDir, epoch + 1, model, optimizer, metadata, state, kerasOutputs);

    const mean = epochTimes.reduce((a, b) => a + b, 0) / epochTimes.length;
    const eta = mean * (t.epochs - epoch - 1);
    const graphical: Record<string, number> = { loss: trainLoss, accuracy: trainAcc, lr };
    const kpi: Record<string, number> = {};
    if (valMetrics) {
      graphical.val_loss = valMetrics.loss;
      graphical.val_accuracy = valMetrics.accuracy;
      kpi.validation_accuracy = valMetrics.accuracy;
      kpi.validation_loss = valMetrics.loss;
    }
    status.write({
      status: 'RUNNING',
      message: 'Training loop in progress',
      epoch,
      max_epoch: t.epochs - 1,
      step: (epoch + 1) * stepsPerEpoch,
      max_step: totalSteps,
      time_per_epoch: timedelta(seconds),
      time_per_step: timedelta(seconds / stepsPerEpoch),
      eta: timedelta(eta),
      graphical,
      kpi,
      backend: ctx.backend,
    });
    const ips = seen / seconds;
    appendFileSync(
      csvPath,
      [epoch + 1, trainLoss, trainAcc, valMetrics?.loss ?? '', valMetrics?.accuracy ?? '', lr, seconds.toFixed(2), ips.toFixed(2), tf.memory().numTensors].join(',') + '\n',
    );
    log.info(
      `epoch ${epoch + 1}/${t.epochs}: loss ${trainLoss.toFixed(4)} acc ${trainAcc.toFixed(4)}` +
        (valMetrics ? ` val_loss ${valMetrics.loss.toFixed(4)} val_acc ${valMetrics.accuracy.toFixed(4)}` : '') +
        ` (${seconds.toFixed(1)} s, ${ips.toFixed(1)} img/s)`,
    );
  }

  // TAO's classification has no separate final file: its last resnet_NNN.hdf5 is the model.
  await finishTraining(tf, ctx, model, optimizer, metadata, endEpoch, t.epochs, {});
}
