// What the dataset checks share: the spec, the probe, limits, a cache keyed by modification
// time, and small helpers that locate spec paths on this machine and read folders in steps.
// Everything here is a generator: each file-system call is followed by a `yield`, so a caller
// can run the whole scan at once (the CLI) or a few milliseconds at a time between other work
// (the language server), and stop it at any step.
import { dirname, join } from 'node:path';
import type { MapNode, ParsedSpec, ScalarNode, SpecDiagnostic, Span } from '../tree';
import { locateOnMachine, readMounts } from '../rules/paths';
import type { Mount } from '../rules/paths';
import type { FileProbe, ProbeEntry, ProbeStat } from '../rules/types';

/** A resumable piece of the scan: yields after every file-system call. */
export type Work<T> = Generator<void, T, void>;

export interface DataLimits {
  /** Label files read per label folder ("the first 5,000"). */
  labelFiles: number;
  /** Entries listed per image folder. */
  imageEntries: number;
  /** Class folders listed per classification split. */
  classFolders: number;
  /** Entries looked at inside one class folder. */
  entriesPerClass: number;
  /** Files a glob may match before the rest are left unlisted. */
  globEntries: number;
  /** TFRecord files opened per glob, and bytes read from each. */
  tfrecordFiles: number;
  tfrecordBytes: number;
  /** A COCO file up to this size is parsed whole; a larger one is searched at its ends. */
  cocoWholeBytes: number;
  cocoEndBytes: number;
}

export const DEFAULT_DATA_LIMITS: DataLimits = {
  labelFiles: 5000,
  imageEntries: 5000,
  classFolders: 2000,
  entriesPerClass: 200,
  globEntries: 20000,
  tfrecordFiles: 4,
  tfrecordBytes: 4 * 1024 * 1024,
  cocoWholeBytes: 32 * 1024 * 1024,
  cocoEndBytes: 4 * 1024 * 1024,
};

/** Results of reading a folder or file, reused while its modification time is unchanged. */
export interface DataCache {
  get(key: string, stamp: string): unknown;
  set(key: string, stamp: string, value: unknown): void;
}

export class MemoryDataCache implements DataCache {
  private readonly entries = new Map<string, { stamp: string; value: unknown }>();
  constructor(private readonly capacity = 256) {}

  get(key: string, stamp: string): unknown {
    const hit = this.entries.get(key);
    if (!hit || hit.stamp !== stamp) return undefined;
    // Most recently used last, so the oldest is the first to go.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.value;
  }

  set(key: string, stamp: string, value: unknown): void {
    this.entries.delete(key);
    this.entries.set(key, { stamp, value });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface DataCheckOptions {
  spec: ParsedSpec;
  network: string;
  /** Absolute path of the spec file; relative dataset paths are relative to its folder. */
  filePath?: string;
  probe: FileProbe;
  mountsFile?: string;
  cache?: DataCache;
  limits?: Partial<DataLimits>;
}

/** The scan's state: options, located paths, and the diagnostics found so far. */
export class DataScope {
  readonly root: MapNode;
  readonly limits: DataLimits;
  readonly out: SpecDiagnostic[] = [];
  private readonly mounts: Mount[];
  private readonly base: string | undefined;
  private readonly cache: DataCache | undefined;
  /** The span of the first dataset path the scan found, where a note about the scan itself goes. */
  firstSpan: Span | undefined;

  constructor(readonly options: DataCheckOptions) {
    this.root = options.spec.root;
    this.limits = { ...DEFAULT_DATA_LIMITS, ...options.limits };
    this.mounts = readMounts(options.probe, options.mountsFile);
    this.base = options.filePath ? dirname(options.filePath) : undefined;
    this.cache = options.cache;
  }

  get probe(): FileProbe {
    return this.options.probe;
  }

  get network(): string {
    return this.options.network;
  }

  /** Where a spec path value is on this machine (mounts applied), when it exists here. */
  locate(node: ScalarNode | undefined): string | undefined {
    if (!node || typeof node.value !== 'string' || node.form === 'interpolation' || node.form === 'missing') return undefined;
    const value = node.value.trim();
    if (!value || value === '???') return undefined;
    const found = locateOnMachine(value, this.base, this.mounts, this.probe);
    if (found) this.firstSpan ??= node.span;
    return found;
  }

  report(severity: SpecDiagnostic['severity'], code: string, span: Span, message: string, fixes?: SpecDiagnostic['fixes']): void {
    const d: SpecDiagnostic = { severity, code, message, span };
    if (fixes && fixes.length) d.fixes = fixes;
    // The same folder named twice (train and validation) must not say the same thing twice.
    if (this.out.some((o) => o.code === code && o.span.start === span.start && o.message === message)) return;
    this.out.push(d);
  }

  *stat(path: string): Work<ProbeStat | undefined> {
    const s = this.probe.stat?.(path);
    yield;
    return s;
  }

  *list(dir: string, limit: number): Work<{ entries: ProbeEntry[]; complete: boolean } | undefined> {
    const listed = this.probe.list?.(dir, limit);
    yield;
    return listed;
  }

  *readText(path: string): Work<string | undefined> {
    const text = this.probe.readText(path);
    yield;
    return text;
  }

  *readBytes(path: string, start: number, length: number): Work<Uint8Array | undefined> {
    const bytes = this.probe.readBytes?.(path, start, length);
    yield;
    return bytes;
  }

  /**
   * A value computed from a folder or file, cached under its modification time (and size):
   * a folder whose entries did not change is not read again.
   */
  *cached<T>(kind: string, path: string, compute: (stat: ProbeStat) => Work<T>): Work<T | undefined> {
    const stat = yield* this.stat(path);
    if (!stat) return undefined;
    const stamp = `${stat.mtimeMs}:${stat.size}`;
    const key = `${kind}\u0000${path}`;
    const hit = this.cache?.get(key, stamp);
    if (hit !== undefined) return hit as T;
    const value = yield* compute(stat);
    this.cache?.set(key, stamp, value);
    return value;
  }
}

export function joinPath(dir: string, name: string): string {
  return join(dir, name);
}

/** The file-name extension without the dot, as written (`JPG` stays upper case). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1) : '';
}

export function stemOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** `1234` -> `1,234`, for counts in messages. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** `1 object`, `3 objects`. */
export function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** Up to `max` quoted names, then how many more. */
export function nameList(names: string[], max = 5): string {
  const shown = names.slice(0, max).map((n) => `'${n}'`).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/** A string value rewritten in the quotes the spec already uses for it. */
export function requote(node: ScalarNode, value: string): string {
  const plain = /^[A-Za-z0-9_.\/-]+$/.test(value);
  if (node.raw.startsWith("'") && plain) return `'${value}'`;
  if (!node.raw.startsWith('"') && !node.quoted && plain) return value;
  // Double quotes with JSON escapes read back the same in protobuf text and in YAML.
  return JSON.stringify(value);
}
