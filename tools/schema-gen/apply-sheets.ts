// Applies parameter-sheet facts to a schema tree. When the tree came from upstream facts (protos,
// dataclasses) those decide nesting and types and the sheets only add defaults, ranges, options,
// required flags and tasks; a network without upstream facts is built from the sheets alone.
import type { SpecSchema, SchemaType } from '../../server/src/core/schema/types';
import type { SheetRow } from './sheets';
import { ensure, resolve, typesOf, setTypes, newObject, container } from './schema-util';
import { recommendBound } from './bounds';

export interface SheetResult {
  applied: number;
  /** Sheet rows with no matching field in the upstream facts (CLI arguments, stale rows). */
  unmatched: string[];
}

function kindSchema(row: SheetRow): SpecSchema {
  switch (row.kind) {
    case 'integer': return { type: 'integer' };
    case 'number': return { type: 'number' };
    case 'boolean': return { type: 'boolean' };
    case 'object': return newObject();
    case 'array': return { type: 'array' };
    // A free-form mapping (class colour maps, per-class weights): keys are the user's.
    case 'dict': return { type: 'object', additionalProperties: true };
    case 'enum': return { type: row.options?.every((o) => /^-?\d+$/.test(o)) ? 'integer' : 'string' };
    default: return { type: 'string' };
  }
}

/** Parses a sheet default into the field's type; unparseable defaults are dropped, not guessed. */
export function typedDefault(raw: string, s: SpecSchema): unknown {
  const types = typesOf(s);
  const t = raw.trim();
  if (types.includes('boolean')) {
    if (/^(true|yes)$/i.test(t)) return true;
    if (/^(false|no)$/i.test(t)) return false;
    return undefined;
  }
  if (types.includes('integer') || types.includes('number')) {
    const n = Number(t);
    if (t === '' || !Number.isFinite(n)) return undefined;
    if (types.includes('integer') && !types.includes('number') && !Number.isInteger(n)) return undefined;
    return n;
  }
  if (types.includes('string')) return s.enum && !s.enum.includes(t) ? undefined : t;
  return undefined;
}

/**
 * `mode`: `build` (no upstream facts: the sheets define the tree), `extend` (dataclass facts: rows
 * the facts lack are older keys and are added, to be marked by version), `annotate` (protos: rows
 * the protos lack are command-line arguments of the TF1 tasks, not spec keys, and are skipped).
 */
export function applySheets(root: SpecSchema, rows: SheetRow[], mode: 'build' | 'extend' | 'annotate', network = ''): SheetResult {
  const fromFacts = mode !== 'build';
  const result: SheetResult = { applied: 0, unmatched: [] };
  // Parents first so that a list row turns its node into an array before children are added.
  const sorted = [...rows].sort((a, b) => a.path.split('.').length - b.path.split('.').length);
  for (let row of sorted) {
    let node = resolve(root, row.path);
    if (!node) {
      if (fromFacts && !result.unmatched.includes(row.path)) result.unmatched.push(row.path);
      if (mode === 'annotate') continue;
      if (mode === 'extend') {
        // Never turn a field the facts type as a scalar into an object because of a stale row.
        const parentPath = row.path.split('.').slice(0, -1).join('.');
        const parent = parentPath ? resolve(root, parentPath) : root;
        if (parent && !container(parent).properties) continue;
      }
      node = ensure(root, row.path, () => kindSchema(row)).node;
    } else if (!fromFacts) {
      // Same path in another task sheet: a list row over an object built from children makes it a list of objects.
      if (row.kind === 'array' && typesOf(node).includes('object') && !typesOf(node).includes('array')) {
        const obj = { ...node };
        for (const k of Object.keys(node)) delete (node as Record<string, unknown>)[k];
        node.type = 'array';
        node.items = obj;
      }
    }
    if (!fromFacts && row.kind === 'array' && typesOf(node).includes('array') && node.properties) {
      // Children were listed before the list row itself: they describe the list's items.
      node.items = { type: 'object', properties: node.properties, additionalProperties: false };
      delete node.properties;
      delete node.additionalProperties;
    }
    result.applied++;
    const types = typesOf(node);
    const numeric = types.includes('integer') || types.includes('number');
    // A sheet row whose minimum exceeds its maximum is a typo; neither bound can be trusted.
    const bounds = row.min !== undefined && row.max !== undefined && row.min > row.max ? { min: undefined, max: undefined } : {};
    if (numeric) {
      row = { ...row, ...bounds };
      // The sheets' valid_min/valid_max are UI limits of TAO's front end: nothing in TAO's own code
      // reads them, so they are recommendations. The stricter minimum wins; the sheet's maximum
      // replaces an unenforced one (as before provenance was recorded).
      const origin = { source: 'sheet' as const, enforced: false, ref: `${network}/${network} - ${row.task}.csv` };
      if (row.min !== undefined) recommendBound(node, 'minimum', row.min, origin);
      if (row.max !== undefined) recommendBound(node, 'maximum', row.max, origin, true);
    }
    // String options are the values TAO accepts; numeric "options" in the sheets are UI suggestions
    // (e.g. input sizes), so they become examples, not an enum.
    if (row.options && !node.enum && row.kind !== 'array') {
      if (numeric) {
        const opts = row.options.map(Number).filter((n) => Number.isFinite(n));
        if (opts.length && !node.examples) node.examples = [...new Set(opts)];
      } else if (types.includes('string')) node.enum = [...new Set<unknown>(row.options)];
    }
    if (row.default !== undefined && node.default === undefined) {
      const d = typedDefault(row.default, node);
      if (d !== undefined) node.default = d;
    }
    if (row.kind === 'array' && types.includes('array') && !node.items) {
      // `list` rows without children are lists of scalars; the real specs narrow the item type later.
      if (!container(node).properties) node.items = {};
    }
    if (row.required) {
      const segs = row.path.split('.');
      const parentPath = segs.slice(0, -1).join('.');
      const parent = parentPath ? resolve(root, parentPath) : root;
      if (parent) {
        const c = container(parent);
        c.required = [...new Set([...(c.required ?? []), segs[segs.length - 1]])];
      }
    }
    node['x-tao-tasks'] = [...new Set([...(node['x-tao-tasks'] ?? []), row.task])];
  }
  return result;
}

export function scalarType(kind: string): SchemaType | undefined {
  return (['string', 'integer', 'number', 'boolean', 'null'] as const).find((t) => t === kind);
}

export { setTypes };
