// Small helpers for building and walking our SpecSchema trees by dotted path.
import type { SpecSchema, SchemaType } from '../../server/src/core/schema/types';

export function typesOf(s: SpecSchema): SchemaType[] {
  if (s.type === undefined) return [];
  return Array.isArray(s.type) ? [...s.type] : [s.type];
}

export function setTypes(s: SpecSchema, types: SchemaType[]): void {
  const order: SchemaType[] = ['object', 'array', 'string', 'integer', 'number', 'boolean', 'null'];
  let uniq = order.filter((t) => types.includes(t));
  // `number` already admits integers.
  if (uniq.includes('number')) uniq = uniq.filter((t) => t !== 'integer');
  s.type = uniq.length === 1 ? uniq[0] : uniq;
}

export function addType(s: SpecSchema, t: SchemaType): boolean {
  const cur = typesOf(s);
  if (cur.includes(t) || (t === 'integer' && cur.includes('number'))) return false;
  setTypes(s, [...cur, t]);
  return true;
}

export function newObject(): SpecSchema {
  return { type: 'object', properties: {}, additionalProperties: false };
}

/** The schema that holds an element's keys: the node itself, or its items for an array. */
export function container(s: SpecSchema): SpecSchema {
  return typesOf(s).includes('array') && s.items ? s.items : s;
}

/** Finds the schema at a dotted path; array levels are stepped through without an index. */
export function resolve(root: SpecSchema, path: string): SpecSchema | undefined {
  let cur: SpecSchema | undefined = root;
  for (const seg of path.split('.')) {
    if (!cur) return undefined;
    const c: SpecSchema = container(cur);
    cur = c.properties?.[seg];
  }
  return cur;
}

/** Like resolve, but creates missing levels as closed objects; returns the node and whether it was new. */
export function ensure(root: SpecSchema, path: string, make: () => SpecSchema): { node: SpecSchema; created: boolean } {
  const segs = path.split('.');
  let cur = root;
  let created = false;
  segs.forEach((seg, i) => {
    let c = container(cur);
    if (!c.properties) {
      // A scalar or free-form node that real files nest keys under becomes an object too.
      if (typesOf(c).includes('array') && !c.items) { c.items = newObject(); c = c.items; }
      else { addType(c, 'object'); c.properties = {}; if (c.additionalProperties === undefined) c.additionalProperties = false; }
    }
    if (!c.properties![seg]) {
      c.properties![seg] = i === segs.length - 1 ? make() : newObject();
      created = true;
    }
    cur = c.properties![seg];
  });
  return { node: cur, created };
}

/** Every dotted key path of a schema (array items add no segment), depth-first in key order. */
export function keyPaths(s: SpecSchema, maxDepth = Infinity, prefix = '', depth = 1): string[] {
  const c = container(s);
  const out: string[] = [];
  for (const [k, v] of Object.entries(c.properties ?? {})) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.push(p);
    if (depth < maxDepth) out.push(...keyPaths(v, maxDepth, p, depth + 1));
  }
  return out;
}

/** Stable key order for committed JSON: schema keywords in a fixed order, properties as built. */
const KEY_ORDER = [
  '$schema', '$id', 'title', 'x-tao-network', 'x-tao-dialect', 'x-tao-signature-keys', 'description', 'type', 'enum',
  'default', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'pattern', 'minItems', 'maxItems',
  'x-tao-bounds',
  'x-tao-unit', 'x-tao-proto-enum', 'x-tao-enum-numbers', 'x-tao-proto-map', 'x-tao-oneof', 'x-tao-path', 'x-tao-tasks',
  'x-tao-since', 'x-tao-removed', 'x-tao-deprecated', 'x-tao-snippet', 'examples', 'anyOf', 'required', 'items',
  'properties', 'additionalProperties',
];

export function ordered(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(ordered);
  if (!s || typeof s !== 'object') return s;
  const o = s as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(o).sort((a, b) => {
    const ia = KEY_ORDER.indexOf(a), ib = KEY_ORDER.indexOf(b);
    return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib) || a.localeCompare(b);
  });
  for (const k of keys) {
    if (o[k] === undefined) continue;
    if (k === 'properties' || k === 'x-tao-enum-numbers') {
      out[k] = Object.fromEntries(Object.entries(o[k] as Record<string, unknown>).map(([pk, pv]) => [pk, ordered(pv)]));
    } else out[k] = ordered(o[k]);
  }
  return out;
}
