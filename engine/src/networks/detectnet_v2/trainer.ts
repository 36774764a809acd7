// DetectNet_v2's training loop: TFRecord frames -> model (fresh, from a pretrained folder, or
// resumed) -> epochs of seeded, augmented mini-batches rasterized into coverage/bbox targets
// -> validation mAP every validation_period_during_training epochs -> atomic checkpoints every
// checkpoint_interval epochs -> weights/final. Random draws derive from (random_seed, epoch),
// and the optimizer's slots and the objective weights travel with each checkpoint, so a
// resumed run continues as if it had never stopped.
import { appendFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { EngineError, type TaskContext } from '../../tasks/types';
import { loadModel, type EngineModelMetadata } from '../../io/model-io';
import { writeFileAtomic } from '../../io/atomic';
import { createOptimizer, setLearningRate } from '../../train/optimizer';
import { learningRateAt } from '../../train/schedule';
import { finishTraining, latestCheckpoint, restoreOptimizerFrom, saveCheckpoint, weightsDir } from '../../train/checkpoints';
import { regularizationLoss } from '../../train/regularizer';
import { copyWeightsByName } from '../../train/copy-weights';
import { assertPretrainedFits } from '../../train/arch-match';
import { mixSeed, mulberry32, shuffleInPlace } from '../../util/rng';
import { resolveSpecPath } from '../../util/paths';
import { Progress } from '../../util/progress';
import { timedelta } from '../../util/status';
import type { DetectnetConfig } from './config';
import { BBOX_LAYER, COV_LAYER, buildDetectnet, gridShape } from './model';
import { transferHeadsByClass } from './head-transfer';
import { rasterize, type FrameTargets } from './targets';
import { autoweight, classWeights, detectnetLoss, initialObjectiveWeights, type ObjectiveState } from './loss';
import { loadTrainingSplits } from './dataset';
import { FrameImages, type PreparedFrame } from './frames';
import { makeAugmenter } from './augment-step';
import { evaluationSetup, validate } from './evaluation';
import { detectnetMetadata } from './metadata';

type Tf = typeof tfTypes;

export interface TrainOptions {
  stopAfter?: number;
  fresh?: boolean;
}

interface TrainState {
  epoch: number;
  epochs: number;
  seed: number;
  classes: string[];
  objectiveWeights: ObjectiveState;
}

export async function runDetectnetTraining(ctx: TaskContext<DetectnetConfig>, opts: TrainOptions = {}): Promise<void> {
  const { tf, config: cfg, log, status, resultsDir } = ctx;
  const m = cfg.model;
  const t = cfg.training;
  const seed = cfg.randomSeed;
  const classes = cfg.classes;
  if (classes.length === 0) throw new EngineError(`${ctx.specPath}: no target classes (cost_function_config.target_classes or dataset_config.target_class_mapping)`);

  // --- data ---------------------------------------------------------------------------
  const shape = { width: m.width, height: m.height, channels: m.channels, fit: cfg.augmentation.preprocessing.enable_auto_resize ? ('stretch' as const) : ('pad' as const) };
  const { train, val, unmapped } = loadTrainingSplits(ctx.specPath, cfg, shape);
  if (unmapped.size > 0) {
    // TAO ignores these objects; say so, since a case or spelling slip (Car vs car) looks the same.
    const list = [...unmapped].map(([c, n]) => `${c} (${n})`).join(', ');
    log.warn(`${ctx.specPath}: label classes not in dataset_config.target_class_mapping are ignored: ${list}; the mapping's keys are ${Object.keys(cfg.dataset!.targetClassMapping).join(', ')} (names are compared exactly)`);
  }
  if (train.length === 0) throw new EngineError('no training frames: every frame fell in the validation fold or the records are empty');
  // Validation settings are read now, so a bad postprocessing_config fails before any training.
  const evalSetup = val.length > 0 ? evaluationSetup(cfg, classes, ctx.specPath) : undefined;
  const images = new FrameImages(shape);
  const bar0 = new Progress(log, 'decoding training images', train.length);
  train.forEach((f, i) => {
    images.load(f);
    bar0.update(i + 1, i + 1);
  });
  bar0.finish();
  const counts = classes.map((_, k) => train.reduce((n, f) => n + f.boxes.filter((b) => b.cls === k).length, 0));
  log.info(`data: ${train.length} training frames, ${val.length} validation frames; objects per class: ${classes.map((c, k) => `${c} ${counts[k]}`).join(', ')}`);

  // --- model --------------------------------------------------------------------------
  const resume = opts.fresh ? undefined : latestCheckpoint<TrainState>(resultsDir);
  let model: tfTypes.LayersModel;
  let pretrainedNote = '';
  if (resume) {
    if (resume.state.classes.join('\n') !== classes.join('\n')) throw new EngineError(`checkpoint ${resume.dir} was trained on classes [${resume.state.classes.join(', ')}]; use --fresh to start over`);
    model = (await loadModel(tf, resume.dir)).model;
  } else if (m.pretrainedModelFile) {
    const path = resolveSpecPath(ctx.specPath, m.pretrainedModelFile);
    // A tfjs folder, or a Keras .hdf5 (NGC's pretrained backbones, TAO's models): loadModel reads both.
    let pretrained;
    try {
      pretrained = await loadModel(tf, path);
    } catch (err) {
      throw new EngineError(`model_config.pretrained_model_file: ${(err as Error).message}`);
    }
    if (m.loadGraph) {
      const pClasses = (pretrained.metadata.classes as string[] | undefined) ?? [];
      if (pClasses.join('\n') !== classes.join('\n')) throw new EngineError(`load_graph: the model at ${path} predicts [${pClasses.join(', ')}], the spec's classes are [${classes.join(', ')}]`);
      // The graph is trained as it is, so the spec's input size must be the graph's.
      const [, ph, pw, pc] = pretrained.model.inputs[0].shape;
      if (ph !== m.height || pw !== m.width || pc !== m.channels) {
        throw new EngineError(`load_graph: the model at ${path} takes ${pw}x${ph}x${pc} input, the spec's preprocessing is ${m.width}x${m.height}x${m.channels}; set augmentation_config.preprocessing to the model's size`);
      }
      model = pretrained.model;
      pretrainedNote = `training the graph of ${path} as it is (load_graph)`;
    } else {
      model = buildDetectnet(tf, m, classes.length, seed);
      // A Keras file for another backbone would load partly and silently: refuse it first.
      assertPretrainedFits({ network: 'detectnet_v2', specKey: 'model_config.pretrained_model_file', file: path, fileModel: pretrained.model, specModel: model, arch: m.arch, nLayers: m.nLayers });
      const pretrainedClasses = (pretrained.metadata.classes as string[] | undefined) ?? [];
      // Head channels follow class names: same classes in the same order copy whole, else class by class.
      const sameClasses = pretrainedClasses.join('\n') === classes.join('\n');
      const report = copyWeightsByName(model, pretrained.model, sameClasses ? new Set() : new Set([COV_LAYER, BBOX_LAYER]));
      const kept = sameClasses ? [] : transferHeadsByClass(tf, model, pretrained.model, classes, pretrainedClasses);
      pretrained.model.dispose();
      // Heads not copied whole are skipped too, with their reason (TAO's files carry no class names).
      const headsWhy = pretrainedClasses.length ? `the pretrained heads predict [${pretrainedClasses.join(', ')}]` : 'the pretrained model names no classes';
      const skipped = [
        ...report.skipped,
        ...(sameClasses ? [] : [COV_LAYER, BBOX_LAYER].filter((n) => kept.length === 0 && model.layers.some((l) => l.name === n)).map((name) => ({ name, why: `new head for the spec's classes (${headsWhy})` }))),
      ];
      pretrainedNote =
        `pretrained ${path}: ${report.copied.length} layers loaded` +
        (kept.length ? `, head channels kept for ${kept.join(', ')}` : '') +
        (!sameClasses && kept.length < classes.length ? `; new classes start fresh: ${classes.filter((c) => !kept.includes(c)).join(', ')}` : '') +
        (skipped.length ? `, ${skipped.length} skipped: ${skipped.map((s) => `${s.name} (${s.why})`).join('; ')}` : '');
      status.write({ status: 'RUNNING', message: pretrainedNote, categorical: { pretrained: { path, loaded_layers: report.copied.length, skipped, kept_classes: kept } } });
    }
  } else {
    model = buildDetectnet(tf, m, classes.length, seed);
  }
  if (pretrainedNote) log.info(pretrainedNote);
  const metadata: EngineModelMetadata = detectnetMetadata(cfg, classes);

  const grid = gridShape(m);
  const stepsPerEpoch = Math.ceil(train.length / t.batchSize);
  const totalSteps = stepsPerEpoch * t.epochs;
  const optimizer = createOptimizer(tf, t.optimizer, learningRateAt(t.lr, 0, 0, stepsPerEpoch, totalSteps));
  let objective = initialObjectiveWeights(cfg.cost, classes);
  let startEpoch = 0;
  if (resume) {
    await restoreOptimizerFrom(tf, optimizer, resume.dir);
    objective = resume.state.objectiveWeights;
    startEpoch = resume.state.epoch;
    log.info(`resuming from ${resume.dir} (epoch ${startEpoch} of ${t.epochs} done)`);
  }
  if (opts.fresh && existsSync(weightsDir(resultsDir))) rmSync(weightsDir(resultsDir), { recursive: true, force: true });

  const trainable = model.trainableWeights.map((w) => w.read() as tfTypes.Variable);
  const augment = makeAugmenter(cfg);
  const raster = { grid, classes, rasterizer: cfg.rasterizer, bboxScale: m.bboxScale, bboxOffset: m.bboxOffset };
  const cw = classWeights(cfg.cost, classes);
  const foreground = tf.tensor1d(classes.map((c) => cfg.cost.classes.find((x) => x.name === c)?.coverageForegroundWeight ?? 0.05));
  const csvPath = join(resultsDir, 'training.csv');
  if (startEpoch === 0 || !existsSync(csvPath)) writeFileSync(csvPath, 'epoch,loss,cov_loss,bbox_loss,mAP,lr,seconds,images_per_second\n');
  writeFileAtomic(join(resultsDir, 'target_classes.json'), JSON.stringify(classes, null, 2) + '\n');

  status.write({ status: 'STARTED', message: 'Starting DetectNet_v2 Training job', backend: ctx.backend });
  log.info(`training DetectNet_v2 ${metadata.arch} at ${m.width}x${m.height} (grid ${grid.cols}x${grid.rows}) for ${t.epochs} epochs, batch ${t.batchSize}, ${stepsPerEpoch} steps per epoch`);

  const per = shape.width * shape.height * shape.channels;
  const xBuf = new Float32Array(t.batchSize * per);
  const C = classes.length;
  const cells = grid.rows * grid.cols;
  const covBuf = new Float32Array(t.batchSize * cells * C);
  const bboxBuf = new Float32Array(t.batchSize * cells * 4 * C);
  const normBuf = new Float32Array(t.batchSize * cells * C);
  const one: FrameTargets = { cov: new Float32Array(cells * C), bbox: new Float32Array(cells * 4 * C), covNorm: new Float32Array(cells * C) };
  const endEpoch = opts.stopAfter !== undefined ? Math.min(t.epochs, startEpoch + opts.stopAfter) : t.epochs;
  const epochTimes: number[] = [];

  for (let epoch = startEpoch; epoch < endEpoch; epoch++) {
    const started = Date.now();
    const rand = mulberry32(mixSeed(seed, epoch, 1));
    const order = Int32Array.from({ length: train.length }, (_, i) => i);
    shuffleInPlace(order, rand);
    const covW = tf.tensor1d(cw.map((w, k) => w * objective.weights[k][0]));
    const bboxW = tf.tensor1d(cw.map((w, k) => w * objective.weights[k][1]));
    const sums: Array<[number, number]> = classes.map(() => [0, 0]);
    let lossSum = 0;
    let covSum = 0;
    let bboxSum = 0;
    let seen = 0;
    let lr = 0;
    const bar = new Progress(log, `epoch ${epoch + 1}/${t.epochs}`, train.length);
    try {
      for (let step = 0; step < stepsPerEpoch; step++) {
        lr = learningRateAt(t.lr, 0, epoch * stepsPerEpoch + step, stepsPerEpoch, totalSteps);
        setLearningRate(optimizer, lr);
        const start = step * t.batchSize;
        const end = Math.min(train.length, start + t.batchSize);
        const n = end - start;
        for (let i = 0; i < n; i++) {
          const frame: PreparedFrame = train[order[start + i]];
          const sample = augment(images.load(frame), frame.boxes, rand);
          const base = i * per;
          for (let j = 0; j < per; j++) xBuf[base + j] = sample.image[j] / 255;
          rasterize(sample.boxes, raster, one);
          covBuf.set(one.cov, i * cells * C);
          bboxBuf.set(one.bbox, i * cells * 4 * C);
          normBuf.set(one.covNorm, i * cells * C);
        }
        const xs = tf.tensor4d(xBuf.subarray(0, n * per), [n, shape.height, shape.width, shape.channels]);
        const covT = tf.tensor4d(covBuf.subarray(0, n * cells * C), [n, grid.rows, grid.cols, C]);
        const bboxT = tf.tensor4d(bboxBuf.subarray(0, n * cells * 4 * C), [n, grid.rows, grid.cols, 4 * C]);
        const normT = tf.tensor4d(normBuf.subarray(0, n * cells * C), [n, grid.rows, grid.cols, C]);
        let parts: { cov: tfTypes.Tensor; bbox: tfTypes.Tensor } | undefined;
        const cost = optimizer.minimize(
          () => {
            const [covPred, bboxPred] = model.apply(xs, { training: true }) as tfTypes.Tensor4D[];
            const l = detectnetLoss(tf, { covPred, bboxPred, covTarget: covT, bboxTarget: bboxT, covNorm: normT, foreground, covWeight: covW, bboxWeight: bboxW });
            parts = { cov: tf.keep(l.cov), bbox: tf.keep(l.bbox) };
            const reg = regularizationLoss(tf, model, t.reg.type, t.reg.weightDecay, t.reg.scope);
            return reg ? (tf.add(l.total, reg) as tfTypes.Scalar) : l.total;
          },
          true,
          trainable,
        ) as tfTypes.Scalar;
        const [costV, covV, bboxV] = (await Promise.all([cost.data(), parts!.cov.data(), parts!.bbox.data()])) as Float32Array[];
        if (!Number.isFinite(costV[0])) throw new EngineError(`the loss became ${costV[0]} at epoch ${epoch + 1}, step ${step + 1}; lower training_config.learning_rate's max_learning_rate`);
        lossSum += costV[0] * n;
        for (let k = 0; k < C; k++) {
          sums[k][0] += covV[k];
          sums[k][1] += bboxV[k];
          covSum += covV[k] * cw[k] * n;
          bboxSum += bboxV[k] * cw[k] * n;
        }
        seen += n;
        tf.dispose([xs, covT, bboxT, normT, cost, parts!.cov, parts!.bbox]);
        bar.update(seen, seen, `loss ${(lossSum / seen).toExponential(3)}`);
        // Let Node handle signals (Ctrl-C, the editor's Cancel) between steps.
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      bar.finish();
      tf.dispose([covW, bboxW]);
    }
    if (cfg.cost.enableAutoweighting) objective = autoweight(cfg.cost, classes, sums, objective);
    const trainLoss = lossSum / Math.max(1, seen);
    const seconds = (Date.now() - started) / 1000;
    epochTimes.push(seconds);
    const done = epoch + 1;

    const validateNow = evalSetup !== undefined && done >= cfg.evaluation.firstValidationEpoch && ((done - cfg.evaluation.firstValidationEpoch) % Math.max(1, cfg.evaluation.validationPeriod) === 0 || done === t.epochs);
    let metrics: Awaited<ReturnType<typeof validate>> | undefined;
    if (validateNow) {
      metrics = await validate(tf, model, val, images, evalSetup!, cfg, classes, Math.max(1, t.batchSize));
      log.info(`validation after epoch ${done}: mAP ${(metrics.mAP * 100).toFixed(2)}% (${metrics.perClass.map((p) => `${p.class} ${(p.ap * 100).toFixed(1)}`).join(', ')})`);
    }
    const state: TrainState = { epoch: done, epochs: t.epochs, seed, classes, objectiveWeights: objective };
    const checkpointNow = done % Math.max(1, t.checkpointInterval) === 0 || done === endEpoch;
    if (checkpointNow) await saveCheckpoint(tf, resultsDir, done, model, optimizer, metadata, state);

    const mean = epochTimes.reduce((a, b) => a + b, 0) / epochTimes.length;
    const graphical: Record<string, number> = { loss: trainLoss, cov_loss: covSum / Math.max(1, seen), bbox_loss: bboxSum / Math.max(1, seen), learning_rate: lr };
    const kpi: Record<string, number> = {};
    if (metrics) {
      graphical.mAP = metrics.mAP;
      kpi.mAP = metrics.mAP;
      for (const p of metrics.perClass) kpi[`AP_${p.class}`] = p.ap;
    }
    status.write({
      status: 'RUNNING',
      message: 'Training loop in progress',
      epoch,
      max_epoch: t.epochs - 1,
      step: done * stepsPerEpoch,
      max_step: totalSteps,
      time_per_epoch: timedelta(seconds),
      time_per_step: timedelta(seconds / stepsPerEpoch),
      eta: timedelta(mean * (t.epochs - done)),
      graphical,
      kpi,
      backend: ctx.backend,
    });
    const ips = seen / seconds;
    appendFileSync(csvPath, [done, trainLoss, graphical.cov_loss, graphical.bbox_loss, metrics?.mAP ?? '', lr, seconds.toFixed(2), ips.toFixed(2)].join(',') + '\n');
    log.info(`epoch ${done}/${t.epochs}: loss ${trainLoss.toExponential(4)} (${seconds.toFixed(1)} s, ${ips.toFixed(1)} img/s)`);
  }
  foreground.dispose();

  await finishTraining(tf, ctx, model, optimizer, metadata, endEpoch, t.epochs);
}
