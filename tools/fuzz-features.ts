// The editor features the fuzzer drives at a position. Kept apart from the fuzz loop so that
// adding a feature means adding one call here.
import { analyzeSpec } from '../server/src/core/analyze';
import type { SchemaCatalog } from '../server/src/core/schema/catalog';
import { pathAtOffset } from '../server/src/core/tree-query';

export function fuzzFeatures(text: string, filePath: string, offset: number, catalog: SchemaCatalog): void {
  const analysis = analyzeSpec(text, { filePath, catalog });
  pathAtOffset(analysis.spec.root, offset);
}
