// Which TAO network a spec is for: a modeline comment first, then the user's file-name
// settings, then the document's keys scored against every network's key set.
import type { SchemaCatalog } from './schema/catalog';
import type { MapNode, SpecNode } from './tree';
import { suggest } from './util/similar';
import { globToRegExp } from './util/glob';

export type DialectFamily = 'yaml' | 'prototext';

export interface DetectionSettings {
  /** Glob matched against the file path -> network name, e.g. "specs/det_*.txt" -> "detectnet_v2". */
  fileNetworks?: Record<string, string>;
}

export interface Detection {
  network?: string;
  source: 'modeline' | 'setting' | 'content' | 'option' | 'none';
  /** One sentence a user can read in hover: which network and why. */
  reason: string;
  /** Runners-up from content inference, best first. */
  candidates: Array<{ network: string; score: number }>;
  /** The modeline's network value as written, and where, when there is one. */
  modeline?: { name: string; span: { start: number; end: number } };
  /** Modeline asked for a version (e.g. `version=5.0.0`). */
  version?: string;
}

const MODELINE_RE = /\btao\s*:\s*(?:[^\n]*?\b)?network\s*=\s*([A-Za-z0-9_.\-]+)/;
const MODELINE_VERSION_RE = /\bversion\s*=\s*([0-9][0-9A-Za-z_.\-]*)/;
const MODELINE_LINES = 5;

export function familyFromFileName(fileName: string | undefined): DialectFamily {
  return fileName && /\.ya?ml$/i.test(fileName) ? 'yaml' : 'prototext';
}

/** A modeline comment in the first lines: `# tao: network=classification_tf1`. */
export function findModeline(text: string): (Detection['modeline'] & { version?: string }) | undefined {
  const head = text.split('\n', MODELINE_LINES);
  let offset = 0;
  for (const line of head) {
    const hash = line.indexOf('#');
    if (hash >= 0) {
      const m = MODELINE_RE.exec(line.slice(hash));
      if (m) {
        const start = offset + hash + m.index + m[0].length - m[1].length;
        const version = MODELINE_VERSION_RE.exec(line.slice(hash))?.[1];
        return { name: m[1], span: { start, end: start + m[1].length }, version };
      }
    }
    offset += line.length + 1;
  }
  return undefined;
}

export function detectNetwork(
  root: MapNode,
  text: string,
  filePath: string | undefined,
  family: DialectFamily,
  catalog: SchemaCatalog,
  settings: DetectionSettings = {},
): Detection {
  const modeline = findModeline(text);
  if (modeline) {
    const network = catalog.resolveName(modeline.name);
    if (network) {
      return { network, source: 'modeline', reason: `Network ${network}, set by the modeline comment on the first lines.`, candidates: [], modeline, version: modeline.version };
    }
  }
  if (filePath && settings.fileNetworks) {
    const normalized = filePath.replace(/\\/g, '/');
    for (const [glob, name] of Object.entries(settings.fileNetworks)) {
      if (globToRegExp(glob).test(normalized)) {
        const network = catalog.resolveName(name);
        if (network) return { network, source: 'setting', reason: `Network ${network}, from the setting tao.files.networks ("${glob}").`, candidates: [], modeline };
      }
    }
  }
  const scored = scoreNetworks(root, filePath, family, catalog);
  const best = scored[0];
  if (!best || best.score <= 0) {
    return { source: 'none', reason: 'No network recognised from the keys of this file. Add `# tao: network=NAME` on the first line.', candidates: scored.slice(0, 5), modeline };
  }
  const runnerUp = scored[1];
  const margin = runnerUp ? ` (next best: ${runnerUp.network})` : '';
  return {
    network: best.network,
    source: 'content',
    reason: `Network ${best.network}, inferred from the keys: ${best.detail}${margin}. If wrong, add \`# tao: network=NAME\` on the first line.`,
    candidates: scored.slice(0, 5).map(({ network, score }) => ({ network, score })),
    modeline,
  };
}

interface Scored {
  network: string;
  score: number;
  detail: string;
}

/** Key sets per index, built once: scoring runs on every keystroke. */
const keySetCache = new WeakMap<object, Map<string, Set<string>>>();

function keySetsOf(catalog: SchemaCatalog): Map<string, Set<string>> {
  const index = catalog.index();
  let sets = keySetCache.get(index);
  if (!sets) {
    sets = new Map(Object.entries(index.networks).map(([network, entry]) => [network, new Set(entry.keys)]));
    keySetCache.set(index, sets);
  }
  return sets;
}

function scoreNetworks(root: MapNode, filePath: string | undefined, family: DialectFamily, catalog: SchemaCatalog): Scored[] {
  const docKeys = [...collectKeyPaths(root, '', 3)];
  const docKeySet = new Set(docKeys);
  const keySets = keySetsOf(catalog);
  if (docKeys.length === 0) return [];
  const pathSegments = new Set((filePath ?? '').toLowerCase().replace(/\\/g, '/').split('/'));
  const classNameYaml = docKeys.some((k) => k.endsWith('__class_name__'));
  const results: Scored[] = [];
  for (const [network, entry] of Object.entries(catalog.index().networks)) {
    const entryFamily: DialectFamily = entry.dialect === 'prototext' ? 'prototext' : 'yaml';
    if (entryFamily !== family) continue;
    const keys = keySets.get(network) ?? new Set<string>();
    let matched = 0;
    for (const k of docKeys) if (keys.has(k)) matched++;
    const coverage = matched / docKeys.length;
    const signature = (entry.signatureKeys ?? []).filter((k) => docKeySet.has(k));
    // Coverage decides; a small precision term breaks ties toward the smaller matching schema.
    let score = coverage + 0.05 * (matched / Math.max(1, keys.size)) + 0.25 * Math.min(2, signature.length);
    // `__class_name__` YAML belongs to the PyYAML networks; prefer them, without excluding others.
    if (family === 'yaml' && classNameYaml !== (entry.dialect === 'pyyaml')) score -= 0.3;
    const names = [network, ...(entry.aliases ?? [])].map((n) => n.toLowerCase());
    if (names.some((n) => pathSegments.has(n))) score += 0.15;
    if (matched === 0) continue;
    const detail = `${matched} of ${docKeys.length} keys match${signature.length ? `, including ${signature.slice(0, 2).join(', ')}` : ''}`;
    results.push({ network, score, detail });
  }
  results.sort((a, b) => b.score - a.score || a.network.localeCompare(b.network));
  return results;
}

/** Dotted key paths of a document, looking through the first items of lists, up to `depth` levels. */
export function collectKeyPaths(node: SpecNode, prefix: string, depth: number, out: Set<string> = new Set()): Set<string> {
  if (depth === 0) return out;
  if (node.kind === 'map') {
    for (const entry of node.entries) {
      const path = prefix ? `${prefix}.${entry.key}` : entry.key;
      out.add(path);
      if (entry.value) collectKeyPaths(entry.value, path, depth - 1, out);
    }
  } else if (node.kind === 'list') {
    for (const item of node.items.slice(0, 3)) collectKeyPaths(item, prefix, depth, out);
  }
  return out;
}

/** Did-you-mean for an unknown modeline network name. */
export function suggestNetworks(name: string, catalog: SchemaCatalog): string[] {
  return suggest(name, Object.keys(catalog.index().networks), 3);
}
