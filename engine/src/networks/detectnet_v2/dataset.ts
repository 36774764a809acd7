// The frames a DetectNet_v2 spec trains and validates on, read from dataset_config the way
// TAO's dataloader reads it: each data source is a TFRecord glob plus the folder its images
// live in; validation comes from validation_data_sources when given, else from the records
// of fold `validation_fold`. Labels are mapped through target_class_mapping; classes that
// map to nothing are dropped, as TAO drops them.
import { EngineError } from '../../tasks/types';
import { resolveSpecPath } from '../../util/paths';
import { readDetectionFrames, type DetectionFrame } from '../../data/detection-records';
import type { DataSource, DetectnetConfig } from './config';
import { classIndexer, prepareFrames, type InputShape, type PreparedFrame } from './frames';

function readSources(specPath: string, sources: DataSource[], ext: string, key: string): DetectionFrame[] {
  const frames: DetectionFrame[] = [];
  sources.forEach((s, i) => {
    if (!s.tfrecordsPath) throw new EngineError(`${specPath}: dataset_config.${key}[${i}] has no tfrecords_path`);
    const glob = resolveSpecPath(specPath, s.tfrecordsPath);
    const images = resolveSpecPath(specPath, s.imageDirectoryPath);
    frames.push(...readDetectionFrames(glob, images, ext).frames);
  });
  return frames;
}

function prepare(frames: DetectionFrame[], cfg: DetectnetConfig, shape: InputShape): PreparedFrame[] {
  const indexOf = classIndexer(cfg.dataset!.targetClassMapping, cfg.classes);
  return prepareFrames(frames, shape, indexOf);
}

/** Label classes the mapping leaves out, with their object counts (TAO drops them silently). */
export function unmappedClasses(frames: DetectionFrame[], mapping: Record<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of frames) for (const o of f.objects) if (mapping[o.cls] === undefined) out.set(o.cls, (out.get(o.cls) ?? 0) + 1);
  return out;
}

export interface TrainingSplits {
  train: PreparedFrame[];
  val: PreparedFrame[];
  /** Label classes not in target_class_mapping -> objects dropped. */
  unmapped: Map<string, number>;
}

export function loadTrainingSplits(specPath: string, cfg: DetectnetConfig, shape: InputShape): TrainingSplits {
  const d = cfg.dataset;
  if (!d || d.sources.length === 0) throw new EngineError(`${specPath}: dataset_config.data_sources is missing (tfrecords_path and image_directory_path)`);
  const all = readSources(specPath, d.sources, d.imageExtension, 'data_sources');
  let trainFrames = all;
  let valFrames: DetectionFrame[] = [];
  if (d.validationSources.length > 0) {
    valFrames = readSources(specPath, d.validationSources, d.imageExtension, 'validation_data_sources');
  } else if (d.validationFold !== undefined) {
    valFrames = all.filter((f) => f.fold === d.validationFold);
    trainFrames = all.filter((f) => f.fold !== d.validationFold);
    if (valFrames.length === 0) throw new EngineError(`${specPath}: validation_fold ${d.validationFold} matches no records (folds present: ${[...new Set(all.map((f) => f.fold))].sort().join(', ')})`);
  }
  const unmapped = unmappedClasses([...trainFrames, ...valFrames], d.targetClassMapping);
  return { train: prepare(trainFrames, cfg, shape), val: prepare(valFrames, cfg, shape), unmapped };
}

/** Frames for evaluate: the validation split when there is one, else every frame. */
export function loadEvaluationFrames(specPath: string, cfg: DetectnetConfig, shape: InputShape): PreparedFrame[] {
  const { train, val } = loadTrainingSplits(specPath, cfg, shape);
  return val.length > 0 ? val : train;
}
