// TAO: New Spec. Writes a starting spec for one network from its schema: every field that
// has a default (and every required field) with its description as a comment above it, in
// the network's own dialect (protobuf text or YAML). Protobuf oneofs get their first
// alternative only, since writing two members of a oneof is an error in TAO.

import type { NetworkSchema, SpecSchema } from '../../../server/src/core/schema/types';

export interface TemplateOptions {
  /** Include fields that have no default and are not required (off: a short spec). */
  allFields?: boolean;
  /** Wrap comments at this width. */
  width?: number;
}

function firstSentence(text: string): string {
  // Abbreviations end in a dot but not a sentence; hide them while looking for the end.
  const masked = text.trim().replace(/\b(e\.g|i\.e|etc|vs)\./g, (m) => m.replace(/\./g, '\u0000'));
  const m = /^(.+?[.!?])(\s|$)/.exec(masked);
  return (m ? m[1] : masked).replace(/\u0000/g, '.').replace(/\s+/g, ' ');
}

function wrapComment(text: string, indent: string, width: number): string[] {
  const words = firstSentence(text).split(' ');
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && indent.length + 2 + cur.length + 1 + w.length > width) { lines.push(cur); cur = w; }
    else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines.map((l) => `${indent}# ${l}`);
}

function typeOf(s: SpecSchema): string | undefined {
  return Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
}

/** A value for a required field with no default: the first example, enum value, or a typed zero. */
function placeholder(s: SpecSchema): unknown {
  if (s.examples && s.examples.length > 0) return s.examples[0];
  if (s.enum && s.enum.length > 0) return s.enum[0];
  switch (typeOf(s)) {
    case 'string': return s['x-tao-path'] ? '/workspace/path/to/set' : '';
    case 'integer': case 'number': return s.minimum ?? 0;
    case 'boolean': return false;
    case 'array': return [];
    default: return undefined;
  }
}

interface Line { indent: number; text: string; comment?: string }

function valueFor(s: SpecSchema, required: boolean, all: boolean): unknown {
  if (s.default !== undefined) return s.default;
  // Dataset and model paths have no sensible default but every run needs them: show them.
  if (required || all || s['x-tao-path']) return placeholder(s);
  return undefined;
}

function protoScalar(v: unknown, s: SpecSchema): string {
  if (typeof v === 'string') return s['x-tao-proto-enum'] ? v : JSON.stringify(v);
  return String(v);
}

function yamlScalar(v: unknown): string {
  if (typeof v === 'string') return v === '' || /^[\w./-]+$/.test(v) === false || /^(true|false|null|yes|no|on|off|~|\d.*)$/i.test(v) ? JSON.stringify(v) : v;
  if (Array.isArray(v)) return `[${v.map(yamlScalar).join(', ')}]`;
  if (v === null) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Emits one object's fields; returns false when nothing was written (the caller drops the block). */
function emitObject(schema: SpecSchema, dialect: NetworkSchema['x-tao-dialect'], depth: number, out: Line[], opts: Required<TemplateOptions>): boolean {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const seenOneofs = new Set<string>();
  let wrote = false;
  for (const [key, s] of Object.entries(props)) {
    if (s['x-tao-deprecated'] || s['x-tao-removed'] || s['x-tao-proto-map']) continue;
    const group = s['x-tao-oneof'];
    if (group && seenOneofs.has(group)) continue;
    const comment = s.description;
    if (typeOf(s) === 'object' || (s.properties && !s.type)) {
      const inner: Line[] = [];
      const has = emitObject(s, dialect, depth + 1, inner, opts);
      if (!has && !required.has(key)) continue;
      if (group) seenOneofs.add(group);
      out.push({ indent: depth, text: dialect === 'prototext' ? `${key} {` : `${key}:`, comment });
      out.push(...inner);
      if (dialect === 'prototext') out.push({ indent: depth, text: '}' });
      wrote = true;
      continue;
    }
    const v = valueFor(s, required.has(key), opts.allFields);
    if (v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v))) continue;
    if (group) seenOneofs.add(group);
    if (dialect === 'prototext') {
      const items = Array.isArray(v) ? v : [v];
      if (items.length === 0) continue;
      items.forEach((item, i) => out.push({ indent: depth, text: `${key}: ${protoScalar(item, s.items ?? s)}`, comment: i === 0 ? comment : undefined }));
    } else {
      out.push({ indent: depth, text: `${key}: ${yamlScalar(v)}`, comment });
    }
    wrote = true;
  }
  return wrote;
}

export function generateSpec(schema: NetworkSchema, options: TemplateOptions = {}): string {
  const opts: Required<TemplateOptions> = { allFields: options.allFields ?? false, width: options.width ?? 96 };
  const dialect = schema['x-tao-dialect'];
  const lines: Line[] = [];
  emitObject(schema, dialect, 0, lines, opts);
  const unit = '  ';
  const out: string[] = [`# tao: network=${schema['x-tao-network']}`];
  out.push(`# A starting ${schema['x-tao-network']} spec, generated from the schema's defaults.`);
  out.push('# Fill in the dataset paths before training; hover a field for what it does.');
  for (const l of lines) {
    const indent = unit.repeat(l.indent);
    if (l.comment) out.push(...wrapComment(l.comment, indent, opts.width));
    out.push(indent + l.text);
  }
  return out.join('\n') + '\n';
}
