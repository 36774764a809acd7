// Protobuf text format specs (TF1 networks) into the common tree. We accept what Python
// protobuf's `text_format.Merge` accepts, without knowing the message schema: whether a word
// is a bool or an enum, or whether a field is singular, is left to the schema layer.
//
// The parser is a loop over an explicit stack of open blocks, never recursion, so that any
// nesting depth is safe; past MAX_DEPTH a block is skipped with one diagnostic, which also
// keeps the tree shallow enough for the recursive walkers downstream. On an error it reports
// once at the offending token and resynchronises at the next plausible field start, so one
// broken field never hides the rest of the document.

import type { Entry, ListNode, MapNode, ParsedSpec, ScalarNode, SpecDiagnostic, Span } from '../tree';
import { MAX_TREE_DEPTH } from '../tree';
import { LineIndex } from '../text';
import * as lexer from './prototext-lexer';
import { isFloatWord, parseProtoFloat, parseProtoInt, tokenize, unescapeProtoString } from './prototext-lexer';
import type { EscapeProblem, TokenStream } from './prototext-lexer';

// Local copies: the CommonJS output reads imported bindings through getters, which costs a
// call per token in the hot loop.
const TK_BAD_STRING = lexer.TK_BAD_STRING;
const TK_EOF = lexer.TK_EOF;
const TK_IDENT = lexer.TK_IDENT;
const TK_NUMBER = lexer.TK_NUMBER;
const TK_OTHER = lexer.TK_OTHER;
const TK_PUNCT = lexer.TK_PUNCT;
const TK_STRING = lexer.TK_STRING;

/** Deepest nesting of `{}`/`<>`/`[]` we build a tree for. */
export const MAX_DEPTH = MAX_TREE_DEPTH;
/** Garbage input could otherwise produce one diagnostic per character. */
export const MAX_SYNTAX_DIAGNOSTICS = 100;

const LBRACE = 123;
const RBRACE = 125;
const LANGLE = 60;
const RANGLE = 62;
const LBRACKET = 91;
const RBRACKET = 93;
const COLON = 58;
const COMMA = 44;
const SEMI = 59;
const DOT = 46;
const SLASH = 47;

interface MapFrame {
  list: false;
  node: MapNode;
  /** Char code of the expected closing bracket; -1 for the document root. */
  close: number;
  /** Token index of the opening bracket; -1 for the root. */
  open: number;
  /** The field whose value this block is (absent for the root and for list items). */
  entry: Entry | undefined;
}

interface ListFrame {
  list: true;
  node: ListNode;
  open: number;
  entry: Entry;
  /** `name: [` rather than `name [`: only message lists may leave the colon out. */
  colon: boolean;
  /** True right after `[` or `,`. */
  wantItem: boolean;
  sawComma: boolean;
}

type Frame = MapFrame | ListFrame;

export function parseProtoText(text: string): ParsedSpec {
  const parser = new ProtoTextParser(text);
  return parser.run();
}

class ProtoTextParser {
  private readonly toks: TokenStream;
  private readonly kinds: Uint8Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly diagnostics: SpecDiagnostic[] = [];
  private readonly root: MapNode;
  private readonly stack: Frame[];
  private i = 0;
  private listDepth = 0;
  private lines: LineIndex | undefined;
  private silenced = false;
  private warnings = 0;
  private errors = 0;
  /** First `}` that looks meant for an outer block (see closesLeft); -1 when none. */
  private misplacedClose = -1;
  private misplacedOpen = -1;

  constructor(private readonly text: string) {
    this.toks = tokenize(text);
    this.kinds = this.toks.kinds;
    this.starts = this.toks.starts;
    this.ends = this.toks.ends;
    this.root = { kind: 'map', span: { start: 0, end: text.length }, entries: [] };
    this.stack = [{ list: false, node: this.root, close: -1, open: -1, entry: undefined }];
  }

  run(): ParsedSpec {
    try {
      for (;;) {
        const top = this.stack[this.stack.length - 1];
        if (top.list) this.stepList(top);
        else if (!this.stepMap(top)) break;
      }
    } catch (err) {
      // A bug here must not take the editor down; report it and keep the partial tree.
      this.diagnostics.push({
        severity: 'error',
        code: 'syntax',
        message: `Internal error while reading the spec (please report it): ${String(err)}`,
        span: { start: 0, end: 0 },
      });
    }
    return {
      dialect: 'prototext',
      text: this.text,
      root: this.root,
      comments: this.toks.comments,
      diagnostics: this.diagnostics,
    };
  }

  // ---- token helpers ----

  private punct(j: number): number {
    return this.kinds[j] === TK_PUNCT ? this.text.charCodeAt(this.starts[j]) : -1;
  }

  private span(j: number): Span {
    return { start: this.starts[j], end: this.ends[j] };
  }

  private prevEnd(): number {
    return this.i > 0 ? this.ends[this.i - 1] : 0;
  }

  /** A word followed by `:`, `{` or `<` (or `[` when `withBracket`): the start of a field. */
  private startsField(j: number, withBracket: boolean): boolean {
    if (this.kinds[j] !== TK_IDENT) return false;
    const c = this.punct(j + 1);
    return c === COLON || c === LBRACE || c === LANGLE || (withBracket && c === LBRACKET);
  }

  private describe(j: number): string {
    const kind = this.kinds[j];
    if (kind === TK_EOF) return 'the end of the file';
    if (kind === TK_STRING || kind === TK_BAD_STRING) return 'a string';
    const s = this.starts[j];
    const e = this.ends[j];
    if (kind === TK_OTHER) {
      const c = this.text.codePointAt(s) ?? 0;
      if (c < 32 || (c >= 0x7f && c <= 0x9f) || c === 0xfffd || (c >= 0xd800 && c <= 0xdfff)) {
        return `the character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
      }
    }
    const shown = e - s > 30 ? this.text.slice(s, s + 30) + '…' : this.text.slice(s, e);
    return `'${shown}'`;
  }

  private lineOf(offset: number): number {
    if (!this.lines) this.lines = new LineIndex(this.text);
    return this.lines.positionAt(offset).line + 1;
  }

  /** `message` may be a function so that, once reporting stops, garbage costs no string building. */
  private error(span: Span, message: string | (() => string)): void {
    if (this.silenced) return;
    if (this.errors >= MAX_SYNTAX_DIAGNOSTICS) {
      this.silenced = true;
      this.diagnostics.push({
        severity: 'error',
        code: 'syntax',
        message: `Too many syntax errors; only the first ${MAX_SYNTAX_DIAGNOSTICS} are shown. Fix these first.`,
        span,
      });
      return;
    }
    this.errors++;
    this.diagnostics.push({ severity: 'error', code: 'syntax', message: typeof message === 'string' ? message : message(), span });
  }

  /** A warning: TAO reads the text, but not the way the user most likely meant. */
  private warn(span: Span, code: string, message: string): void {
    if (this.warnings >= MAX_SYNTAX_DIAGNOSTICS) return;
    this.warnings++;
    this.diagnostics.push({ severity: 'warning', code, message, span });
  }

  private openedAt(j: number): string {
    return `'${this.text[this.starts[j]]}' opened at line ${this.lineOf(this.starts[j])}`;
  }

  // ---- unclosed-brace hint ----

  /**
   * Indentation (in characters) of the line holding `offset`, or -1 when the line start is
   * more than 4096 characters back (a minified one-line spec has no indentation to go by).
   */
  private indentOf(offset: number): number {
    const text = this.text;
    let start = offset;
    while (start > 0 && offset - start < 4096) {
      const c = text.charCodeAt(start - 1);
      if (c === 10 || c === 13) break;
      start--;
    }
    if (start > 0 && offset - start >= 4096) return -1;
    let k = start;
    while (k < offset && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k++;
    return k - start;
  }

  /**
   * True when the closing token `close` starts its line and sits left of the line that opened
   * the block: a sign that this `}` was meant for an outer block and an inner `}` is missing.
   */
  private closesLeft(open: number, close: number): boolean {
    const at = this.starts[close];
    let k = at - 1;
    while (k >= 0 && (this.text.charCodeAt(k) === 32 || this.text.charCodeAt(k) === 9)) k--;
    if (k >= 0 && this.text.charCodeAt(k) !== 10 && this.text.charCodeAt(k) !== 13) return false;
    return at - (k + 1) < this.indentOf(this.starts[open]);
  }

  /**
   * The document ended with blocks still open. Protobuf matches braces by count, so the
   * diagnostic above names the outermost block; when indentation shows which inner block
   * really lost its `}`, point there too, since that is where the user has to add it.
   */
  private hintMisplacedClose(): void {
    const close = this.misplacedClose;
    if (close < 0) return;
    const openLine = this.lineOf(this.starts[this.misplacedOpen]);
    this.error(
      this.span(close),
      `This '}' closes the '{' of line ${openLine} but is indented like an outer block: the block of line ${openLine} is probably missing its '}'; add it before this line`,
    );
  }

  // ---- blocks ----

  /** One step inside a `{}` / `<>` block or the root. Returns false at the end of the document. */
  private stepMap(f: MapFrame): boolean {
    const j = this.i;
    const kind = this.kinds[j];
    if (kind === TK_EOF) {
      if (f.open < 0) return false;
      const closeChar = String.fromCharCode(f.close);
      this.error(this.span(f.open), `Unclosed ${this.openedAt(f.open)}; add '${closeChar}'`);
      this.closeMap(f, this.text.length);
      if (this.stack.length === 1) this.hintMisplacedClose();
      return true;
    }
    if (kind === TK_IDENT) {
      this.i++;
      this.field(f, this.text.slice(this.starts[j], this.ends[j]), this.span(j));
      return true;
    }
    const c = this.punct(j);
    if (c === RBRACE || (c === RANGLE && f.close === RANGLE)) {
      if (f.open < 0) {
        this.error(this.span(j), `Unexpected '}': no '{' is open here; remove it`);
        this.i++;
        return true;
      }
      if (c !== f.close) {
        this.error(this.span(j), `Expected '>' to close ${this.openedAt(f.open)}, found '}'`);
      }
      if (this.misplacedClose < 0 && this.closesLeft(f.open, j)) {
        this.misplacedClose = j;
        this.misplacedOpen = f.open;
      }
      this.i++;
      this.closeMap(f, this.ends[j]);
      this.afterValue();
      return true;
    }
    if (c === RBRACKET && this.listDepth > 0 && f.open >= 0) {
      // `[ { a: 1 ]`: the block was left open inside a list; close it and let the list end.
      this.error(this.span(j), `Missing '${String.fromCharCode(f.close)}' for ${this.openedAt(f.open)}; add it before ']'`);
      this.closeMap(f, this.prevEnd());
      this.afterValue();
      return true;
    }
    if (c === LBRACKET) {
      this.extensionField(f);
      return true;
    }
    if (c === COMMA || c === SEMI) {
      this.error(this.span(j), `Unexpected '${this.text[this.starts[j]]}': a separator may only follow a field; remove it`);
      this.i++;
      return true;
    }
    this.error(this.span(j), () => `Expected a field name, found ${this.describe(j)}`);
    this.resync();
    return true;
  }

  private closeMap(f: MapFrame, end: number): void {
    f.node.span.end = end;
    if (f.entry) f.entry.span.end = end;
    this.stack.pop();
  }

  /** After a field's value: one optional `,` or `;` (or, inside a list, the item is done). */
  private afterValue(): void {
    const top = this.stack[this.stack.length - 1];
    if (top.list) {
      top.wantItem = false;
      return;
    }
    const c = this.punct(this.i);
    if (c === COMMA || c === SEMI) this.i++;
  }

  /** `[ext.name]` or `[type.googleapis.com/pkg.Type]` as a field name. */
  private extensionField(f: MapFrame): void {
    const open = this.i;
    this.i++;
    let name = '';
    for (;;) {
      const j = this.i;
      const kind = this.kinds[j];
      const c = this.punct(j);
      if (kind === TK_IDENT || c === DOT || c === SLASH || (kind === TK_NUMBER && this.text.charCodeAt(this.starts[j]) === DOT)) {
        name += this.text.slice(this.starts[j], this.ends[j]);
        this.i++;
        continue;
      }
      if (c === RBRACKET && name !== '') {
        this.i++;
        this.field(f, `[${name}]`, { start: this.starts[open], end: this.ends[j] });
        return;
      }
      const what = name === '' ? 'an extension name' : `']' to close the extension name '[${name}'`;
      this.error(this.span(j), `Expected ${what}, found ${this.describe(j)}`);
      this.resync();
      return;
    }
  }

  /** Everything after a field name: `:`, then a block, a list or a scalar. */
  private field(f: MapFrame, key: string, keySpan: Span): void {
    let colon = -1;
    if (this.punct(this.i) === COLON) {
      colon = this.i;
      this.i++;
    }
    const entry: Entry = {
      key,
      keySpan,
      value: undefined,
      span: { start: keySpan.start, end: colon >= 0 ? this.ends[colon] : keySpan.end },
    };
    f.node.entries.push(entry);
    const j = this.i;
    const kind = this.kinds[j];
    const c = this.punct(j);
    if (c === LBRACE || c === LANGLE) {
      const node = this.openMap(entry);
      entry.value = node;
      return;
    }
    if (c === LBRACKET) {
      this.openList(entry, colon >= 0);
      return;
    }
    if (kind === TK_STRING || kind === TK_BAD_STRING || kind === TK_NUMBER || kind === TK_IDENT) {
      if (kind === TK_IDENT && this.startsField(j, false)) {
        // `lr:` with its value forgotten, and the next line's field taken for the value.
        this.missingValue(entry, colon);
        return;
      }
      if (colon < 0) {
        const shown = this.ends[j] - this.starts[j] > 30 ? '…' : this.text.slice(this.starts[j], this.ends[j]);
        this.error(this.span(j), `Expected ':' after field name '${key}'; write '${key}: ${shown}'`);
      }
      const node = this.scalar();
      entry.value = node;
      entry.span.end = node.span.end;
      this.afterValue();
      return;
    }
    this.missingValue(entry, colon);
    if (kind === TK_OTHER) this.resync();
    else if (c === COMMA || c === SEMI) this.i++;
  }

  private missingValue(entry: Entry, colon: number): void {
    const j = this.i;
    let sameLine = this.kinds[j] !== TK_EOF;
    for (let k = entry.span.end; sameLine && k < this.starts[j]; k++) {
      if (this.text.charCodeAt(k) === 10) sameLine = false;
    }
    const at = sameLine && !this.startsField(j, false) ? this.span(j) : { ...entry.span };
    if (colon < 0) {
      this.error(at, `Expected ':' or '{' after field name '${entry.key}'`);
    } else {
      this.error(at, `Missing value for field '${entry.key}'; write a value after ':'`);
    }
  }

  /** Opens a `{` or `<` block at the current token (for a field or a list item). */
  private openMap(entry: Entry | undefined): MapNode {
    const j = this.i;
    const c = this.punct(j);
    const node: MapNode = { kind: 'map', span: { start: this.starts[j], end: this.ends[j] }, entries: [] };
    if (this.stack.length > MAX_DEPTH) {
      this.error(this.span(j), `Nesting deeper than ${MAX_DEPTH} levels is not supported; the contents of this block are skipped`);
      const end = this.skipBalanced(true);
      node.span.end = end;
      if (entry) entry.span.end = end;
      this.afterValue();
      return node;
    }
    this.stack.push({ list: false, node, close: c === LBRACE ? RBRACE : RANGLE, open: j, entry });
    this.i++;
    return node;
  }

  private openList(entry: Entry, colon: boolean): void {
    const j = this.i;
    const node: ListNode = { kind: 'list', span: { start: this.starts[j], end: this.ends[j] }, items: [] };
    entry.value = node;
    if (this.stack.length > MAX_DEPTH) {
      this.error(this.span(j), `Nesting deeper than ${MAX_DEPTH} levels is not supported; the contents of this list are skipped`);
      const end = this.skipBalanced(true);
      node.span.end = end;
      entry.span.end = end;
      this.afterValue();
      return;
    }
    this.stack.push({ list: true, node, open: j, entry, colon, wantItem: true, sawComma: false });
    this.listDepth++;
    this.i++;
  }

  private closeList(f: ListFrame, end: number): void {
    f.node.span.end = end;
    f.entry.span.end = end;
    this.stack.pop();
    this.listDepth--;
    let maps = 0;
    for (const item of f.node.items) if (item.kind === 'map') maps++;
    if (maps > 0 && maps < f.node.items.length) {
      this.error(this.span(f.open), `List mixes messages and plain values; a field holds either messages or values`);
    } else if (!f.colon && maps === 0 && f.node.items.length > 0) {
      this.error(this.span(f.open), `Expected ':' before '[': a list of values is written '${f.entry.key}: [...]'`);
    }
  }

  /** One step inside `[ ... ]`. */
  private stepList(f: ListFrame): void {
    const j = this.i;
    const kind = this.kinds[j];
    const c = this.punct(j);
    if (kind === TK_EOF) {
      this.error(this.span(f.open), `Unclosed ${this.openedAt(f.open)}; add ']'`);
      this.closeList(f, this.text.length);
      return;
    }
    if (c === RBRACKET) {
      if (f.wantItem && f.sawComma) {
        this.error(this.span(j), `Expected a list item after ','; remove the trailing ','`);
      }
      this.i++;
      this.closeList(f, this.ends[j]);
      this.afterValue();
      return;
    }
    if (c === COMMA) {
      if (f.wantItem) this.error(this.span(j), `Expected a list item before ','`);
      f.wantItem = true;
      f.sawComma = true;
      this.i++;
      return;
    }
    if (c === RBRACE || c === RANGLE || c === SEMI || this.startsField(j, false)) {
      // The list was never closed; end it here so the enclosing block can go on.
      this.error(this.span(j), `Expected ',' or ']' in the list (${this.openedAt(f.open)}); add ']'`);
      this.closeList(f, this.prevEnd());
      this.afterValue();
      return;
    }
    if (c === LBRACE || c === LANGLE) {
      if (!f.wantItem) this.error(this.span(j), `Expected ',' between list items`);
      f.node.items.push(this.openMap(undefined));
      return;
    }
    if (kind === TK_STRING || kind === TK_BAD_STRING || kind === TK_NUMBER || kind === TK_IDENT) {
      if (!f.wantItem) this.error(this.span(j), `Expected ',' between list items`);
      f.node.items.push(this.scalar());
      f.wantItem = false;
      return;
    }
    this.error(this.span(j), () => `Unexpected ${this.describe(j)} in a list`);
    // Count the bad token as the item, so `[1, =]` gives one error, not a second one for `,]`.
    f.wantItem = false;
    this.i++;
  }

  // ---- recovery ----

  /**
   * Skips from the current (bad) token to the next plausible restart point: a field start,
   * a closing bracket that may end the current block, or the end. A `{...}` met on the way
   * is skipped whole so that its `}` does not close the wrong block.
   */
  private resync(): void {
    let first = true;
    for (;;) {
      const j = this.i;
      const kind = this.kinds[j];
      if (kind === TK_EOF) return;
      const c = this.punct(j);
      if (c === LBRACE) {
        this.skipBalanced(false);
        first = false;
        continue;
      }
      if (!first) {
        if (c === RBRACE || c === LBRACKET) return;
        if (c === RBRACKET && this.listDepth > 0) return;
        if (c === RANGLE) {
          const top = this.stack[this.stack.length - 1];
          if (!top.list && top.close === RANGLE) return;
        }
        if (this.startsField(j, true)) return;
      }
      first = false;
      this.i++;
    }
  }

  /**
   * Skips a bracketed region starting at the current opening bracket, counting nesting with
   * a counter. Returns the end offset (the document end when it never closes).
   */
  private skipBalanced(angles: boolean): number {
    const open = this.i;
    let depth = 0;
    for (;;) {
      const j = this.i;
      if (this.kinds[j] === TK_EOF) {
        this.error(this.span(open), `Unclosed ${this.openedAt(open)}; add its closing bracket`);
        return this.text.length;
      }
      const c = this.punct(j);
      this.i++;
      if (c === LBRACE || c === LBRACKET || (angles && c === LANGLE)) depth++;
      else if (c === RBRACE || c === RBRACKET || (angles && c === RANGLE)) {
        depth--;
        if (depth === 0) return this.ends[j];
      }
    }
  }

  // ---- scalars ----

  /** Reads one scalar value at the current token; adjacent string literals become one value. */
  private scalar(): ScalarNode {
    const j = this.i;
    const kind = this.kinds[j];
    const text = this.text;
    const start = this.starts[j];
    if (kind === TK_STRING || kind === TK_BAD_STRING) {
      const contents: string[] = [];
      const offsets: number[] = [];
      let end = start;
      for (;;) {
        const k = this.kinds[this.i];
        if (k !== TK_STRING && k !== TK_BAD_STRING) break;
        const s = this.starts[this.i];
        const e = this.ends[this.i];
        if (k === TK_BAD_STRING) {
          this.error({ start: s, end: e }, `Unterminated string; add the closing ${text[s]} on this line`);
        }
        contents.push(text.slice(s + 1, k === TK_STRING ? e - 1 : e));
        offsets.push(s + 1);
        end = e;
        this.i++;
      }
      const problems: EscapeProblem[] = [];
      const value = unescapeProtoString(contents, offsets, problems);
      for (const p of problems) {
        const span = p.offset < 0 ? { start, end } : { start: p.offset, end: p.offset + p.length };
        if (p.severity === 'error') this.error(span, p.message);
        else this.warn(span, 'string-escape', p.message);
      }
      return { kind: 'scalar', span: { start, end }, raw: text.slice(start, end), value, form: 'string', quoted: true };
    }
    this.i++;
    const end = this.ends[j];
    const raw = text.slice(start, end);
    const span = { start, end };
    if (kind === TK_NUMBER) {
      const asInt = parseProtoInt(raw);
      if (asInt !== undefined) return { kind: 'scalar', span, raw, value: asInt, form: 'int', quoted: false };
      const asFloat = parseProtoFloat(raw);
      if (asFloat !== undefined) return { kind: 'scalar', span, raw, value: asFloat, form: 'float', quoted: false };
      this.error(span, `Invalid number '${raw.length > 30 ? raw.slice(0, 30) + '…' : raw}'; write an integer (42, 0x2A) or a float (0.5, 1e-3)`);
      return { kind: 'scalar', span, raw, value: raw, form: 'identifier', quoted: false };
    }
    if (isFloatWord(raw)) {
      return { kind: 'scalar', span, raw, value: parseProtoFloat(raw) ?? NaN, form: 'float', quoted: false };
    }
    return { kind: 'scalar', span, raw, value: raw, form: 'identifier', quoted: false };
  }
}
