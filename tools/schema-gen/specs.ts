// Reads the real spec corpus (../shared/tao-specs, listed in MANIFEST.tsv) and reduces each file to
// key observations: dotted path (array items add no index), the kind of value found, and where.
// The generator cross-checks schemas against these; the tests check every path resolves.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSpec, yamlDialectOf } from '../../server/src/core/parse';
import type { MapNode, SpecNode } from '../../server/src/core/tree';

export type Dialect = 'prototext' | 'hydra-yaml' | 'pyyaml';
export type ValueKind = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'missing' | 'interpolation' | 'identifier';

export interface SpecFile {
  /** Path under tao-specs, e.g. `NVIDIA__tao_deploy/...`. */
  rel: string;
  abs: string;
  inHead: boolean;
  date: string;
  /** MANIFEST's canonical_model as written (e.g. `dino(retail_od)`). */
  canonical: string;
  /** The project network whose schema must accept this file. */
  network: string;
  manifestDialect: string;
  model: string;
}

export interface Observation {
  path: string;
  kind: ValueKind;
  /** Scalar value as loaded (for ranges and options); undefined for objects and arrays. */
  value?: string | number | boolean | null;
  /** True when this value is an element of a list (YAML sequence item, `[a, b]` or a repeated field). */
  item: boolean;
  /** For objects: the keys written in this instance (to check `required`). */
  keys?: string[];
  file: SpecFile;
  line: number;
}

export function specsRoot(repoRoot: string): string {
  return join(repoRoot, '..', 'shared', 'tao-specs');
}

/** Maps MANIFEST's canonical_model to a project network; null for files that are not TAO specs. */
export function networkForCanonical(canonical: string, dialect: string): string | null {
  if (dialect === 'triton') return null; // a Triton app's own config, not read by TAO
  if (canonical.startsWith('triton:clustering_config')) return 'triton_clustering';
  return canonical.replace(/\(.*\)$/, '');
}

export function readManifest(repoRoot: string): SpecFile[] {
  const root = specsRoot(repoRoot);
  // Tab-separated, no quoting: split plainly so a comma in a path cannot shift columns.
  const [header, ...rows] = readFileSync(join(root, 'MANIFEST.tsv'), 'utf8').split(/\r?\n/).filter(Boolean).map((l) => l.split('\t'));
  const col = (name: string) => header.indexOf(name);
  const files: SpecFile[] = [];
  for (const r of rows) {
    if (r.length < header.length) continue;
    const network = networkForCanonical(r[col('canonical_model')], r[col('dialect')]);
    const rel = `${r[col('repo')].replace('/', '__')}/${r[col('path')]}`;
    files.push({
      rel,
      abs: join(root, rel),
      inHead: r[col('in_head')] === 'HEAD',
      date: r[col('date')],
      canonical: r[col('canonical_model')],
      network: network ?? '',
      manifestDialect: r[col('dialect')],
      model: r[col('model')],
    });
  }
  return files;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Observations through the project's own parsers (server/src/core/parse), so the generator sees
 * exactly the tree the validator will check. Repeated protobuf fields (the same key several times
 * in one message) and list elements are marked as items.
 */
export function observeTree(file: SpecFile, text: string, dialect: Dialect): Observation[] {
  const spec = parseSpec(text, dialect);
  const out: Observation[] = [];
  const lineOf = (o: number) => lineAt(text, o);
  const FORM: Record<string, ValueKind> = {
    string: 'string', int: 'integer', float: 'number', bool: 'boolean', null: 'null',
    identifier: 'identifier', missing: 'missing', interpolation: 'interpolation',
  };
  const node = (n: SpecNode | undefined, path: string, item: boolean, line: number) => {
    if (!n) { out.push({ path, kind: 'null', value: null, item, file, line }); return; }
    if (n.kind === 'map') {
      out.push({ path, kind: 'object', item, keys: n.entries.map((e) => e.key), file, line: path ? line : 1 });
      map(n, path);
    } else if (n.kind === 'list') {
      out.push({ path, kind: 'array', item, file, line });
      for (const it of n.items) node(it, path, true, lineOf(it.span.start));
    } else {
      let kind = FORM[n.form] ?? 'string';
      // PyYAML reads `2e-4` as a string; the value is still meant as a number (the validator warns).
      if (kind === 'string' && /^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$/.test(String(n.value))) kind = 'number';
      out.push({ path, kind, value: n.value, item, file, line });
    }
  };
  const map = (m: MapNode, prefix: string) => {
    const counts = new Map<string, number>();
    for (const e of m.entries) counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
    for (const e of m.entries) {
      const p = prefix ? `${prefix}.${e.key}` : e.key;
      // In protobuf text a key written more than once is a repeated field: each is one element.
      const repeated = dialect === 'prototext' && (counts.get(e.key) ?? 0) > 1;
      node(e.value, p, repeated, lineOf(e.keySpan.start));
    }
  };
  node(spec.root, '', false, 1);
  return out;
}

export function dialectOfFile(file: SpecFile, text: string): Dialect {
  return file.manifestDialect === 'protobuf-text' ? 'prototext' : yamlDialectOf(text);
}

export function observe(file: SpecFile): Observation[] {
  const text = readFileSync(file.abs, 'utf8');
  return observeTree(file, text, dialectOfFile(file, text));
}
