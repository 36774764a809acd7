// Numeric bounds with their provenance (`x-tao-bounds`). Every generator step that sets, tightens
// or widens a bound goes through here, so that each bound keyword in a committed schema says which
// source set it and whether TAO itself refuses a value outside it.
import { BOUND_KEYWORDS, type BoundEntry, type BoundKeyword, type BoundOrigin, type SpecSchema } from '../../server/src/core/schema/types';

const LOWER: ReadonlySet<BoundKeyword> = new Set(['minimum', 'exclusiveMinimum', 'minItems']);

export function boundOf(node: SpecSchema, kw: BoundKeyword): BoundEntry | undefined {
  return node['x-tao-bounds']?.[kw];
}

/** Sets a bound and its provenance, replacing what was there. */
export function setBound(node: SpecSchema, kw: BoundKeyword, value: number, entry: BoundEntry): void {
  node[kw] = value;
  node['x-tao-bounds'] = { ...(node['x-tao-bounds'] ?? {}), [kw]: stripUndefined(entry) };
}

export function dropBound(node: SpecSchema, kw: BoundKeyword): void {
  delete node[kw];
  const p = node['x-tao-bounds'];
  if (!p) return;
  delete p[kw];
  if (Object.keys(p).length === 0) delete node['x-tao-bounds'];
}

/** True when `a` admits fewer values than `b` for this keyword (a larger minimum, a smaller maximum). */
function stricter(kw: BoundKeyword, a: number, b: number): boolean {
  return LOWER.has(kw) ? a > b : a < b;
}

function originOf(entry: BoundEntry | undefined): BoundOrigin | undefined {
  if (!entry) return undefined;
  const { floor: _floor, ...origin } = entry;
  return origin;
}

/**
 * Adds a bound TAO does not enforce (sheet, dataclass, override). Over an enforced bound of the
 * same keyword a stricter recommendation takes the keyword and keeps the enforced one as its floor;
 * a looser one is dropped. `replace` keeps the sheets' old rule for maximum (the sheet's value wins
 * over an unenforced one even when looser).
 */
export function recommendBound(node: SpecSchema, kw: BoundKeyword, value: number, origin: BoundOrigin, replace = false): void {
  const cur = node[kw];
  const entry = boundOf(node, kw);
  if (cur === undefined || !entry) { setBound(node, kw, value, origin); return; }
  if (entry.enforced) {
    if (stricter(kw, value, cur)) setBound(node, kw, value, { ...origin, floor: { ...originOf(entry)!, value: cur } });
    return;
  }
  if (replace || stricter(kw, value, cur)) setBound(node, kw, value, { ...origin, floor: entry.floor });
}

/**
 * Adds a bound TAO enforces (its validator or an assert). A stricter recommendation already there
 * stays on top with this one as its floor.
 */
export function enforceBound(node: SpecSchema, kw: BoundKeyword, value: number, origin: BoundOrigin): void {
  const cur = node[kw];
  const entry = boundOf(node, kw);
  if (cur === undefined || !entry) { setBound(node, kw, value, origin); return; }
  if (kw === 'multipleOf') { setBound(node, kw, value, origin); return; }
  if (entry.enforced) {
    if (stricter(kw, value, cur)) setBound(node, kw, value, origin);
    return;
  }
  if (stricter(kw, cur, value)) {
    const floor = entry.floor && !stricter(kw, value, entry.floor.value) ? entry.floor : { ...origin, value };
    setBound(node, kw, cur, { ...originOf(entry)!, floor });
  } else setBound(node, kw, value, origin);
}

/**
 * Widens a bound so that `v`, used by a real spec file, passes. The new bound is not enforced;
 * an enforced floor the value still meets is kept. Returns the widening text, or undefined.
 */
export function widenFor(node: SpecSchema, v: number, ref: string): string | undefined {
  const changes: string[] = [];
  const origin: BoundOrigin = { source: 'real-specs', enforced: false, ref };
  const lower = (kw: 'minimum' | 'exclusiveMinimum', fails: (b: number) => boolean) => {
    const b = node[kw];
    if (b === undefined || !fails(b)) return;
    const entry = boundOf(node, kw);
    if (entry?.enforced || (entry?.floor && fails(entry.floor.value))) changes.push(`drop enforced ${kw} ${b}`);
    if (kw === 'exclusiveMinimum') {
      dropBound(node, kw);
      if (node.minimum === undefined || node.minimum > v) setBound(node, 'minimum', v, origin);
      changes.push(`lower exclusiveMinimum ${b} -> minimum ${v}`);
      return;
    }
    changes.push(`lower minimum ${b} -> ${v}`);
    restoreOrWiden(node, kw, v, origin, entry?.floor && !fails(entry.floor.value) ? entry.floor : undefined);
  };
  const upper = (kw: 'maximum' | 'exclusiveMaximum', fails: (b: number) => boolean) => {
    const b = node[kw];
    if (b === undefined || !fails(b)) return;
    const entry = boundOf(node, kw);
    if (entry?.enforced || (entry?.floor && fails(entry.floor.value))) changes.push(`drop enforced ${kw} ${b}`);
    if (kw === 'exclusiveMaximum') {
      dropBound(node, kw);
      if (node.maximum === undefined || node.maximum < v) setBound(node, 'maximum', v, origin);
      changes.push(`raise exclusiveMaximum ${b} -> maximum ${v}`);
      return;
    }
    changes.push(`raise maximum ${b} -> ${v}`);
    restoreOrWiden(node, kw, v, origin, entry?.floor && !fails(entry.floor.value) ? entry.floor : undefined);
  };
  lower('minimum', (b) => v < b);
  lower('exclusiveMinimum', (b) => v <= b);
  upper('maximum', (b) => v > b);
  upper('exclusiveMaximum', (b) => v >= b);
  const m = node.multipleOf;
  if (m !== undefined && m > 0 && Math.abs(v / m - Math.round(v / m)) > 1e-9) {
    changes.push(`drop multipleOf ${m}${boundOf(node, 'multipleOf')?.enforced ? ' (enforced)' : ''}`);
    dropBound(node, 'multipleOf');
  }
  return changes.length ? changes.join(', ') : undefined;
}

/** Widens to `v`, or, when that reaches the enforced floor, lets the floor be the bound again. */
function restoreOrWiden(node: SpecSchema, kw: BoundKeyword, v: number, origin: BoundOrigin, floor: (BoundOrigin & { value: number }) | undefined): void {
  if (floor && !stricter(kw, v, floor.value)) {
    const { value, ...floorOrigin } = floor;
    setBound(node, kw, value, floorOrigin);
  } else setBound(node, kw, v, { ...origin, floor });
}

/**
 * Every bound keyword must say where it comes from; entries whose keyword is gone are removed.
 * Returns the dotted paths of bounds without provenance (the generator refuses to write those).
 */
export function checkProvenance(root: SpecSchema): string[] {
  const missing: string[] = [];
  const visit = (node: SpecSchema | undefined, path: string): void => {
    if (!node || typeof node !== 'object') return;
    const p = node['x-tao-bounds'];
    if (p) {
      for (const kw of Object.keys(p) as BoundKeyword[]) if (node[kw] === undefined) delete p[kw];
      if (Object.keys(p).length === 0) delete node['x-tao-bounds'];
    }
    for (const kw of BOUND_KEYWORDS) if (node[kw] !== undefined && !node['x-tao-bounds']?.[kw]) missing.push(`${path || '(root)'} ${kw}`);
    for (const [k, v] of Object.entries(node.properties ?? {})) visit(v, path ? `${path}.${k}` : k);
    if (node.items) visit(node.items, `${path}[]`);
    if (typeof node.additionalProperties === 'object') visit(node.additionalProperties, `${path}.*`);
    node.anyOf?.forEach((alt, i) => visit(alt, `${path}|${i}`));
  };
  visit(root, '');
  return missing;
}

/** Counts bounds per source and enforcement, for the generator's summary and the docs. */
export function countBounds(root: SpecSchema, into: Map<string, number>): void {
  const visit = (node: SpecSchema | undefined): void => {
    if (!node || typeof node !== 'object') return;
    for (const e of Object.values(node['x-tao-bounds'] ?? {}) as BoundEntry[]) {
      const key = `${e.enforced ? 'enforced' : 'recommended'} ${e.source}`;
      into.set(key, (into.get(key) ?? 0) + 1);
      // A floor is an enforced bound of its own, kept under the recommended one.
      if (e.floor) into.set(`enforced ${e.floor.source} (floor)`, (into.get(`enforced ${e.floor.source} (floor)`) ?? 0) + 1);
    }
    for (const v of Object.values(node.properties ?? {})) visit(v);
    visit(node.items);
    if (typeof node.additionalProperties === 'object') visit(node.additionalProperties);
    node.anyOf?.forEach(visit);
  };
  visit(root);
}

function stripUndefined<T extends object>(o: T): T {
  const out = { ...o } as Record<string, unknown>;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as T;
}
