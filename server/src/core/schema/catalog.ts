// Finds and loads schemas. Only schemas/index.json is read up front (for network detection);
// a network's full schema is read the first time a document of that network is checked.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NetworkSchema } from './types';

export interface NetworkIndexEntry {
  dialect: NetworkSchema['x-tao-dialect'];
  file: string;
  /** Dotted key paths of the schema (a few levels deep), for scoring a document against it. */
  keys: string[];
  /** Keys that tell this network apart from the others. */
  signatureKeys?: string[];
  aliases?: string[];
}

export interface SchemaIndex {
  networks: Record<string, NetworkIndexEntry>;
}

export interface SchemaCatalog {
  index(): SchemaIndex;
  /** Undefined when the network is unknown. */
  schema(network: string): NetworkSchema | undefined;
  /** Canonical network name for a name or alias (e.g. `yolov4` -> `yolo_v4`). */
  resolveName(name: string): string | undefined;
}

/** Walks up from `start` to the first folder that holds schemas/index.json. */
export function findSchemasDir(start: string = __dirname): string | undefined {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'schemas');
    if (existsSync(join(candidate, 'index.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export class FileSchemaCatalog implements SchemaCatalog {
  private cachedIndex: SchemaIndex | undefined;
  private readonly schemas = new Map<string, NetworkSchema | undefined>();

  constructor(private readonly dir: string) {}

  index(): SchemaIndex {
    if (!this.cachedIndex) this.cachedIndex = JSON.parse(readFileSync(join(this.dir, 'index.json'), 'utf8')) as SchemaIndex;
    return this.cachedIndex;
  }

  resolveName(name: string): string | undefined {
    const networks = this.index().networks;
    if (networks[name]) return name;
    const wanted = normalizeName(name);
    for (const [network, entry] of Object.entries(networks)) {
      if (normalizeName(network) === wanted) return network;
      if (entry.aliases?.some((alias) => normalizeName(alias) === wanted)) return network;
    }
    return undefined;
  }

  schema(network: string): NetworkSchema | undefined {
    if (this.schemas.has(network)) return this.schemas.get(network);
    const entry = this.index().networks[network];
    const loaded = entry ? (JSON.parse(readFileSync(join(this.dir, entry.file), 'utf8')) as NetworkSchema) : undefined;
    this.schemas.set(network, loaded);
    return loaded;
  }
}

/** A catalog over schemas held in memory (tests, embedders). */
export class MemorySchemaCatalog implements SchemaCatalog {
  private readonly idx: SchemaIndex;
  constructor(private readonly byNetwork: Record<string, NetworkSchema>, index?: SchemaIndex) {
    this.idx = index ?? buildIndex(byNetwork);
  }
  index(): SchemaIndex {
    return this.idx;
  }
  schema(network: string): NetworkSchema | undefined {
    return this.byNetwork[network];
  }
  resolveName(name: string): string | undefined {
    const wanted = normalizeName(name);
    return Object.keys(this.byNetwork).find((n) => normalizeName(n) === wanted);
  }
}

export function buildIndex(byNetwork: Record<string, NetworkSchema>): SchemaIndex {
  const networks: Record<string, NetworkIndexEntry> = {};
  for (const [network, schema] of Object.entries(byNetwork)) {
    networks[network] = { dialect: schema['x-tao-dialect'], file: `${network}.schema.json`, keys: keyPaths(schema, '', 3) };
  }
  return { networks };
}

export function keyPaths(schema: NetworkSchema | import('./types').SpecSchema, prefix: string, depth: number): string[] {
  const out: string[] = [];
  const props = schema.properties ?? (schema.items ? schema.items.properties : undefined);
  if (!props || depth === 0) return out;
  for (const [key, child] of Object.entries(props)) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.push(path);
    out.push(...keyPaths(child, path, depth - 1));
  }
  return out;
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

let defaultCatalog: SchemaCatalog | undefined;

/** The catalog of the schemas that ship with the project. */
export function getDefaultCatalog(): SchemaCatalog {
  if (!defaultCatalog) {
    const dir = findSchemasDir();
    if (!dir) throw new Error('TAO Spec Studio: schemas/index.json not found next to the installed files; reinstall the package.');
    defaultCatalog = new FileSchemaCatalog(dir);
  }
  return defaultCatalog;
}
