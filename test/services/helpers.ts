// Builds the ServiceDocument the language server would hand to a feature, from text with
// an optional `|` cursor marker, against the in-memory test schemas or any catalog.
import { analyzeSpec } from '../../server/src/core/analyze';
import type { SchemaCatalog } from '../../server/src/core/schema/catalog';
import { serviceDocument } from '../../server/src/core/services/document';
import type { ServiceDocument } from '../../server/src/core/services/document';
import { testCatalog } from '../support/schemas';

export interface Cursor {
  doc: ServiceDocument;
  position: { line: number; character: number };
  offset: number;
}

export function docOf(text: string, filePath = '/specs/spec.txt', catalog: SchemaCatalog = testCatalog()): ServiceDocument {
  const analysis = analyzeSpec(text, { filePath, catalog });
  return serviceDocument(`file://${filePath}`, text, analysis, catalog, filePath);
}

/** The document without the `|` marker, and the marker's position. */
export function at(textWithMarker: string, filePath?: string, catalog?: SchemaCatalog): Cursor {
  const offset = textWithMarker.indexOf('|');
  if (offset < 0) throw new Error('no | marker');
  const doc = docOf(textWithMarker.slice(0, offset) + textWithMarker.slice(offset + 1), filePath, catalog);
  return { doc, position: doc.lines.positionAt(offset), offset };
}
