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

/**
 * A default as the schema's own constraints accept it. Schemas are generated from TAO's
 * sources, where a default is sometimes a string for a boolean ("TRUE"), outside the
 * field's range, or not among its options; the template must still check clean.
 */
function coerce(v: unknown, s: SpecSchema): unknown {
  const t = typeOf(s);
  if (t === 'boolean' && typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  if ((t === 'number' || t === 'integer') && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) v = Number(v);
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) v = s.minimum;
    if (s.maximum !== undefined && (v as number) > s.maximum) v = s.maximum;
  }
  if (s.enum && s.enum.length > 0 && !s.enum.includes(v)) return s.enum[0];
  if (t === 'boolean' && typeof v !== 'boolean') return false;
  return v;
}

function valueFor(s: SpecSchema, required: boolean, all: boolean): unknown {
  if (s.default !== undefined) return Array.isArray(s.default) && s.items ? s.default.map((x) => coerce(x, s.items as SpecSchema)) : coerce(s.default, s);
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
  // YAML 1.1 (PyYAML, OmegaConf) reads `1e-8` as a string: floats need a dot and a signed exponent.
  if (typeof v === 'number' && /e/i.test(String(v))) {
    const [mant, exp] = String(v).toLowerCase().split('e');
    return `${mant.includes('.') ? mant : `${mant}.0`}e${/^[-+]/.test(exp) ? exp : `+${exp}`}`;
  }
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
    if (s['x-tao-deprecated'] || s['x-tao-removed'] || (s['x-tao-proto-map'] && !required.has(key))) continue;
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
    if (typeOf(s) === 'array' && required.has(key) && s.default === undefined && s.items && (typeOf(s.items) === 'object' || s.items.properties)) {
      // A required repeated message: one entry with its own required fields.
      const inner: Line[] = [];
      emitObject(s.items, dialect, depth + 1, inner, { ...opts });
      if (dialect === 'prototext') out.push({ indent: depth, text: `${key} {`, comment }, ...inner, { indent: depth, text: '}' });
      else out.push({ indent: depth, text: `${key}:`, comment }, { indent: depth + 1, text: '-' }, ...inner.map((l) => ({ ...l, indent: l.indent + 1 })));
      wrote = true;
      continue;
    }
    let v = valueFor(s, required.has(key), opts.allFields);
    // A required repeated scalar with nothing to go on still needs one element to be valid.
    if (Array.isArray(v) && v.length === 0 && required.has(key) && s.items) v = [placeholder(s.items)];
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
