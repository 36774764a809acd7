// Folding: every section or list that spans several lines, and runs of comment lines.
import { FoldingRangeKind } from './protocol';
import type { FoldingRange } from 'vscode-languageserver-types';
import type { SpecNode } from '../tree';
import type { ServiceDocument } from './document';

const MAX_DEPTH = 256;

export function foldingRanges(doc: ServiceDocument): FoldingRange[] {
  const out: FoldingRange[] = [];
  const proto = doc.analysis.spec.dialect === 'prototext';
  const visit = (node: SpecNode | undefined, startOffset: number, depth: number): void => {
    if (!node || node.kind === 'scalar' || depth > MAX_DEPTH) return;
    const startLine = doc.lines.positionAt(startOffset).line;
    let endLine = doc.lines.positionAt(Math.max(node.span.start, node.span.end - 1)).line;
    // Keep a protobuf block's closing brace visible when folded, as brace languages do.
    if (proto && node.kind === 'map' && endLine > startLine) {
      const closing = doc.text.slice(doc.lines.lineStart(endLine), node.span.end).trim();
      if (closing === '}' || closing === '>') endLine--;
    }
    if (endLine > startLine) out.push({ startLine, endLine });
    if (node.kind === 'map') for (const e of node.entries) visit(e.value, e.keySpan.start, depth + 1);
    else for (const item of node.items) visit(item, item.span.start, depth + 1);
  };
  for (const e of doc.analysis.spec.root.entries) visit(e.value, e.keySpan.start, 0);
  out.push(...commentBlocks(doc));
  return out;
}

/** Two or more consecutive lines holding only a comment. */
function commentBlocks(doc: ServiceDocument): FoldingRange[] {
  const out: FoldingRange[] = [];
  const lines = doc.text.split('\n');
  let start = -1;
  for (let i = 0; i <= lines.length; i++) {
    const isComment = i < lines.length && /^\s*#/.test(lines[i]);
    if (isComment && start < 0) start = i;
    if (!isComment && start >= 0) {
      if (i - 1 > start) out.push({ startLine: start, endLine: i - 1, kind: FoldingRangeKind.Comment });
      start = -1;
    }
  }
  return out;
}
