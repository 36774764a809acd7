// A fast reader for the plain YAML that nearly every TAO spec is written in: block mappings
// and sequences, one-line scalars, flow collections (also across lines) and comments. It
// produces the same tree as the full `yaml`-package path and gives up (returns undefined) on
// anything else — anchors, tags, block scalars, multi-line scalars, documents markers, odd
// indentation, any syntax error — so the full parser still handles every other file and
// reports every error. Why: parsing is most of the cost of checking a spec as you type, and
// the general parser spends it on features specs do not use.
import type { Dialect, Entry, ListNode, MapNode, ScalarNode, SpecDiagnostic, SpecNode } from '../tree';
import { MAX_TREE_DEPTH } from '../tree';
import { duplicateKeyDiagnostic } from './yaml-duplicates';
import { resolvePlainScalar } from './yaml-scalars';

type YamlDialect = Exclude<Dialect, 'prototext'>;

class Bail extends Error {}
const BAIL = new Bail();

interface Line {
  /** Offset of the line's first character. */
  start: number;
  /** Offset just past the last character, before `\n` (and before a `\r`). */
  end: number;
  indent: number;
}

const MAX_DEPTH = MAX_TREE_DEPTH;

export function parseYamlFast(text: string, dialect: YamlDialect): { root: MapNode; diagnostics: SpecDiagnostic[] } | undefined {
  try {
    return new FastYaml(text, dialect).document();
  } catch (error) {
    if (error instanceof Bail) return undefined;
    throw error;
  }
}

class FastYaml {
  private readonly lines: Line[] = [];
  private li = 0;
  private readonly diagnostics: SpecDiagnostic[] = [];
  private depth = 0;

  constructor(private readonly text: string, private readonly dialect: YamlDialect) {
    // Lone CR and the Unicode line breaks YAML 1.1 honours (NEL, LS, PS); BOMs and other
    // control characters are the full parser's business.
    if (/\r(?!\n)|[\u0085\u2028\u2029\ufeff\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text)) throw BAIL;
    let start = 0;
    const n = text.length;
    while (start <= n) {
      let nl = text.indexOf('\n', start);
      if (nl < 0) nl = n;
      let end = nl;
      if (end > start && text.charCodeAt(end - 1) === 13) end--;
      let i = start;
      while (i < end && text.charCodeAt(i) === 32) i++;
      const c = i < end ? text.charCodeAt(i) : -1;
      if (c === 9) throw BAIL; // tabs in indentation: leave it to the full parser
      // Blank and comment-only lines carry no structure.
      if (c !== -1 && c !== 35 /* # */) this.lines.push({ start, end, indent: i - start });
      if (c === 37 /* % */ || (i === start && text.startsWith('---', i)) || (i === start && text.startsWith('...', i))) throw BAIL;
      if (nl === n) break;
      start = nl + 1;
    }
  }

  document(): { root: MapNode; diagnostics: SpecDiagnostic[] } {
    // Nothing but blank lines and comments (document markers bailed above): the full parser
    // makes that an empty top-level mapping over the whole text, without any diagnostic.
    if (this.lines.length === 0) return { root: { kind: 'map', span: { start: 0, end: this.text.length }, entries: [] }, diagnostics: [] };
    const first = this.lines[0];
    if (first.indent !== 0 || this.isSeqItem(first, first.start)) throw BAIL;
    const root = this.map(0, first.start);
    if (this.li < this.lines.length) throw BAIL;
    return { root, diagnostics: this.diagnostics };
  }

  private isSeqItem(line: Line, at: number): boolean {
    if (this.text.charCodeAt(at) !== 45 /* - */) return false;
    return at + 1 >= line.end || this.text.charCodeAt(at + 1) === 32;
  }

  /** A block mapping whose keys sit at column `indent`; the first key starts at `firstAt`. */
  private map(indent: number, firstAt: number): MapNode {
    if (++this.depth > MAX_DEPTH) throw BAIL;
    const entries: Entry[] = [];
    const seen = new Map<string, Entry>();
    let at = firstAt;
    while (this.li < this.lines.length) {
      const line = this.lines[this.li];
      if (entries.length > 0) {
        if (line.indent < indent) break;
        if (line.indent > indent) throw BAIL;
        at = line.start + line.indent;
        if (this.isSeqItem(line, at)) break;
      }
      const entry = this.entry(line, at, indent);
      const earlier = seen.get(entry.key);
      if (earlier) this.diagnostics.push(duplicateKeyDiagnostic(this.text, this.dialect, entry, earlier));
      seen.set(entry.key, entry);
      entries.push(entry);
    }
    this.depth--;
    const start = entries[0].keySpan.start;
    return { kind: 'map', span: { start, end: entries[entries.length - 1].span.end }, entries };
  }

  private entry(line: Line, at: number, indent: number): Entry {
    const text = this.text;
    let keyEnd: number;
    let key: string;
    let colon: number;
    const c = text.charCodeAt(at);
    if (c === 34 || c === 39) {
      const q = this.quoted(at, line.end);
      key = q.value;
      keyEnd = q.end;
      colon = keyEnd;
      if (text.charCodeAt(colon) !== 58) throw BAIL;
      if (colon + 1 < line.end && text.charCodeAt(colon + 1) !== 32) throw BAIL;
    } else {
      if (isIndicator(c)) throw BAIL;
      colon = -1;
      for (let i = at; i < line.end; i++) {
        const ch = text.charCodeAt(i);
        if (ch === 58 /* : */ && (i + 1 === line.end || text.charCodeAt(i + 1) === 32)) {
          colon = i;
          break;
        }
        if (ch === 35 && text.charCodeAt(i - 1) === 32) throw BAIL;
      }
      if (colon < 0) throw BAIL;
      keyEnd = colon;
      while (keyEnd > at && text.charCodeAt(keyEnd - 1) === 32) keyEnd--;
      if (keyEnd === at) throw BAIL;
      key = text.slice(at, keyEnd);
    }
    const keySpan = { start: at, end: keyEnd };
    const afterColon = colon + 1;
    const restStart = skipSpaces(text, afterColon, line.end);
    const restEnd = trimComment(text, restStart, line.end);
    this.li++;
    let value: SpecNode;
    if (restStart >= restEnd) {
      const next = this.lines[this.li];
      if (next && next.indent > indent) {
        value = this.block(next);
      } else if (next && next.indent === indent && this.isSeqItem(next, next.start + next.indent)) {
        value = this.seq(indent);
      } else {
        value = nullAt(restStart); // where the full parser puts an empty value: after the spaces
      }
    } else {
      value = this.inline(restStart, restEnd, indent);
      const next = this.lines[this.li];
      if (next && next.indent > indent) throw BAIL; // a multi-line scalar or a syntax error
    }
    return { key, keySpan, value, span: { start: at, end: value.span.end } };
  }

  /** The block node that starts on `line` (a mapping or a sequence). */
  private block(line: Line): SpecNode {
    const at = line.start + line.indent;
    if (this.isSeqItem(line, at)) return this.seq(line.indent);
    return this.map(line.indent, at);
  }

  private seq(indent: number): ListNode {
    if (++this.depth > MAX_DEPTH) throw BAIL;
    const text = this.text;
    const items: SpecNode[] = [];
    let start = -1;
    while (this.li < this.lines.length) {
      const line = this.lines[this.li];
      if (line.indent < indent) break;
      if (line.indent > indent) throw BAIL;
      const dash = line.start + line.indent;
      if (!this.isSeqItem(line, dash)) break;
      if (start < 0) start = dash;
      const itemAt = skipSpaces(text, dash + 1, line.end);
      const itemEnd = trimComment(text, itemAt, line.end);
      if (itemAt >= itemEnd) throw BAIL; // `-` alone: nested block or null item; rare in specs
      if (this.isSeqItem(line, itemAt)) throw BAIL; // `- - x`
      if (this.startsKey(itemAt, itemEnd)) {
        items.push(this.map(itemAt - line.start, itemAt));
        continue;
      }
      items.push(this.inline(itemAt, itemEnd, line.indent));
      this.skipLinesBefore(line.end + 1);
      const next = this.lines[this.li];
      if (next && next.indent > indent) throw BAIL;
    }
    this.depth--;
    if (items.length === 0) throw BAIL;
    return { kind: 'list', span: { start, end: items[items.length - 1].span.end }, items };
  }

  /** Does `key:` (a mapping entry) start here? */
  private startsKey(at: number, end: number): boolean {
    const text = this.text;
    const c = text.charCodeAt(at);
    if (c === 34 || c === 39) {
      try {
        const q = this.quoted(at, end);
        return text.charCodeAt(q.end) === 58 && (q.end + 1 >= end || text.charCodeAt(q.end + 1) === 32);
      } catch {
        return false;
      }
    }
    if (c === 91 || c === 123) return false;
    for (let i = at; i < end; i++) {
      if (text.charCodeAt(i) === 58 && (i + 1 === end || text.charCodeAt(i + 1) === 32)) return true;
    }
    return false;
  }

  /** Moves past every pre-split line that starts before `offset` (lines a flow consumed). */
  private skipLinesBefore(offset: number): void {
    while (this.li < this.lines.length && this.lines[this.li].start < offset) this.li++;
  }

  /**
   * A value that starts on this line: a quoted or plain scalar, or a flow collection, which
   * may run on over later lines. `parentIndent` is the column of the key (or of the `-`) it
   * belongs to, which bounds how far left the flow's continuation lines may sit.
   */
  private inline(start: number, end: number, parentIndent: number): SpecNode {
    const text = this.text;
    const c = text.charCodeAt(start);
    if (c === 91 || c === 123) {
      const flow = new FlowReader(text, this.dialect, parentIndent);
      const node = flow.node(start, 0);
      // After the closing bracket only spaces and a comment may follow on its line.
      let lineEnd = text.indexOf('\n', flow.pos);
      if (lineEnd < 0) lineEnd = text.length;
      const after = skipSpaces(text, flow.pos, lineEnd);
      const rest = text.charCodeAt(after);
      const commentOk = rest === 35 && after > flow.pos;
      if (after < lineEnd && !commentOk && !(rest === 13 && after + 1 === lineEnd)) throw BAIL;
      this.diagnostics.push(...flow.diagnostics);
      // The lines the flow ran over hold no block structure of their own.
      this.skipLinesBefore(lineEnd);
      return node;
    }
    if (c === 34 || c === 39) {
      const q = this.quoted(start, end);
      if (q.end !== end) throw BAIL;
      return quotedScalar(text, this.dialect, start, q.end, q.value);
    }
    if (isIndicator(c) && !plainMayStartWith(text, start, end)) throw BAIL;
    for (let i = start; i < end; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 58 && (i + 1 === end || text.charCodeAt(i + 1) === 32)) throw BAIL; // `a: b: c`
    }
    return plainScalar(text, this.dialect, start, end);
  }

  private quoted(start: number, limit: number): { value: string; end: number } {
    return readQuoted(this.text, start, limit);
  }
}

/**
 * Reads flow collections — `[1, 2]`, `{a: 1, b: [x]}` — on one line or over several. Inside a
 * flow, line breaks and comments are only whitespace, but the `yaml` package still wants every
 * continuation line indented past the block it sits in (a lone closing bracket may sit at that
 * block's column); lines further left make it report an error, so we decline them.
 */
class FlowReader {
  pos = 0;
  readonly diagnostics: SpecDiagnostic[] = [];
  /** How many brackets are open at the reading position. */
  private level = 0;
  constructor(private readonly text: string, private readonly dialect: YamlDialect, private readonly parentIndent: number) {}

  /** Skips spaces, line breaks and comments from `i`; returns the next significant offset. */
  private skip(i: number): number {
    const text = this.text;
    const n = text.length;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32) {
        i++;
        continue;
      }
      // A comment needs whitespace (or a line start) before it: `a#b` is part of a scalar.
      if (c === 35 && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 10)) {
        while (i < n && text.charCodeAt(i) !== 10) i++;
        continue;
      }
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      else if (c !== 10) return i; // also the end of the text (NaN): the caller bails there
      // A new line inside the flow: check where its first character sits.
      i++;
      let col = 0;
      while (text.charCodeAt(i) === 32) {
        i++;
        col++;
      }
      const first = text.charCodeAt(i);
      if (i >= n) return i;
      if (first === 10 || first === 13 || first === 35) continue; // blank or comment-only line
      if (first === 9) throw BAIL; // tabs as whitespace: the full parser's business
      if (col > this.parentIndent) continue;
      const closesOutermost = col === this.parentIndent && this.level === 1 && (first === 93 || first === 125);
      // Further left is a syntax error for the `yaml` package (which the full reader may
      // retry with a relaxed indentation); either way, not ours.
      if (!closesOutermost) throw BAIL;
    }
  }

  /** Start and end of the last line looked up: a flow of many items on one line asks once. */
  private cachedFrom = -1;
  private cachedEnd = -1;

  /**
   * End of the line holding `at`. Cached because every scalar asks: without it a 600 KB flow
   * list on one line scans to the line's end once per item (quadratic, about a second).
   */
  private lineEnd(at: number): number {
    if (at >= this.cachedFrom && at <= this.cachedEnd) return this.cachedEnd;
    const nl = this.text.indexOf('\n', at);
    this.cachedFrom = at;
    this.cachedEnd = nl < 0 ? this.text.length : nl;
    return this.cachedEnd;
  }

  node(at: number, depth: number): SpecNode {
    if (depth > MAX_DEPTH) throw BAIL;
    const text = this.text;
    const c = text.charCodeAt(at);
    if (c === 91) return this.list(at, depth);
    if (c === 123) return this.map(at, depth);
    if (c === 34 || c === 39) {
      // Quoted scalars folded over lines are left to the full parser (readQuoted bails).
      const q = readQuoted(text, at, this.lineEnd(at));
      this.pos = q.end;
      return quotedScalar(text, this.dialect, at, q.end, q.value);
    }
    const limit = this.lineEnd(at);
    let i = at;
    while (i < limit) {
      const ch = text.charCodeAt(i);
      if (ch === 44 || ch === 93 || ch === 125 || ch === 91 || ch === 123 || ch === 13) break;
      if (ch === 58 && (i + 1 >= limit || text.charCodeAt(i + 1) === 32 || text.charCodeAt(i + 1) === 44)) break;
      if (ch === 35 && text.charCodeAt(i - 1) === 32) break; // a comment ends the scalar
      if (ch === 9) throw BAIL;
      i++;
    }
    let end = i;
    while (end > at && text.charCodeAt(end - 1) === 32) end--;
    if (end === at || (isIndicator(c) && !plainMayStartWith(text, at, end))) throw BAIL;
    this.pos = i;
    // A plain scalar that goes on over the next line is a multi-line scalar: decline. Only
    // a separator or closing bracket may come next.
    const next = text.charCodeAt(this.skip(i));
    if (next !== 44 && next !== 93 && next !== 125 && next !== 58) throw BAIL;
    return plainScalar(text, this.dialect, at, end);
  }

  private list(open: number, depth: number): ListNode {
    const text = this.text;
    const items: SpecNode[] = [];
    this.level++;
    let i = this.skip(open + 1);
    for (;;) {
      // `]` right after `[` or after a comma: the list ends (a trailing comma is legal YAML
      // and leaves no item behind in either reader).
      if (text.charCodeAt(i) === 93) {
        this.level--;
        this.pos = i + 1;
        return { kind: 'list', span: { start: open, end: i + 1 }, items };
      }
      const item = this.node(i, depth + 1);
      i = this.skip(this.pos);
      if (text.charCodeAt(i) === 58) throw BAIL; // `[a: 1]`: a single-pair mapping
      items.push(item);
      const ch = text.charCodeAt(i);
      if (ch === 93) continue;
      if (ch !== 44) throw BAIL;
      i = this.skip(i + 1);
      if (text.charCodeAt(i) === 44) throw BAIL; // `[a,,b]`: an empty item is an error
    }
  }

  private map(open: number, depth: number): MapNode {
    const text = this.text;
    const entries: Entry[] = [];
    const seen = new Map<string, Entry>();
    this.level++;
    let i = this.skip(open + 1);
    for (;;) {
      if (text.charCodeAt(i) === 125) {
        this.level--;
        this.pos = i + 1;
        return { kind: 'map', span: { start: open, end: i + 1 }, entries };
      }
      const keyNode = this.node(i, depth + 1);
      if (keyNode.kind !== 'scalar') throw BAIL;
      const key = keyNode.quoted ? String(keyNode.value) : keyNode.raw;
      // The `:` must follow the key on its line: a key running over lines is an error there.
      i = skipSpaces(text, this.pos, text.length);
      if (text.charCodeAt(i) !== 58) throw BAIL; // `{a}`: a key without a value
      // So must the value: where an empty value sits is the full parser's call.
      i = skipSpaces(text, i + 1, text.length);
      const vc = text.charCodeAt(i);
      if (vc === 10 || vc === 13 || vc === 35 || vc === 44 || vc === 125 || Number.isNaN(vc)) throw BAIL;
      const value = this.node(i, depth + 1);
      const entry: Entry = { key, keySpan: keyNode.span, value, span: { start: keyNode.span.start, end: value.span.end } };
      const earlier = seen.get(key);
      if (earlier) this.diagnostics.push(duplicateKeyDiagnostic(text, this.dialect, entry, earlier));
      seen.set(key, entry);
      entries.push(entry);
      i = this.skip(this.pos);
      const ch = text.charCodeAt(i);
      if (ch === 125) continue;
      if (ch !== 44) throw BAIL;
      i = this.skip(i + 1);
      if (text.charCodeAt(i) === 44) throw BAIL;
    }
  }
}

function readQuoted(text: string, start: number, limit: number): { value: string; end: number } {
  const quote = text.charCodeAt(start);
  let out = '';
  let i = start + 1;
  let chunk = i;
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (c === quote) {
      if (quote === 39 && text.charCodeAt(i + 1) === 39) {
        out += text.slice(chunk, i + 1);
        i += 2;
        chunk = i;
        continue;
      }
      out += text.slice(chunk, i);
      return { value: out, end: i + 1 };
    }
    if (c === 92 /* \ */ && quote === 34) {
      out += text.slice(chunk, i);
      const e = text[i + 1];
      const simple: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r', '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', v: '\v', ' ': ' ', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029' };
      if (e in simple) {
        out += simple[e];
        i += 2;
      } else if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = text.slice(i + 2, i + 2 + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw BAIL;
        out += String.fromCodePoint(parseInt(hex, 16));
        i += 2 + len;
      } else throw BAIL;
      chunk = i;
      continue;
    }
    i++;
  }
  throw BAIL; // unterminated on this line: multi-line quoted scalars go to the full parser
}

function quotedScalar(text: string, dialect: YamlDialect, start: number, end: number, value: string): ScalarNode {
  const form = dialect === 'hydra-yaml' && value.includes('${') ? 'interpolation' : value === '???' ? 'missing' : 'string';
  return { kind: 'scalar', span: { start, end }, raw: text.slice(start, end), value, form, quoted: true };
}

function plainScalar(text: string, dialect: YamlDialect, start: number, end: number): ScalarNode {
  const raw = text.slice(start, end);
  const resolved = resolvePlainScalar(raw, dialect);
  return { kind: 'scalar', span: { start, end }, raw, value: resolved.value, form: resolved.form, quoted: false };
}

function nullAt(offset: number): ScalarNode {
  return { kind: 'scalar', span: { start: offset, end: offset }, raw: '', value: null, form: 'null', quoted: false };
}

function skipSpaces(text: string, i: number, end: number): number {
  while (i < end && text.charCodeAt(i) === 32) i++;
  return i;
}

/** End of the content before a ` #` comment (which may start right at `start`), trailing spaces removed. */
function trimComment(text: string, start: number, end: number): number {
  let quote = 0;
  let stop = end;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
      continue;
    }
    if ((c === 34 || c === 39) && (i === start || text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 91 || text.charCodeAt(i - 1) === 123 || text.charCodeAt(i - 1) === 44)) {
      quote = c;
      continue;
    }
    // The space before `start` counts too: in `key: # note` the value is empty, not `# note`.
    if (c === 35 && i > 0 && text.charCodeAt(i - 1) === 32) {
      stop = i;
      break;
    }
  }
  while (stop > start && text.charCodeAt(stop - 1) === 32) stop--;
  return stop;
}

/** `-`, `?` and `:` may start a plain scalar when a non-space follows (`-1`, `-inf`). */
function plainMayStartWith(text: string, at: number, end: number): boolean {
  const c = text.charCodeAt(at);
  if (c !== 45 && c !== 63 && c !== 58) return false;
  if (at + 1 >= end) return false;
  const next = text.charCodeAt(at + 1);
  return next !== 32 && next !== 44 && next !== 93 && next !== 125 && next !== 91 && next !== 123;
}

/** Characters that start YAML syntax other than a plain scalar (anchors, tags, block scalars, ...). */
function isIndicator(c: number): boolean {
  // - ? : , [ ] { } # & * ! | > ' " % @ `
  return c === 45 || c === 63 || c === 58 || c === 44 || c === 91 || c === 93 || c === 123 || c === 125 || c === 35 || c === 38 || c === 42 || c === 33 || c === 124 || c === 62 || c === 39 || c === 34 || c === 37 || c === 64 || c === 96;
}
