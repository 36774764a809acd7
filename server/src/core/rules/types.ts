// What a semantic rule sees. Rules express checks a JSON Schema cannot: relations between
// fields, values that must agree with each other, files that must exist.
import type { NetworkSchema } from '../schema/types';
import type { ParsedSpec, SpecDiagnostic } from '../tree';

/** File-system access for the path rule; injected so the core itself never touches disk by default. */
export interface FileProbe {
  exists(path: string): boolean;
  homeDir(): string;
  readText(path: string): string | undefined;
  /**
   * Dataset checks only (server/src/core/data/): the first `limit` entries of a folder in the
   * order the file system lists them, and whether that was all of them; undefined when the
   * path is not a readable folder.
   */
  list?(dir: string, limit: number): { entries: ProbeEntry[]; complete: boolean } | undefined;
  /** Dataset checks only: kind, size and modification time; undefined when missing. */
  stat?(path: string): ProbeStat | undefined;
  /** Dataset checks only: up to `length` bytes from `start`; undefined when unreadable. */
  readBytes?(path: string, start: number, length: number): Uint8Array | undefined;
  /**
   * Layer names of a Keras .hdf5 file (the pretrained-backbone check); `pending` while the
   * reader is loading, undefined when the file is not a readable Keras file.
   */
  kerasLayerNames?(path: string): readonly string[] | 'pending' | undefined;
}

export interface ProbeEntry {
  name: string;
  isDirectory: boolean;
}

export interface ProbeStat {
  isDirectory: boolean;
  isFile: boolean;
  size: number;
  mtimeMs: number;
}

export interface RuleContext {
  spec: ParsedSpec;
  network: string;
  schema: NetworkSchema;
  /** Absolute path of the spec file, when it has one on disk. */
  filePath?: string;
  probe?: FileProbe;
  /** Path of TAO's mounts file; defaults to ~/.tao_mounts.json. */
  mountsFile?: string;
}

export type Rule = (ctx: RuleContext) => SpecDiagnostic[];
