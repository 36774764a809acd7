// The detection benchmark's data side, shared by main.ts and the engine worker: reading the
// training spec the way the engine does, exporting the exact tensors the engine trains on
// (inputs scaled to [0, 1], rasterized coverage / bbox / bbox-weight maps, and the engine's own
// per-epoch shuffle) as raw float32 files for the PyTorch side, and scoring raw network outputs
// with the engine's post-processing and mAP code, so both sides are judged by the same code.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSpecFile, finishSpec } from '../../engine/src/spec/load';
import { buildDetectnetConfig, type DetectnetConfig } from '../../engine/src/networks/detectnet_v2/config';
import { loadTrainingSplits } from '../../engine/src/networks/detectnet_v2/dataset';
import { FrameImages, type InputShape, type PreparedFrame } from '../../engine/src/networks/detectnet_v2/frames';
import { gridShape, STRIDE } from '../../engine/src/networks/detectnet_v2/model';
import { rasterize, type FrameTargets } from '../../engine/src/networks/detectnet_v2/targets';
import { classWeights, initialObjectiveWeights } from '../../engine/src/networks/detectnet_v2/loss';
import { evaluationSetup } from '../../engine/src/networks/detectnet_v2/evaluation';
import { postprocessImage } from '../../engine/src/networks/detectnet_v2/postprocess';
import { computeDetectionMetrics, type DetectionMetrics } from '../../engine/src/networks/detectnet_v2/metrics';
import { mixSeed, mulberry32, shuffleInPlace } from '../../engine/src/util/rng';

export interface LoadedSpec {
  specPath: string;
  cfg: DetectnetConfig;
  shape: InputShape;
  train: PreparedFrame[];
  val: PreparedFrame[];
}

/** The spec as the engine's train task reads it (same parser, same config, same frame split). */
export function loadSpec(specPath: string): LoadedSpec {
  const spec = readSpecFile(specPath, 'detectnet_v2');
  const { config: cfg, problems } = buildDetectnetConfig(spec.plain);
  finishSpec(spec, problems);
  const m = cfg.model;
  const shape: InputShape = { width: m.width, height: m.height, channels: m.channels, fit: cfg.augmentation.preprocessing.enable_auto_resize ? 'stretch' : 'pad' };
  const { train, val } = loadTrainingSplits(specPath, cfg, shape);
  return { specPath, cfg, shape, train, val };
}

/**
 * The benchmark feeds both sides the unaugmented frames; this refuses a spec whose
 * augmentation would make the engine's inputs differ from the exported ones.
 */
export function assertNoAugmentation(cfg: DetectnetConfig): void {
  const s = cfg.augmentation.spatial_augmentation;
  const c = cfg.augmentation.color_augmentation;
  const spatial = s.hflip_probability > 0 || s.vflip_probability > 0 || s.zoom_min !== 1 || s.zoom_max !== 1 || s.translate_max_x > 0 || s.translate_max_y > 0 || s.rotate_rad_max > 0;
  const color = c.hue_rotation_max > 0 || c.saturation_shift_max > 0 || c.contrast_scale_max > 0 || c.color_shift_stddev > 0;
  if (spatial || color) throw new Error('the benchmark spec must have augmentation off (both sides train on the same unaugmented inputs)');
}

/** The engine trainer's order of training frames in `epoch` (trainer.ts draws it the same way). */
export function epochOrder(seed: number, epoch: number, n: number): number[] {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, mulberry32(mixSeed(seed, epoch, 1)));
  return Array.from(order);
}

function writeF32(path: string, data: Float32Array): void {
  writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

/** Inputs of `frames`, NHWC, scaled to [0, 1] exactly as the trainer scales them (byte / 255, stored as float32). */
function inputs(frames: PreparedFrame[], images: FrameImages): Float32Array {
  const { width, height, channels } = images.shape;
  const per = width * height * channels;
  const x = new Float32Array(frames.length * per);
  frames.forEach((f, i) => {
    const img = images.load(f);
    const base = i * per;
    for (let j = 0; j < per; j++) x[base + j] = img[j] / 255;
  });
  return x;
}

export interface ExportSummary {
  metaPath: string;
  trainImages: number;
  valImages: number;
  objects: number;
}

/**
 * Writes DIR/{train_x,train_cov,train_bbox,train_norm,val_x}.f32 and DIR/meta.json: the
 * training tensors exactly as the engine's trainer builds them for each frame (the
 * rasterizer is the engine's own), the validation inputs, and the recipe read from the spec.
 */
export function exportForPytorch(s: LoadedSpec, dir: string): ExportSummary {
  const { cfg, shape, train, val } = s;
  const m = cfg.model;
  const t = cfg.training;
  const classes = cfg.classes;
  const C = classes.length;
  const grid = gridShape(m);
  const cells = grid.rows * grid.cols;
  const images = new FrameImages(shape);
  writeF32(join(dir, 'train_x.f32'), inputs(train, images));
  writeF32(join(dir, 'val_x.f32'), inputs(val, images));
  const cov = new Float32Array(train.length * cells * C);
  const bbox = new Float32Array(train.length * cells * 4 * C);
  const norm = new Float32Array(train.length * cells * C);
  const raster = { grid, classes, rasterizer: cfg.rasterizer, bboxScale: m.bboxScale, bboxOffset: m.bboxOffset };
  const one: FrameTargets = { cov: new Float32Array(cells * C), bbox: new Float32Array(cells * 4 * C), covNorm: new Float32Array(cells * C) };
  train.forEach((f, i) => {
    rasterize(f.boxes, raster, one);
    cov.set(one.cov, i * cells * C);
    bbox.set(one.bbox, i * cells * 4 * C);
    norm.set(one.covNorm, i * cells * C);
  });
  writeF32(join(dir, 'train_cov.f32'), cov);
  writeF32(join(dir, 'train_bbox.f32'), bbox);
  writeF32(join(dir, 'train_norm.f32'), norm);

  const costOf = (name: string) => cfg.cost.classes.find((c) => c.name === name);
  if (t.optimizer.type !== 'adam') throw new Error(`the benchmark's PyTorch side implements Adam only, the spec asks for ${t.optimizer.type}`);
  if (t.lr.type !== 'soft_start_annealing') throw new Error(`the benchmark's PyTorch side implements soft_start_annealing only, the spec asks for ${t.lr.type}`);
  if (m.arch !== 'resnet') throw new Error(`the benchmark's PyTorch side builds resnet only, the spec asks for ${m.arch}`);
  if (m.dropout > 0 || m.freezeBlocks.length > 0 || m.freezeBn) throw new Error('the benchmark spec must not use dropout, freeze_blocks or freeze_bn');
  const meta = {
    width: m.width,
    height: m.height,
    channels: m.channels,
    rows: grid.rows,
    cols: grid.cols,
    stride: STRIDE,
    classes,
    seed: cfg.randomSeed,
    train: { n: train.length, x: 'train_x.f32', cov: 'train_cov.f32', bbox: 'train_bbox.f32', norm: 'train_norm.f32' },
    val: { n: val.length, x: 'val_x.f32' },
    model: {
      arch: m.arch,
      layers: m.nLayers,
      use_pooling: m.usePooling,
      all_projections: m.allProjections,
      use_batch_norm: m.useBatchNorm,
      // BuildContext.useBias: convolutions carry a bias whenever use_bias is set or BN is off.
      conv_bias: m.useBias || !m.useBatchNorm,
      bn_momentum_keras: m.bnMomentum,
      bn_epsilon: m.bnEpsilon,
    },
    bbox: { scale: m.bboxScale, offset: m.bboxOffset },
    recipe: {
      epochs: t.epochs,
      batch: t.batchSize,
      lr: { max: t.lr.learningRate, min: t.lr.minLr, soft_start: t.lr.softStart, annealing: t.lr.annealing },
      adam: { beta1: t.optimizer.beta1, beta2: t.optimizer.beta2, epsilon: t.optimizer.epsilon },
      regularizer: { type: t.reg.type, weight: t.reg.weightDecay },
      cost: {
        class_weights: classWeights(cfg.cost, classes),
        foreground: classes.map((c) => costOf(c)?.coverageForegroundWeight ?? 0.05),
        initial_objective_weights: initialObjectiveWeights(cfg.cost, classes).weights,
        objective_targets: classes.map((c) => [costOf(c)?.cov.target ?? 1, costOf(c)?.bbox.target ?? 10]),
        autoweighting: cfg.cost.enableAutoweighting,
        min_objective_weight: cfg.cost.minObjectiveWeight,
        max_objective_weight: cfg.cost.maxObjectiveWeight,
      },
    },
    // The engine trainer's shuffle, epoch by epoch, so both sides see the same mini-batches.
    order: Array.from({ length: t.epochs }, (_, e) => epochOrder(cfg.randomSeed, e, train.length)),
  };
  const metaPath = join(dir, 'meta.json');
  writeFileSync(metaPath, JSON.stringify(meta) + '\n');
  return { metaPath, trainImages: train.length, valImages: val.length, objects: train.reduce((n, f) => n + f.boxes.length, 0) };
}

/** The spec's clustering settings for the first class (the benchmark spec gives every class the same). */
export function clusteringSummary(s: LoadedSpec): Record<string, unknown> {
  const c = evaluationSetup(s.cfg, s.cfg.classes, s.specPath).clusters[0];
  return c ? { algorithm: c.algorithm, dbscan_eps: c.dbscanEps, dbscan_min_samples: c.dbscanMinSamples, coverage_threshold: c.coverageThreshold, minimum_bounding_box_height: c.minimumBoundingBoxHeight } : {};
}

/**
 * mAP of raw outputs for the validation frames (cov NHWC [N, rows, cols, C], bbox NHWC
 * [N, rows, cols, 4C]), through the spec's postprocessing_config and evaluation_config:
 * the code the engine's evaluate task runs after its forward pass.
 */
export function scoreRaw(s: LoadedSpec, cov: Float32Array, bbox: Float32Array): DetectionMetrics {
  const { cfg, shape, val } = s;
  const classes = cfg.classes;
  const C = classes.length;
  const grid = gridShape(shape);
  const covPer = grid.rows * grid.cols * C;
  if (cov.length !== val.length * covPer || bbox.length !== val.length * covPer * 4) {
    throw new Error(`raw outputs hold ${cov.length} / ${bbox.length} values, expected ${val.length * covPer} / ${val.length * covPer * 4} for ${val.length} frames`);
  }
  const setup = evaluationSetup(cfg, classes, s.specPath);
  const decoding = { stride: STRIDE, offset: cfg.model.bboxOffset, scale: cfg.model.bboxScale, imageWidth: shape.width, imageHeight: shape.height };
  const frames = val.map((f, i) => {
    const out = { cov: cov.subarray(i * covPer, (i + 1) * covPer), bbox: bbox.subarray(i * covPer * 4, (i + 1) * covPer * 4), rows: grid.rows, cols: grid.cols, numClasses: C };
    return { groundTruth: f.boxes, detections: postprocessImage(out, decoding, setup.clusters) };
  });
  return computeDetectionMetrics(frames, classes, setup.options);
}
