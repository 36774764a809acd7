// Formatting: protobuf text specs get the canonical layout of format/prototext; YAML specs
// are left alone (comments and Hydra layouts are too easy to damage for little gain).
import type { FormattingOptions, TextEdit } from 'vscode-languageserver-types';
import { formatProtoText } from '../format/prototext';
import type { ServiceDocument } from './document';

export function formatDocument(doc: ServiceDocument, options: Pick<FormattingOptions, 'tabSize' | 'insertSpaces'>): TextEdit[] {
  if (doc.analysis.spec.dialect !== 'prototext') return [];
  const indent = options.insertSpaces === false ? 2 : Math.max(1, Math.min(8, options.tabSize || 2));
  const formatted = formatProtoText(doc.text, { indent });
  if (formatted === doc.text) return [];
  // One edit for the whole document: the formatter may move every line.
  const end = doc.lines.positionAt(doc.text.length);
  return [{ range: { start: { line: 0, character: 0 }, end }, newText: formatted }];
}
