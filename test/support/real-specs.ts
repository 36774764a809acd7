// Paths of NVIDIA's real spec files in ../shared/tao-specs, read from its MANIFEST.tsv.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { repoRoot } from './run';

export const realSpecsDir = resolve(repoRoot, '..', 'shared', 'tao-specs');

/** Every real spec of one dialect column value (e.g. `protobuf-text`, `hydra-yaml`). */
export function realSpecsOfDialect(dialect: string): string[] {
  const manifest = readFileSync(resolve(realSpecsDir, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const header = manifest[0].split('\t');
  const repoCol = header.indexOf('repo');
  const pathCol = header.indexOf('path');
  const dialectCol = header.indexOf('dialect');
  return manifest
    .slice(1)
    .map((line) => line.split('\t'))
    .filter((cols) => cols[dialectCol] === dialect)
    .map((cols) => resolve(realSpecsDir, cols[repoCol].replace('/', '__'), cols[pathCol]));
}
