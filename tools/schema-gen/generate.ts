// The generator as a pure function: reads facts (proto/dataclass fact files, parameter sheets),
// the real spec corpus and our descriptions, and returns every schema file's content plus a log.
// main.ts writes the files; the tests call this in memory and compare with what is committed.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { BOUND_KEYWORDS, type BoundKeyword, type NetworkSchema, type SpecSchema } from '../../server/src/core/schema/types';
import { readSheets, sheetNetworks, type SheetRow } from './sheets';
import { readManifest, observe, type SpecFile, type Observation, type Dialect } from './specs';
import { readProtoFacts, protoSchema } from './from-proto';
import { readHydraFacts, hydraSchema } from './from-hydra';
import { applySheets } from './apply-sheets';
import { crossCheck, relaxRequired } from './crosscheck';
import { OVERRIDES, type Override } from './overrides';
import { applyTaoChecks } from './tao-checks';
import { checkProvenance, countBounds, dropBound, setBound } from './bounds';
import { resolve, ensure, keyPaths, ordered, container, newObject } from './schema-util';
import { markVersions } from './versions';
import { buildIndex, type SchemaIndex } from './index-file';
import { markPaths } from './paths';

export const PROTOTEXT_NETWORKS = [
  'classification_tf1', 'detectnet_v2', 'yolo_v3', 'yolo_v4', 'yolo_v4_tiny', 'ssd', 'dssd', 'retinanet',
  'faster_rcnn', 'unet', 'mask_rcnn', 'efficientdet_tf1', 'lprnet', 'multitask_classification',
  // Not a TAO network: the DBSCAN clustering spec of NVIDIA's Triton sample apps, also protobuf text.
  'triton_clustering',
];
/** Networks whose specs are read by plain PyYAML (`__class_name__` specs and their plain-YAML siblings). */
export const PYYAML_NETWORKS = ['bpnet', 'fpenet', 'emotionnet', 'gazenet', 'heartratenet'];

export function dialectOf(network: string): Dialect {
  if (PROTOTEXT_NETWORKS.includes(network)) return 'prototext';
  if (PYYAML_NETWORKS.includes(network)) return 'pyyaml';
  return 'hydra-yaml';
}

export interface NetworkReport {
  network: string;
  dialect: Dialect;
  source: string;
  sheetRows: number;
  sheetUnmatched: string[];
  files: number;
  widenings: { path: string; what: string; seen: string; files: number }[];
  overrides: string[];
  /** Fields that got a bound from TAO's own checks (tao-checks.ts). */
  taoChecks: string[];
  versionMarks: string[];
  descriptions: number;
  descriptionMisses: string[];
}

export interface Generated {
  /** File name under schemas/ -> content. */
  files: Map<string, string>;
  schemas: Map<string, NetworkSchema>;
  index: SchemaIndex;
  reports: NetworkReport[];
  specFiles: SpecFile[];
  observations: Map<string, Observation[]>;
  /** `enforced <source>` / `recommended <source>` -> number of bounds, over all schemas. */
  boundCounts: Map<string, number>;
}

function applyOverride(root: SpecSchema, o: Override): void {
  if (o.remove) {
    const segs = o.path.split('.');
    const parent = segs.length > 1 ? resolve(root, segs.slice(0, -1).join('.')) : root;
    const c = parent ? container(parent) : undefined;
    if (c?.properties) delete c.properties[segs[segs.length - 1]];
    if (c?.required) c.required = c.required.filter((r) => r !== segs[segs.length - 1]);
    return;
  }
  const node = o.path ? ensure(root, o.path, () => ({})).node : root;
  for (const k of o.unset ?? []) {
    if ((BOUND_KEYWORDS as readonly string[]).includes(k)) dropBound(node, k as BoundKeyword);
    else delete (node as Record<string, unknown>)[k];
  }
  const { ...set } = o.set ?? {};
  for (const kw of BOUND_KEYWORDS) {
    const value = set[kw];
    if (value === undefined) continue;
    if (!o.bounds) throw new Error(`override ${o.network} ${o.path} sets ${kw} without its provenance (bounds)`);
    setBound(node, kw, value, { source: 'override', enforced: o.bounds.enforced, ref: o.bounds.ref, note: o.bounds.note });
    delete set[kw];
  }
  Object.assign(node, set);
}

function descriptionsFor(repoRoot: string, network: string): Record<string, { description?: string; unit?: string }> | undefined {
  const file = join(repoRoot, 'tools', 'schema-gen', 'descriptions', `${network}.json`);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // a file being written right now; the next run picks it up
  }
}

export function generateAll(repoRoot: string): Generated {
  const specFiles = readManifest(repoRoot).filter((f) => f.network);
  const byNetwork = new Map<string, SpecFile[]>();
  for (const f of specFiles) byNetwork.set(f.network, [...(byNetwork.get(f.network) ?? []), f]);
  const networks = [...new Set([...sheetNetworks(repoRoot), ...byNetwork.keys()])].sort();

  const schemas = new Map<string, NetworkSchema>();
  const reports: NetworkReport[] = [];
  const observations = new Map<string, Observation[]>();
  const boundCounts = new Map<string, number>();

  const common = descriptionsFor(repoRoot, '_common') ?? {};
  for (const network of networks) {
    const dialect = dialectOf(network);
    const files = byNetwork.get(network) ?? [];
    const rows: SheetRow[] = readSheets(repoRoot, network);
    const proto = dialect === 'prototext' ? readProtoFacts(network) : undefined;
    const hydra = dialect === 'hydra-yaml' ? readHydraFacts(network) : undefined;
    let root: SpecSchema;
    let source: string;
    if (proto) { root = protoSchema(proto); source = proto.source.split(':')[0]; }
    else if (hydra) { root = hydraSchema(hydra); source = hydra.source.split(':')[0]; }
    else if (dialect === 'hydra-yaml' && !rows.length && readHydraFacts('_common')) {
      // No config of its own upstream: start from the keys every TAO Hydra experiment shares
      // (results_dir, encryption_key, model_name, wandb) and let the real files add the rest.
      root = hydraSchema(readHydraFacts('_common')!);
      source = 'tao-core common config + real spec files';
    } else { root = newObject(); source = rows.length ? 'parameter sheets' : 'real spec files'; }
    const factKeys = new Set(keyPaths(root));
    const sheet = applySheets(root, rows, proto ? 'annotate' : hydra ? 'extend' : 'build', network);
    const sheetKeys = new Set(rows.map((r) => r.path));
    // TAO's own checks come after the sheets so that an enforced bound under a stricter sheet
    // bound is kept as that bound's floor, and before the real files, which may still widen them.
    const taoChecks = applyTaoChecks(root, network, proto);

    const overrides: string[] = [];
    for (const o of OVERRIDES.filter((x) => x.network === network || x.network === '*')) {
      if (o.network === '*' && !resolve(root, o.path)) continue;
      applyOverride(root, o);
      overrides.push(`${o.path}: ${o.reason}`);
    }

    const obs = files.flatMap((f) => observe(f));
    observations.set(network, obs);
    const added = new Set<string>();
    const widenings = crossCheck(root, obs, dialect, added);
    widenings.push(...relaxRequired(root, obs.filter((o) => o.kind === 'object' && o.keys).map((o) => ({ path: o.path, keys: o.keys!, o }))));

    const unsourced = checkProvenance(root);
    if (unsourced.length) throw new Error(`${network}: bounds without provenance: ${unsourced.slice(0, 5).join('; ')}`);
    countBounds(root, boundCounts);

    markPaths(root);
    const versionMarks = markVersions(root, {
      dialect, obs, factKeys: proto || hydra ? factKeys : undefined, sheetKeys,
      factVersion: proto ? '5.0.0' : hydra ? '6.0.0' : '5.5.0',
      hasSheets: rows.length > 0,
    });

    // Our own hover text, written in tools/schema-gen/descriptions/ (never taken from the sheets):
    // the network's own entry for a full dotted path, else _common.json's entry for that same path.
    let descriptions = 0;
    const descriptionMisses: string[] = [];
    const desc = descriptionsFor(repoRoot, network) ?? {};
    const apply = (node: SpecSchema, d: { description?: string; unit?: string }) => {
      if (typeof d.description === 'string' && d.description) { node.description = d.description; descriptions++; }
      if (typeof d.unit === 'string' && d.unit) node['x-tao-unit'] = d.unit;
    };
    for (const [path, d] of Object.entries(desc)) {
      const node = path ? resolve(root, path) : root;
      if (!node || !d || typeof d !== 'object') { descriptionMisses.push(path); continue; }
      apply(node, d);
    }
    for (const path of keyPaths(root)) {
      const d = common[path];
      if (desc[path] || !d || typeof d !== 'object') continue;
      apply(resolve(root, path)!, d);
    }

    const schema: NetworkSchema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: `https://tao-spec-studio/schemas/${network}.schema.json`,
      title: `TAO ${network} spec`,
      'x-tao-network': network,
      'x-tao-dialect': dialect,
      ...root,
    };
    schemas.set(network, schema);
    reports.push({
      network, dialect, source, sheetRows: rows.length, sheetUnmatched: sheet.unmatched, files: files.length,
      widenings, overrides, taoChecks, versionMarks, descriptions, descriptionMisses,
    });
  }

  const index = buildIndex(schemas, specFiles, observations);
  for (const [network, entry] of Object.entries(index.networks)) {
    const s = schemas.get(network)!;
    s['x-tao-signature-keys'] = entry.signatureKeys;
  }

  const ajv = new Ajv({ strict: false });
  const files = new Map<string, string>();
  for (const [network, s] of schemas) {
    ajv.compile(s); // throws on a schema that is not valid JSON Schema
    files.set(`${network}.schema.json`, JSON.stringify(ordered(s), null, 2) + '\n');
  }
  files.set('index.json', JSON.stringify(index, null, 2) + '\n');
  return { files, schemas, index, reports, specFiles, observations, boundCounts };
}
