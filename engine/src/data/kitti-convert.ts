// TAO DetectNet_v2's KITTI -> TFRecord conversion (dataset_convert with kitti_config), and the
// reader training uses to get the frames back. Behaviour follows NVIDIA's
// cv/detectnet_v2/dataio/{dataset_converter_lib,kitti_converter_lib,sample_modifier}.py and
// cv/detectnet_v2/common/dataio/converter_lib.py, so records written here and by TAO are
// interchangeable: same feature keys and types, same fold membership, same file names, and
// (because TAO's shuffles use Python's `random` seeded with 42, which we reproduce) the same
// frame order within each shard.
//
// Sections: partitioning, one frame -> one Example, sample modifier, conversion. Python's
// random lives in util/py-random.ts, image sizes in image-size.ts, reading records back in
// detection-records.ts.
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../io/atomic';
import { encodeExample, decodeExample, getFloats, getInt64s, getStrings, single, type Features } from './example';
import { parseKittiLabels, type KittiObject } from './kitti';
import { PyRandom } from '../util/py-random';
import { imageSize } from './image-size';
import { byCodePoint } from './detection-records';
import { readTfRecordFile, iterateTfRecords, writeTfRecordFile } from './tfrecord';

// =============================================================================================
// Options and results

export interface SampleModifierOptions {
  filterSamplesContainingOnly: string[];
  dominantTargetClasses: string[];
  minimumTargetClassImbalance: Record<string, number>;
  numDuplicates: number;
  maxTrainingSamples: number;
  sourceToTargetClassMapping: Record<string, string>;
}

export interface KittiConvertOptions {
  /** Absolute folder holding the image and label folders (kitti_config.root_directory_path). */
  rootDirectory: string;
  imageDirName: string;
  labelDirName: string;
  /** With the dot, e.g. ".png" (TAO's default when the spec leaves it empty). */
  imageExtension: string;
  partitionMode: 'random' | 'sequence';
  /** Folds; random mode needs exactly 2 (fold 0 = validation). 0 writes no fold part in names. */
  numPartitions: number;
  /** Percent of images in the validation fold (random mode). */
  valSplit: number;
  /** Shards per fold; 0 = one shard and no shard part in names. */
  numShards: number;
  /** JSON {sequence: [frame ids]}, relative to rootDirectory (sequence mode). */
  sequenceToFramesFile?: string;
  pointCloudsDir?: string;
  calibrationsDir?: string;
  /** Output path prefix; files are PREFIX-fold-000-of-002-shard-00000-of-00010. */
  outputPrefix: string;
  sampleModifier?: SampleModifierOptions;
  /** Fold left unmodified by the sample modifier (TAO's `-f`). */
  validationFold?: number;
  /** Progress and TAO's log lines. */
  log?: (message: string) => void;
}

/** Object counts per class, in the order TAO's Counter holds them (first seen first). */
export type ClassCounts = Array<[string, number]>;

export interface KittiConvertResult {
  /** Every file written, in writing order (records first, then the warning file if any). */
  files: string[];
  /** Images considered (TAO's kpi num_images). */
  numImages: number;
  /** Written folds (empty partitions are skipped and do not get a fold number, as in TAO). */
  folds: Array<{ fold: number; frames: number; examples: number; counts: ClassCounts }>;
  cumulative: ClassCounts;
  /** Label class as written -> class stored in the records (lower-cased), first seen first. */
  classMap: Array<[string, string]>;
  /** Objects dropped for a non-positive box: "LABEL_FILE_INDEX" -> [x1, y1, x2, y2]. */
  skippedBoxes: Record<string, number[]>;
  /** `FILE:LINE: ...` for boxes reaching past the image's edge (kept, as TAO keeps them). */
  outsideBoxes: string[];
  warningFile?: string;
  /** Files matching PREFIX-fold-... or PREFIX-shard-... that this run did not write (left from older runs). */
  staleFiles: string[];
  /** Partitions (by index before numbering) that got no frames and so no files. */
  emptyPartitions: number[];
}

// =============================================================================================
// Partitioning


/** os.path.splitext(name)[0]: cut at the last dot, unless only dots precede it (".hidden"). */
function stripExt(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || /^\.*$/.test(name.slice(0, dot))) return name;
  return name.slice(0, dot);
}

/** os.path.join for the ids TAO stores (forward slashes, an empty head adds nothing). */
function pyJoin(head: string, tail: string): string {
  if (!head || tail.startsWith('/')) return tail;
  return head.endsWith('/') ? head + tail : `${head}/${tail}`;
}

interface Partitioned {
  partitions: string[][];
  numImages: number;
  messages: string[];
}

function randomPartitions(o: KittiConvertOptions, rng: PyRandom): Partitioned {
  if (o.numPartitions !== 2) {
    throw new Error(`kitti_config.num_partitions must be 2 in random partition mode (fold 0 = validation, fold 1 = training), got ${o.numPartitions}`);
  }
  // The proto field is a float32; TAO divides that value by 100 in double precision.
  const split = Math.fround(o.valSplit) / 100;
  if (!(split >= 0 && split < 1)) throw new Error(`kitti_config.val_split must satisfy 0 <= val_split < 100, got ${o.valSplit}`);
  const imagesRoot = join(o.rootDirectory, o.imageDirName);
  if (!existsSync(imagesRoot) || !statSync(imagesRoot).isDirectory()) throw new Error(`image folder not found: ${imagesRoot} (root_directory_path + image_dir_name)`);
  const ids = readdirSync(imagesRoot)
    .sort(byCodePoint)
    .filter((f) => f.endsWith(o.imageExtension))
    .map(stripExt);
  if (ids.length === 0) throw new Error(`no images ending in "${o.imageExtension}" in ${imagesRoot} (image_extension)`);
  // The validation fold is the first val_split% of the sorted names; shuffling only reorders.
  const numVal = Math.trunc(split * ids.length);
  const partitions = [ids.slice(0, numVal), ids.slice(numVal)];
  for (const p of partitions) rng.shuffle(p);
  const messages = [`Num images in\nTrain: ${partitions[1].length}\tVal: ${partitions[0].length}`];
  if (split === 0) messages.push('Skipped validation data...');
  // TAO's message, including its missing space.
  else messages.push('Validation data in partition 0. Hence, while choosing the validationset during training choose validation_fold 0.');
  return { partitions, numImages: ids.length, messages };
}

function readSequenceMap(path: string): Array<[string, string[]]> {
  if (!existsSync(path)) throw new Error(`kitti_sequence_to_frames_file not found: ${path}`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${path}: expected a JSON object {"sequence": ["frame id", ...]}`);
  const out: Array<[string, string[]]> = [];
  for (const [seq, frames] of Object.entries(data as Record<string, unknown>)) {
    if (!Array.isArray(frames) || frames.some((f) => typeof f !== 'string' && typeof f !== 'number')) {
      throw new Error(`${path}: sequence "${seq}" must map to a list of frame ids`);
    }
    out.push([seq, frames.map(String)]);
  }
  return out;
}

function sequencePartitions(o: KittiConvertOptions): Partitioned {
  if (!o.sequenceToFramesFile) {
    throw new Error('kitti_config.kitti_sequence_to_frames_file is required for partition_mode "sequence" (path relative to root_directory_path)');
  }
  const map = readSequenceMap(join(o.rootDirectory, o.sequenceToFramesFile));
  let partitions: string[][];
  if (o.numPartitions > 1) {
    // Longest sequence first (ties by name); sequences dealt round-robin; then the list is
    // reversed, which puts the validation bucket where TAO's older tooling expected it.
    const sorted = map.slice().sort((a, b) => b[1].length - a[1].length || byCodePoint(a[0], b[0]));
    partitions = Array.from({ length: o.numPartitions }, () => [] as string[]);
    sorted.forEach(([, frames], counter) => partitions[counter % o.numPartitions].push(...frames));
    partitions.reverse();
  } else {
    partitions = [map.flatMap(([, frames]) => frames)];
  }
  const numImages = partitions.reduce((n, p) => n + p.length, 0);
  return { partitions, numImages, messages: [`Total number of images: ${numImages}`] };
}

/** Splits each partition into shards: equal floor-sized shards, the last takes the rest. */
export function shardPartition<T>(partition: T[], numShards: number): T[][] {
  const n = Math.max(numShards, 1);
  const size = Math.floor(partition.length / n);
  return Array.from({ length: n }, (_, i) => partition.slice(i * size, i + 1 < n ? (i + 1) * size : partition.length));
}

/** TAO's output name for fold p / shard s. */
export function shardFileName(prefix: string, fold: number, numPartitions: number, shard: number, numShards: number): string {
  let name = prefix;
  if (numPartitions !== 0) name += `-fold-${String(fold).padStart(3, '0')}-of-${String(numPartitions).padStart(3, '0')}`;
  if (numShards !== 0) name += `-shard-${String(shard).padStart(5, '0')}-of-${String(numShards).padStart(5, '0')}`;
  return name;
}

// =============================================================================================
// One frame -> one tf.train.Example

/** bytes.lower() in Python: only ASCII letters change. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

interface FrameExample {
  features: Features;
  classes: string[];
}

interface FrameContext {
  o: KittiConvertOptions;
  classMap: Map<string, string>;
  skippedBoxes: Record<string, number[]>;
  outsideBoxes: string[];
}

/** KITTI calibration -> TAO's lidar-to-camera (4x4) and lidar-to-image (3x4) matrices. */
function calibrationFeatures(file: string): Features {
  if (!existsSync(file)) throw new Error(`Calibration file ${file} not found.`);
  const lines = readFileSync(file, 'utf8').split(/\r\n|\r|\n/);
  // numpy.genfromtxt(skip_header=H, skip_footer=F): drop H raw lines, drop blank lines, then
  // drop the last F rows; TAO reads P2 (row 2), R0_rect (row 4) and Tr_velo_to_cam (row 5).
  const row = (header: number, footer: number, count: number, name: string): number[] => {
    const rows = lines.slice(header).filter((l) => l.trim() !== '');
    const picked = rows.slice(0, Math.max(rows.length - footer, 0));
    if (picked.length !== 1) throw new Error(`${file}: expected the 7-line KITTI calibration layout (P0..P3, R0_rect, Tr_velo_to_cam, Tr_imu_to_velo)`);
    const values = picked[0].trim().split(/\s+/).slice(1, 1 + count).map(Number);
    if (values.length !== count || values.some((v) => !Number.isFinite(v))) throw new Error(`${file}: ${name} needs ${count} numbers`);
    return values.map(Math.fround);
  };
  const p2 = row(2, 4, 12, 'P2');
  const r0 = row(4, 2, 9, 'R0_rect');
  const tr = row(5, 1, 12, 'Tr_velo_to_cam');
  const r4 = [r0[0], r0[1], r0[2], 0, r0[3], r0[4], r0[5], 0, r0[6], r0[7], r0[8], 0, 0, 0, 0, 1];
  const tr4 = [...tr, 0, 0, 0, 1];
  const mul = (a: number[], rows: number, b: number[]): number[] => {
    const out: number[] = [];
    for (let i = 0; i < rows; i++) for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[i * 4 + k] * b[k * 4 + j];
      out.push(s);
    }
    return out;
  };
  const t = mul(r4, 4, tr4);
  const p = mul(p2, 3, t);
  return { 'calibration/T_lidar_to_camera': { float: t }, 'calibration/P_lidar_to_image': { float: p } };
}

function frameExample(frameId: string, ctx: FrameContext): FrameExample {
  const { o } = ctx;
  const imagePath = join(o.rootDirectory, o.imageDirName, frameId + o.imageExtension);
  if (!existsSync(imagePath)) {
    const hint = o.imageExtension.startsWith('.') ? '' : ` (image_extension "${o.imageExtension}" has no leading dot)`;
    throw new Error(`image not found for frame "${frameId}": ${imagePath}${hint}`);
  }
  const { width, height } = imageSize(imagePath);
  const labelPath = join(o.rootDirectory, o.labelDirName, `${frameId}.txt`);
  if (!existsSync(labelPath)) throw new Error(`label file not found for frame "${frameId}": ${labelPath}`);
  // TAO asserts 15 fields and parses every value with float(); boxes are checked below.
  const labels = parseKittiLabels(readFileSync(labelPath, 'utf8'), labelPath, { allowConfidence: false, checkBoxes: false });

  const classes: string[] = [];
  const cols = {
    truncation: [] as number[],
    occlusion: [] as number[],
    angle: [] as number[],
    x1: [] as number[],
    y1: [] as number[],
    x2: [] as number[],
    y2: [] as number[],
    h: [] as number[],
    w: [] as number[],
    l: [] as number[],
    x: [] as number[],
    y: [] as number[],
    z: [] as number[],
    rotY: [] as number[],
  };
  labels.forEach((obj, index) => {
    const nonFinite = [obj.x1, obj.y1, obj.x2, obj.y2, obj.occluded].some((v) => !Number.isFinite(v));
    if (nonFinite) throw new Error(`${labelPath}:${obj.line}: occlusion and box coordinates must be finite numbers`);
    // TAO checks the box on int()-truncated corners and drops (not fails) objects that are
    // empty or inverted, remembering them for <output>_warning.json.
    const ix1 = Math.trunc(obj.x1);
    const iy1 = Math.trunc(obj.y1);
    const ix2 = Math.trunc(obj.x2);
    const iy2 = Math.trunc(obj.y2);
    if (!(ix1 < ix2 && iy1 < iy2)) {
      // Keyed like TAO: list.index() finds the first line with identical values.
      const same = labels.findIndex((b) => b.cls === obj.cls && sameValues(b, obj));
      ctx.skippedBoxes[`${labelPath}_${same >= 0 ? same : index}`] = [ix1, iy1, ix2, iy2];
      return;
    }
    // Kept as written (TAO keeps them too; training clips to the frame), but worth a look:
    // a box past the edge usually means labels made for another image size.
    if (obj.x1 < 0 || obj.y1 < 0 || obj.x2 > width || obj.y2 > height) {
      ctx.outsideBoxes.push(`${labelPath}:${obj.line}: box ${obj.x1},${obj.y1},${obj.x2},${obj.y2} reaches outside the ${width}x${height} image`);
    }
    const cls = asciiLower(obj.cls);
    ctx.classMap.set(obj.cls, cls);
    classes.push(cls);
    cols.truncation.push(obj.truncated);
    cols.occlusion.push(Math.trunc(obj.occluded));
    cols.angle.push(obj.alpha);
    cols.x1.push(obj.x1);
    cols.y1.push(obj.y1);
    cols.x2.push(obj.x2);
    cols.y2.push(obj.y2);
    cols.h.push(obj.h);
    cols.w.push(obj.w);
    cols.l.push(obj.l);
    cols.x.push(obj.x);
    cols.y.push(obj.y);
    cols.z.push(obj.z);
    cols.rotY.push(obj.rotationY);
  });

  const utf8 = new TextEncoder();
  // Keys and list types exactly as kitti_converter_lib.py writes them (_example_proto, _add_targets).
  const features: Features = {
    // The image folder is part of the id: training finds images at image_directory_path/<id>.<ext>.
    'frame/id': { bytes: [utf8.encode(pyJoin(o.imageDirName, frameId))] },
    'frame/height': { int64: [height] },
    'frame/width': { int64: [width] },
    'target/object_class': { bytes: classes.map((c) => utf8.encode(c)) },
    'target/truncation': { float: cols.truncation },
    'target/occlusion': { int64: cols.occlusion },
    'target/observation_angle': { float: cols.angle },
    'target/coordinates_x1': { float: cols.x1 },
    'target/coordinates_y1': { float: cols.y1 },
    'target/coordinates_x2': { float: cols.x2 },
    'target/coordinates_y2': { float: cols.y2 },
    'target/world_bbox_h': { float: cols.h },
    'target/world_bbox_w': { float: cols.w },
    'target/world_bbox_l': { float: cols.l },
    'target/world_bbox_x': { float: cols.x },
    'target/world_bbox_y': { float: cols.y },
    'target/world_bbox_z': { float: cols.z },
    'target/world_bbox_rot_y': { float: cols.rotY },
  };
  if (o.pointCloudsDir) {
    features['point_cloud/id'] = { bytes: [utf8.encode(pyJoin(o.pointCloudsDir, frameId))] };
    features['point_cloud/num_input_channels'] = { int64: [4] };
  }
  if (o.calibrationsDir) Object.assign(features, calibrationFeatures(join(o.rootDirectory, o.calibrationsDir, `${frameId}.txt`)));
  return { features, classes };
}

const LABEL_VALUES = ['truncated', 'occluded', 'alpha', 'x1', 'y1', 'x2', 'y2', 'h', 'w', 'l', 'x', 'y', 'z', 'rotationY'] as const;

function sameValues(a: KittiObject, b: KittiObject): boolean {
  // NaN never equals NaN, exactly as Python's list comparison of two float objects.
  return LABEL_VALUES.every((k) => a[k] === b[k]);
}

// =============================================================================================
// Sample modifier (dataset_export_config.sample_modifier_config): filters and duplicates
// training frames by class content; the validation fold is left as it is.

class SampleModifier {
  private counts: number[];
  private maxPerFold: number;

  constructor(
    private readonly cfg: SampleModifierOptions,
    private readonly validationFold: number | undefined,
    numFolds: number,
  ) {
    const targets = new Set(Object.values(cfg.sourceToTargetClassMapping));
    for (const [field, list] of [['dominant_target_classes', cfg.dominantTargetClasses], ['filter_samples_containing_only', cfg.filterSamplesContainingOnly]] as const) {
      const missing = list.filter((c) => !targets.has(c));
      if (missing.length > 0) throw new Error(`sample_modifier_config.${field}: ${missing.join(', ')} not among the values of source_to_target_class_mapping`);
    }
    this.counts = new Array<number>(Math.max(numFolds, 1)).fill(0);
    if (cfg.maxTrainingSamples > 0) {
      if (validationFold !== undefined && numFolds < 2) throw new Error('sample_modifier_config.max_training_samples with a validation fold needs num_partitions >= 2');
      this.maxPerFold = Math.floor(cfg.maxTrainingSamples / (validationFold !== undefined ? numFolds - 1 : Math.max(numFolds, 1)));
    } else this.maxPerFold = 0;
  }

  /** How many times to write a frame of `fold` with these (lower-cased) classes: 0, 1 or 1 + num_duplicates. */
  copies(classes: string[], fold: number): number {
    if (this.validationFold !== undefined && fold === this.validationFold) return 1;
    const targets = classes.map((c) => this.cfg.sourceToTargetClassMapping[c]).filter((t): t is string => t !== undefined);
    const filter = this.cfg.filterSamplesContainingOnly;
    let n = 1;
    if (filter.length > 0 && new Set(targets).size === 1 && filter.includes(targets[0])) n = 0;
    if (n > 0 && this.cfg.dominantTargetClasses.length > 0 && targets.length > 0) {
      const count = (c: string) => targets.filter((t) => t === c).length;
      const rare = [...new Set(targets)].filter((t) => !this.cfg.dominantTargetClasses.includes(t));
      const exceeded = rare.some((r) =>
        this.cfg.dominantTargetClasses.some((d) => count(r) > count(d) * (this.cfg.minimumTargetClassImbalance[r] ?? 1.0)),
      );
      if (exceeded) n += this.cfg.numDuplicates;
    }
    if (this.maxPerFold > 0) {
      n = Math.max(0, Math.min(n, this.maxPerFold - this.counts[fold]));
      this.counts[fold] += n;
    }
    return n;
  }
}

// =============================================================================================
// Conversion

function addCounts(into: Map<string, number>, classes: string[], times = 1): void {
  for (const c of classes) into.set(c, (into.get(c) ?? 0) + times);
}

/** Python's repr() of a bytes value, as TAO's log shows class names (b'car'). */
export function pyBytesRepr(s: string): string {
  const bytes = new TextEncoder().encode(s);
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = 'b' + quote;
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b === quote.charCodeAt(0)) out += '\\' + quote;
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b < 0x20 || b >= 0x7f) out += '\\x' + b.toString(16).padStart(2, '0');
    else out += String.fromCharCode(b);
  }
  return out + quote;
}

/** TAO's per-fold / cumulative count block ("Wrote the following numbers of objects:"). */
export function formatObjectCounts(counts: ClassCounts): string {
  let s = '\nWrote the following numbers of objects:';
  for (const [cls, n] of counts) s += `\n${pyBytesRepr(cls)}: ${n}`;
  return s + '\n';
}

/** TAO's class map block. */
export function formatClassMap(map: Array<[string, string]>): string {
  let s = 'Class map. \nLabel in GT: Label in tfrecords file ';
  for (const [k, v] of map) s += `\n${pyBytesRepr(k)}: ${pyBytesRepr(v)}`;
  return s;
}

/** json.dump(..., indent=2) with Python's default ASCII escaping. */
function pythonJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * Converts a KITTI folder to TFRecord shards. Every label and image header is read and every
 * record built before the first file is written, so bad input leaves no partial output; each
 * file is then written atomically.
 */
export function convertKitti(o: KittiConvertOptions): KittiConvertResult {
  const log = o.log ?? (() => undefined);
  if (!existsSync(o.rootDirectory)) throw new Error(`root_directory_path not found: ${o.rootDirectory}`);
  if (!Number.isInteger(o.numPartitions) || o.numPartitions < 0) throw new Error(`kitti_config.num_partitions must be a non-negative integer, got ${o.numPartitions}`);
  if (!Number.isInteger(o.numShards) || o.numShards < 0) throw new Error(`kitti_config.num_shards must be a non-negative integer, got ${o.numShards}`);

  // TAO seeds once in the converter's constructor; partitioning and the per-partition
  // shuffle that follows draw from the same stream, in this order.
  const rng = new PyRandom(42);
  log('Generating partitions');
  let part: Partitioned;
  if (o.partitionMode === 'random') part = randomPartitions(o, rng);
  else if (o.partitionMode === 'sequence') part = sequencePartitions(o);
  else throw new Error(`kitti_config.partition_mode must be "random" or "sequence", got "${String(o.partitionMode)}"`);
  for (const m of part.messages) log(m);
  for (const p of part.partitions) rng.shuffle(p);

  const modifier = o.sampleModifier ? new SampleModifier(o.sampleModifier, o.validationFold, o.numPartitions) : undefined;
  const ctx: FrameContext = { o, classMap: new Map(), skippedBoxes: {}, outsideBoxes: [] };

  // Empty partitions are dropped before numbering, as TAO's _shard does: with val_split 0 the
  // training frames become fold 000.
  const nonEmpty = part.partitions.filter((p) => p.length > 0);
  const planned: Array<{ path: string; records: Uint8Array[] }> = [];
  const folds: KittiConvertResult['folds'] = [];
  const cumulative = new Map<string, number>();
  nonEmpty.forEach((partition, fold) => {
    const counts = new Map<string, number>();
    let examples = 0;
    shardPartition(partition, o.numShards).forEach((shard, s) => {
      log(`Writing partition ${fold}, shard ${s}`);
      const records: Uint8Array[] = [];
      for (const frameId of shard) {
        const ex = frameExample(frameId, ctx);
        const copies = modifier ? modifier.copies(ex.classes, fold) : 1;
        if (copies === 0) continue;
        const bytes = encodeExample(ex.features);
        for (let i = 0; i < copies; i++) records.push(bytes);
        addCounts(counts, ex.classes, copies);
        examples += copies;
      }
      planned.push({ path: shardFileName(o.outputPrefix, fold, o.numPartitions, s, o.numShards), records });
    });
    const list = [...counts.entries()];
    for (const [c, n] of list) cumulative.set(c, (cumulative.get(c) ?? 0) + n);
    folds.push({ fold, frames: partition.length, examples, counts: list });
  });

  const written = new Set<string>();
  for (const p of planned) {
    writeTfRecordFile(p.path, p.records);
    written.add(p.path);
  }
  const files = planned.map((p) => p.path);
  let warningFile: string | undefined;
  if (Object.keys(ctx.skippedBoxes).length > 0) {
    warningFile = `${o.outputPrefix}_warning.json`;
    writeFileAtomic(warningFile, pythonJson(ctx.skippedBoxes));
    files.push(warningFile);
    log(`There were errors in the labels. Details are logged at ${warningFile}`);
  }
  return {
    files,
    numImages: part.numImages,
    folds,
    cumulative: [...cumulative.entries()],
    classMap: [...ctx.classMap.entries()],
    skippedBoxes: ctx.skippedBoxes,
    outsideBoxes: ctx.outsideBoxes,
    warningFile,
    staleFiles: staleOutputs(o.outputPrefix, written),
    emptyPartitions: part.partitions.flatMap((p, i) => (p.length === 0 ? [i] : [])),
  };
}

/** Earlier runs' shards next to ours would be picked up by a `*` tfrecords_path. */
function staleOutputs(prefix: string, written: Set<string>): string[] {
  const dir = dirname(prefix);
  const base = basename(prefix);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${base}-fold-`) || f.startsWith(`${base}-shard-`))
    .map((f) => join(dir, f))
    .filter((f) => !written.has(f))
    .sort();
}
