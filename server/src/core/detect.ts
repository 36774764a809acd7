// Which TAO network a spec is for: a modeline comment first, then the user's file-name
// settings, then the document's keys scored against every network's key set, with the folder
// names of the file's path to settle near-ties.
//
// Key scoring, per network of the document's dialect family (YAML or protobuf text):
// - each document key the network knows adds the key's weight, an IDF over the family's
//   networks (a key few networks have says more than `dataset` or `results_dir` does);
// - each document key the network would reject (unknown under an object whose keys the schema
//   closes) subtracts its weight: TAO would refuse the file for that network;
// - so does each known key whose value the network would refuse, where networks differ on it:
//   a word outside its options (`backbone: fan_small`), or a value where it takes a section;
// - each required field the network would miss (its parent is in the document) subtracts half
//   of its weight: a network the file cannot satisfy loses to one it can;
// - the sum is divided by the document's total weight, so 1 means "every key accepted".
// All of it comes from schemas/index.json, never from a full schema (ARCHITECTURE.md, invariant 6).
// Small tie-breakers follow: signature keys, the `__class_name__` dialect, the schema's size,
// and the folder names (never enough to overturn a clear difference in the keys).
import type { NetworkIndexEntry, SchemaCatalog } from './schema/catalog';
import type { MapNode, ScalarNode, SpecNode } from './tree';
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
  if (root.entries.length === 0) {
    // Nothing to score yet (a new or fully commented-out file): a folder named after a network is all there is.
    const byFolder = networkFromFolder(filePath, family, catalog);
    if (byFolder) {
      return {
        network: byFolder.network,
        source: 'content',
        reason: `Network ${byFolder.network}, guessed from the folder name '${byFolder.folder}': the file has no keys yet. If wrong, add \`# tao: network=NAME\` on the first line.`,
        candidates: [],
        modeline,
      };
    }
  }
  const scored = scoreNetworks(root, filePath, family, catalog);
  const best = scored[0];
  // Nothing matched, or the best network knows under half of the document's keys and would
  // reject more than it explains (a file that is no TAO spec). A spec with a typo, or a key
  // half typed, still keeps its network.
  if (!best || (best.score <= 0 && best.matched < best.keys / 2)) {
    return {
      source: 'none',
      reason: 'No network recognised from the keys of this file. Add `# tao: network=NAME` on the first line.',
      candidates: scored.slice(0, 5).map(({ network, score }) => ({ network, score })),
      modeline,
    };
  }
  const runnerUp = scored[1];
  const margin = runnerUp ? ` (next best: ${runnerUp.network})` : '';
  // Say so when the keys alone would not have chosen it.
  const tied = best.pathBonus > 0 ? scored.find((s) => s !== best && s.keyScore >= best.keyScore - TIE) : undefined;
  const tie = tied ? `; the keys fit ${tied.network} at least as well, and the folder names point to ${best.network}` : '';
  return {
    network: best.network,
    source: 'content',
    reason: `Network ${best.network}, inferred from the keys: ${describe(best)}${tie}${margin}. If wrong, add \`# tao: network=NAME\` on the first line.`,
    candidates: scored.slice(0, 5).map(({ network, score }) => ({ network, score })),
    modeline,
  };
}

interface Scored {
  network: string;
  /** Key evidence plus every tie-breaker, the folder names included. */
  score: number;
  /** The same without the folder names. */
  keyScore: number;
  pathBonus: number;
  /** Keys of the document that count (not those below a key no network has), and how many this network knows or would reject. */
  keys: number;
  matched: number;
  rejected: number;
  /** Required fields it would miss. */
  missing: number;
  signature: string[];
}

/** What the reason says about the keys, e.g. `12 of 14 keys match, including yolov4_config (2 it would reject)`. */
function describe(s: Scored): string {
  const against = [s.rejected ? `${s.rejected} it would reject` : '', s.missing ? `${s.missing} required missing` : ''].filter(Boolean).join(', ');
  return `${s.matched} of ${s.keys} keys match${s.signature.length ? `, including ${s.signature.slice(0, 2).join(', ')}` : ''}${against ? ` (${against})` : ''}`;
}

/** How much a document key that a network would reject counts against it, per unit of its weight. */
const INVALID_FACTOR = 1;
/** How much a required field the network would miss counts against it, per unit of its weight. */
const MISSING_REQUIRED_FACTOR = 0.5;
/** Weight every key keeps, however many networks share it. */
const WEIGHT_FLOOR = 0.1;
/** Tie-breakers, on the scale of the key evidence (1 = every key of the document accepted). */
const SIGNATURE_BONUS = 0.02;
const CLASS_NAME_MISMATCH = 0.3;
const SIZE_BONUS = 0.01;
const PATH_FOLDER_BONUS = 0.04;
const PATH_WORDS_BONUS = 0.02;
/** TAO keeps specs as `<network>/specs/<task>.yaml`: a file's own name says less than its folders. */
const FILE_NAME_BONUS = 0.01;
/** Key scores this close count as equal when the reason explains what decided. */
const TIE = 1e-9;

/** What scoring needs to know of one network, derived once from the index. */
interface Profile {
  network: string;
  family: DialectFamily;
  pyyaml: boolean;
  /** How many key paths (depth <= 3) the schema has. */
  keyCount: number;
  /** Required fields (depth <= 3) and the parent whose presence makes them due ('' = top level). */
  required: Array<{ path: string; parent: string }>;
  signature: string[];
  /** Lower-case network name and aliases, compared with whole folder names. */
  names: string[];
  /** Word lists of the multi-word names (`data_services` -> data, services). */
  wordLists: string[][];
  /** One-word names (`dino`, `ssd`), compared with the words of the file's own name. */
  singleWords: string[];
}

/** What scoring needs to know of one key in one dialect family. */
interface KeyInfo {
  weight: number;
  /** Profiles that know the key. */
  owners: number[];
  /** Profiles for which the key is an object with listed keys that takes no others. */
  closers?: number[];
  /** Profiles that take only some words as the key's value (where others take different ones). */
  options?: Array<{ profile: number; allowed: Set<string> }>;
  /** Profiles that take only a section or a list under the key (where others take a value). */
  sections?: number[];
}

interface FamilyModel {
  keys: Map<string, KeyInfo>;
  /** Profiles whose top level takes no keys but its own. */
  rootClosers: number[];
  /** Weight of a key no network of the family has. */
  unknownWeight: number;
}

interface Model {
  profiles: Profile[];
  /** Built when a document of the family first comes (a session often sees only one). */
  families: Partial<Record<DialectFamily, FamilyModel>>;
  entries: Array<[string, IndexEntryForDetection]>;
  /** The last path asked about and its folder bonus per profile (an open document keeps its path). */
  lastPath?: { path: string; bonus: Float64Array };
}

/** Index entries written by tools/schema-gen/index-file.ts carry these too; older or in-memory ones may not. */
type IndexEntryForDetection = NetworkIndexEntry & { required?: string[]; open?: string[]; options?: Record<string, string[]>; sections?: string[] };

/** Built once per index: scoring runs on every keystroke. */
const modelCache = new WeakMap<object, Model>();

function parentOf(key: string): string {
  const dot = key.lastIndexOf('.');
  return dot < 0 ? '' : key.slice(0, dot);
}

function wordsOf(name: string): string[] {
  return name.split(/[^a-z0-9]+/).filter(Boolean);
}

function modelOf(catalog: SchemaCatalog): Model {
  const index = catalog.index();
  const cached = modelCache.get(index);
  if (cached) return cached;
  const entries = Object.entries(index.networks) as Array<[string, IndexEntryForDetection]>;
  const profiles: Profile[] = entries.map(([network, entry]) => {
    const names = [network, ...(entry.aliases ?? [])].map((n) => n.toLowerCase());
    return {
      network,
      family: entry.dialect === 'prototext' ? 'prototext' : 'yaml',
      pyyaml: entry.dialect === 'pyyaml',
      keyCount: entry.keys.length,
      required: (entry.required ?? []).map((path) => ({ path, parent: parentOf(path) })),
      signature: entry.signatureKeys ?? [],
      names,
      wordLists: names.map(wordsOf).filter((w) => w.length > 1),
      singleWords: names.map(wordsOf).filter((w) => w.length === 1).map((w) => w[0]),
    };
  });
  const model: Model = { profiles, families: {}, entries };
  modelCache.set(index, model);
  return model;
}

/** The key tables of one dialect family, built the first time a document of it is scored. */
function familyModel(model: Model, f: DialectFamily): FamilyModel {
  const built = model.families[f];
  if (built) return built;
  const keys = new Map<string, KeyInfo>();
  const info = (k: string) => {
    let found = keys.get(k);
    if (!found) keys.set(k, (found = { weight: 0, owners: [] }));
    return found;
  };
  const rootClosers: number[] = [];
  let n = 0;
  model.entries.forEach(([, entry], i) => {
    if (model.profiles[i].family !== f) return;
    n++;
    // Every object with listed keys is closed unless the schema leaves it free-form. The index
    // lists keys depth first, so a key has listed keys exactly when the next one is its child.
    const open = new Set(entry.open ?? []);
    if (entry.keys.length > 0 && !open.has('')) rootClosers.push(i);
    const list = entry.keys;
    for (let t = 0; t < list.length; t++) {
      const k = list[t];
      const found = info(k);
      found.owners.push(i);
      const next = list[t + 1];
      if (next !== undefined && next.length > k.length && next.charCodeAt(k.length) === 46 && next.startsWith(k) && !open.has(k)) (found.closers ??= []).push(i);
    }
    for (const [k, allowed] of Object.entries(entry.options ?? {})) (info(k).options ??= []).push({ profile: i, allowed: new Set(allowed) });
    for (const k of entry.sections ?? []) (info(k).sections ??= []).push(i);
  });
  // An IDF over the family's networks: a key few networks have weighs more.
  for (const k of keys.values()) k.weight = Math.log((n + 1) / (k.owners.length + 1)) + WEIGHT_FLOOR;
  // A key no network has (a typo, a key half typed, a key of a newer TAO) says little about
  // which network it is: it weighs like a key half of the networks have.
  const fm: FamilyModel = { keys, rootClosers, unknownWeight: Math.log((n + 1) / (n / 2 + 1)) + WEIGHT_FLOOR };
  model.families[f] = fm;
  return fm;
}

/**
 * Folder-name evidence per profile: a folder named like the network or an alias; else all words
 * of a multi-word name among the words of the path (`tao_data_services/` for data_services,
 * `nvidia_tao_tf2/cv/classification/` for classification_tf2), or a one-word name among the
 * words of the file's own name (`ssd_train.txt`), which counts least. Users keep files
 * anywhere, so this only settles near-ties of the keys.
 */
function pathBonuses(model: Model, filePath: string | undefined): Float64Array {
  const path = (filePath ?? '').replace(/\\/g, '/').toLowerCase();
  if (model.lastPath?.path === path) return model.lastPath.bonus;
  const bonus = new Float64Array(model.profiles.length);
  const folders = path.split('/').filter(Boolean);
  const base = (folders.pop() ?? '').replace(/\.[^.]*$/, '');
  const folderSet = new Set(folders);
  const baseWords = new Set(wordsOf(base));
  const words = new Set([...folders.flatMap(wordsOf), ...baseWords]);
  model.profiles.forEach((p, i) => {
    if (p.names.some((n) => folderSet.has(n))) bonus[i] = PATH_FOLDER_BONUS;
    else if (p.wordLists.some((ws) => ws.every((w) => words.has(w)))) bonus[i] = PATH_WORDS_BONUS;
    else if (p.singleWords.some((w) => baseWords.has(w))) bonus[i] = FILE_NAME_BONUS;
  });
  model.lastPath = { path, bonus };
  return bonus;
}

/**
 * The document's dotted key paths (as collectKeyPaths finds them) and, for each, the first value
 * written there when it is a scalar.
 */
function documentKeys(root: MapNode): { keys: string[]; values: Array<ScalarNode | undefined> } {
  const keys: string[] = [];
  const values: Array<ScalarNode | undefined> = [];
  const seen = new Set<string>();
  const visit = (node: SpecNode, prefix: string, depth: number) => {
    if (depth === 0) return;
    if (node.kind === 'map') {
      for (const entry of node.entries) {
        const path = prefix ? `${prefix}.${entry.key}` : entry.key;
        if (!seen.has(path)) {
          seen.add(path);
          keys.push(path);
          values.push(entry.value?.kind === 'scalar' ? entry.value : undefined);
        }
        if (entry.value) visit(entry.value, path, depth - 1);
      }
    } else if (node.kind === 'list') {
      for (const item of node.items.slice(0, 3)) visit(item, prefix, depth);
    }
  };
  visit(root, '', 3);
  return { keys, values };
}

/** A value written out (not null, not Hydra's `???` or `${...}`), which a section cannot take. */
function isPlainValue(v: ScalarNode): boolean {
  return v.form !== 'null' && v.form !== 'missing' && v.form !== 'interpolation';
}

function scoreNetworks(root: MapNode, filePath: string | undefined, family: DialectFamily, catalog: SchemaCatalog): Scored[] {
  const { keys: docKeys, values: docValues } = documentKeys(root);
  if (docKeys.length === 0) return [];
  const model = modelOf(catalog);
  const fm = familyModel(model, family);
  const n = model.profiles.length;
  const matched = new Int32Array(n);
  const rejected = new Int32Array(n);
  const evidence = new Float64Array(n);
  /** Which doc key last matched each profile, to tell known keys from rejected ones. */
  const seen = new Int32Array(n).fill(-1);
  const docSet = new Set(docKeys);
  let total = 0;
  let counted = 0;
  let classNameYaml = false;
  // One pass over the document's keys, visiting only the networks each key concerns.
  for (let j = 0; j < docKeys.length; j++) {
    const key = docKeys[j];
    const info = fm.keys.get(key);
    const dot = key.lastIndexOf('.');
    const parent = dot < 0 ? undefined : fm.keys.get(key.slice(0, dot));
    // Below a key no network has (a section whose name is misspelt or half typed), keys no
    // network has either say nothing: only the topmost unknown key counts.
    if (!info && dot >= 0 && !parent) continue;
    const w = info ? info.weight : fm.unknownWeight;
    total += w;
    counted++;
    if (info) {
      for (const i of info.owners) {
        matched[i]++;
        evidence[i] += w;
        seen[i] = j;
      }
    }
    // Unknown under an object a network closes: TAO would refuse it for that network. Keys
    // below an unknown key are not counted again, and a free-form object takes any key.
    const closers = dot < 0 ? fm.rootClosers : parent?.closers;
    if (closers) {
      for (const i of closers) {
        if (seen[i] === j) continue;
        rejected[i]++;
        evidence[i] -= INVALID_FACTOR * w;
      }
    }
    // A known key with a value the network would refuse: a word not among its options, or a
    // value where it takes only a section (`backbone: fan_small` against `backbone: {type: ...}`).
    const value = docValues[j];
    if (info && value) {
      if (info.options && (value.form === 'string' || value.form === 'identifier')) {
        const word = String(value.value);
        for (const o of info.options) {
          if (o.allowed.has(word)) continue;
          rejected[o.profile]++;
          evidence[o.profile] -= INVALID_FACTOR * w;
        }
      }
      if (info.sections && isPlainValue(value)) {
        for (const i of info.sections) {
          rejected[i]++;
          evidence[i] -= INVALID_FACTOR * w;
        }
      }
    }
    if (!classNameYaml && key.endsWith('__class_name__')) classNameYaml = true;
  }
  const bonuses = pathBonuses(model, filePath);
  const results: Scored[] = [];
  for (let i = 0; i < n; i++) {
    const p = model.profiles[i];
    if (matched[i] === 0 || p.family !== family) continue;
    let missing = 0;
    let score = evidence[i];
    for (const r of p.required) {
      if ((r.parent === '' || docSet.has(r.parent)) && !docSet.has(r.path)) {
        missing++;
        score -= MISSING_REQUIRED_FACTOR * (fm.keys.get(r.path)?.weight ?? fm.unknownWeight);
      }
    }
    score /= total;
    const signature = p.signature.filter((k) => docSet.has(k));
    score += SIGNATURE_BONUS * Math.min(2, signature.length);
    // `__class_name__` YAML belongs to the PyYAML networks; prefer them, without excluding others.
    if (family === 'yaml' && classNameYaml !== p.pyyaml) score -= CLASS_NAME_MISMATCH;
    // Between networks that explain the keys equally well, the smaller schema fits more closely.
    score += SIZE_BONUS * (matched[i] / p.keyCount);
    results.push({ network: p.network, score: score + bonuses[i], keyScore: score, pathBonus: bonuses[i], keys: counted, matched: matched[i], rejected: rejected[i], missing, signature });
  }
  // Exact ties go by name, compared by code point: localeCompare would load ICU's collator on
  // the first keystroke.
  results.sort((a, b) => b.score - a.score || (a.network < b.network ? -1 : a.network > b.network ? 1 : 0));
  return results;
}

/** The one network of the family that a folder of the path is named after, if exactly one is. */
function networkFromFolder(filePath: string | undefined, family: DialectFamily, catalog: SchemaCatalog): { network: string; folder: string } | undefined {
  if (!filePath) return undefined;
  const model = modelOf(catalog);
  const bonuses = pathBonuses(model, filePath);
  const hits = model.profiles.filter((p, i) => p.family === family && bonuses[i] === PATH_FOLDER_BONUS);
  if (hits.length !== 1) return undefined;
  const folders = filePath.replace(/\\/g, '/').toLowerCase().split('/').slice(0, -1);
  const folder = folders.reverse().find((f) => hits[0].names.includes(f)) ?? hits[0].network;
  return { network: hits[0].network, folder };
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
