// Reading dataset files in the scan: image types by name and by their first bytes, globs,
// TFRecord framing with just enough of tf.train.Example to read class names and frame ids,
// and the `categories` of a COCO annotation file without parsing a 500 MB file whole.
import { basename, dirname } from 'node:path';
import type { DataScope, Work } from './context';
import { extensionOf, joinPath } from './context';

/** Extensions image loaders commonly accept (Keras, PIL, OpenCV), compared in lower case. */
export const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'png', 'bmp', 'gif', 'ppm', 'pgm', 'tif', 'tiff', 'webp']);

export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extensionOf(name).toLowerCase());
}

/** Whether bytes start like an image file (JPEG, PNG, GIF, BMP, TIFF, WebP, PNM). */
export function looksLikeImage(bytes: Uint8Array): boolean {
  const b = bytes;
  if (b.length < 4) return false;
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return true;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return true;
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return true;
  if (b[0] === 0x42 && b[1] === 0x4d) return true;
  if ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2a)) return true;
  if (b.length >= 12 && b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) return true;
  if (b[0] === 0x50 && b[1] >= 0x31 && b[1] <= 0x36) return true;
  return false;
}

export function hasGlob(path: string): boolean {
  return /[*?[]/.test(path);
}

/** Python fnmatch-style pattern for one file name: `*`, `?`, `[...]`, `[!...]`. */
export function globNameToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) out += '\\[';
      else {
        let body = pattern.slice(i + 1, close);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        out += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

export interface GlobResult {
  /** Matching files, sorted, at most `limits.globEntries` looked at. */
  files: string[];
  /** False when the folder had more entries than were listed. */
  complete: boolean;
  /** False when the pattern has wildcards in a folder part, which the scan does not expand. */
  expanded: boolean;
}

/** The files a glob matches, when its wildcards are all in the file name (`dir/train-*`). */
export function* expandGlob(scope: DataScope, pattern: string): Work<GlobResult> {
  const dir = dirname(pattern);
  if (hasGlob(dir)) return { files: [], complete: false, expanded: false };
  const re = globNameToRegExp(basename(pattern));
  const value = yield* scope.cached('glob-list', dir, function* () {
    const listed = yield* scope.list(dir, scope.limits.globEntries);
    return listed ? { names: listed.entries.filter((e) => !e.isDirectory).map((e) => e.name), complete: listed.complete } : undefined;
  });
  if (!value) return { files: [], complete: true, expanded: true };
  const files = value.names.filter((n) => re.test(n) && !n.startsWith('.')).sort().map((n) => joinPath(dir, n));
  return { files, complete: value.complete, expanded: true };
}

// ---- TFRecord ---------------------------------------------------------------------------

export interface TfExampleFields {
  /** `target/object_class` of each record, as written by TAO's dataset_convert. */
  classes: string[];
  /** `frame/id` (image path below image_directory_path, without the extension). */
  frameId?: string;
}

/**
 * The whole records in `bytes` (a file's first megabytes): each is a little-endian u64
 * length, a CRC, the payload and its CRC. A record cut off at the end is left out.
 */
export function tfRecordPayloads(bytes: Uint8Array, maxRecords: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 12 <= bytes.length && out.length < maxRecords) {
    const length = view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
    const start = at + 12;
    const end = start + length;
    if (end + 4 > bytes.length) break;
    out.push(bytes.subarray(start, end));
    at = end + 4;
  }
  return out;
}

/** Protobuf wire reading: field number, wire type, and for length-delimited fields the bytes. */
function* fields(buf: Uint8Array): Generator<{ field: number; wire: number; bytes?: Uint8Array }> {
  let at = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (at >= buf.length) throw new Error('truncated varint');
      const b = buf[at++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new Error('varint too long');
  };
  while (at < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const n = varint();
      if (at + n > buf.length) throw new Error('truncated field');
      yield { field, wire, bytes: buf.subarray(at, at + n) };
      at += n;
      continue;
    } else throw new Error(`wire type ${wire}`);
    if (at > buf.length) throw new Error('truncated field');
    yield { field, wire };
  }
}

const utf8 = new TextDecoder('utf-8');

/** `target/object_class` and `frame/id` of one serialized tf.train.Example; undefined when it is not one. */
export function readTfExample(payload: Uint8Array): TfExampleFields | undefined {
  try {
    const result: TfExampleFields = { classes: [] };
    for (const features of fields(payload)) {
      if (features.field !== 1 || !features.bytes) continue;
      // Features: repeated map entry { 1: key, 2: Feature }
      for (const entry of fields(features.bytes)) {
        if (entry.field !== 1 || !entry.bytes) continue;
        let key = '';
        let feature: Uint8Array | undefined;
        for (const part of fields(entry.bytes)) {
          if (part.field === 1 && part.bytes) key = utf8.decode(part.bytes);
          else if (part.field === 2 && part.bytes) feature = part.bytes;
        }
        if (!feature || (key !== 'target/object_class' && key !== 'frame/id')) continue;
        const values: string[] = [];
        // Feature { 1: BytesList { 1: repeated bytes } }
        for (const kind of fields(feature)) {
          if (kind.field !== 1 || !kind.bytes) continue;
          for (const v of fields(kind.bytes)) if (v.field === 1 && v.bytes) values.push(utf8.decode(v.bytes));
        }
        if (key === 'frame/id') result.frameId = values[0];
        else result.classes.push(...values);
      }
    }
    return result;
  } catch {
    return undefined;
  }
}

// ---- COCO ---------------------------------------------------------------------------------

export interface CocoCategories {
  categories: Array<{ id: number; name: string }>;
}

/**
 * The `categories` array of a COCO file. A file up to `cocoWholeBytes` is parsed; a larger
 * one (instances_train2017.json is 450 MB) is searched for the array in its last and first
 * megabytes, where COCO writers put it. Undefined when it cannot be found or read.
 */
export function* readCocoCategories(scope: DataScope, path: string): Work<CocoCategories | { error: string } | undefined> {
  return yield* scope.cached('coco', path, function* (stat) {
    if (!stat.isFile) return { error: 'is not a file' };
    if (stat.size <= scope.limits.cocoWholeBytes) {
      const text = yield* scope.readText(path);
      if (text === undefined) return { error: 'cannot be read' };
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        return { error: `is not valid JSON (${(error as Error).message})` };
      }
      const cats = (parsed as { categories?: unknown })?.categories;
      return Array.isArray(cats) ? { categories: normaliseCategories(cats) } : { error: 'has no "categories" list' };
    }
    const span = scope.limits.cocoEndBytes;
    for (const start of [Math.max(0, stat.size - span), 0]) {
      const bytes = yield* scope.readBytes(path, start, span);
      if (!bytes) return { error: 'cannot be read' };
      const found = categoriesIn(utf8.decode(bytes));
      if (found) return { categories: normaliseCategories(found) };
    }
    return undefined;
  });
}

function normaliseCategories(list: unknown[]): Array<{ id: number; name: string }> {
  const out: Array<{ id: number; name: string }> = [];
  for (const c of list) {
    const id = (c as { id?: unknown })?.id;
    const name = (c as { name?: unknown })?.name;
    if (typeof id === 'number') out.push({ id, name: typeof name === 'string' ? name : String(id) });
  }
  return out;
}

/** Finds `"categories": [...]` in a piece of JSON text and parses just that array. */
function categoriesIn(text: string): unknown[] | undefined {
  const re = /"categories"\s*:\s*\[/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const open = m.index + m[0].length - 1;
    let depth = 0;
    let inString = false;
    for (let i = open; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '[' || c === '{') depth++;
      else if (c === ']' || c === '}') {
        depth--;
        if (depth === 0) {
          try {
            const parsed = JSON.parse(text.slice(open, i + 1)) as unknown;
            if (Array.isArray(parsed)) return parsed;
          } catch {
            // not this one
          }
          break;
        }
      }
    }
  }
  return undefined;
}
