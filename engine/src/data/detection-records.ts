// Reading DetectNet_v2 TFRecords back for training and evaluation: records written by our
// dataset_convert or by TAO's, matched by a `*`/`?` pattern in the file name, each
// tf.train.Example turned into a frame (id, image path, size, fold, objects).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeExample, getFloats, getInt64s, getStrings, single, type Features } from './example';
import { iterateTfRecords, readTfRecordFile } from './tfrecord';

/** Python's sorted() on str compares code points; JS compares UTF-16 units. Same for BMP text. */
export function byCodePoint(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i].codePointAt(0) ?? 0) - (y[i].codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

// Reading records back for training

export interface DetectionObject {
  cls: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  truncation: number;
  occlusion: number;
}

export interface DetectionFrame {
  /** frame/id, e.g. "image_2/000042". */
  id: string;
  /** image_directory_path/<id>.<image_extension>, as TAO's dataloader builds it. */
  imagePath: string;
  width: number;
  height: number;
  /** From the file name's "fold-NNN-of-"; -1 when the name has none. */
  fold: number;
  /** The TFRecord file and record index this frame came from (for error messages). */
  source: { file: string; record: number };
  objects: DetectionObject[];
}

export interface DetectionFrames {
  frames: DetectionFrame[];
  /** Record files read, sorted. */
  files: string[];
  /** Files the pattern matched but that are the converter's JSON side files, not records. */
  skipped: string[];
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/**
 * Files matching `pattern`; `*` and `?` may appear in the file-name part only. Like Python's
 * glob, a wildcard does not match names starting with a dot unless the pattern does.
 */
export function matchFiles(pattern: string): string[] {
  const dir = dirname(pattern);
  const name = basename(pattern);
  if (/[*?]/.test(dir)) throw new Error(`tfrecords_path "${pattern}": wildcards are supported in the file name only`);
  if (!/[*?]/.test(name)) {
    if (!existsSync(pattern) || !statSync(pattern).isFile()) throw new Error(`No files match pattern ${pattern}.`);
    return [pattern];
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`No files match pattern ${pattern} (folder ${dir} not found).`);
  const re = globToRegExp(name);
  const files = readdirSync(dir)
    .filter((f) => re.test(f) && (name.startsWith('.') || !f.startsWith('.')))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort(byCodePoint);
  if (files.length === 0) throw new Error(`No files match pattern ${pattern}.`);
  return files;
}

/** Fold number in a TAO shard name (`...-fold-003-of-005...`), -1 if absent. */
export function foldOfFile(path: string): number {
  const m = /fold-(\d+)-of-/.exec(basename(path));
  return m ? Number(m[1]) : -1;
}

/** Decodes one record into a frame; `where` names file and record in errors. */
function recordToFrame(data: Uint8Array, where: string): Omit<DetectionFrame, 'imagePath' | 'fold' | 'source'> {
  let f: Features;
  try {
    f = decodeExample(data);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
  const id = single(getStrings(f, 'frame/id', where), 'frame/id', where);
  const w = `${where} (frame "${id}")`;
  const width = single(getInt64s(f, 'frame/width', w), 'frame/width', w);
  const height = single(getInt64s(f, 'frame/height', w), 'frame/height', w);
  const classes = getStrings(f, 'target/object_class', w, true);
  const coords = ['x1', 'y1', 'x2', 'y2'].map((k) => getFloats(f, `target/coordinates_${k}`, w, true));
  const truncation = getFloats(f, 'target/truncation', w, true);
  const occlusion = getInt64s(f, 'target/occlusion', w, true);
  const n = classes.length;
  coords.forEach((c, i) => {
    if (c.length !== n) throw new Error(`${w}: target/coordinates_${['x1', 'y1', 'x2', 'y2'][i]} has ${c.length} values for ${n} objects`);
  });
  if (truncation.length !== 0 && truncation.length !== n) throw new Error(`${w}: target/truncation has ${truncation.length} values for ${n} objects`);
  if (occlusion.length !== 0 && occlusion.length !== n) throw new Error(`${w}: target/occlusion has ${occlusion.length} values for ${n} objects`);
  const objects: DetectionObject[] = classes.map((cls, i) => ({
    cls,
    x1: coords[0][i],
    y1: coords[1][i],
    x2: coords[2][i],
    y2: coords[3][i],
    truncation: truncation[i] ?? 0,
    occlusion: occlusion[i] ?? 0,
  }));
  return { id, width, height, objects };
}

/**
 * Reads every frame of the TFRecord files matching `tfrecordsGlob` (a dataset_config data
 * source). Images are expected at imageDirectory/<frame id>.<imageExtension> (the extension
 * with or without its dot); a missing one is an error naming the record file and frame.
 */
export function readDetectionFrames(tfrecordsGlob: string, imageDirectory: string, imageExtension: string, options: { checkImages?: boolean } = {}): DetectionFrames {
  const checkImages = options.checkImages ?? true;
  const matched = matchFiles(tfrecordsGlob);
  // status.json and <prefix>_warning.json can share the records' folder; they are not records.
  const skipped = matched.filter((f) => f.endsWith('.json'));
  const files = matched.filter((f) => !f.endsWith('.json'));
  if (files.length === 0) throw new Error(`No TFRecord files match pattern ${tfrecordsGlob} (only ${skipped.map((f) => basename(f)).join(', ')}).`);
  const ext = imageExtension.replace(/^\./, '');
  const frames: DetectionFrame[] = [];
  for (const file of files) {
    const fold = foldOfFile(file);
    let buf: Buffer;
    try {
      buf = readFileSync(file);
    } catch (err) {
      throw new Error(`${file}: cannot read TFRecord file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    for (const rec of iterateTfRecords(buf, file)) {
      const where = `${file}: record ${rec.index}`;
      const frame = recordToFrame(rec.data, where);
      const imagePath = join(imageDirectory, `${frame.id}.${ext}`);
      if (checkImages && !existsSync(imagePath)) {
        throw new Error(`${where} (frame "${frame.id}"): image not found: ${imagePath} (image_directory_path + frame id + image_extension)`);
      }
      frames.push({ ...frame, imagePath, fold, source: { file, record: rec.index } });
    }
  }
  return { frames, files, skipped };
}

/** Every record of one file decoded to features (for tools and tests). */
export function readExamples(file: string): Features[] {
  return readTfRecordFile(file).map((data, i) => {
    try {
      return decodeExample(data);
    } catch (err) {
      throw new Error(`${file}: record ${i}: ${(err as Error).message}`);
    }
  });
}
