// The committed schema catalogue: up to date with its generator, valid JSON Schema, accepting
// every real spec file NVIDIA ships, covering every network, and indexed consistently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import { generateAll, type Generated } from '../../tools/schema-gen/generate';
import { crossCheck } from '../../tools/schema-gen/crosscheck';
import { sheetNetworks } from '../../tools/schema-gen/sheets';
import { keyPaths } from '../../tools/schema-gen/schema-util';
import { parseCsvObjects } from '../../tools/schema-gen/csv';
import type { NetworkSchema } from '../../server/src/core/schema/types';

const repoRoot = resolve(__dirname, '..', '..', '..');
const schemasDir = join(repoRoot, 'schemas');

let generated: Generated | undefined;
function gen(): Generated {
  generated ??= generateAll(repoRoot);
  return generated;
}

function committed(name: string): string {
  return readFileSync(join(schemasDir, name), 'utf8');
}

function loadSchema(network: string): NetworkSchema {
  return JSON.parse(committed(`${network}.schema.json`)) as NetworkSchema;
}

test('committed schemas are exactly what the generator produces (run `npm run schemas`)', () => {
  const g = gen();
  const onDisk = readdirSync(schemasDir).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual(onDisk, [...g.files.keys()].sort());
  for (const [name, content] of g.files) assert.equal(committed(name), content, `${name} is stale`);
});

test('every committed schema compiles with ajv', () => {
  for (const name of readdirSync(schemasDir).filter((f) => f.endsWith('.schema.json'))) {
    const ajv = new Ajv({ strict: false });
    assert.doesNotThrow(() => ajv.compile(JSON.parse(committed(name))), name);
  }
});

test('every network of the sheets and of the real specs has a schema in its dialect', () => {
  const g = gen();
  const networks = new Set([...sheetNetworks(repoRoot), ...g.specFiles.map((f) => f.network)]);
  assert.ok(networks.size >= 42 + 19, `only ${networks.size} networks found`);
  for (const n of networks) {
    assert.ok(existsSync(join(schemasDir, `${n}.schema.json`)), `no schema for ${n}`);
    const s = loadSchema(n);
    assert.equal(s['x-tao-network'], n);
  }
  const tf1 = ['classification_tf1', 'detectnet_v2', 'yolo_v3', 'yolo_v4', 'yolo_v4_tiny', 'ssd', 'dssd', 'retinanet',
    'faster_rcnn', 'unet', 'mask_rcnn', 'efficientdet_tf1', 'lprnet', 'multitask_classification'];
  for (const n of tf1) assert.equal(loadSchema(n)['x-tao-dialect'], 'prototext', n);
  for (const n of ['bpnet', 'fpenet']) assert.equal(loadSchema(n)['x-tao-dialect'], 'pyyaml', n);
  for (const n of ['dino', 'classification_pyt', 'segformer']) assert.equal(loadSchema(n)['x-tao-dialect'], 'hydra-yaml', n);
});

test('every key path of every real spec resolves in its network schema with a compatible value', () => {
  const g = gen();
  const problems: string[] = [];
  for (const [network, obs] of g.observations) {
    // Cross-checking a copy of the committed schema must find nothing to add or widen.
    const copy = loadSchema(network);
    const added = new Set<string>();
    for (const w of crossCheck(copy, obs, copy['x-tao-dialect'], added)) {
      problems.push(`${network}: ${w.what} ${w.path} (${w.seen})`);
    }
  }
  assert.equal(g.specFiles.length, 615, 'all 616 corpus files except the one Triton app config');
  assert.deepEqual(problems.slice(0, 20), []);
});

test('protobuf facts reach the schemas: oneofs, enums, maps and repeated fields', () => {
  const d = loadSchema('detectnet_v2');
  const opt = d.properties!.training_config.properties!.optimizer.properties!;
  assert.equal(opt.adam['x-tao-oneof'], 'optimizer');
  const ds = d.properties!.dataset_config.properties!;
  assert.equal(ds.data_sources.type, 'array');
  assert.equal(ds.target_class_mapping['x-tao-proto-map'], true);
  assert.deepEqual(Object.keys(ds.target_class_mapping.items!.properties!), ['key', 'value']);
  const c = loadSchema('classification_tf1');
  const lr = c.properties!.train_config.properties!.lr_config.properties!;
  assert.ok(Object.values(lr).every((s) => s['x-tao-oneof'] === 'lr_scheduler'), 'lr schedules are one oneof');
  const enumField = keyPaths(d).map((p) => p).length > 0 &&
    JSON.stringify(d).includes('"x-tao-proto-enum":true');
  assert.ok(enumField, 'detectnet_v2 has protobuf enums');
  assert.equal(d.additionalProperties, false);
});

test('real-file values outside the facts are accepted (dino batch_size -1)', () => {
  const dino = loadSchema('dino');
  assert.equal(dino.properties!.dataset.properties!.batch_size.minimum, -1);
});

test('index.json matches the schemas and its signature keys tell networks apart', () => {
  const index = JSON.parse(committed('index.json')) as { networks: Record<string, { dialect: string; file: string; keys: string[]; signatureKeys: string[]; aliases: string[] }> };
  const names = Object.keys(index.networks);
  assert.deepEqual(names.sort(), readdirSync(schemasDir).filter((f) => f.endsWith('.schema.json')).map((f) => f.replace('.schema.json', '')).sort());
  const keySets = new Map(names.map((n) => [n, new Set(index.networks[n].keys)]));
  for (const n of names) {
    const e = index.networks[n];
    const s = loadSchema(n);
    assert.equal(e.file, `${n}.schema.json`);
    assert.equal(e.dialect, s['x-tao-dialect']);
    assert.deepEqual(e.keys, keyPaths(s, 3));
    assert.deepEqual(s['x-tao-signature-keys'], e.signatureKeys);
    for (const k of e.signatureKeys) assert.ok(keySets.get(n)!.has(k), `${n}: signature ${k} not among its keys`);
    for (const a of e.aliases) assert.ok(!names.includes(a), `${n}: alias ${a} is another network's name`);
  }
  assert.ok(index.networks.detectnet_v2.signatureKeys.includes('cost_function_config'));
  assert.ok(index.networks.detectnet_v2.signatureKeys.includes('bbox_rasterizer_config'));
  assert.ok(index.networks.yolo_v3.signatureKeys.includes('yolov3_config'));
  // Signature keys are unique among schemas except where two networks share one proto.
  for (const n of ['detectnet_v2', 'classification_tf1', 'dino', 'unet']) {
    for (const k of index.networks[n].signatureKeys) {
      for (const m of names) if (m !== n) assert.ok(!keySets.get(m)!.has(k), `${n} signature ${k} also in ${m}`);
    }
  }
});

test('no description is copied from the sheets', () => {
  const sheetTexts = new Set<string>();
  const root = join(repoRoot, '..', 'shared', 'tao-parameters');
  for (const n of sheetNetworks(repoRoot)) {
    for (const f of readdirSync(join(root, n)).filter((x) => x.endsWith('.csv'))) {
      for (const r of parseCsvObjects(readFileSync(join(root, n, f), 'utf8'))) {
        const d = (r.description ?? '').trim();
        if (d.length > 25) sheetTexts.add(d);
      }
    }
  }
  const copied: string[] = [];
  const walk = (v: unknown) => {
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (typeof o.description === 'string' && sheetTexts.has(o.description.trim())) copied.push(o.description);
    for (const x of Object.values(o)) walk(x);
  };
  for (const f of readdirSync(schemasDir).filter((x) => x.endsWith('.schema.json'))) walk(JSON.parse(committed(f)));
  assert.deepEqual(copied, []);
});
