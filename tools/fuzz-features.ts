// The editor features the fuzzer drives at a position. Kept apart from the fuzz loop so that
// adding a feature means adding one call here.
import type { Analysis } from '../server/src/core/analyze';
import type { SchemaCatalog } from '../server/src/core/schema/catalog';
import { codeActions } from '../server/src/core/services/code-actions';
import { complete } from '../server/src/core/services/completion';
import { serviceDocument } from '../server/src/core/services/document';
import { foldingRanges } from '../server/src/core/services/folding';
import { hover } from '../server/src/core/services/hover';
import { documentSymbols } from '../server/src/core/services/symbols';

export type FeatureCall = [name: string, run: () => unknown];

/** One call per editor feature, so the fuzz loop can time and blame each separately. */
export function featureCalls(text: string, filePath: string, offset: number, analysis: Analysis, catalog: SchemaCatalog): FeatureCall[] {
  const doc = serviceDocument(`file://${filePath}`, text, analysis, catalog, filePath);
  const position = doc.lines.positionAt(offset);
  return [
    ['completion', () => complete(doc, position)],
    ['hover', () => hover(doc, position)],
    ['code actions', () => codeActions(doc, { range: { start: position, end: position } })],
    ['symbols', () => documentSymbols(doc)],
    ['folding', () => foldingRanges(doc)],
  ];
}
