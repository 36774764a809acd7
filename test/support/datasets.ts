// Small datasets for the data-check tests: an in-memory file system that implements the
// core's FileProbe (counting what is read), writers for real temp folders, and a TFRecord
// encoder for tf.train.Example records like TAO's dataset_convert writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FileProbe, ProbeEntry, ProbeStat } from '../../server/src/core/rules/types';

const utf8 = new TextEncoder();

export class FakeFs implements FileProbe {
  private readonly files = new Map<string, Uint8Array>();
  private readonly children = new Map<string, ProbeEntry[]>();
  private readonly mtimes = new Map<string, number>();
  private clock = 1;
  /** Files read (readText and readBytes) and folders listed, for sampling and cache tests. */
  reads = 0;
  listings = 0;

  constructor() {
    this.children.set('/', []);
    this.mtimes.set('/', 0);
  }

  dir(path: string): this {
    if (this.children.has(path)) return this;
    const parent = dirname(path);
    if (parent !== path) this.dir(parent);
    this.children.set(path, []);
    this.mtimes.set(path, this.clock++);
    this.children.get(parent)?.push({ name: path.slice(parent === '/' ? 1 : parent.length + 1), isDirectory: true });
    return this;
  }

  file(path: string, content: string | Uint8Array): this {
    const parent = dirname(path);
    this.dir(parent);
    if (!this.files.has(path)) this.children.get(parent)!.push({ name: path.slice(parent.length + 1), isDirectory: false });
    this.files.set(path, typeof content === 'string' ? utf8.encode(content) : content);
    this.mtimes.set(path, this.clock++);
    this.mtimes.set(parent, this.clock++);
    return this;
  }

  /** A new modification time for a folder, as adding a file would give it. */
  touch(path: string): void {
    this.mtimes.set(path, this.clock++);
  }

  exists(path: string): boolean {
    return this.files.has(path) || this.children.has(path);
  }

  homeDir(): string {
    return '/home/user';
  }

  readText(path: string): string | undefined {
    const bytes = this.files.get(path);
    if (!bytes) return undefined;
    this.reads++;
    return new TextDecoder().decode(bytes);
  }

  list(dir: string, limit: number): { entries: ProbeEntry[]; complete: boolean } | undefined {
    const all = this.children.get(dir);
    if (!all) return undefined;
    this.listings++;
    return { entries: all.slice(0, limit), complete: all.length <= limit };
  }

  stat(path: string): ProbeStat | undefined {
    if (this.children.has(path)) return { isDirectory: true, isFile: false, size: 4096, mtimeMs: this.mtimes.get(path)! };
    const f = this.files.get(path);
    return f ? { isDirectory: false, isFile: true, size: f.length, mtimeMs: this.mtimes.get(path)! } : undefined;
  }

  readBytes(path: string, start: number, length: number): Uint8Array | undefined {
    const f = this.files.get(path);
    if (!f) return undefined;
    this.reads++;
    return f.subarray(start, start + length);
  }
}

/** Writes files under `root` (a real folder); `files` maps relative paths to contents. */
export function writeTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

/** One KITTI label line for an object of `cls`. */
export function kittiLine(cls: string): string {
  return `${cls} 0.00 0 -1.58 587.01 173.33 614.12 200.12 1.65 1.67 3.64 -0.65 1.71 46.70 -1.59\n`;
}

export const JPEG_BYTES = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46]);
export const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// ---- tf.train.Example records -------------------------------------------------------------

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

function delimited(field: number, bytes: number[]): number[] {
  return [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];
}

function bytesFeature(values: string[]): number[] {
  return delimited(1, values.flatMap((v) => delimited(1, [...utf8.encode(v)])));
}

/** A serialized tf.train.Example whose features are bytes lists. */
export function tfExample(features: Record<string, string[]>): number[] {
  const entries = Object.entries(features).flatMap(([key, values]) => delimited(1, [...delimited(1, [...utf8.encode(key)]), ...delimited(2, bytesFeature(values))]));
  return delimited(1, entries);
}

/** TFRecord framing (CRCs left zero: readers that skip them, as the checker does, accept it). */
export function tfRecordFile(payloads: number[][]): Uint8Array {
  const out: number[] = [];
  for (const p of payloads) {
    const len = [p.length & 0xff, (p.length >>> 8) & 0xff, (p.length >>> 16) & 0xff, (p.length >>> 24) & 0xff, 0, 0, 0, 0];
    out.push(...len, 0, 0, 0, 0, ...p, 0, 0, 0, 0);
  }
  return new Uint8Array(out);
}
