// `detectnet_v2 dataset_convert`: TAO's KITTI -> TFRecord conversion from a dataset export spec
// (`-d`), writing OUTPUT_PREFIX-fold-NNN-of-NNN-shard-NNNNN-of-NNNNN files that
// `dataset_config.data_sources.tfrecords_path` then globs. The conversion itself lives in
// data/kitti-convert.ts; this module reads the spec, reports the way TAO reports (log lines,
// status.json events, object counts per fold on stdout) and turns failures into one message.
import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { EngineError, type EngineTask, type TaskContext } from '../../../tasks/types';
import { readSpecFile, finishSpec, type ReadSpec } from '../../../spec/load';
import { Reader, obj, last, type Obj, type PathProblem } from '../../../spec/reader';
import type { Plain } from '../../../spec/plain';
import { resolveSpecPath } from '../../../util/paths';
import { convertKitti, formatClassMap, formatObjectCounts, type KittiConvertOptions, type SampleModifierOptions } from '../../../data/kitti-convert';

const NOTE = 'For the dataset_config in the experiment_spec, please use labels in the tfrecords file, while writing the classmap.\n';

function strings(v: Plain | undefined): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** A protobuf text map (`m { key: "a" value: 1 }` repeated) as [key, value] pairs. */
function mapEntries(v: Plain | undefined): Array<[string, Plain]> {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((e) => {
    const o = obj(e);
    return [String(last(o.key) ?? ''), last(o.value) ?? null];
  });
}

function readSampleModifier(o: Obj, r: Reader, problems: PathProblem[]): SampleModifierOptions {
  const path = 'sample_modifier_config';
  const imbalance: Record<string, number> = {};
  for (const [k, v] of mapEntries(o.minimum_target_class_imbalance)) {
    const n = Number(v);
    if (!Number.isFinite(n)) problems.push({ path: `${path}.minimum_target_class_imbalance`, message: `imbalance for "${k}" must be a number` });
    imbalance[k] = n;
  }
  const mapping: Record<string, string> = {};
  for (const [k, v] of mapEntries(o.source_to_target_class_mapping)) mapping[k] = String(v ?? '');
  return {
    filterSamplesContainingOnly: strings(o.filter_samples_containing_only),
    dominantTargetClasses: strings(o.dominant_target_classes),
    minimumTargetClassImbalance: imbalance,
    numDuplicates: count(r, o, 'num_duplicates', path, problems),
    maxTrainingSamples: count(r, o, 'max_training_samples', path, problems),
    sourceToTargetClassMapping: mapping,
  };
}

/** A uint32 spec field (0 when unset). */
function count(r: Reader, o: Obj, key: string, path: string, problems: PathProblem[]): number {
  const n = r.num(o, key, path, 0, false);
  if (!Number.isInteger(n) || n < 0) {
    problems.push({ path: `${path}.${key}`, message: `${key} must be a non-negative integer, got ${n}` });
    return 0;
  }
  return n;
}

interface Plan {
  options: Omit<KittiConvertOptions, 'outputPrefix' | 'log'>;
  imageDirectoryPath?: string;
}

/** dataset export spec -> converter options; problems point at the spec's lines. */
function readPlan(spec: ReadSpec): Plan {
  const problems: PathProblem[] = [];
  const r = new Reader(problems);
  const root = spec.plain;
  if (root.coco_config !== undefined) {
    problems.push({ path: 'coco_config', message: 'coco_config is not supported by the local engine yet; convert COCO with TAO, or use kitti_config' });
  }
  if (root.kitti_config === undefined && root.coco_config === undefined) {
    problems.push({ path: '', message: 'the dataset export spec needs a kitti_config { ... } block' });
  }
  const k = obj(last(root.kitti_config));
  const path = 'kitti_config';
  const rootDir = r.str(k, 'root_directory_path');
  if (root.kitti_config !== undefined && !rootDir) problems.push({ path: `${path}`, message: 'kitti_config.root_directory_path is required' });
  const mode = r.str(k, 'partition_mode');
  if (root.kitti_config !== undefined && mode !== 'random' && mode !== 'sequence') {
    problems.push({ path: `${path}.partition_mode`, message: `partition_mode must be "random" or "sequence", got ${JSON.stringify(mode)}` });
  }
  const numPartitions = count(r, k, 'num_partitions', path, problems);
  const valSplit = r.num(k, 'val_split', path, 0, false);
  if (mode === 'random' && numPartitions !== 2) {
    problems.push({ path: `${path}.num_partitions`, message: `random partition mode writes 2 partitions (validation fold 0, training fold 1), got num_partitions: ${numPartitions}` });
  }
  if (mode === 'random' && !(valSplit >= 0 && valSplit < 100)) {
    problems.push({ path: `${path}.val_split`, message: `val_split is a percentage, 0 <= val_split < 100, got ${valSplit}` });
  }
  const sequenceFile = r.str(k, 'kitti_sequence_to_frames_file');
  if (mode === 'sequence' && !sequenceFile) {
    problems.push({ path: `${path}.partition_mode`, message: 'sequence partition mode needs kitti_sequence_to_frames_file (relative to root_directory_path)' });
  }
  const modifierPlain = root.sample_modifier_config;
  const sampleModifier = modifierPlain !== undefined ? readSampleModifier(obj(last(modifierPlain)), r, problems) : undefined;
  const options: Plan['options'] = {
    rootDirectory: resolveSpecPath(spec.path, rootDir),
    imageDirName: r.str(k, 'image_dir_name'),
    labelDirName: r.str(k, 'label_dir_name'),
    // build_converter.py: `config.image_extension or '.png'`.
    imageExtension: r.str(k, 'image_extension', '.png'),
    partitionMode: mode as 'random' | 'sequence',
    numPartitions,
    valSplit,
    numShards: count(r, k, 'num_shards', path, problems),
    sequenceToFramesFile: sequenceFile || undefined,
    pointCloudsDir: r.str(k, 'point_clouds_dir') || undefined,
    calibrationsDir: r.str(k, 'calibrations_dir') || undefined,
    sampleModifier,
  };
  finishSpec(spec, problems);
  const imageDir = r.str(root, 'image_directory_path');
  return { options, imageDirectoryPath: imageDir ? resolveSpecPath(spec.path, imageDir) : undefined };
}

function outputPrefix(ctx: TaskContext): string {
  const o = ctx.flags.output;
  if (typeof o !== 'string' || !o) throw new EngineError('dataset_convert needs -o OUTPUT_PREFIX (e.g. -o tfrecords/kitti_trainval/kitti_trainval)');
  if (o.endsWith('/') || o.endsWith(sep) || (existsSync(o) && statSync(o).isDirectory())) {
    throw new EngineError(`-o takes a file name prefix, not a folder: ${o} (files are named PREFIX-fold-000-of-002-shard-00000-of-00010)`);
  }
  return resolve(o);
}

function validationFold(ctx: TaskContext): number | undefined {
  const v = ctx.flags.validation_fold ?? ctx.flags.f;
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new EngineError(`--validation_fold needs a fold number (0-based), got ${String(v)}`);
  return n;
}

export const datasetConvertTask: EngineTask = {
  name: 'dataset_convert',
  summary: 'convert a KITTI dataset (images + label files) to TFRecord shards for training',
  needsSpec: false,
  needsTf: false,
  usage: `Usage: tao-engine detectnet_v2 dataset_convert -d DATASET_SPEC -o OUTPUT_PREFIX [-r RESULTS_DIR] [options]

Converts a KITTI-format dataset to TFRecord files the way TAO's detectnet_v2 dataset_convert
does: one tf.train.Example per image with its labels (frame/id, frame/width, frame/height,
target/object_class, target/coordinates_x1..y2, ...); images are not copied into the records.
Files are named OUTPUT_PREFIX-fold-000-of-002-shard-00000-of-00010; point the training spec's
dataset_config.data_sources.tfrecords_path at "OUTPUT_FOLDER/*" and image_directory_path at
kitti_config.root_directory_path.

The spec (protobuf text) holds a kitti_config block:
  root_directory_path      folder with the image and label folders (relative paths resolve
                           against the spec's folder)
  image_dir_name           images, e.g. "image_2";  label_dir_name  labels, e.g. "label_2"
  image_extension          e.g. ".png" (default .png)
  partition_mode           "random": fold 0 = the first val_split% of the sorted image names
                           (validation), fold 1 = the rest; needs num_partitions: 2.
                           "sequence": kitti_sequence_to_frames_file maps sequences to frames;
                           sequences are dealt longest first over num_partitions folds.
  num_partitions, val_split (percent), num_shards (per fold)
  kitti_sequence_to_frames_file, point_clouds_dir, calibrations_dir (optional)
and optionally sample_modifier_config (filtering and duplication of training frames).
coco_config is not supported yet.

Frames are shuffled with Python's random seeded with 42, as TAO does, so shards list the same
frames in the same order. Class names are lower-cased. Objects whose box is empty or inverted
are skipped and listed in OUTPUT_PREFIX_warning.json. Object counts per fold go to stdout.

Options:
  -d, --dataset_export_spec FILE   dataset export spec (kitti_config)
  -o, --output_filename PREFIX     output path prefix (folders are created)
  -r, --results_dir DIR            where status.json goes (default: the output's folder)
  --validation_fold N              fold the sample modifier leaves unchanged (TAO's -f)
`,
  async run(ctx) {
    const specArg = ctx.flags.dataset_spec;
    if (typeof specArg !== 'string' || !specArg) throw new EngineError('dataset_convert needs -d DATASET_EXPORT_SPEC (see --help)');
    const specPath = resolve(specArg);
    const prefix = outputPrefix(ctx);
    const fold = validationFold(ctx);
    ctx.status.write({ status: 'STARTED', message: 'Starting Object Detection Dataset Convert.' });

    const spec = readSpecFile(specPath, 'detectnet_v2');
    for (const w of spec.warnings) ctx.log.warn(w);
    const plan = readPlan(spec);

    ctx.log.info('Instantiating a kitti converter');
    ctx.status.write({ status: 'STARTED', message: 'Instantiating a kitti converter' });
    let result;
    try {
      result = convertKitti({
        ...plan.options,
        outputPrefix: prefix,
        validationFold: fold,
        log: (message) => {
          ctx.log.info(message);
          ctx.status.write({ status: 'RUNNING', message });
        },
      });
    } catch (err) {
      throw new EngineError((err as Error).message);
    }

    // TAO logs the counts of each fold as it finishes it, then the total; here they go to
    // stdout so they can be read apart from progress messages.
    const out = (s: string) => process.stdout.write(s + '\n');
    for (const f of result.folds) out(formatObjectCounts(f.counts));
    ctx.log.info('Cumulative object statistics');
    ctx.status.write({
      status: 'RUNNING',
      message: 'Cumulative object statistics',
      kpi: { num_images: result.numImages },
      categorical: { num_objects: Object.fromEntries(result.cumulative) },
    });
    out(formatObjectCounts(result.cumulative));
    const classMap = formatClassMap(result.classMap);
    out(classMap);
    ctx.status.write({ status: 'RUNNING', message: classMap });
    out(NOTE);
    ctx.status.write({ status: 'RUNNING', message: NOTE });

    if (result.warningFile) {
      const n = Object.keys(result.skippedBoxes).length;
      ctx.log.warn(`${n} object(s) with an empty or inverted box were skipped; details in ${result.warningFile}`);
    }
    if (result.outsideBoxes.length > 0) {
      const shown = result.outsideBoxes.slice(0, 5).join('\n  ');
      ctx.log.warn(`${result.outsideBoxes.length} box(es) reach outside their image (kept; training clips them to the frame):\n  ${shown}${result.outsideBoxes.length > 5 ? `\n  ... and ${result.outsideBoxes.length - 5} more` : ''}`);
    }
    if (result.emptyPartitions.length > 0 && result.folds.length > 0) {
      // TAO numbers folds after dropping empty partitions; keep its file names, but say what they mean.
      const which = plan.options.partitionMode === 'random' && result.emptyPartitions.includes(0) ? 'the validation partition' : `partition(s) ${result.emptyPartitions.join(', ')}`;
      ctx.log.warn(`${which} got no frames, so no files; as in TAO, the remaining partitions were numbered from fold 000 (fold 000 now holds ${result.folds[0].frames} frames)${plan.options.partitionMode === 'random' ? ', so validation_fold: 0 in a training spec would select the training frames' : ''}`);
    }
    if (result.staleFiles.length > 0) {
      ctx.log.warn(`${result.staleFiles.length} file(s) from an earlier conversion share this prefix and would be read by a "*" tfrecords_path: ${result.staleFiles.join(', ')}`);
    }
    const imageDir = plan.imageDirectoryPath;
    if (imageDir && resolve(imageDir) !== resolve(plan.options.rootDirectory)) {
      ctx.log.warn(`image_directory_path (${imageDir}) differs from root_directory_path; frame ids start with "${plan.options.imageDirName}/", so training's image_directory_path must be ${plan.options.rootDirectory}`);
    }
    const records = result.folds.reduce((n, f) => n + f.examples, 0);
    ctx.log.info(`Tfrecords generation complete: ${records} records in ${result.files.length - (result.warningFile ? 1 : 0)} files (${prefix}-*)`);
    ctx.status.write({ status: 'SUCCESS', message: 'TFRecords generation complete.' });
    ctx.status.write({ status: 'SUCCESS', message: 'Dataset convert finished successfully.', kpi: { num_images: result.numImages, num_records: records } });
  },
};
