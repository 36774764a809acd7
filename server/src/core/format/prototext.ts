// Canonical layout for protobuf text specs: one field per line, `name: value` for values,
// `name {` ... `}` for messages (`<>` and `name: {` normalised), lists of values on one
// line, lists of messages one message block per item. Comments stay where they were
// relative to the fields (own-line comments on their own line, trailing ones after their
// field); a run of blank lines between fields becomes one.
//
// The layout is driven by the parsed tree, and comments are merged in by source offset: every
// piece of output is emitted with its source position, and any comment that starts before it
// is written first. A document with syntax errors is returned unchanged, because a layout
// computed from a recovered tree could drop or move text the user still needs.

import type { Comment, Entry, ListNode, MapNode, ParsedSpec, ScalarNode } from '../tree';
import { parseProtoText } from '../parse/prototext';
import { tokenize, TK_STRING } from '../parse/prototext-lexer';

export interface ProtoTextFormatOptions {
  /** Spaces per nesting level (default 2). */
  indent?: number;
}

export function formatProtoText(text: string, options?: ProtoTextFormatOptions): string {
  const parsed = parseProtoText(text);
  if (parsed.diagnostics.some((d) => d.severity === 'error')) return text;
  const indent = Math.max(0, Math.floor(options?.indent ?? 2));
  return new ProtoTextFormatter(parsed, indent).run();
}

class ProtoTextFormatter {
  private readonly text: string;
  private readonly comments: Comment[];
  private readonly indentUnit: number;
  private readonly lines: string[] = [];
  private cur: string | undefined;
  private nextComment = 0;
  /** Source offset just past the last thing written (token or comment). */
  private lastEnd = 0;
  /** A trailing comment ended the current line: the next token must start a new one. */
  private breakPending = false;
  /** Nothing written yet since the last `{` or `[`: no blank line here. */
  private afterOpen = true;

  constructor(private readonly parsed: ParsedSpec, indent: number) {
    this.text = parsed.text;
    this.comments = parsed.comments;
    this.indentUnit = indent;
  }

  run(): string {
    this.body(this.parsed.root, 0);
    this.flushComments(Infinity, 0);
    this.endLine();
    const eol = this.text.indexOf('\r\n') >= 0 ? '\r\n' : '\n';
    return this.lines.length === 0 ? '' : this.lines.join(eol) + eol;
  }

  // ---- line building ----

  private endLine(): void {
    if (this.cur !== undefined) this.lines.push(this.cur.trimEnd());
    this.cur = undefined;
  }

  private newLine(level: number): void {
    this.endLine();
    this.cur = ' '.repeat(level * this.indentUnit);
    this.breakPending = false;
  }

  /** Keeps one blank line where the source had at least one between two line-starting items. */
  private blankLineBefore(start: number): void {
    if (this.afterOpen || (this.lines.length === 0 && this.cur === undefined)) return;
    let newlines = 0;
    for (let k = this.lastEnd; k < start && newlines < 2; k++) {
      if (this.text.charCodeAt(k) === 10) newlines++;
    }
    if (newlines >= 2) {
      this.endLine();
      this.lines.push('');
    }
  }

  private isOwnLine(c: Comment): boolean {
    for (let k = c.span.start - 1; k >= 0; k--) {
      const ch = this.text.charCodeAt(k);
      if (ch === 10) return true;
      if (ch !== 32 && ch !== 9 && ch !== 13 && ch !== 11 && ch !== 12 && ch !== 0xfeff) return false;
    }
    return true;
  }

  /** Writes every comment that starts before `before`; own-line ones at `level`. */
  private flushComments(before: number, level: number): void {
    while (this.nextComment < this.comments.length && this.comments[this.nextComment].span.start < before) {
      const c = this.comments[this.nextComment++];
      const body = '#' + c.text.trimEnd();
      if (this.cur === undefined || this.isOwnLine(c)) {
        this.blankLineBefore(c.span.start);
        this.newLine(level);
        this.cur += body;
      } else {
        this.cur += ' ' + body;
      }
      this.breakPending = true;
      this.afterOpen = false;
      this.lastEnd = c.span.end;
    }
  }

  /** A token that starts a line at `level` (a field name, a list's message item). */
  private lineStart(out: string, start: number, end: number, level: number): void {
    this.flushComments(start, level);
    this.blankLineBefore(start);
    this.newLine(level);
    this.cur += out;
    this.afterOpen = false;
    this.lastEnd = end;
  }

  /** A token that continues the current line; after a trailing comment it goes on a new line at `cont`. */
  private inline(out: string, start: number, end: number, cont: number, sep: string): void {
    this.flushComments(start, cont);
    if (this.breakPending || this.cur === undefined) {
      this.newLine(cont);
      this.cur += out;
    } else {
      this.cur += sep + out;
    }
    this.afterOpen = false;
    this.lastEnd = end;
  }

  /** A closing `}` or `]` on its own line at `level`; comments before it belong inside the block. */
  private closeLine(out: string, closeStart: number, level: number): void {
    this.flushComments(closeStart, level + 1);
    this.newLine(level);
    this.cur += out;
    this.afterOpen = false;
    this.lastEnd = closeStart + 1;
  }

  private hasCommentBefore(offset: number): boolean {
    return this.nextComment < this.comments.length && this.comments[this.nextComment].span.start < offset;
  }

  // ---- tree walk ----

  private body(map: MapNode, level: number): void {
    for (const entry of map.entries) this.field(entry, level);
  }

  private field(entry: Entry, level: number): void {
    const value = entry.value;
    const cont = level + 2;
    if (value === undefined) {
      // Only reachable for a tree with errors, which is never formatted; keep the name anyway.
      this.lineStart(entry.key + ':', entry.keySpan.start, entry.keySpan.end, level);
      return;
    }
    if (value.kind === 'map') {
      this.lineStart(entry.key, entry.keySpan.start, entry.keySpan.end, level);
      this.block(value, level);
      return;
    }
    this.lineStart(entry.key + ':', entry.keySpan.start, entry.keySpan.end, level);
    if (value.kind === 'list') this.list(value, level, cont);
    else this.scalar(value, cont, ' ');
  }

  /** `{ ... }` whose opening brace goes on the current line. */
  private block(map: MapNode, level: number): void {
    // The brace always joins its field name; a comment written between the two is kept
    // and lands after the brace (or inside the block when it had a line of its own).
    this.cur += ' {';
    this.afterOpen = false;
    this.lastEnd = map.span.start + 1;
    this.blockRest(map, level);
  }

  /** The fields and the closing brace of a block whose `{` is written. */
  private blockRest(map: MapNode, level: number): void {
    const closeStart = map.span.end - 1;
    if (map.entries.length === 0 && !this.hasCommentBefore(closeStart)) {
      this.cur += '}';
      this.lastEnd = map.span.end;
      return;
    }
    this.afterOpen = true;
    this.body(map, level + 1);
    this.closeLine('}', closeStart, level);
  }

  private list(list: ListNode, level: number, cont: number): void {
    this.inline('[', list.span.start, list.span.start + 1, cont, ' ');
    const closeStart = list.span.end - 1;
    const items = list.items;
    if (items.length > 0 && items[0].kind === 'map') {
      // Messages: one block per item, each on its own lines.
      this.afterOpen = true;
      for (let k = 0; k < items.length; k++) {
        const item = items[k] as MapNode;
        this.lineStart('{', item.span.start, item.span.start + 1, level + 1);
        this.blockRest(item, level + 1);
        if (k < items.length - 1) this.cur += ',';
      }
      this.closeLine(']', closeStart, level);
      return;
    }
    // Values: all on the current line, as written.
    for (let k = 0; k < items.length; k++) {
      this.scalar(items[k] as ScalarNode, cont, k === 0 ? '' : ' ');
      if (k < items.length - 1) this.cur += ',';
    }
    this.inline(']', closeStart, list.span.end, cont, '');
  }

  private scalar(node: ScalarNode, cont: number, sep: string): void {
    if (node.form !== 'string' || isSingleLiteral(node.raw)) {
      this.inline(node.raw, node.span.start, node.span.end, cont, sep);
      return;
    }
    // Adjacent literals: each as written, one space apart (comments between them kept).
    const toks = tokenize(this.text, node.span.start, node.span.end);
    let first = true;
    for (let k = 0; k < toks.count; k++) {
      if (toks.kinds[k] !== TK_STRING) continue;
      const s = toks.starts[k];
      const e = toks.ends[k];
      this.inline(this.text.slice(s, e), s, e, cont, first ? sep : ' ');
      first = false;
    }
  }
}

/** True when `raw` is one quoted literal (no second literal concatenated to it). */
function isSingleLiteral(raw: string): boolean {
  const q = raw.charCodeAt(0);
  for (let k = 1; k < raw.length; k++) {
    const c = raw.charCodeAt(k);
    if (c === 92) k++;
    else if (c === q) return k === raw.length - 1;
  }
  return false;
}
