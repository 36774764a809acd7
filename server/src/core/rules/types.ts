// What a semantic rule sees. Rules express checks a JSON Schema cannot: relations between
// fields, values that must agree with each other, files that must exist.
import type { NetworkSchema } from '../schema/types';
import type { ParsedSpec, SpecDiagnostic } from '../tree';

/** File-system access for the path rule; injected so the core itself never touches disk by default. */
export interface FileProbe {
  exists(path: string): boolean;
  homeDir(): string;
  readText(path: string): string | undefined;
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
