// Outline: one symbol per entry, sections nested with their children. Repeated fields
// (protobuf repeated messages, YAML list items) are numbered so they can be told apart.
import { SymbolKind } from './protocol';
import type { DocumentSymbol } from 'vscode-languageserver-types';
import type { LineIndex } from '../text';

interface Ctx {
  lines: LineIndex;
  text: string;
}
import type { Entry, MapNode, SpecNode } from '../tree';
import type { ServiceDocument } from './document';

/** Guards the recursion on hostile, very deep documents (parsers allow ~1000 levels). */
const MAX_DEPTH = 64;

export function documentSymbols(doc: ServiceDocument): DocumentSymbol[] {
  return mapSymbols(doc.analysis.spec.root, { lines: doc.lines, text: doc.text }, 0);
}

function mapSymbols(map: MapNode, ctx: Ctx, depth: number): DocumentSymbol[] {
  // Numbering is only needed for keys that repeat; most maps have none, so look first.
  let counts: Map<string, number> | undefined;
  const keys = new Set<string>();
  for (const e of map.entries) {
    if (keys.has(e.key)) {
      counts ??= new Map();
      counts.set(e.key, (counts.get(e.key) ?? 1) + 1);
    } else keys.add(e.key);
  }
  const seen = counts ? new Map<string, number>() : undefined;
  const out: DocumentSymbol[] = [];
  for (const entry of map.entries) {
    let name = entry.key;
    if (counts?.has(entry.key)) {
      const n = (seen!.get(entry.key) ?? 0) + 1;
      seen!.set(entry.key, n);
      name = `${entry.key} [${n}]`;
    }
    out.push(entrySymbol(entry, name, ctx, depth));
  }
  return out;
}

function entrySymbol(entry: Entry, name: string, ctx: Ctx, depth: number): DocumentSymbol {
  const value = entry.value;
  const span = { start: entry.span.start, end: trimEnd(ctx.text, Math.max(entry.span.end, entry.keySpan.end), entry.keySpan.end) };
  const symbol: DocumentSymbol = {
    name: name || '(empty key)',
    kind: kindOf(value),
    range: ctx.lines.rangeOf(span),
    selectionRange: ctx.lines.rangeOf(entry.keySpan),
  };
  if (value?.kind === 'scalar' && value.raw) symbol.detail = value.raw.length > 60 ? `${value.raw.slice(0, 57)}...` : value.raw;
  const children = depth < MAX_DEPTH ? childSymbols(value, ctx, depth + 1) : [];
  if (children.length) symbol.children = children;
  return symbol;
}

function childSymbols(value: SpecNode | undefined, ctx: Ctx, depth: number): DocumentSymbol[] {
  if (!value) return [];
  if (value.kind === 'map') return mapSymbols(value, ctx, depth);
  if (value.kind === 'list') {
    // Only lists of sections get children; `[3, 224, 224]` stays one symbol.
    if (!value.items.some((i) => i.kind !== 'scalar')) return [];
    return value.items.map((item, i) => ({
      name: `[${i}]`,
      kind: kindOf(item),
      range: ctx.lines.rangeOf({ start: item.span.start, end: trimEnd(ctx.text, item.span.end, item.span.start) }),
      selectionRange: ctx.lines.rangeOf({ start: item.span.start, end: item.span.start }),
      children: depth < MAX_DEPTH ? childSymbols(item, ctx, depth + 1) : [],
    }));
  }
  return [];
}

function kindOf(node: SpecNode | undefined): DocumentSymbol['kind'] {
  if (!node) return SymbolKind.Field;
  if (node.kind === 'map') return SymbolKind.Module;
  if (node.kind === 'list') return SymbolKind.Array;
  switch (node.form) {
    case 'int':
    case 'float':
      return SymbolKind.Number;
    case 'bool':
      return SymbolKind.Boolean;
    case 'string':
      return SymbolKind.String;
    case 'identifier':
      return SymbolKind.EnumMember;
    case 'null':
      return SymbolKind.Null;
    default:
      return SymbolKind.Field;
  }
}

/** YAML block values end after their trailing line break; a symbol ends at its last character. */
function trimEnd(text: string, end: number, floor: number): number {
  let e = end;
  for (;;) {
    const c = text.charCodeAt(e - 1);
    if (e > floor && (c === 32 || c === 9 || c === 10 || c === 13)) e--;
    else return e;
  }
}
