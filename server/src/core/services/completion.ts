// Completion: the keys valid at the cursor, values (enum options, booleans, defaults, file
// paths) after a key, and network names in the modeline. Items are written in the
// document's dialect, and multi-line snippets carry their full indentation so that every
// client inserts them as they are (insertTextMode asIs).
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CompletionItemKind, CompletionItemTag, InsertTextFormat, InsertTextMode, MarkupKind } from './protocol';
import type { CompletionItem, CompletionList, Position } from 'vscode-languageserver-types';
import { describeFacts, describeType } from '../schema/describe';
import { schemaAtPath } from '../schema/navigate';
import type { SpecSchema } from '../schema/types';
import type { Dialect } from '../tree';
import { cursorContext } from './context';
import { hasArrayOfSections, literal, objectOf, skeleton } from './skeleton';
import type { CursorContext } from './context';
import type { DirectoryReader, ServiceDocument } from './document';
import {
  elementSchema,
  enumOptions,
  isPathField,
  isRepeated,
  isSection,
  mapAtPath,
  propertiesOf,
  requiredOf,
  takesBoolean,
} from './schema-facts';
import { depthChoices } from '../rules/classification-tf1';

export interface CompletionOptions {
  /** Lists folders for path fields; without it no path items are offered. */
  directories?: DirectoryReader;
  /** One indentation step for new sections (default two spaces). */
  indentUnit?: string;
  /** The character that triggered the request (LSP CompletionContext), if any. */
  triggerCharacter?: string;
  /** Client command that opens the suggestion list again (VS Code: `editor.action.triggerSuggest`). */
  retriggerCommand?: string;
}

const MAX_PATH_ITEMS = 500;
const MODELINE_RE = /#\s*tao\s*:.*\bnetwork\s*=\s*([A-Za-z0-9_.\-]*)$/;
/** Detection reads a modeline in the first lines only. */
const MODELINE_LINES = 5;

export function complete(doc: ServiceDocument, position: Position, options: CompletionOptions = {}): CompletionList {
  const offset = doc.lines.offsetAt(position);
  const lineStart = doc.lines.lineStart(position.line);
  const before = doc.text.slice(lineStart, offset);
  const modeline = MODELINE_RE.exec(before);
  if (modeline) return list(networkItems(doc, offset, modeline[1]));
  const trigger = options.triggerCharacter;
  if (trigger === '=') return list([]);

  const { analysis } = doc;
  const schema = analysis.schema;
  if (!schema) return list(position.line < MODELINE_LINES && !trigger ? modelineItems(doc, position, before) : []);
  const dialect = analysis.spec.dialect;
  const ctx = cursorContext(doc.text, offset, dialect);
  if (!ctx) return list([]);
  // Typing a trigger character asks for values only: a space in indentation must not pop up keys.
  if (trigger && (ctx.kind !== 'value' || ((trigger === ' ' || trigger === ':') && ctx.prefix !== ''))) return list([]);
  const parent = ctx.path.length ? schemaAtPath(schema, ctx.path) : schema;
  if (!parent) return list([]);
  const unit = options.indentUnit ?? '  ';
  if (ctx.kind === 'key') return list(keyItems(doc, ctx, parent, dialect, unit, offset, options.retriggerCommand));
  const field = ctx.key ? propertiesOf(parent)[ctx.key] : undefined;
  if (!field || !ctx.key) return list([]);
  return list(valueItems(doc, ctx, ctx.key, field, dialect, options));
}

function list(items: CompletionItem[]): CompletionList {
  return { isIncomplete: false, items };
}

function networkItems(doc: ServiceDocument, offset: number, typed: string): CompletionItem[] {
  const networks = doc.catalog.index().networks;
  return Object.keys(networks)
    .sort()
    .map((network) => ({
      label: network,
      kind: CompletionItemKind.EnumMember,
      detail: networks[network].dialect === 'prototext' ? 'protobuf text' : 'YAML',
      textEdit: { range: doc.lines.rangeOf({ start: offset - typed.length, end: offset }), newText: network },
    }));
}

/** No network recognised: offer to write the modeline that names one. */
function modelineItems(doc: ServiceDocument, position: Position, before: string): CompletionItem[] {
  if (!/^(?:#\s*[A-Za-z]*|[A-Za-z]*)$/.test(before)) return [];
  const networks = Object.keys(doc.catalog.index().networks).sort();
  if (networks.length === 0) return [];
  const start = doc.lines.lineStart(position.line);
  return [
    {
      label: '# tao: network=…',
      kind: CompletionItemKind.Snippet,
      detail: 'Choose the TAO network of this file',
      documentation: 'No network was recognised from the keys of this file. A modeline on one of the first lines names it; checks, completion and hover then follow that network.',
      filterText: `${before}# tao: network`,
      textEdit: { range: doc.lines.rangeOf({ start, end: start + before.length }), newText: `# tao: network=\${1|${networks.join(',')}|}\n` },
      insertTextFormat: InsertTextFormat.Snippet,
    },
  ];
}

// ---------------------------------------------------------------- keys

function keyItems(doc: ServiceDocument, ctx: CursorContext, parent: SpecSchema, dialect: Dialect, unit: string, offset: number, retrigger?: string): CompletionItem[] {
  const props = propertiesOf(parent);
  const required = new Set(requiredOf(parent));
  const map = mapAtPath(doc.analysis.spec.root, ctx.path, offset);
  const taken = new Set<string>();
  const takenGroups = new Set<string>();
  for (const entry of map?.entries ?? []) {
    // The entry being typed does not count as set.
    if (offset >= entry.keySpan.start && offset <= entry.keySpan.end) continue;
    taken.add(entry.key);
    const group = props[entry.key]?.['x-tao-oneof'];
    if (group) takenGroups.add(group);
  }
  const range = doc.lines.rangeOf(ctx.replace);
  const items: CompletionItem[] = [];
  for (const [key, prop] of Object.entries(props)) {
    const repeated = isRepeated(prop) && dialect === 'prototext';
    if (taken.has(key) && !repeated) continue;
    const group = prop['x-tao-oneof'];
    if (group && takenGroups.has(group) && !taken.has(key)) continue;
    const text = ctx.keyHasSeparator ? key : keySnippet(key, prop, dialect, ctx.indent, unit);
    const item: CompletionItem = {
      label: key,
      kind: isSection(prop) ? CompletionItemKind.Module : CompletionItemKind.Property,
      detail: `${required.has(key) ? 'required · ' : ''}${describeType(prop, dialect === 'prototext')}`,
      documentation: fieldDocs(prop, dialect),
      sortText: `${required.has(key) ? '0' : '1'}${key}`,
      filterText: key,
      textEdit: { range, newText: text },
      insertTextFormat: InsertTextFormat.Snippet,
      insertTextMode: InsertTextMode.asIs,
    };
    if (prop['x-tao-deprecated'] || prop['x-tao-removed']) item.tags = [CompletionItemTag.Deprecated];
    // Ask for the value list right away after `key: ` for enums and booleans (client-specific command).
    if (retrigger && !ctx.keyHasSeparator && !isSection(prop) && (enumOptions(prop).length > 0 || takesBoolean(prop))) {
      item.command = { title: 'Suggest values', command: retrigger };
    }
    items.push(item);
  }
  return items;
}

function fieldDocs(prop: SpecSchema, dialect: Dialect): { kind: 'markdown'; value: string } {
  const parts: string[] = [];
  if (prop.description) parts.push(prop.description);
  if (prop['x-tao-deprecated']) parts.push(`**Deprecated:** ${prop['x-tao-deprecated']}`);
  parts.push(describeFacts(prop, dialect === 'prototext').map((f) => `- ${f}`).join('\n'));
  return { kind: MarkupKind.Markdown, value: parts.join('\n\n') };
}

export function keySnippet(key: string, prop: SpecSchema, dialect: Dialect, indent: string, unit: string): string {
  if (isSection(prop)) {
    const listOfSections = dialect !== 'prototext' && hasArrayOfSections(prop);
    // YAML list items start after `- `, so their keys sit two columns further in.
    const inner = listOfSections ? `${indent}${unit}  ` : indent + unit;
    const custom = prop['x-tao-snippet'];
    const body = custom
      ? custom.split('\n').map((line) => (line ? inner + line : line)).join('\n')
      : skeleton(objectOf(prop), dialect, inner, unit, { next: 1 }) || `${inner}$0`;
    if (dialect === 'prototext') return `${key} {\n${body}\n${indent}}`;
    if (listOfSections) return `${key}:\n${indent}${unit}- ${body.slice(inner.length)}`;
    return `${key}:\n${body}`;
  }
  const options = enumOptions(prop);
  if (dialect !== 'prototext' && isRepeated(prop)) return `${key}: [$0]`;
  if (options.length > 0 || takesBoolean(prop)) return `${key}: `;
  if (dialect === 'prototext' && describeType(elementSchema(prop), true).includes('quoted')) return `${key}: "$0"`;
  return `${key}: `;
}

// ---------------------------------------------------------------- values

function valueItems(doc: ServiceDocument, ctx: CursorContext, key: string, prop: SpecSchema, dialect: Dialect, options: CompletionOptions): CompletionItem[] {
  const range = doc.lines.rangeOf(ctx.replace);
  const items: CompletionItem[] = [];
  const seen = new Set<string>();
  const add = (label: string, text: string, kind: NonNullable<CompletionItem['kind']>, detail?: string): void => {
    if (seen.has(label)) return;
    seen.add(label);
    items.push({ label, kind, detail, textEdit: { range, newText: text }, sortText: String(items.length).padStart(4, '0') });
  };
  const proto = dialect === 'prototext';
  // n_layers / num_layers: the depths the spec's arch comes in, and no default that does not exist.
  const depths = depthChoices(doc.analysis.network, doc.analysis.spec.root, [...ctx.path, key].join('.'));
  for (const depth of depths ?? []) add(String(depth), String(depth), CompletionItemKind.EnumMember, 'depth of this arch');
  for (const option of enumOptions(prop)) {
    const raw = String(option);
    if (ctx.quote) add(raw, raw, CompletionItemKind.EnumMember);
    else add(raw, literal(option, prop, dialect), CompletionItemKind.EnumMember);
  }
  if (takesBoolean(prop) && !ctx.quote) {
    add('true', 'true', CompletionItemKind.Value);
    add('false', 'false', CompletionItemKind.Value);
  }
  const d = depths ? undefined : (elementSchema(prop).default ?? prop.default);
  if (d !== undefined && d !== null && typeof d !== 'object' && !seen.has(String(d))) {
    const text = ctx.quote ? String(d) : literal(d, elementSchema(prop), dialect);
    add(String(d), text, CompletionItemKind.Value, 'default');
  }
  if (options.directories && isPathField(key, prop)) {
    items.push(...pathItems(doc, ctx, proto, options.directories));
  }
  return items;
}

/** Folder entries for a path value; relative paths are relative to the spec's folder. */
function pathItems(doc: ServiceDocument, ctx: CursorContext, proto: boolean, reader: DirectoryReader): CompletionItem[] {
  const typed = ctx.prefix;
  const slash = typed.lastIndexOf('/');
  const dirPart = slash >= 0 ? typed.slice(0, slash + 1) : '';
  const namePart = typed.slice(slash + 1);
  let dir: string;
  if (dirPart.startsWith('~/')) dir = resolve(join(reader.homeDir(), dirPart.slice(2)));
  else if (isAbsolute(dirPart)) dir = resolve(dirPart);
  else if (doc.filePath) dir = resolve(dirname(doc.filePath), dirPart || '.');
  else return [];
  const mounts = isAbsolute(dirPart) ? (reader.mounts?.() ?? []) : [];
  // A container path (TAO's launcher mounts host folders into the container): list the host folder.
  const listed = reader.list(dir) ?? (mountedHostPath(dir, mounts) !== undefined ? reader.list(mountedHostPath(dir, mounts)!) : undefined) ?? [];
  const entries: Array<{ name: string; isDirectory: boolean; detail?: string }> = [...listed];
  // Mount points below the typed folder, which may not exist on this machine at all.
  for (const m of mounts) {
    const dest = m.destination.replace(/\/+$/, '');
    if (!dest.startsWith(dir === '/' ? '/' : `${dir}/`) || dest === dir) continue;
    const next = dest.slice(dir === '/' ? 1 : dir.length + 1).split('/')[0];
    if (next && !entries.some((e) => e.name === next)) entries.push({ name: next, isDirectory: true, detail: `container folder, mounted from ${m.source}` });
  }
  if (entries.length === 0) return [];
  entries.sort((a, b) => Number(b.isDirectory) - Number(a.isDirectory) || a.name.localeCompare(b.name));
  // Replace only the last path segment, so that typing continues naturally after a '/'.
  const segmentStart = ctx.replace.start + slash + 1;
  const needsQuote = proto && !ctx.quote;
  const range = doc.lines.rangeOf(needsQuote ? ctx.replace : { start: segmentStart, end: ctx.replace.end });
  const out: CompletionItem[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') && !namePart.startsWith('.')) continue;
    if (out.length >= MAX_PATH_ITEMS) break;
    const label = entry.isDirectory ? `${entry.name}/` : entry.name;
    const newText = needsQuote ? `"${dirPart}${label}${entry.isDirectory ? '' : '"'}` : label;
    out.push({
      label,
      kind: entry.isDirectory ? CompletionItemKind.Folder : CompletionItemKind.File,
      detail: entry.detail ?? (entry.isDirectory ? 'folder' : 'file'),
      filterText: needsQuote ? `"${dirPart}${label}` : label,
      sortText: `${entry.isDirectory ? '1' : '2'}${entry.name}`,
      textEdit: { range, newText },
    });
  }
  return out;
}

/** The host folder behind a container path, through the longest matching mount. */
export function mountedHostPath(path: string, mounts: Array<{ source: string; destination: string }>): string | undefined {
  let best: { source: string; destination: string } | undefined;
  for (const m of mounts) {
    const dest = m.destination.replace(/\/+$/, '');
    if ((path === dest || path.startsWith(`${dest}/`)) && (!best || dest.length > best.destination.replace(/\/+$/, '').length)) best = m;
  }
  if (!best) return undefined;
  return best.source.replace(/\/+$/, '') + path.slice(best.destination.replace(/\/+$/, '').length);
}
