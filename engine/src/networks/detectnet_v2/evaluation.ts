// Scoring a DetectNet_v2 model on labelled frames, shared by validation during training and
// the evaluate task: raw grids -> postprocessing_config clustering (TAO's evaluate path) ->
// mAP with evaluation_config's IoU thresholds, box filters and AP mode.
import type * as tfTypes from '@tensorflow/tfjs';
import { EngineError } from '../../tasks/types';
import type { DetectnetConfig } from './config';
import type { FrameImages, PreparedFrame } from './frames';
import { gridShape, STRIDE } from './model';
import { predictRaw } from './predict';
import { clusterConfigsForClasses, postprocessImage, type ClusterConfig, type Detection } from './postprocess';
import { computeDetectionMetrics, evaluationOptionsFromPlain, type DetectionMetrics } from './metrics';

type Tf = typeof tfTypes;

export interface EvaluationSetup {
  clusters: Array<ClusterConfig | undefined>;
  options: ReturnType<typeof evaluationOptionsFromPlain>;
}

/** Reads postprocessing_config and evaluation_config for `classes`; throws listing every problem. */
export function evaluationSetup(cfg: DetectnetConfig, classes: string[], specPath: string): EvaluationSetup {
  const problems: Array<{ path: string; message: string }> = [];
  const clusters = clusterConfigsForClasses(cfg.raw.postprocessing.target_class_config, classes, 'postprocessing_config.target_class_config', problems, 'evaluate');
  const options = evaluationOptionsFromPlain(cfg.raw.evaluation, classes, problems);
  if (problems.length > 0) throw new EngineError(`${specPath}: ${problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
  return { clusters, options };
}

export interface ScoredFrames {
  metrics: DetectionMetrics;
  detections: Detection[][];
}

export async function scoreFrames(
  tf: Tf,
  model: tfTypes.LayersModel,
  frames: PreparedFrame[],
  images: FrameImages,
  setup: EvaluationSetup,
  classes: string[],
  bbox: { scale: number; offset: number },
  batchSize: number,
  onBatch?: (done: number) => void,
): Promise<ScoredFrames> {
  const shape = images.shape;
  const grid = gridShape(shape);
  const raw = await predictRaw(tf, model, frames.length, (i) => images.load(frames[i]), shape, batchSize, onBatch);
  const decoding = { stride: STRIDE, offset: bbox.offset, scale: bbox.scale, imageWidth: shape.width, imageHeight: shape.height };
  const detections = raw.map((r) => postprocessImage({ cov: r.cov, bbox: r.bbox, rows: grid.rows, cols: grid.cols, numClasses: classes.length }, decoding, setup.clusters));
  const metrics = computeDetectionMetrics(
    frames.map((f, i) => ({ groundTruth: f.boxes, detections: detections[i] })),
    classes,
    setup.options,
  );
  return { metrics, detections };
}

/** Validation during training: the spec's own postprocessing and evaluation settings. */
export async function validate(tf: Tf, model: tfTypes.LayersModel, frames: PreparedFrame[], images: FrameImages, setup: EvaluationSetup, cfg: DetectnetConfig, classes: string[], batchSize: number): Promise<DetectionMetrics> {
  const { metrics } = await scoreFrames(tf, model, frames, images, setup, classes, { scale: cfg.model.bboxScale, offset: cfg.model.bboxOffset }, batchSize);
  return metrics;
}
