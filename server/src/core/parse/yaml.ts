// YAML specs (Hydra and plain-PyYAML dialects) into the common tree. The `yaml` package does
// the parsing and error recovery and keeps source ranges; we re-resolve plain scalars the way
// TAO's loaders do and report duplicate keys the way each loader treats them.
import { Alias, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, Scalar } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import type { Comment, Dialect, Entry, ListNode, MapNode, ParsedSpec, ScalarNode, SpecDiagnostic, SpecNode } from '../tree';
import { MAX_TREE_DEPTH } from '../tree';
import { duplicateKeyDiagnostic } from './yaml-duplicates';
import { parseYamlFast } from './yaml-fast';
import { resolvePlainScalar } from './yaml-scalars';

type YamlDialect = Exclude<Dialect, 'prototext'>;


export function parseYamlSpec(text: string, dialect: YamlDialect): ParsedSpec {
  const fast = parseYamlFast(text, dialect);
  if (fast) return { dialect, text, root: fast.root, comments: scanYamlComments(text), diagnostics: fast.diagnostics };
  return parseYamlFull(text, dialect);
}

/** The general path, on the `yaml` package: every YAML feature, error recovery and messages. */
export function parseYamlFull(text: string, dialect: YamlDialect): ParsedSpec {
  // The `yaml` package composes nested collections recursively; thousands of levels of
  // hostile nesting have aborted the whole process (not just thrown) in V8. Refuse them first.
  const tooDeep = findExcessiveNesting(text);
  if (tooDeep !== undefined) {
    return {
      dialect,
      text,
      root: { kind: 'map', span: { start: 0, end: text.length }, entries: [] },
      comments: scanYamlComments(text),
      diagnostics: [{ severity: 'error', code: 'syntax', message: `Nesting deeper than ${MAX_TREE_DEPTH} levels is not supported; the file was not read.`, span: { start: tooDeep, end: Math.min(text.length, tooDeep + 1) } }],
    };
  }
  const first = parseWith(text, dialect);
  // PyYAML (and so OmegaConf) does not check indentation inside a flow collection spanning
  // lines (`key: ['a',\n'b']` at column 0); the `yaml` package does. Re-read such files with
  // the continuation lines indented, then map every offset back to the user's text.
  if (first.diagnostics.some((d) => FLOW_INDENT_RE.test(d.message))) {
    const relaxed = indentFlowContinuations(text);
    if (relaxed) {
      const second = parseWith(relaxed.text, dialect);
      if (!second.diagnostics.some((d) => FLOW_INDENT_RE.test(d.message))) {
        remapSpans(second.root, relaxed.toOriginal);
        for (const d of second.diagnostics) d.span = { start: relaxed.toOriginal(d.span.start), end: relaxed.toOriginal(d.span.end) };
        return { dialect, text, root: second.root, comments: scanYamlComments(text), diagnostics: second.diagnostics };
      }
    }
  }
  return { dialect, text, root: first.root, comments: scanYamlComments(text), diagnostics: first.diagnostics };
}

const FLOW_INDENT_RE = /Flow (sequence|mapping) in block collection must be sufficiently indented/;

const MAX_SYNTAX_DIAGNOSTICS = 100;

function parseWith(text: string, dialect: YamlDialect): { root: MapNode; diagnostics: SpecDiagnostic[] } {
  const diagnostics: SpecDiagnostic[] = [];
  const doc = withoutStackTraces(() =>
    parseDocument(text, {
      version: '1.1',
      uniqueKeys: false,
      keepSourceTokens: false,
      prettyErrors: false,
    }),
  );
  // Garbage input can yield one error per character; the first ones locate the problem.
  for (const error of doc.errors.slice(0, MAX_SYNTAX_DIAGNOSTICS)) {
    const [start, end] = error.pos;
    diagnostics.push({
      severity: 'error',
      code: 'syntax',
      message: `YAML syntax: ${firstLine(error.message)}`,
      span: { start, end: Math.max(end, start + 1) },
    });
  }
  const builder = new TreeBuilder(text, dialect, doc, diagnostics);
  const contents = doc.contents as YamlNode | null;
  let root: MapNode;
  if (contents && isMap(contents)) {
    root = builder.map(contents, 0);
  } else {
    root = { kind: 'map', span: { start: 0, end: text.length }, entries: [] };
    if (contents && !(isScalar(contents) && contents.value === null)) {
      const range = contents.range ?? [0, text.length];
      diagnostics.push({
        severity: 'error',
        code: 'not-a-mapping',
        message: 'A spec file must be a mapping of keys to values at the top level (e.g. `train:` ...).',
        span: { start: range[0], end: range[1] },
      });
    }
  }
  return { root, diagnostics };
}

/**
 * Runs `fn` with V8's stack capture off. The `yaml` package makes an Error object for every
 * problem it finds, and garbage (100,000 stray quotes) yields one per character: capturing
 * their stacks, which we never read, was most of a 700 ms parse. Restored even if `fn` throws.
 */
function withoutStackTraces<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Indents lines that continue a multi-line flow collection so they sit deeper than the line
 * that opened it. Returns the new text and a mapping from new offsets to original ones.
 */
function indentFlowContinuations(text: string): { text: string; toOriginal: (offset: number) => number } | undefined {
  const lines = text.split('\n');
  let depth = 0;
  let openerIndent = 0;
  const inserts: Array<{ at: number; count: number }> = [];
  let offset = 0;
  const out: string[] = [];
  for (const line of lines) {
    const indent = /^ */.exec(line)![0].length;
    let prefix = '';
    if (depth > 0 && line.trim() !== '' && indent <= openerIndent) {
      prefix = ' '.repeat(openerIndent + 1 - indent);
      inserts.push({ at: offset, count: prefix.length });
    }
    if (depth === 0) openerIndent = indent;
    depth = Math.max(0, depth + bracketBalance(line));
    out.push(prefix + line);
    offset += line.length + 1;
  }
  if (inserts.length === 0) return undefined;
  // Where each insertion sits in the new text, and how much was inserted before it.
  const marks: Array<{ newAt: number; count: number; before: number }> = [];
  let total = 0;
  for (const ins of inserts) {
    marks.push({ newAt: ins.at + total, count: ins.count, before: total });
    total += ins.count;
  }
  const toOriginal = (pos: number): number => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid].newAt <= pos) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return pos;
    const m = marks[found];
    return pos - (m.before + Math.min(m.count, pos - m.newAt));
  };
  return { text: out.join('\n'), toOriginal };
}

/**
 * Offset where flow brackets or block indentation nest past MAX_TREE_DEPTH levels, if they do.
 * Approximate on purpose (quotes end at the line), it only has to catch hostile input.
 */
export function findExcessiveNesting(text: string): number | undefined {
  let depth = 0;
  let quote = 0;
  let lineStart = true;
  let indent = 0;
  let dashes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      quote = 0;
      lineStart = true;
      indent = 0;
      dashes = 0;
      continue;
    }
    if (lineStart) {
      if (c === 32) {
        indent++;
        if (indent > 4 * MAX_TREE_DEPTH) return i;
        continue;
      }
      if (c === 45 && text.charCodeAt(i + 1) === 32) {
        if (++dashes > MAX_TREE_DEPTH / 2) return i;
        i++;
        continue;
      }
      lineStart = false;
    }
    if (quote) {
      if (c === quote) quote = 0;
      continue;
    }
    if (c === 34 || c === 39) quote = c;
    else if (c === 35 && (i === 0 || text.charCodeAt(i - 1) === 32)) {
      while (i + 1 < text.length && text.charCodeAt(i + 1) !== 10) i++;
    } else if (c === 91 || c === 123) {
      if (++depth > MAX_TREE_DEPTH) return i;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}

/** Net count of flow brackets opened on a line, ignoring quoted text and comments. */
function bracketBalance(line: string): number {
  let balance = 0;
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || line[i - 1] === ' ')) break;
    else if (c === '[' || c === '{') balance++;
    else if (c === ']' || c === '}') balance--;
  }
  return balance;
}

function remapSpans(node: SpecNode, map: (offset: number) => number): void {
  node.span = { start: map(node.span.start), end: map(node.span.end) };
  if (node.kind === 'map') {
    for (const e of node.entries) {
      e.keySpan = { start: map(e.keySpan.start), end: map(e.keySpan.end) };
      e.span = { start: map(e.span.start), end: map(e.span.end) };
      if (e.value) remapSpans(e.value, map);
    }
  } else if (node.kind === 'list') {
    for (const item of node.items) remapSpans(item, map);
  }
}

function firstLine(message: string): string {
  const line = message.split('\n')[0];
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

class TreeBuilder {
  private tooDeep = false;

  constructor(
    private readonly text: string,
    private readonly dialect: YamlDialect,
    private readonly doc: ReturnType<typeof parseDocument>,
    private readonly diagnostics: SpecDiagnostic[],
  ) {}

  node(node: unknown, depth: number, fallbackAt: number): SpecNode {
    if (depth > MAX_TREE_DEPTH) {
      if (!this.tooDeep) {
        this.tooDeep = true;
        this.diagnostics.push({ severity: 'error', code: 'syntax', message: `Nesting deeper than ${MAX_TREE_DEPTH} levels is not supported; the deeper content is skipped.`, span: { start: fallbackAt, end: fallbackAt + 1 } });
      }
      return this.nullAt(fallbackAt);
    }
    if (isAlias(node)) {
      const target = (node as Alias).resolve(this.doc);
      if (!target) return this.nullAt(fallbackAt);
      const built = this.node(target, depth + 1, fallbackAt);
      const range = (node as Alias).range ?? [fallbackAt, fallbackAt];
      return { ...built, span: { start: range[0], end: range[1] } };
    }
    if (isMap(node)) return this.map(node, depth);
    if (isSeq(node)) return this.seq(node, depth);
    if (isScalar(node)) return this.scalar(node as Scalar);
    return this.nullAt(fallbackAt);
  }

  map(node: { items: unknown[]; range?: [number, number, number] | null }, depth: number): MapNode {
    const range = node.range ?? [0, 0, 0];
    const entries: Entry[] = [];
    const seen = new Map<string, Entry>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as YamlNode | null;
      const keyRange = keyNode?.range ?? [range[0], range[0], range[0]];
      if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
        // `<<: *anchor` merge key (YAML 1.1): bring the anchored mapping's entries in.
        const merged = this.node(pair.value, depth + 1, keyRange[1]);
        if (merged.kind === 'map') for (const e of merged.entries) entries.push(e);
        continue;
      }
      // Plain keys keep their text: PyYAML reads `y`/`n` as the strings the yaml package turns into booleans.
      const key = keyNode && isScalar(keyNode) && keyNode.type !== 'PLAIN' ? String(keyNode.value ?? '') : this.text.slice(keyRange[0], keyRange[1]);
      const value = pair.value === null || pair.value === undefined ? undefined : this.node(pair.value, depth + 1, keyRange[1]);
      const valueEnd = value ? value.span.end : keyRange[1];
      const entry: Entry = {
        key,
        keySpan: { start: keyRange[0], end: keyRange[1] },
        value: value ?? this.nullAt(keyRange[1]),
        span: { start: keyRange[0], end: valueEnd },
      };
      const earlier = seen.get(key);
      if (earlier) this.diagnostics.push(duplicateKeyDiagnostic(this.text, this.dialect, entry, earlier));
      seen.set(key, entry);
      entries.push(entry);
    }
    // Block collections end where their last value ends (not after trailing comments or line
    // breaks), so both YAML readers give the same spans; flow collections end at the bracket.
    const flow = (node as { flow?: boolean }).flow === true;
    const end = !flow && entries.length > 0 ? entries[entries.length - 1].span.end : range[1];
    const start = !flow && entries.length > 0 ? Math.min(range[0], entries[0].keySpan.start) : range[0];
    return { kind: 'map', span: { start, end }, entries };
  }

  private seq(node: { items: unknown[]; range?: [number, number, number] | null }, depth: number): ListNode {
    const range = node.range ?? [0, 0, 0];
    const items = node.items.map((item) => this.node(item, depth + 1, range[0]));
    const flow = (node as { flow?: boolean }).flow === true;
    const end = !flow && items.length > 0 ? items[items.length - 1].span.end : range[1];
    return { kind: 'list', span: { start: range[0], end }, items };
  }

  private scalar(node: Scalar): ScalarNode {
    const range = node.range ?? [0, 0, 0];
    const span = { start: range[0], end: range[1] };
    const raw = this.text.slice(range[0], range[1]);
    const hasTag = typeof node.tag === 'string' && node.tag.length > 0;
    if (node.type === 'PLAIN' && !hasTag) {
      const source = typeof node.source === 'string' ? node.source : raw;
      const resolved = resolvePlainScalar(source, this.dialect);
      return { kind: 'scalar', span, raw, value: resolved.value, form: resolved.form, quoted: false };
    }
    const value = node.value;
    if (typeof value === 'string') {
      const form = this.dialect === 'hydra-yaml' && value.includes('${') ? 'interpolation' : value === '???' ? 'missing' : 'string';
      return { kind: 'scalar', span, raw, value, form, quoted: node.type !== 'PLAIN' };
    }
    if (typeof value === 'number') {
      return { kind: 'scalar', span, raw, value, form: Number.isInteger(value) && !raw.includes('.') ? 'int' : 'float', quoted: false };
    }
    if (typeof value === 'boolean') return { kind: 'scalar', span, raw, value, form: 'bool', quoted: false };
    if (value === null || value === undefined) return { kind: 'scalar', span, raw, value: null, form: 'null', quoted: false };
    return { kind: 'scalar', span, raw, value: String(value), form: 'string', quoted: false };
  }

  private nullAt(offset: number): ScalarNode {
    return { kind: 'scalar', span: { start: offset, end: offset }, raw: '', value: null, form: 'null', quoted: false };
  }
}

/**
 * Comments with their offsets. The `yaml` package attaches comments to nodes without
 * positions; modelines and outline need positions, so we scan lines, skipping `#` inside quotes.
 */
export function scanYamlComments(text: string): Comment[] {
  const comments: Comment[] = [];
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    let quote = 0;
    for (let i = lineStart; i < lineEnd; i++) {
      const c = text.charCodeAt(i);
      if (quote) {
        if (c === quote) quote = 0;
        continue;
      }
      if (c === 34 /* " */ || c === 39 /* ' */) {
        const prev = i === lineStart ? 32 : text.charCodeAt(i - 1);
        if (prev === 32 || prev === 9 || prev === 58 /* : */ || prev === 91 /* [ */ || prev === 123 /* { */ || prev === 44 /* , */ || prev === 45 /* - */) quote = c;
        continue;
      }
      if (c === 35 /* # */) {
        const prev = i === lineStart ? 32 : text.charCodeAt(i - 1);
        if (prev === 32 || prev === 9) {
          let end = lineEnd;
          if (end > i && text.charCodeAt(end - 1) === 13) end--;
          comments.push({ span: { start: i, end }, text: text.slice(i + 1, end) });
          break;
        }
      }
    }
    if (lineEnd === text.length) break;
    lineStart = lineEnd + 1;
  }
  return comments;
}
