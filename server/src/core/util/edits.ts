// Text edits that respect the layout of the document: whole-line removals and insertions
// at the indentation of a sibling entry.
import type { Entry, Span, TextEdit } from '../tree';

function lineStartOf(text: string, offset: number): number {
  const nl = text.lastIndexOf('\n', offset - 1);
  return nl + 1;
}

/**
 * The span to delete to remove an entry: its whole line(s) when nothing else shares them,
 * otherwise just the entry itself.
 */
export function removalSpan(text: string, span: Span): Span {
  const lineStart = lineStartOf(text, span.start);
  const before = text.slice(lineStart, span.start);
  let end = span.end;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t' || text[end] === ',' || text[end] === ';')) end++;
  if (text[end] === '#') while (end < text.length && text[end] !== '\n') end++;
  if (/^[ \t]*$/.test(before) && (end === text.length || text[end] === '\n' || text[end] === '\r')) {
    if (text[end] === '\r') end++;
    if (text[end] === '\n') end++;
    return { start: lineStart, end };
  }
  return span;
}

/** Inserts `body` (possibly several lines) on a new line after `sibling`, at its indentation. */
export function insertionAfter(text: string, sibling: Entry, body: string): TextEdit {
  const lineStart = lineStartOf(text, sibling.keySpan.start);
  const indent = /^[ \t]*/.exec(text.slice(lineStart, sibling.keySpan.start))?.[0] ?? '';
  const onOwnLine = indent.length === sibling.keySpan.start - lineStart;
  const pad = onOwnLine ? indent : '';
  let at = sibling.span.end;
  // Step past a trailing comment so the new line does not land inside it.
  const rest = text.slice(at, text.indexOf('\n', at) < 0 ? text.length : text.indexOf('\n', at));
  if (/^[ \t,;]*(#.*)?$/.test(rest)) at += rest.replace(/\r$/, '').length;
  const lines = body.split('\n').map((line) => pad + line).join('\n');
  return { span: { start: at, end: at }, newText: `\n${lines}` };
}
