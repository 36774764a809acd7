// Formatting: protobuf text specs get the canonical layout of format/prototext; YAML specs
// are left alone (comments and Hydra layouts are too easy to damage for little gain).
// Edits are per changed block of lines, so untouched lines keep cursors, folds and marks,
// and a range format applies only the blocks that touch the range.
import type { FormattingOptions, Range, TextEdit } from 'vscode-languageserver-types';
import { formatProtoText } from '../format/prototext';
import type { ServiceDocument } from './document';
import { lineHunks, splitLines } from './line-diff';

type Options = Pick<FormattingOptions, 'tabSize' | 'insertSpaces'>;

export function formatDocument(doc: ServiceDocument, options: Options): TextEdit[] {
  return formatEdits(doc, options);
}

/** Blocks of the formatted document that overlap the lines of `range`. */
export function formatRange(doc: ServiceDocument, range: Range, options: Options): TextEdit[] {
  return formatEdits(doc, options, range);
}

function formatEdits(doc: ServiceDocument, options: Options, range?: Range): TextEdit[] {
  if (doc.analysis.spec.dialect !== 'prototext') return [];
  const indent = options.insertSpaces === false ? 2 : Math.max(1, Math.min(8, options.tabSize || 2));
  const formatted = formatProtoText(doc.text, { indent });
  if (formatted === doc.text) return [];
  // Offsets of line starts as the diff counts lines ('\n' only), mapped to positions by the
  // document's own line index so that every kind of line break is measured the same way.
  const oldLines = splitLines(doc.text);
  const starts = [0];
  for (const line of oldLines) starts.push(starts[starts.length - 1] + line.length);
  const edits: TextEdit[] = [];
  for (const hunk of lineHunks(doc.text, formatted)) {
    const start = doc.lines.positionAt(starts[hunk.start]);
    const end = doc.lines.positionAt(starts[hunk.end]);
    if (range) {
      // A pure insertion touches the line it lands on; a replacement its lines.
      const lastLine = hunk.end > hunk.start ? doc.lines.positionAt(starts[hunk.end] - 1).line : start.line;
      if (lastLine < range.start.line || start.line > range.end.line) continue;
    }
    edits.push({ range: { start, end }, newText: hunk.lines.join('') });
  }
  return edits;
}
