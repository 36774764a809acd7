// The required fields of a section written out in the document's dialect: as a snippet with
// tab stops (completion) or as plain text with placeholder values (quick fixes).
import { describeType } from '../schema/describe';
import type { SpecSchema } from '../schema/types';
import type { Dialect } from '../tree';
import { elementSchema, enumOptions, isProtoEnum, isRepeated, isSection, propertiesOf, requiredOf, takesBoolean } from './schema-facts';

/** Nested required sections are expanded this deep. */
const MAX_DEPTH = 3;

/** Numbering of snippet tab stops; absent for plain text. */
export interface TabStops {
  next: number;
}

/** Escapes text for use inside a snippet (outside and inside placeholders). */
export function snippetEscape(text: string): string {
  return text.replace(/[\\$}]/g, (c) => `\\${c}`);
}

export function hasArrayOfSections(prop: SpecSchema): boolean {
  return isRepeated(prop) && !!prop.items && isSection(prop.items) && !prop.properties;
}

export function objectOf(prop: SpecSchema): SpecSchema {
  return prop.properties ? prop : (prop.items ?? prop);
}

/** Required fields, one per line at `indent`, recursively; '' when there are none. */
export function skeleton(schema: SpecSchema, dialect: Dialect, indent: string, unit: string, tab?: TabStops, depth = 0): string {
  if (depth > MAX_DEPTH) return '';
  const props = propertiesOf(schema);
  const lines: string[] = [];
  for (const key of requiredOf(schema)) {
    const prop = props[key];
    if (!prop) continue;
    if (isSection(prop)) {
      const inner = skeleton(objectOf(prop), dialect, indent + unit, unit, tab, depth + 1);
      if (dialect === 'prototext') lines.push(`${indent}${key} {${inner ? `\n${inner}\n${indent}` : '\n' + indent}}`);
      else lines.push(`${indent}${key}:${inner ? `\n${inner}` : ' {}'}`);
      continue;
    }
    lines.push(`${indent}${key}: ${tab ? placeholder(prop, dialect, tab) : plainValue(prop, dialect)}`);
  }
  return lines.join('\n');
}

function placeholder(prop: SpecSchema, dialect: Dialect, tab: TabStops): string {
  const n = tab.next++;
  const options = enumOptions(prop).map((o) => literal(o, prop, dialect));
  if (options.length > 0) return `\${${n}|${options.map((o) => o.replace(/[,|\\$}]/g, (c) => `\\${c}`)).join(',')}|}`;
  if (takesBoolean(prop)) return `\${${n}|true,false|}`;
  const proto = dialect === 'prototext';
  const d = prop.default;
  if (d !== undefined && d !== null && typeof d !== 'object') return `\${${n}:${snippetEscape(literal(d, prop, dialect))}}`;
  if (/text/.test(describeType(elementSchema(prop), proto))) return proto ? `"\${${n}}"` : `\${${n}:???}`;
  return `\${${n}}`;
}

/** A value to fill in: the default, else the first option, else an obvious stand-in. */
export function plainValue(prop: SpecSchema, dialect: Dialect): string {
  const proto = dialect === 'prototext';
  const d = prop.default;
  if (d !== undefined && d !== null && typeof d !== 'object') return literal(d, prop, dialect);
  const options = enumOptions(prop);
  if (options.length > 0) return literal(options[0], prop, dialect);
  if (takesBoolean(prop)) return 'false';
  const type = describeType(elementSchema(prop), proto);
  if (/integer|number/.test(type)) return '0';
  // Hydra's `???` marks a value still to be provided (and is reported until it is).
  return proto ? '""' : '???';
}

/** A value written as the dialect needs it: protobuf enums bare, protobuf strings quoted. */
export function literal(value: unknown, prop: SpecSchema, dialect: Dialect): string {
  if (typeof value !== 'string') return String(value);
  if (dialect === 'prototext') return isProtoEnum(prop) ? value : JSON.stringify(value);
  return /^[\w./\-]+$/.test(value) && !/^(true|false|yes|no|on|off|null|~|\d.*)$/i.test(value) ? value : JSON.stringify(value);
}
