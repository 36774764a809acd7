// Cross-checks a schema against the real spec files of its network and widens it where a file that
// NVIDIA ships uses something the facts did not allow: such a file is valid for its TAO version, so
// the real file wins. Every widening is reported with the file and line that justified it.
import type { SpecSchema, SchemaType } from '../../server/src/core/schema/types';
import type { Observation, Dialect } from './specs';
import { resolve, ensure, typesOf, addType, newObject, container } from './schema-util';
import { widenFor } from './bounds';

export interface Widening {
  path: string;
  what: string;
  /** `file:line` of the first real file that needed it, and how many files did. */
  seen: string;
  files: number;
}

function schemaForKind(o: Observation): SpecSchema {
  switch (o.kind) {
    case 'object': return newObject();
    case 'array': return { type: 'array', items: {} };
    case 'integer': return { type: 'integer' };
    case 'number': return { type: 'number' };
    case 'boolean': return { type: 'boolean' };
    case 'null': return {};
    default: return { type: 'string' };
  }
}

/** A string the dialect's loader (or TAO after it) reads as a number: `2e-4`, `1e5`. */
function numericString(v: unknown): boolean {
  return typeof v === 'string' && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v.trim());
}

function boolWord(v: unknown): boolean {
  return typeof v === 'string' && /^(true|false|True|False|t|f|TRUE|FALSE)$/.test(v);
}

/**
 * Checks one observation against a node; returns the widening text if the node had to change.
 * `dialect` matters: protobuf text writes repeated fields once per element and enums as bare names.
 */
function reconcile(node: SpecSchema, o: Observation, dialect: Dialect): string | undefined {
  const types = typesOf(node);
  if (types.length === 0) {
    // A node with no type yet (an untyped list item or null-only key) takes the first kind seen.
    if (o.kind === 'null' || o.kind === 'missing' || o.kind === 'interpolation') return undefined;
    if (o.item && dialect === 'prototext' && o.kind !== 'array') {
      // A key written several times in one message is a repeated field.
      Object.assign(node, { type: 'array', items: {} });
      return reconcile(node.items!, { ...o, item: false }, dialect);
    }
    Object.assign(node, schemaForKind(o));
    if (o.kind === 'identifier' && dialect === 'prototext') {
      // A bare word is a bool spelling or an enum value; protobuf text never takes one for a string.
      if (boolWord(o.value)) node.type = 'boolean';
      else Object.assign(node, { type: 'string', enum: [o.value], 'x-tao-proto-enum': true });
    }
    return undefined;
  }
  const isArray = types.includes('array');
  // An element value (YAML sequence item, protobuf repeated field) is checked against the items.
  if (isArray && o.kind !== 'array' && (o.item || dialect === 'prototext') && node.items) {
    return reconcile(node.items, { ...o, item: false }, dialect);
  }
  switch (o.kind) {
    case 'missing': case 'interpolation': return undefined; // the validator resolves these
    case 'null':
      if (dialect === 'prototext') return undefined;
      return addType(node, 'null') ? 'allow null' : undefined;
    case 'object':
      if (types.includes('object')) return undefined;
      addType(node, 'object');
      if (!node.properties && node.additionalProperties === undefined) { node.properties = {}; node.additionalProperties = false; }
      return 'allow a mapping';
    case 'array':
      if (isArray && o.item && node.items) {
        // A list inside a list (anchor sizes, camera matrices): the elements are lists too.
        if (typesOf(node.items).length === 0 || typesOf(node.items).includes('array')) return undefined;
        addType(node.items, 'array');
        if (!node.items.items) node.items.items = {};
        return 'allow nested lists';
      }
      if (isArray) return undefined;
      addType(node, 'array');
      if (!node.items) node.items = {};
      return 'allow a list';
    case 'integer':
      if (types.includes('integer') || types.includes('number')) return checkNumber(node, o);
      if (types.includes('string') && dialect !== 'prototext') return checkOption(node, o); // YAML `3` for a string field is converted by OmegaConf
      if (types.includes('boolean') && dialect === 'prototext' && (o.value === 0 || o.value === 1)) return undefined;
      if (node['x-tao-proto-enum'] && Object.values(node['x-tao-enum-numbers'] ?? {}).includes(o.value as number)) return undefined;
      addType(node, 'integer');
      return checkNumber(node, o) ?? 'allow an integer';
    case 'number':
      if (types.includes('number')) return checkNumber(node, o);
      if (types.includes('string') && dialect !== 'prototext') return checkOption(node, o);
      addType(node, 'number');
      return checkNumber(node, o) ?? 'allow a float';
    case 'boolean':
      if (types.includes('boolean')) return undefined;
      if (types.includes('string') && dialect !== 'prototext') return checkOption(node, o);
      addType(node, 'boolean');
      return 'allow a boolean';
    case 'identifier':
      // Protobuf bare word: an enum name or a boolean spelling.
      if (node.enum && node.enum.includes(o.value)) return undefined;
      if (types.includes('boolean') && boolWord(o.value)) return undefined;
      if ((types.includes('number') || types.includes('integer')) && /^-?(inf|nan)/i.test(String(o.value))) return undefined;
      if (node.enum) { node.enum = [...node.enum, o.value]; return `add option ${String(o.value)}`; }
      addType(node, 'string');
      return 'allow a bare identifier';
    case 'string':
      if (types.includes('string')) return checkOption(node, o);
      if ((types.includes('number') || types.includes('integer')) && numericString(o.value)) return undefined;
      if (types.includes('boolean') && dialect !== 'prototext' && boolWord(o.value)) return undefined;
      addType(node, 'string');
      return 'allow a string';
  }
  return undefined;
}

function checkNumber(node: SpecSchema, o: Observation): string | undefined {
  const v = typeof o.value === 'number' ? o.value : Number(o.value);
  if (!Number.isFinite(v)) return undefined;
  if (node.enum) {
    if (node.enum.includes(v)) return undefined;
    node.enum = [...node.enum, v];
    return `add option ${v}`;
  }
  // The widened bound records the file that needed it and is never enforced: the real file is
  // valid for its TAO version, so whatever bound it breaks cannot be one TAO refuses.
  return widenFor(node, v, `${o.file.rel}:${o.line}`);
}

function checkOption(node: SpecSchema, o: Observation): string | undefined {
  if (!node.enum || node.enum.includes(o.value)) return undefined;
  // Case-insensitive option matches are the validator's concern (TAO lower-cases some); record the exact spelling used.
  node.enum = [...node.enum, o.value];
  return `add option ${JSON.stringify(o.value)}`;
}

/**
 * Widens `root` until every observation fits. Keys the schema lacks are added with the kind seen.
 * Returns one record per (path, change).
 */
export function crossCheck(root: SpecSchema, observations: Observation[], dialect: Dialect, addedPaths: Set<string>): Widening[] {
  const found = new Map<string, Widening>();
  const note = (path: string, what: string, o: Observation) => {
    const key = `${path}\u0000${what}`;
    const w = found.get(key);
    if (w) { w.files++; return; }
    found.set(key, { path, what, seen: `${o.file.rel}:${o.line}`, files: 1 });
  };
  const fileSeen = new Map<string, Set<string>>();
  // Two passes: a key first seen as null (no type yet) is typed by a later file, and only then
  // can the null be checked against that type.
  for (const o of [...observations, ...observations]) {
    if (!o.path) continue;
    let node = resolve(root, o.path);
    if (!node) {
      node = ensure(root, o.path, () => ({})).node;
      addedPaths.add(o.path);
      note(o.path, 'add key', o);
    }
    const what = reconcile(node, o, dialect);
    if (what) {
      // Count each file once per change.
      const seen = fileSeen.get(o.path + what) ?? new Set<string>();
      if (!seen.has(o.file.rel)) { seen.add(o.file.rel); if (seen.size === 1) note(o.path, what, o); else found.get(`${o.path}\u0000${what}`)!.files++; }
      fileSeen.set(o.path + what, seen);
    }
  }
  return [...found.values()];
}

/** Drops `required` entries that some real file leaves out (the file is valid, so the key is not required). */
export function relaxRequired(root: SpecSchema, objects: { path: string; keys: string[]; o: Observation }[]): Widening[] {
  const out: Widening[] = [];
  for (const ob of objects) {
    const node = ob.path ? resolve(root, ob.path) : root;
    if (!node) continue;
    const c = container(node);
    if (!c.required) continue;
    for (const r of [...c.required]) {
      if (!ob.keys.includes(r)) {
        const rest: string[] = (c.required ?? []).filter((x) => x !== r);
        if (rest.length) c.required = rest;
        else delete c.required;
        out.push({ path: ob.path ? `${ob.path}.${r}` : r, what: 'not required', seen: `${ob.o.file.rel}:${ob.o.line}`, files: 1 });
      }
    }
  }
  return out;
}

export type { SchemaType };
