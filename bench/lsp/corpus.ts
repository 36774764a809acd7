// The documents both language servers are measured on: real Hydra YAML specs from
// ../shared/tao-specs (read in place, never copied into the project), a 10,000-line spec
// grown from a real dino spec, broken variants with one known error each, and protobuf-text
// specs (ours only). Also picks the cursor positions for completion and hover, the same
// positions for both servers.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { repoRoot, sharedDir } from '../common/util';

export interface BenchDoc {
  /** Short label for tables. */
  name: string;
  network: string;
  /** Folder name under the bench's temp dir; both servers map it to the network's schema. */
  group: string;
  fileName: string;
  text: string;
  dialect: 'yaml' | 'prototext';
  lines: number;
  /** Positions (0-based line/character) for hover and completion requests. */
  hoverAt: Position[];
  completeAt: Position[];
}

export interface Position {
  line: number;
  character: number;
}

/** A real spec with exactly one injected error at `errorLine`. */
export interface BrokenDoc extends BenchDoc {
  errorLine: number;
  errorKind: 'wrong-type' | 'bad-enum' | 'unknown-key';
  original: BenchDoc;
}

interface ManifestRow {
  repo: string;
  path: string;
  network: string;
  dialect: string;
}

function manifest(): ManifestRow[] {
  const file = join(sharedDir(), 'tao-specs', 'MANIFEST.tsv');
  if (!existsSync(file)) throw new Error(`${file} not found: the real spec corpus is needed (../shared relative to the repo root)`);
  const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1);
  return rows.map((r) => {
    const c = r.split('\t');
    return { repo: c[0], path: c[7], network: c[8], dialect: c[9] };
  });
}

function specPath(row: ManifestRow): string {
  return join(sharedDir(), 'tao-specs', row.repo.replace('/', '__'), row.path);
}

export function schemaFile(network: string): string {
  return join(repoRoot(), 'schemas', `${network}.schema.json`);
}

function schemaNetworks(): Set<string> {
  const index = JSON.parse(readFileSync(join(repoRoot(), 'schemas', 'index.json'), 'utf8')) as { networks: Record<string, unknown> };
  return new Set(Object.keys(index.networks));
}

const KEY_RE = /^(\s*)(- )?([A-Za-z_][\w-]*)\s*:/;

/** Up to `count` key positions spread over the file, nested keys preferred (they need schema lookups). */
function keyPositions(text: string, count: number, atStart: boolean): Position[] {
  const found: Position[] = [];
  const lines = text.split('\n');
  lines.forEach((l, line) => {
    const m = KEY_RE.exec(l);
    if (!m || m[1].length === 0) return;
    const start = m[1].length + (m[2]?.length ?? 0);
    found.push({ line, character: atStart ? start : start + Math.floor(m[3].length / 2) });
  });
  if (found.length <= count) return found;
  const step = found.length / count;
  return Array.from({ length: count }, (_, i) => found[Math.floor(i * step + step / 2)]);
}

const PROTO_KEY_RE = /^(\s+)([A-Za-z_]\w*)\s*:/;

function protoKeyPositions(text: string, count: number, atStart: boolean): Position[] {
  const found: Position[] = [];
  text.split('\n').forEach((l, line) => {
    const m = PROTO_KEY_RE.exec(l);
    if (m) found.push({ line, character: m[1].length + (atStart ? 0 : Math.floor(m[2].length / 2)) });
  });
  if (found.length <= count) return found;
  const step = found.length / count;
  return Array.from({ length: count }, (_, i) => found[Math.floor(i * step + step / 2)]);
}

function makeDoc(name: string, network: string, fileName: string, text: string, dialect: 'yaml' | 'prototext', positions: number): BenchDoc {
  const pick = dialect === 'yaml' ? keyPositions : protoKeyPositions;
  return {
    name,
    network,
    group: `tao-bench-${network}`,
    fileName,
    text,
    dialect,
    lines: text.split('\n').length,
    hoverAt: pick(text, positions, false),
    completeAt: pick(text, positions, true),
  };
}

/** Real Hydra YAML specs whose network has a schema; `limit` spreads the pick over networks. */
export function realYamlSpecs(limit?: number, positions = 3): BenchDoc[] {
  const networks = schemaNetworks();
  const rows = manifest().filter((r) => r.dialect === 'hydra-yaml' && networks.has(r.network));
  let chosen = rows;
  if (limit !== undefined && limit < rows.length) {
    const step = rows.length / limit;
    chosen = Array.from({ length: limit }, (_, i) => rows[Math.floor(i * step)]);
  }
  return chosen.map((r, i) => {
    const base = r.path.split('/').pop()!.replace(/\.ya?ml$/, '');
    return makeDoc(`${r.network}/${base}`, r.network, `${String(i).padStart(3, '0')}_${base}.yaml`, readFileSync(specPath(r), 'utf8'), 'yaml', positions);
  });
}

export function realProtoSpecs(limit?: number, positions = 3): BenchDoc[] {
  const networks = schemaNetworks();
  const rows = manifest().filter((r) => r.dialect === 'protobuf-text' && networks.has(r.network));
  let chosen = rows;
  if (limit !== undefined && limit < rows.length) {
    const step = rows.length / limit;
    chosen = Array.from({ length: limit }, (_, i) => rows[Math.floor(i * step)]);
  }
  return chosen.map((r, i) => {
    const base = r.path.split('/').pop()!.replace(/\.\w+$/, '');
    return makeDoc(`${r.network}/${base}`, r.network, `${String(i).padStart(3, '0')}_${base}.txt`, readFileSync(specPath(r), 'utf8'), 'prototext', positions);
  });
}

function findReal(network: string, suffix: string, dialect: string): string {
  const row = manifest().find((r) => r.network === network && r.dialect === dialect && r.path.endsWith(suffix));
  if (!row) throw new Error(`real spec ${network} .../${suffix} not in the corpus`);
  return readFileSync(specPath(row), 'utf8');
}

/**
 * A dino train spec grown to about `lines` lines by repeating its train_data_sources entry
 * (two lines per entry), as a project with thousands of image folders would have it.
 * Completion and hover positions sit after the long list, where the model section starts.
 */
export function bigDinoSpec(lines = 10_000): BenchDoc {
  const base = findReal('dino', 'dino/experiment_specs/train.yaml', 'hydra-yaml');
  const baseLines = base.split('\n');
  const at = baseLines.findIndex((l) => /^\s+train_data_sources:\s*$/.test(l));
  if (at < 0) throw new Error('dino train.yaml has no train_data_sources list');
  // The real entry is two lines: "- image_dir: ..." and "json_file: ..."; drop it and write many.
  let end = at + 1;
  while (end < baseLines.length && /^\s{4,}/.test(baseLines[end])) end++;
  const indent = /^(\s*)/.exec(baseLines[at + 1])![1];
  const entries = Math.max(1, Math.floor((lines - (baseLines.length - (end - at - 1))) / 2));
  const grown: string[] = [];
  for (let i = 0; i < entries; i++) {
    const part = String(i).padStart(5, '0');
    grown.push(`${indent}- image_dir: /data/coco/train/part_${part}/images`);
    grown.push(`${indent}  json_file: /data/coco/train/part_${part}/annotations.json`);
  }
  const text = [...baseLines.slice(0, at + 1), ...grown, ...baseLines.slice(end)].join('\n');
  const doc = makeDoc(`dino/train x${entries} sources`, 'dino', `big_dino_train_${lines}.yaml`, text, 'yaml', 0);
  // Positions after the list (the model section), the same kind of place a user edits.
  const tail = text.split('\n');
  const modelLine = tail.findIndex((l) => /^model:\s*$/.test(l));
  const keyLines = tail.map((l, i) => [l, i] as const).filter(([l, i]) => i > modelLine && /^\s+\w+:/.test(l)).slice(0, 3);
  doc.hoverAt = keyLines.map(([l, i]) => ({ line: i, character: /^\s*/.exec(l)![0].length + 2 }));
  doc.completeAt = keyLines.map(([l, i]) => ({ line: i, character: /^\s*/.exec(l)![0].length }));
  // An entry in the middle of the list too: both servers must resolve the array item schema.
  const mid = at + 1 + 2 * Math.floor(entries / 2);
  doc.hoverAt.push({ line: mid, character: indent.length + 4 });
  doc.completeAt.push({ line: mid + 1, character: indent.length + 2 });
  return doc;
}

/** A detectnet_v2 spec grown to about `lines` lines with repeated data_sources blocks (ours only). */
export function bigProtoSpec(lines = 10_000): BenchDoc {
  const base = findReal('detectnet_v2', 'detectnet_v2/experiment_specs/coco_tfrecords.txt', 'protobuf-text');
  const baseLines = base.split('\n');
  const at = baseLines.findIndex((l) => /^\s+data_sources\s*\{/.test(l));
  if (at < 0) throw new Error('detectnet_v2 spec has no data_sources block');
  const blocks = Math.max(1, Math.floor((lines - baseLines.length) / 4));
  const grown: string[] = [];
  for (let i = 0; i < blocks; i++) {
    const part = String(i).padStart(5, '0');
    grown.push('  data_sources {', `    tfrecords_path: "/data/tfrecords/part_${part}/*"`, `    image_directory_path: "/data/images/part_${part}/"`, '  }');
  }
  const text = [...baseLines.slice(0, at), ...grown, ...baseLines.slice(at)].join('\n');
  const doc = makeDoc(`detectnet_v2 x${blocks} data_sources`, 'detectnet_v2', `big_detectnet_v2_${lines}.txt`, text, 'prototext', 0);
  const all = text.split('\n');
  const after = all.map((l, i) => [l, i] as const).filter(([l, i]) => i > at + grown.length && PROTO_KEY_RE.test(l)).slice(0, 3);
  doc.hoverAt = after.map(([l, i]) => ({ line: i, character: /^\s*/.exec(l)![0].length + 2 }));
  doc.completeAt = after.map(([l, i]) => ({ line: i, character: /^\s*/.exec(l)![0].length }));
  return doc;
}

/** A dino spec of about `lines` lines (for the scaling curve): the big-spec recipe at any size. */
export function dinoSpecOfSize(lines: number): BenchDoc {
  return bigDinoSpec(lines);
}

// --- broken inputs ----------------------------------------------------------------------------

type Schema = { type?: string | string[]; enum?: unknown[]; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: unknown };

function schemaAt(root: Schema, path: Array<string | number>): Schema | undefined {
  let s: Schema | undefined = root;
  for (const p of path) {
    if (!s) return undefined;
    s = typeof p === 'number' ? s.items : s.properties?.[p];
  }
  return s;
}

function types(s: Schema): string[] {
  return s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
}

interface Candidate {
  kind: BrokenDoc['errorKind'];
  line: number;
  replace: (lines: string[]) => void;
}

/**
 * One broken variant per (spec, kind): a number or boolean value replaced by a word, an enum
 * value replaced by a name not in the enum, and an unknown key added to a closed section.
 * Each is an error by the schema both servers receive, so a correct checker must flag that line.
 */
export function brokenSpecs(specs: BenchDoc[], perKind = 1): BrokenDoc[] {
  const out: BrokenDoc[] = [];
  for (const spec of specs) {
    const schema = JSON.parse(readFileSync(schemaFile(spec.network), 'utf8')) as Schema;
    const doc = parseDocument(spec.text, { keepSourceTokens: true, uniqueKeys: false });
    const lineStarts = [0];
    for (let i = 0; i < spec.text.length; i++) if (spec.text[i] === '\n') lineStarts.push(i + 1);
    const lineOf = (offset: number): number => {
      let lo = 0;
      let hi = lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (lineStarts[mid] <= offset) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    const found: Record<string, Candidate[]> = { 'wrong-type': [], 'bad-enum': [], 'unknown-key': [] };
    const visit = (node: YamlNode | null | undefined, path: Array<string | number>): void => {
      if (isMap(node)) {
        const s = schemaAt(schema, path);
        if (s && s.additionalProperties === false && node.items.length > 0 && path.length > 0) {
          const firstKey = node.items[0].key as YamlNode;
          const line = lineOf(firstKey.range![0]);
          // Only block maps whose first key starts its line: a list item ("- key: ...") or a flow
          // map has no line of its own to insert before.
          if (spec.text.slice(lineStarts[line], firstKey.range![0]).trim() === '') found['unknown-key'].push({
            kind: 'unknown-key',
            line,
            replace: (lines) => {
              const pad = /^(\s*)/.exec(lines[line])![1];
              lines.splice(line, 0, `${pad}bench_unknown_key: 1`);
            },
          });
        }
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
          if (key === undefined) continue;
          visit(pair.value as YamlNode, [...path, key]);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => visit(item as YamlNode, [...path, i]));
      } else if (isScalar(node) && node.range && path.length > 1) {
        const s = schemaAt(schema, path);
        if (!s) return;
        const [start, end] = node.range;
        const line = lineOf(start);
        if (lineOf(end) !== line || spec.text.slice(start, end).includes('\n')) return;
        const t = types(s);
        const edit = (value: string) => (lines: string[]) => {
          const col = start - lineStarts[line];
          lines[line] = lines[line].slice(0, col) + value + lines[line].slice(col + (end - start));
        };
        if (s.enum && s.enum.every((v) => typeof v === 'string') && typeof node.value === 'string' && node.value !== '???') {
          found['bad-enum'].push({ kind: 'bad-enum', line, replace: edit('bench_not_an_option') });
        } else if (!t.includes('string') && (t.includes('integer') || t.includes('number') || t.includes('boolean')) && !s.enum) {
          if (typeof node.value === 'number' || typeof node.value === 'boolean') found['wrong-type'].push({ kind: 'wrong-type', line, replace: edit('bench_word') });
        }
      }
    };
    visit(doc.contents as YamlNode, []);
    for (const list of Object.values(found)) {
      const step = Math.max(1, Math.floor(list.length / perKind));
      for (let k = 0; k < Math.min(perKind, list.length); k++) {
        const c = list[k * step];
        const lines = spec.text.split('\n');
        c.replace(lines);
        const text = lines.join('\n');
        const name = `${spec.name} [${c.kind}@${c.line + 1}]`;
        const broken = makeDoc(name, spec.network, spec.fileName.replace(/\.yaml$/, `.broken_${c.kind}_${k}.yaml`), text, 'yaml', 0);
        out.push({ ...broken, errorLine: c.line, errorKind: c.kind, original: spec });
      }
    }
  }
  return out;
}
