// Developer tool: reads the Hydra networks' dataclass configs from a local git mirror of NVIDIA's
// public tao-core (`nvidia_tao_core/config/<network>/default_config.py`, class ExperimentConfig)
// and writes compact fact files (facts/hydra/<network>.json): per class, each field's name,
// type, nullability, default and the literal valid_min/valid_max/valid_options. No descriptions.
// Usage: node out/tools/schema-gen/extract-dataclasses.js /path/to/tao-core.git [commit]
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readPyModule, pyLiteral, pyOptions, type PyModule, type PyClass, type PyField } from './dataclass-reader';

/** One field: t is int|float|bool|str|any|dict|list:<t>|cls:<Class>. */
export interface DcField {
  n: string;
  t: string;
  null?: boolean;
  d?: unknown;
  min?: number;
  max?: number;
  opt?: string[];
}

export interface HydraFacts {
  source: string;
  root: string;
  classes: Record<string, DcField[]>;
}

/** Our network name -> tao-core config folder (same name unless listed). */
export const HYDRA_NETWORKS: Record<string, string> = Object.fromEntries(
  [
    'action_recognition', 'analytics', 'annotations', 'augmentation', 'auto_label', 'bevfusion', 'centerpose',
    'classification_pyt', 'classification_tf2', 'deformable_detr', 'depth_net', 'dino', 'efficientdet_tf2',
    'grounding_dino', 'image', 'mae', 'mal', 'mask2former', 'mask_grounding_dino', 'ml_recog', 'nvdinov2', 'ocdnet',
    'ocrnet', 'oneformer', 'optical_inspection', 'pointpillars', 'pose_classification', 're_identification', 'rtdetr',
    'segformer', 'sparse4d', 'stylegan_xl', 'visual_changenet',
  ].map((n) => [n, n]),
);

const CONFIG = 'nvidia_tao_core/config';

function num(src: string | undefined): number | undefined {
  const v = pyLiteral(src);
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v)) return Number(v);
  return undefined; // "inf" and computed bounds mean no bound
}

export function extractAll(gitDir: string, commit: string): Map<string, HydraFacts> {
  const git = (...args: string[]) => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const paths = git('ls-tree', '-r', '--name-only', commit, CONFIG).split('\n').filter((p) => p.endsWith('.py'));
  const modules = new Map<string, PyModule>();
  for (const p of paths) modules.set(p.replace(/\.py$/, '').replace(/\/__init__$/, '').replace(/\//g, '.'), readPyModule(git('show', `${commit}:${p}`)));
  const sha = git('rev-parse', '--short', commit).trim();

  const findClass = (modName: string, name: string, seen = 0): { mod: string; cls: PyClass } | undefined => {
    if (seen > 8) return undefined;
    const mod = modules.get(modName);
    if (!mod) return undefined;
    const local = mod.classes.find((c) => c.name === name);
    if (local) return { mod: modName, cls: local };
    const imp = mod.imports[name];
    if (imp) {
      const [m, orig] = imp.split(':');
      return findClass(m, orig, seen + 1);
    }
    return undefined;
  };

  const out = new Map<string, HydraFacts>();
  // `_common`: the keys every Hydra experiment config shares, for networks without a config of their own.
  const targets: [string, string, string][] = [
    ...Object.entries(HYDRA_NETWORKS).map(([n, folder]): [string, string, string] => [n, `${CONFIG}/${folder}/default_config`, 'ExperimentConfig']),
    ['_common', `${CONFIG}/common/common_config`, 'CommonExperimentConfig'],
  ];
  for (const [network, modPath, rootClass] of targets) {
    const folder = modPath.split('/').slice(-2, -1)[0];
    const rootMod = modPath.replace(/\//g, '.');
    const root = findClass(rootMod, rootClass);
    if (!root) continue;
    const classes: Record<string, DcField[]> = {};
    const names = new Map<string, string>(); // `module:Class` -> short unique name
    const shortName = (mod: string, cls: string) => {
      const key = `${mod}:${cls}`;
      if (names.has(key)) return names.get(key)!;
      let n = cls;
      const taken = new Set(names.values());
      for (let k = 2; taken.has(n); k++) n = `${cls}_${k}`;
      names.set(key, n);
      return n;
    };
    const allFields = (mod: string, cls: PyClass, depth = 0): { mod: string; f: PyField }[] => {
      const fields: { mod: string; f: PyField }[] = [];
      if (depth < 8) {
        for (const b of cls.bases) {
          const base = findClass(mod, b.replace(/^.*\./, ''));
          if (base) fields.push(...allFields(base.mod, base.cls, depth + 1));
        }
      }
      for (const f of cls.fields) {
        const i = fields.findIndex((x) => x.f.name === f.name);
        if (i >= 0) fields.splice(i, 1);
        fields.push({ mod, f });
      }
      return fields;
    };
    const typeOf = (mod: string, ann: string, visit: (m: string, c: PyClass) => string): { t: string; nullable: boolean } => {
      let a = ann.replace(/\s+/g, '');
      let nullable = false;
      const opt = /^Optional\[(.*)\]$/.exec(a);
      if (opt) { a = opt[1]; nullable = true; }
      const union = /^Union\[(.*)\]$/.exec(a);
      if (union) {
        const parts = union[1].split(',');
        if (parts.includes('None')) nullable = true;
        const rest = parts.filter((p) => p !== 'None');
        a = rest.length === 1 ? rest[0] : 'Any';
      }
      if (a === 'int') return { t: 'int', nullable };
      if (a === 'float') return { t: 'float', nullable };
      if (a === 'bool') return { t: 'bool', nullable };
      if (a === 'str') return { t: 'str', nullable };
      const list = /^(?:List|list|Tuple|tuple|Sequence)\[(.*)\]$/.exec(a);
      if (list || a === 'list' || a === 'List') {
        const inner = list ? list[1].split(',')[0] : 'Any';
        return { t: `list:${typeOf(mod, inner, visit).t}`, nullable };
      }
      if (/^(Dict|dict)(\[.*\])?$/.test(a)) return { t: 'dict', nullable };
      const found = findClass(mod, a);
      if (found) return { t: `cls:${visit(found.mod, found.cls)}`, nullable };
      return { t: 'any', nullable };
    };
    const visit = (mod: string, cls: PyClass): string => {
      const name = shortName(mod, cls.name);
      if (classes[name]) return name;
      classes[name] = [];
      const fields: DcField[] = [];
      for (const { mod: fm, f } of allFields(mod, cls)) {
        const { t, nullable } = typeOf(fm, f.annotation, visit);
        const value = f.keywords.value ?? f.keywords.arrList ?? f.keywords.hashMap ?? f.positional[0];
        const field: DcField = { n: f.name, t };
        if (nullable || pyLiteral(value) === null) field.null = true;
        const d = pyLiteral(f.keywords.default_value ?? value);
        if (d !== undefined && d !== null && !t.startsWith('cls:')) field.d = d;
        const min = num(f.keywords.valid_min);
        const max = num(f.keywords.valid_max);
        if (min !== undefined) field.min = min;
        if (max !== undefined) field.max = max;
        const o = pyOptions(f.keywords.valid_options);
        if (o) field.opt = o;
        fields.push(field);
      }
      classes[name] = fields;
      return name;
    };
    const rootName = visit(root.mod, root.cls);
    out.set(network, { source: `NVIDIA/tao-core@${sha}: ${CONFIG}/${folder}`, root: rootName, classes });
  }
  return out;
}

function stringify(f: HydraFacts): string {
  const cls = Object.entries(f.classes).map(([k, v]) => `  ${JSON.stringify(k)}: [\n${v.map((x) => `   ${JSON.stringify(x)}`).join(',\n')}\n  ]`);
  return `{\n "source": ${JSON.stringify(f.source)},\n "root": ${JSON.stringify(f.root)},\n "classes": {\n${cls.join(',\n')}\n }\n}\n`;
}

if (require.main === module) {
  const gitDir = process.argv[2];
  if (!gitDir) { console.error('usage: extract-dataclasses <tao-core git dir> [commit]'); process.exit(2); }
  const outDir = resolve(__dirname, '..', '..', '..', 'tools', 'schema-gen', 'facts', 'hydra');
  mkdirSync(outDir, { recursive: true });
  for (const [network, facts] of extractAll(gitDir, process.argv[3] ?? 'HEAD')) {
    writeFileSync(join(outDir, `${network}.json`), stringify(facts));
    const n = Object.values(facts.classes).reduce((a, c) => a + c.length, 0);
    console.log(`${network}: ${Object.keys(facts.classes).length} classes, ${n} fields`);
  }
}
