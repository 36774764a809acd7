// Tasks whose spec is optional (TAO's prune and export take -e but do not need it) are
// registered with needsSpec: false, so the CLI does not read it; when -e is given anyway
// it is read here with the same parser, validator and network checks as everywhere else.
import { resolve } from 'node:path';
import { readSpecFile, type ReadSpec } from '../spec/load';
import { flagValue } from '../prune/flags';
import { EngineError, type TaskContext } from './types';

export interface OptionalSpec<C> {
  path: string;
  config: C;
}

export function readOptionalSpec<C, T>(ctx: TaskContext<T>, toConfig: (spec: ReadSpec) => C): OptionalSpec<C> | undefined {
  const flag = flagValue(ctx.flags, ['spec', 'e', 'experiment_spec']);
  if (flag === undefined) return undefined;
  if (typeof flag !== 'string' || !flag) throw new EngineError('-e needs a spec file path');
  const path = resolve(flag);
  const read = readSpecFile(path, ctx.network);
  const config = toConfig(read);
  for (const w of read.warnings) ctx.log.warn(w);
  return { path, config };
}
