// Questions the editor features ask of a field's schema, answered the same way everywhere:
// is it a section, is it repeated, which literal values does it take, is it a path.
import { hasType, objectSchemaOf, typesOf } from '../schema/navigate';
import type { SpecSchema } from '../schema/types';
import type { MapNode, SpecNode } from '../tree';

/** Keys whose values are file-system paths even when the schema does not say so. */
const PATH_KEY_RE = /(?:^|_)(?:path|dir|directory|file|folder|root)s?$|^(?:ann_file|img_dir|data_dir)$/;

/** A nested message / mapping (possibly repeated). */
export function isSection(schema: SpecSchema): boolean {
  if (hasType(schema, 'object')) return true;
  const item = schema.items;
  return !!item && hasType(schema, 'array') && hasType(item, 'object');
}

/** The field may appear several times (protobuf repeated) or holds a list (YAML sequence). */
export function isRepeated(schema: SpecSchema): boolean {
  return hasType(schema, 'array');
}

/** The schema of one value: the items of a list, else the field itself. */
export function elementSchema(schema: SpecSchema): SpecSchema {
  return hasType(schema, 'array') && schema.items && !hasType(schema, 'object') ? schema.items : schema;
}

/** Enum options from the field or any of its alternatives. */
export function enumOptions(schema: SpecSchema): unknown[] {
  const s = elementSchema(schema);
  if (s.enum) return s.enum;
  if (s.anyOf) return s.anyOf.flatMap((alt) => alt.enum ?? []);
  return [];
}

export function isProtoEnum(schema: SpecSchema): boolean {
  const s = elementSchema(schema);
  return !!s['x-tao-proto-enum'] || !!s.anyOf?.some((alt) => alt['x-tao-proto-enum']);
}

export function takesBoolean(schema: SpecSchema): boolean {
  return typesOf(elementSchema(schema)).includes('boolean');
}

export function isPathField(key: string, schema: SpecSchema | undefined): boolean {
  if (schema?.['x-tao-path']) return true;
  if (schema && !typesOf(elementSchema(schema)).some((t) => t === 'string')) return false;
  return PATH_KEY_RE.test(key);
}

export function propertiesOf(schema: SpecSchema | undefined): Record<string, SpecSchema> {
  return objectSchemaOf(schema)?.properties ?? {};
}

export function requiredOf(schema: SpecSchema | undefined): string[] {
  return objectSchemaOf(schema)?.required ?? [];
}

/**
 * The map the cursor is in, following `path` from the root. Among repeated sections with
 * the same key, the one whose span holds `offset` wins (else the last, as TAO reads it).
 */
export function mapAtPath(root: MapNode, path: string[], offset: number): MapNode | undefined {
  let node: SpecNode | undefined = root;
  for (const key of path) {
    const map = asMap(node, offset);
    if (!map) return undefined;
    const candidates = map.entries.filter((e) => e.key === key);
    if (candidates.length === 0) return undefined;
    const holding = candidates.filter((e) => offset >= e.span.start && offset <= e.span.end);
    node = (holding[holding.length - 1] ?? candidates[candidates.length - 1]).value;
  }
  return asMap(node, offset);
}

/** A map itself, or the list item (a map) holding `offset`, or the last map item of a list. */
function asMap(node: SpecNode | undefined, offset: number): MapNode | undefined {
  if (!node) return undefined;
  if (node.kind === 'map') return node;
  if (node.kind === 'list') {
    const maps = node.items.filter((i): i is MapNode => i.kind === 'map');
    return maps.find((m) => offset >= m.span.start && offset <= m.span.end) ?? maps[maps.length - 1];
  }
  return undefined;
}
