// schemas/index.json: the only file the language server reads at start-up. It lists each
// network's dialect, schema file, key paths (depth <= 3), the keys that tell it apart from the
// others, and what detection needs to tell when a network would reject a document (required
// fields, free-form objects, and values networks disagree on), so content-based detection works
// without loading any full schema.
import type { NetworkSchema } from '../../server/src/core/schema/types';
import type { SpecFile, Observation } from './specs';
import type { SpecSchema } from '../../server/src/core/schema/types';
import { keyPaths, container, typesOf } from './schema-util';

export interface IndexEntry {
  dialect: NetworkSchema['x-tao-dialect'];
  file: string;
  keys: string[];
  signatureKeys: string[];
  aliases: string[];
  /** Required key paths (depth <= 3): a document that has the parent but not the key is in error. Absent when none. */
  required?: string[];
  /** Objects (depth <= 2, '' for the top level) that accept keys of the user's choosing. Absent when none. */
  open?: string[];
  /**
   * Options of the string enums (depth <= 3) that another network of the same dialect family
   * has with other options or none: a value tells those networks apart. Absent when none.
   */
  options?: Record<string, string[]>;
  /** Keys (depth <= 3) that take only a section or a list where another network of the family takes a value. Absent when none. */
  sections?: string[];
}

export interface SchemaIndex {
  networks: Record<string, IndexEntry>;
}

/** Folder names in the corpus that say nothing about the network. */
const GENERIC_FOLDERS = new Set(['specs', 'notebooks', 'kitti', 'text2box', 'specs_output', 'classification', 'efficientdet']);
const MAX_SIGNATURE = 8;

/** A key inside a mapping whose keys are the user's (colour maps, label maps). */
function underFreeForm(schema: SpecSchema, key: string): boolean {
  let cur: SpecSchema | undefined = schema;
  for (const seg of key.split('.')) {
    if (!cur) return false;
    const c: SpecSchema = container(cur);
    if (c.additionalProperties === true) return true;
    cur = c.properties?.[seg];
  }
  return false;
}

/** Required paths and free-form objects of a schema, as deep as detection looks (3 levels). */
function requiredAndOpen(schema: SpecSchema): { required: string[]; open: string[] } {
  const required: string[] = [];
  const open: string[] = [];
  const walk = (node: SpecSchema, prefix: string, depth: number) => {
    if (depth === 3) return;
    const c = container(node);
    // `true` or a schema for the values: the keys are the user's (label maps, colour maps).
    if (c.additionalProperties === true || typeof c.additionalProperties === 'object') open.push(prefix);
    for (const r of c.required ?? []) required.push(prefix ? `${prefix}.${r}` : r);
    for (const [k, v] of Object.entries(c.properties ?? {})) walk(v, prefix ? `${prefix}.${k}` : k, depth + 1);
  };
  walk(schema, '', 0);
  return { required, open };
}

interface ValueFacts {
  /** String-enum options of a scalar key, sorted; undefined when it has none. */
  options?: string[];
  /** Takes only a section or a list, never a value. */
  section: boolean;
}

/** What each key (depth <= 3) of a schema accepts as a value, for telling networks apart by values. */
function valueFacts(schema: SpecSchema): Map<string, ValueFacts> {
  const out = new Map<string, ValueFacts>();
  const walk = (node: SpecSchema, prefix: string, depth: number) => {
    if (prefix) {
      const types = typesOf(node);
      const scalarEnum = !types.includes('array') && Array.isArray(node.enum) && node.enum.length > 0 && node.enum.every((o) => typeof o === 'string');
      out.set(prefix, {
        options: scalarEnum ? (node.enum as string[]).slice().sort() : undefined,
        section: types.length > 0 && types.every((t) => t === 'object' || t === 'array'),
      });
    }
    if (depth === 3) return;
    for (const [k, v] of Object.entries(container(node).properties ?? {})) walk(v, prefix ? `${prefix}.${k}` : k, depth + 1);
  };
  walk(schema, '', 0);
  return out;
}

export function buildIndex(schemas: Map<string, NetworkSchema>, files: SpecFile[], obs: Map<string, Observation[]>): SchemaIndex {
  const keySets = new Map<string, Set<string>>();
  for (const [n, s] of schemas) keySets.set(n, new Set(keyPaths(s, 3)));
  const usedSets = new Map<string, Set<string>>();
  for (const [n, list] of obs) usedSets.set(n, new Set(list.map((o) => o.path).filter((p) => p && p.split('.').length <= 3)));
  // Share of each network's real files that use a key (for networks that share one schema).
  const share = new Map<string, Map<string, number>>();
  for (const [n, list] of obs) {
    const byKey = new Map<string, Set<string>>();
    for (const o of list) if (o.path) byKey.set(o.path, (byKey.get(o.path) ?? new Set()).add(o.file.rel));
    const total = new Set(list.map((o) => o.file.rel)).size || 1;
    share.set(n, new Map([...byKey].map(([k, f]) => [k, f.size / total])));
  }
  // Data keys (class ids, colour names) say nothing about the network.
  const nameLike = (k: string) => k.split('.').every((seg) => /^[A-Za-z_]\w*$/.test(seg));

  const facts = new Map<string, Map<string, ValueFacts>>();
  for (const [n, s] of schemas) facts.set(n, valueFacts(s));
  const familyOf = (n: string) => (schemas.get(n)!['x-tao-dialect'] === 'prototext' ? 'prototext' : 'yaml');

  const networks: Record<string, IndexEntry> = {};
  for (const [n, s] of schemas) {
    const own = keySets.get(n)!;
    const used = usedSets.get(n) ?? new Set<string>();
    const unique = (k: string, sets: Map<string, Set<string>>) => [...sets].every(([m, set]) => m === n || !set.has(k));
    // Keys no other schema has; shallow ones first, keys real files use before the rest, and a
    // key whose parent is already a signature adds nothing.
    let candidates = [...own].filter((k) => nameLike(k) && !underFreeForm(s, k) && unique(k, keySets));
    const fileCount = new Set((obs.get(n) ?? []).map((o) => o.file.rel)).size;
    // Usage shares mean something only with a few files (one dump of a full config is not a pattern).
    if (candidates.length === 0 && fileCount >= 3) {
      // Networks that share one proto (ssd/dssd) still differ in what their real files use:
      // keys most of this network's files use and few of any other network's files do.
      const mine = share.get(n) ?? new Map<string, number>();
      candidates = [...used].filter((k) => {
        if (!own.has(k) || !nameLike(k) || underFreeForm(s, k)) return false;
        const others = Math.max(0, ...[...share].filter(([m]) => m !== n).map(([, sh]) => sh.get(k) ?? 0));
        return (mine.get(k) ?? 0) - others >= 0.5;
      });
    }
    const depth = (k: string) => k.split('.').length;
    candidates.sort((a, b) => depth(a) - depth(b) || Number(used.has(b)) - Number(used.has(a)) || a.localeCompare(b));
    const signature: string[] = [];
    for (const k of candidates) {
      if (signature.length >= MAX_SIGNATURE) break;
      if (signature.some((sig) => k.startsWith(sig + '.'))) continue;
      signature.push(k);
    }
    const aliases = new Set<string>();
    for (const f of files.filter((x) => x.network === n)) {
      const variant = /\((.+)\)$/.exec(f.canonical)?.[1];
      if (variant) aliases.add(variant);
      if (f.canonical.includes(':')) aliases.add(f.canonical);
      const folderNetworks = new Set(files.filter((x) => x.model === f.model).map((x) => x.network));
      if (f.model !== n && folderNetworks.size === 1 && !GENERIC_FOLDERS.has(f.model)) aliases.add(f.model);
    }
    const entry: IndexEntry = { dialect: s['x-tao-dialect'], file: `${n}.schema.json`, keys: [...own], signatureKeys: signature, aliases: [...aliases].sort() };
    const { required, open } = requiredAndOpen(s);
    if (required.length) entry.required = required;
    if (open.length) entry.open = open;
    // Values count only where they tell this network from another one that has the same key.
    const others = [...facts].filter(([m]) => m !== n && familyOf(m) === familyOf(n)).map(([, f]) => f);
    const options: Record<string, string[]> = {};
    const sections: string[] = [];
    for (const [k, mine] of facts.get(n)!) {
      const theirs = others.map((f) => f.get(k)).filter((f): f is ValueFacts => f !== undefined);
      if (mine.options && theirs.some((t) => t.options?.join('\u0000') !== mine.options!.join('\u0000'))) options[k] = mine.options;
      if (mine.section && theirs.some((t) => !t.section)) sections.push(k);
    }
    if (Object.keys(options).length) entry.options = options;
    if (sections.length) entry.sections = sections;
    networks[n] = entry;
  }
  return { networks };
}
