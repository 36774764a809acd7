// Lists every dotted key path that NVIDIA's real TAO spec files use, per network, so hover
// descriptions can be written (and their coverage checked) against what users actually write.
// Reads ../shared/tao-specs (never copied into the project). Array indices are dropped: a key
// inside a list item gets the path of the list itself plus its own name.
//
// Usage: node out/tools/schema-gen/list-params.js [network ...]   (prints "network<TAB>path")
//        node out/tools/schema-gen/list-params.js --counts         (spec files and paths per network)
//        node out/tools/schema-gen/list-params.js --missing [network ...]  (paths without a description)
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';

export interface SpecEntry {
  network: string;
  dialect: string;
  file: string;
}

/** Canonical network name used for descriptions/<network>.json; null for files that are not TAO training specs. */
export function networkName(canonical: string): string | null {
  // Triton app configs are deployment helpers, not TAO specs.
  if (canonical.startsWith('triton')) return null;
  // Variants such as `dino(retail_od)` share the base network's keys.
  return canonical.replace(/\(.*\)$/, '');
}

export function readManifest(sharedDir: string): SpecEntry[] {
  const specsDir = path.join(sharedDir, 'tao-specs');
  const lines = readFileSync(path.join(specsDir, 'MANIFEST.tsv'), 'utf8').split(/\r?\n/);
  const header = lines[0].split('\t');
  const col = (name: string): number => header.indexOf(name);
  const entries: SpecEntry[] = [];
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    const cells = line.split('\t');
    const dialect = cells[col('dialect')];
    const network = networkName(cells[col('canonical_model')]);
    if (network === null || dialect === 'triton') continue;
    const file = path.join(specsDir, cells[col('repo')].replace('/', '__'), cells[col('path')]);
    entries.push({ network, dialect, file });
  }
  return entries;
}

/** Key paths of a YAML document; tolerant of duplicate keys and syntax errors (real files have both). */
export function yamlPaths(text: string): Set<string> {
  const out = new Set<string>();
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: -1 });
  } catch {
    return out;
  }
  const walk = (node: unknown, prefix: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item, prefix);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
        const p = prefix ? `${prefix}.${key}` : key;
        out.add(p);
        walk(child, p);
      }
    }
  };
  walk(value, '');
  return out;
}

/**
 * Key paths of a protobuf text-format file. A small scanner is enough here: we only need names
 * and nesting, not values. `name {`, `name: {`, `name <` open a message; `name: value` is a field.
 */
export function prototextPaths(text: string): Set<string> {
  const out = new Set<string>();
  // Segments of the message we are inside; list brackets push the list's field name so that
  // `name: [{..}, {..}]` (rare) nests its messages under `name`.
  const stack: string[] = [];
  const lists: (string | null)[] = [];
  let pendingName: string | null = null;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i];
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      i = skipScalar(text, i);
      pendingName = null;
    } else if (c === '{' || c === '<') {
      const listName = lists.length ? lists[lists.length - 1] : null;
      stack.push(pendingName ?? listName ?? '');
      pendingName = null;
      i++;
    } else if (c === '}' || c === '>') {
      stack.pop();
      pendingName = null;
      i++;
    } else if (c === '[') {
      lists.push(pendingName);
      pendingName = null;
      i++;
    } else if (c === ']') {
      lists.pop();
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < n && /[A-Za-z0-9_]/.test(text[j])) j++;
      const word = text.slice(i, j);
      let k = j;
      while (k < n && /\s/.test(text[k])) k++;
      const next = text[k];
      // A word followed by ':' or an opening brace is a field name; anything else is a value.
      if (next === ':' || next === '{' || next === '<') {
        out.add([...stack.filter((s) => s !== ''), word].join('.'));
        pendingName = word;
        i = next === ':' ? k + 1 : k;
        if (next === ':') {
          let m = i;
          while (m < n && /\s/.test(text[m])) m++;
          if (text[m] !== '{' && text[m] !== '<' && text[m] !== '[') {
            pendingName = null;
            i = skipScalar(text, m);
          }
        }
        continue;
      }
      pendingName = null;
      i = j;
    } else {
      i++;
    }
  }
  return out;
}

/** Index just past a scalar value (number, bare word or quoted string) starting at `i`. */
function skipScalar(text: string, i: number): number {
  const c = text[i];
  if (c === '"' || c === "'") {
    let j = i + 1;
    while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
    // Adjacent string literals concatenate in text format.
    let k = j + 1;
    while (k < text.length && /\s/.test(text[k])) k++;
    if (text[k] === '"' || text[k] === "'") return skipScalar(text, k);
    return j + 1;
  }
  let j = i;
  while (j < text.length && !/[\s{}<>#,;]/.test(text[j])) j++;
  return j;
}

/** Every dotted path per network with the number of real spec files that use it. */
export function realSpecPaths(sharedDir: string): Map<string, { files: number; paths: Map<string, number> }> {
  const result = new Map<string, { files: number; paths: Map<string, number> }>();
  for (const entry of readManifest(sharedDir)) {
    if (!existsSync(entry.file)) continue;
    const text = readFileSync(entry.file, 'utf8');
    const found = entry.dialect === 'protobuf-text' ? prototextPaths(text) : yamlPaths(text);
    let net = result.get(entry.network);
    if (!net) result.set(entry.network, (net = { files: 0, paths: new Map() }));
    net.files++;
    for (const p of found) net.paths.set(p, (net.paths.get(p) ?? 0) + 1);
  }
  return result;
}

/** Descriptions file contents for a network, or an empty object when it does not exist yet. */
export function readDescriptions(descDir: string, network: string): Record<string, { description: string; unit?: string }> {
  const file = path.join(descDir, `${network}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
}

/**
 * Descriptions that apply to a network: its own file, with _common.json as a fallback keyed by
 * full dotted path (a network's own entry wins).
 */
export function effectiveDescriptions(descDir: string, network: string): Record<string, { description: string; unit?: string }> {
  return { ...readDescriptions(descDir, '_common'), ...readDescriptions(descDir, network) };
}

function main(): void {
  const repoRoot = path.resolve(__dirname, '..', '..', '..');
  const sharedDir = path.resolve(repoRoot, '..', 'shared');
  const descDir = path.join(repoRoot, 'tools', 'schema-gen', 'descriptions');
  const args = process.argv.slice(2);
  const all = realSpecPaths(sharedDir);
  const nets = [...all.entries()].sort((a, b) => b[1].files - a[1].files || a[0].localeCompare(b[0]));
  if (args[0] === '--counts') {
    for (const [net, { files, paths }] of nets) {
      const desc = effectiveDescriptions(descDir, net);
      const done = [...paths.keys()].filter((p) => desc[p]?.description).length;
      console.log(`${net}\t${files} files\t${done}/${paths.size} paths`);
    }
    return;
  }
  const missing = args[0] === '--missing';
  const wanted = new Set(missing ? args.slice(1) : args);
  for (const [net, { paths }] of nets) {
    if (wanted.size && !wanted.has(net)) continue;
    const desc = missing ? effectiveDescriptions(descDir, net) : {};
    for (const p of [...paths.keys()].sort()) {
      if (missing && desc[p]?.description) continue;
      console.log(`${net}\t${p}\t${paths.get(p)}`);
    }
  }
}

if (require.main === module) main();
