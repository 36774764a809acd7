// Developer tool: reads the TF1 networks' .proto files from a local git mirror of NVIDIA's public
// tao_tensorflow1_backend and writes compact fact files (facts/proto/<network>.json) holding only
// field names, types, numbers, nesting, repeated/map/oneof and enum values. The generator reads
// those fact files, so `npm run schemas` and CI never need the mirror.
// Usage: node out/tools/schema-gen/extract-proto.js /path/to/tao_tensorflow1_backend.git
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readProto, resolveTypeName, isProtoScalar, type ProtoField } from './proto-reader';

export interface ProtoFacts {
  source: string;
  /** Top-level messages whose fields may appear at the root of a spec, with the tasks that read them. */
  roots: { message: string; tasks: string[] }[];
  /** Message -> one line per field: `name type =number [repeated] [map<keyType>] [oneof:group]`. */
  messages: Record<string, string[]>;
  enums: Record<string, Record<string, number>>;
}

const CV = 'nvidia_tao_tf1/cv';
const EXPORT = { file: `${CV}/detectnet_v2/proto/dataset_export_config.proto`, message: 'DatasetExportConfig', tasks: ['dataset_convert'] };
const TRAIN = ['train', 'retrain', 'evaluate', 'inference', 'prune', 'export'];

/** Which proto messages a network's spec files are read into. */
const NETWORK_ROOTS: Record<string, { file: string; message: string; tasks: string[] }[]> = {
  classification_tf1: [{ file: `${CV}/makenet/proto/experiment.proto`, message: 'Experiment', tasks: TRAIN }],
  detectnet_v2: [
    { file: `${CV}/detectnet_v2/proto/experiment.proto`, message: 'Experiment', tasks: TRAIN },
    { file: `${CV}/detectnet_v2/proto/inference.proto`, message: 'Inference', tasks: ['inference'] },
    EXPORT,
  ],
  faster_rcnn: [{ file: `${CV}/faster_rcnn/proto/experiment.proto`, message: 'Experiment', tasks: TRAIN }, EXPORT],
  yolo_v3: [{ file: `${CV}/yolo_v3/proto/experiment.proto`, message: 'Experiment', tasks: TRAIN }, EXPORT],
  yolo_v4: [{ file: `${CV}/yolo_v4/proto/experiment.proto`, message: 'Experiment', tasks: TRAIN }, EXPORT],
  yolo_v4_tiny: [{ file: `${CV}/yolo_v4/proto/experiment.proto`, message: 'Experiment', tasks: TRAIN }, EXPORT],
  ssd: [{ file: `${CV}/ssd/proto/experiment.proto`, message: 'Experiment', tasks: TRAIN }, EXPORT],
  dssd: [{ file: `${CV}/ssd/proto/experiment.proto`, message: 'Experiment', tasks: TRAIN }, EXPORT],
  retinanet: [{ file: `${CV}/retinanet/proto/experiment.proto`, message: 'Experiment', tasks: TRAIN }, EXPORT],
  unet: [{ file: `${CV}/unet/proto/experiment.proto`, message: 'Experiment', tasks: TRAIN }],
  mask_rcnn: [{ file: `${CV}/mask_rcnn/proto/experiment.proto`, message: 'Experiment', tasks: TRAIN }],
  efficientdet_tf1: [{ file: `${CV}/efficientdet/proto/experiment.proto`, message: 'Experiment', tasks: TRAIN }],
  lprnet: [{ file: `${CV}/lprnet/proto/experiment.proto`, message: 'Experiment', tasks: TRAIN }],
  multitask_classification: [{ file: `${CV}/multitask_classification/proto/experiment.proto`, message: 'Experiment', tasks: TRAIN }],
};

function fieldLine(f: ProtoField): string {
  return [`${f.name} ${f.type} =${f.number}`, f.repeated ? 'repeated' : '', f.mapKey ? `map<${f.mapKey}>` : '', f.oneof ? `oneof:${f.oneof}` : '']
    .filter(Boolean).join(' ');
}

/** Reads one line written by fieldLine back into a field. */
export function parseFieldLine(line: string): ProtoField {
  const [name, type, num, ...flags] = line.split(' ');
  const f: ProtoField = { name, type, number: Number(num.slice(1)) };
  for (const flag of flags) {
    if (flag === 'repeated') f.repeated = true;
    else if (flag.startsWith('map<')) f.mapKey = flag.slice(4, -1);
    else if (flag.startsWith('oneof:')) f.oneof = flag.slice(6);
  }
  return f;
}

function extract(gitDir: string, commit: string, network: string): ProtoFacts {
  const show = (path: string) => execFileSync('git', ['--git-dir', gitDir, 'show', `${commit}:${path}`], { encoding: 'utf8' });
  const roots = NETWORK_ROOTS[network];
  // Load each root file with its import closure; messages are global per closure (no packages).
  const messages = new Map<string, ProtoField[]>();
  const enums = new Map<string, Record<string, number>>();
  const loaded = new Set<string>();
  const load = (path: string) => {
    if (loaded.has(path)) return;
    loaded.add(path);
    const file = readProto(show(path));
    for (const [k, v] of file.messages) messages.set(k, v);
    for (const [k, v] of file.enums) enums.set(k, v);
    for (const imp of file.imports) if (imp.startsWith('nvidia_tao_tf1/')) load(imp);
  };
  for (const r of roots) load(r.file);
  const known = (n: string) => messages.has(n) || enums.has(n);
  // Keep only what is reachable from the roots, with every type name fully resolved.
  const outMessages: Record<string, ProtoField[]> = {};
  const outEnums: Record<string, Record<string, number>> = {};
  const visit = (name: string) => {
    if (outMessages[name] || outEnums[name]) return;
    if (enums.has(name)) { outEnums[name] = enums.get(name)!; return; }
    const fields = messages.get(name);
    if (!fields) throw new Error(`${network}: unknown proto type ${name}`);
    outMessages[name] = [];
    for (const f of fields) {
      const type = resolveTypeName(f.type, name, known);
      outMessages[name].push({ ...f, type });
      if (!isProtoScalar(type)) visit(type);
    }
  };
  for (const r of roots) visit(r.message);
  const sha = execFileSync('git', ['--git-dir', gitDir, 'rev-parse', '--short', commit], { encoding: 'utf8' }).trim();
  return {
    source: `NVIDIA/tao_tensorflow1_backend@${sha}: ${[...loaded].sort().join(', ')}`,
    roots: roots.map((r) => ({ message: r.message, tasks: r.tasks })),
    messages: Object.fromEntries(Object.entries(outMessages).map(([k, fs]) => [k, fs.map(fieldLine)])),
    enums: outEnums,
  };
}

/** One message or enum per line keeps the fact files short and their diffs readable. */
function stringifyFacts(f: ProtoFacts): string {
  const block = (o: Record<string, unknown>) =>
    '{\n' + Object.entries(o).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n') + '\n }';
  return `{\n "source": ${JSON.stringify(f.source)},\n "roots": ${JSON.stringify(f.roots)},\n "messages": ${block(f.messages)},\n "enums": ${block(f.enums)}\n}\n`;
}

if (require.main === module) {
  const gitDir = process.argv[2];
  if (!gitDir) { console.error('usage: extract-proto <tao_tensorflow1_backend git dir> [commit]'); process.exit(2); }
  const commit = process.argv[3] ?? 'HEAD';
  const outDir = resolve(__dirname, '..', '..', '..', 'tools', 'schema-gen', 'facts', 'proto');
  mkdirSync(outDir, { recursive: true });
  for (const network of Object.keys(NETWORK_ROOTS)) {
    const facts = extract(gitDir, commit, network);
    writeFileSync(join(outDir, `${network}.json`), stringifyFacts(facts));
    console.log(`${network}: ${Object.keys(facts.messages).length} messages, ${Object.keys(facts.enums).length} enums`);
  }
}
