// Reads a field's bounds with their provenance (`x-tao-bounds`, written by tools/schema-gen) and
// words them for diagnostics and hover. A bound TAO enforces is an error when broken; any other
// bound (parameter sheet, dataclass metadata, widened for real files) is TAO's recommendation.
import type { BoundEntry, BoundKeyword, BoundOrigin, BoundSource, SpecSchema } from './types';

/** A bound that applies to a value, with where it comes from. */
export interface Bound {
  kw: BoundKeyword;
  value: number;
  origin: BoundOrigin;
}

/** A bound without provenance (hand-written schemas, tests) counts as enforced, as before. */
const UNKNOWN: BoundOrigin = { source: 'override', enforced: true };

/** The bound on `kw`, plus the enforced floor under it when the bound itself is a recommendation. */
export function boundsOf(schema: SpecSchema, kw: BoundKeyword): Bound[] {
  const value = schema[kw];
  if (value === undefined) return [];
  const entry: BoundEntry | undefined = schema['x-tao-bounds']?.[kw];
  if (!entry) return [{ kw, value, origin: UNKNOWN }];
  const { floor, ...origin } = entry;
  const out: Bound[] = [{ kw, value, origin }];
  if (floor && !origin.enforced) {
    const { value: floorValue, ...floorOrigin } = floor;
    out.push({ kw, value: floorValue, origin: floorOrigin });
  }
  return out;
}

/** Whether `value` breaks the bound. */
export function breaks(b: Bound, value: number): boolean {
  switch (b.kw) {
    case 'minimum': case 'minItems': return value < b.value;
    case 'maximum': case 'maxItems': return value > b.value;
    case 'exclusiveMinimum': return value <= b.value;
    case 'exclusiveMaximum': return value >= b.value;
    case 'multipleOf': return b.value > 0 && Math.abs(value / b.value - Math.round(value / b.value)) > 1e-9;
  }
}

export const VALUE_BOUNDS: readonly BoundKeyword[] = ['minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum', 'multipleOf'];
export const COUNT_BOUNDS: readonly BoundKeyword[] = ['minItems', 'maxItems'];

/** The bounds `value` breaks, split by whether TAO enforces them (an enforced floor counts on its own). */
export function brokenBounds(schema: SpecSchema, keywords: readonly BoundKeyword[], value: number): { enforced: Bound[]; recommended: Bound[] } {
  const enforced: Bound[] = [];
  const recommended: Bound[] = [];
  for (const kw of keywords) {
    for (const b of boundsOf(schema, kw)) if (breaks(b, value)) (b.origin.enforced ? enforced : recommended).push(b);
  }
  return { enforced, recommended };
}

/** "parameter sheet and the config dataclass's ...": the sources of broken recommended bounds. */
export function recommendedSources(bounds: Bound[]): string {
  return [...new Set(bounds.map((b) => sourceNoun(b.origin)))].join(' and the ');
}

/** "at least 1", "a multiple of 16": what the value must be. */
export function requirement(b: Bound): string {
  switch (b.kw) {
    case 'minimum': return `at least ${b.value}`;
    case 'exclusiveMinimum': return `greater than ${b.value}`;
    case 'maximum': return `at most ${b.value}`;
    case 'exclusiveMaximum': return `less than ${b.value}`;
    case 'multipleOf': return `a multiple of ${b.value}`;
    case 'minItems': return `at least ${b.value} value${b.value === 1 ? '' : 's'}`;
    case 'maxItems': return `at most ${b.value} value${b.value === 1 ? '' : 's'}`;
  }
}

const SOURCE_NOUN: Record<BoundSource, string> = {
  'proto-type': 'protobuf field type',
  'tao-validator': "TAO's spec checks",
  dataclass: "config dataclass's valid_min/valid_max metadata",
  sheet: 'parameter sheet',
  override: "project's corrections",
  'real-specs': "range NVIDIA's own spec files use",
};

/** "parameter sheet": the source a recommended bound came from, for "(from the ...)". */
export function sourceNoun(origin: BoundOrigin): string {
  return SOURCE_NOUN[origin.source];
}

/** Why a bound exists and whether TAO enforces it, in a few words for hover. */
export function provenanceText(origin: BoundOrigin): string {
  switch (origin.source) {
    case 'proto-type':
      return 'an unsigned protobuf field: TAO\'s parser refuses negative numbers';
    case 'tao-validator':
      return `checked by TAO, which stops the task otherwise${origin.ref ? ` (${shortRef(origin.ref)})` : ''}`;
    case 'dataclass':
      return "TAO's config dataclass metadata; not enforced by TAO";
    case 'sheet':
      return "TAO's parameter sheet; not enforced by TAO";
    case 'real-specs':
      return `widened to accept NVIDIA's own specs${origin.ref ? ` (${origin.ref})` : ''}; not enforced by TAO`;
    case 'override':
      return `${origin.note ?? "the project's correction"}${origin.enforced ? '' : '; not enforced by TAO'}`;
  }
}

/** `NVIDIA/repo@sha path/to/file.py NAME (kind)` -> `path/to/file.py NAME`, short enough for hover. */
function shortRef(ref: string): string {
  return ref.replace(/^\S+@\S+\s+/, '').replace(/\s*\([^)]*\)\s*$/, '');
}

/** "≥ 16, multiple of 16", or "1–100" for a closed pair. */
export function rangeText(bounds: Bound[], unit = ''): string {
  const get = (kw: BoundKeyword) => bounds.find((b) => b.kw === kw);
  const lo = get('minimum') ?? get('minItems');
  const hi = get('maximum') ?? get('maxItems');
  const parts: string[] = [];
  if (lo && hi) parts.push(`${lo.value}–${hi.value}`);
  else {
    if (lo) parts.push(`≥ ${lo.value}`);
    if (hi) parts.push(`≤ ${hi.value}`);
  }
  const exLo = get('exclusiveMinimum');
  const exHi = get('exclusiveMaximum');
  if (exLo) parts.push(`> ${exLo.value}`);
  if (exHi) parts.push(`< ${exHi.value}`);
  const m = get('multipleOf');
  if (m) parts.push(`multiple of ${m.value}`);
  return parts.join(', ') + (unit ? ` ${unit}` : '');
}

/**
 * Hover lines: the field's bounds grouped by where they come from, enforced ones first, e.g.
 * "≥ 16, multiple of 16 — DetectNet_v2's code needs a multiple of the output stride (16)" and
 * "recommended 1–100 (TAO's parameter sheet; not enforced by TAO)".
 */
export function describeBounds(schema: SpecSchema, keywords: readonly BoundKeyword[]): string[] {
  const groups = new Map<string, { origin: BoundOrigin; bounds: Bound[] }>();
  for (const kw of keywords) {
    // Only bounds that state their source: a hand-written schema's bare bound has nothing to say.
    if (!schema['x-tao-bounds']?.[kw]) continue;
    for (const b of boundsOf(schema, kw)) {
      // Grouped by what the reader sees: two sheet files of one network read as one source.
      const key = JSON.stringify([b.origin.enforced, provenanceText(b.origin)]);
      const g = groups.get(key);
      if (g) g.bounds.push(b);
      else groups.set(key, { origin: b.origin, bounds: [b] });
    }
  }
  const unit = schema['x-tao-unit'] ?? '';
  const ordered = [...groups.values()].sort((a, b) => Number(b.origin.enforced) - Number(a.origin.enforced));
  return ordered.map(({ origin, bounds }) =>
    origin.enforced
      ? `${rangeText(bounds, unit)} — ${provenanceText(origin)}`
      : `recommended ${rangeText(bounds, unit)} (${provenanceText(origin)})`);
}
