// Provenance of every numeric bound (`x-tao-bounds`): each bound keyword in the committed schemas
// says which source set it and whether TAO enforces it; only TAO's own checks (protobuf types,
// spec validators, asserts) and overrides that cite them may be enforced. Plus the generator's
// rules for combining an enforced bound with a stricter recommendation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/run';
import { BOUND_KEYWORDS, type BoundEntry, type SpecSchema } from '../../server/src/core/schema/types';
import { enforceBound, recommendBound, setBound, widenFor } from '../../tools/schema-gen/bounds';
import { OVERRIDES } from '../../tools/schema-gen/overrides';
import { TAO_CHECKS } from '../../tools/schema-gen/tao-checks';

const SOURCES = new Set(['proto-type', 'tao-validator', 'dataclass', 'sheet', 'override', 'real-specs']);
const ENFORCEABLE = new Set(['proto-type', 'tao-validator', 'override']);

function schemaFiles(): Array<[string, SpecSchema]> {
  const dir = join(repoRoot, 'schemas');
  return readdirSync(dir).filter((f) => f.endsWith('.schema.json')).map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as SpecSchema]);
}

/** Every schema node with its path, through properties, items, open mappings and alternatives. */
function* nodes(s: SpecSchema, path = ''): Generator<[string, SpecSchema]> {
  yield [path, s];
  for (const [k, v] of Object.entries(s.properties ?? {})) yield* nodes(v, path ? `${path}.${k}` : k);
  if (s.items) yield* nodes(s.items, `${path}[]`);
  if (typeof s.additionalProperties === 'object') yield* nodes(s.additionalProperties, `${path}.*`);
  for (const [i, alt] of (s.anyOf ?? []).entries()) yield* nodes(alt, `${path}|${i}`);
}

function checkOrigin(where: string, e: Omit<BoundEntry, 'floor'>, problems: string[]): void {
  if (!SOURCES.has(e.source)) problems.push(`${where}: unknown source ${e.source}`);
  if (typeof e.enforced !== 'boolean') problems.push(`${where}: enforced is not a boolean`);
  if (e.enforced && !ENFORCEABLE.has(e.source)) problems.push(`${where}: a ${e.source} bound cannot be enforced by TAO`);
  if (e.enforced && !e.ref) problems.push(`${where}: an enforced bound must cite where TAO enforces it`);
  if (e.source === 'override' && !e.note) problems.push(`${where}: an override bound needs a note for hover`);
}

test('every bound keyword in schemas/*.schema.json has a provenance entry, and every entry a bound', () => {
  const problems: string[] = [];
  let bounds = 0;
  for (const [file, schema] of schemaFiles()) {
    for (const [path, node] of nodes(schema)) {
      const prov = node['x-tao-bounds'] ?? {};
      for (const kw of BOUND_KEYWORDS) {
        if (node[kw] === undefined) continue;
        bounds++;
        const e = prov[kw];
        if (!e) { problems.push(`${file} ${path} ${kw}: no provenance`); continue; }
        checkOrigin(`${file} ${path} ${kw}`, e, problems);
        if (e.floor) {
          checkOrigin(`${file} ${path} ${kw} floor`, e.floor, problems);
          if (!e.floor.enforced || e.enforced) problems.push(`${file} ${path} ${kw}: a floor is an enforced bound under a recommended one`);
          const looser = kw.startsWith('min') || kw === 'exclusiveMinimum' ? e.floor.value < node[kw]! : e.floor.value > node[kw]!;
          if (!looser) problems.push(`${file} ${path} ${kw}: floor ${e.floor.value} is not looser than ${node[kw]}`);
        }
      }
      for (const kw of Object.keys(prov)) {
        if ((node as Record<string, unknown>)[kw] === undefined) problems.push(`${file} ${path}: provenance for ${kw}, which is not set`);
      }
    }
  }
  assert.ok(bounds > 2000, `only ${bounds} bounds found`);
  assert.deepEqual(problems.slice(0, 20), []);
});

test('sheet and dataclass bounds are recommendations; TAO\'s checks and unsigned protobuf fields are enforced', () => {
  const seen = new Map<string, Set<boolean>>();
  for (const [, schema] of schemaFiles()) {
    for (const [, node] of nodes(schema)) {
      for (const e of Object.values(node['x-tao-bounds'] ?? {})) {
        const set = seen.get(e.source) ?? new Set<boolean>();
        set.add(e.enforced);
        seen.set(e.source, set);
      }
    }
  }
  assert.deepEqual([...seen.get('sheet')!], [false]);
  assert.deepEqual([...seen.get('dataclass')!], [false]);
  assert.deepEqual([...seen.get('real-specs')!], [false]);
  assert.deepEqual([...seen.get('proto-type')!], [true]);
  assert.deepEqual([...seen.get('tao-validator')!], [true]);
});

test('the issue\'s example: DetectNet_v2 output size is enforced as a multiple of 16, not the sheet\'s 480', () => {
  const dn = schemaFiles().find(([f]) => f === 'detectnet_v2.schema.json')![1];
  const width = dn.properties!.augmentation_config.properties!.preprocessing.properties!.output_image_width;
  assert.equal(width.minimum, 16);
  assert.equal(width.multipleOf, 16);
  assert.equal(width['x-tao-bounds']!.multipleOf!.enforced, true);
  assert.match(width['x-tao-bounds']!.multipleOf!.ref!, /detectnet_v2\/spec_handler\/constants\.py/);
  const batch = dn.properties!.training_config.properties!.batch_size_per_gpu;
  // The sheet's minimum 1 stays a recommendation over the uint's 0; TAO's validator adds > 0.
  assert.equal(batch['x-tao-bounds']!.exclusiveMinimum!.source, 'tao-validator');
});

test('every override that sets a bound states its provenance', () => {
  for (const o of OVERRIDES) {
    const setsBound = BOUND_KEYWORDS.some((kw) => o.set?.[kw] !== undefined);
    if (setsBound) assert.ok(o.bounds && o.bounds.note, `${o.network} ${o.path}`);
    if (o.bounds?.enforced) assert.ok(o.bounds.ref, `${o.network} ${o.path}: an enforced override cites TAO's code`);
  }
  for (const set of TAO_CHECKS) assert.match(set.ref, /^nvidia_tao_tf1\/cv\/\S+\.py \S+/);
});

test('generator rules: recommendation over an enforced bound keeps it as the floor; real files widen', () => {
  const uint: SpecSchema = { type: 'integer' };
  setBound(uint, 'minimum', 0, { source: 'proto-type', enforced: true, ref: 'uint32 field' });
  recommendBound(uint, 'minimum', 1, { source: 'sheet', enforced: false });
  assert.equal(uint.minimum, 1);
  assert.deepEqual(uint['x-tao-bounds']!.minimum, { source: 'sheet', enforced: false, floor: { source: 'proto-type', enforced: true, ref: 'uint32 field', value: 0 } });
  // A looser recommendation does not hide the enforced bound.
  const v: SpecSchema = { type: 'number' };
  enforceBound(v, 'maximum', 0.3, { source: 'tao-validator', enforced: true, ref: 'x.py' });
  recommendBound(v, 'maximum', 1, { source: 'sheet', enforced: false });
  assert.equal(v.maximum, 0.3);
  assert.equal(v['x-tao-bounds']!.maximum!.enforced, true);
  // An enforced bound arriving under a stricter recommendation becomes its floor.
  const w: SpecSchema = { type: 'number' };
  recommendBound(w, 'minimum', 480, { source: 'sheet', enforced: false });
  enforceBound(w, 'minimum', 32, { source: 'tao-validator', enforced: true, ref: 'y.py' });
  assert.equal(w.minimum, 480);
  assert.equal(w['x-tao-bounds']!.minimum!.floor!.value, 32);
  // A real file at 64 widens the recommendation and keeps the floor; at the floor, the floor is the bound again.
  assert.equal(widenFor(w, 64, 'a.txt:3'), 'lower minimum 480 -> 64');
  assert.deepEqual([w.minimum, w['x-tao-bounds']!.minimum!.source, w['x-tao-bounds']!.minimum!.floor!.value], [64, 'real-specs', 32]);
  widenFor(w, 32, 'b.txt:4');
  assert.deepEqual(w['x-tao-bounds']!.minimum, { source: 'tao-validator', enforced: true, ref: 'y.py' });
  // A real file below an exclusive minimum: the bound becomes an unenforced minimum at that value.
  const x: SpecSchema = { type: 'number' };
  enforceBound(x, 'exclusiveMinimum', 0, { source: 'tao-validator', enforced: true, ref: 'z.py' });
  assert.match(widenFor(x, 0, 'c.txt:1')!, /drop enforced exclusiveMinimum 0/);
  assert.deepEqual([x.exclusiveMinimum, x.minimum, x['x-tao-bounds']!.minimum!.enforced], [undefined, 0, false]);
});
