// Every example command in README.md and docs/*.md runs as written (issue #16 item 4).
//
// Commands are taken from fenced code blocks: lines that start with `tao-engine`, `tao-spec`,
// `tao-spec-server`, `npx` or `npm`. Each block runs top to bottom in a fresh workspace that
// holds the files its commands name (spec.txt, images/, convert.txt, data/training, ...),
// with the project's bins linked into node_modules/.bin, as `npm install <this package>`
// would leave them, so both `npx tao-engine ...` and bare `tao-engine ...` (after
// `npm link`) resolve to this checkout. `npm run ...` commands run in a copy of the
// checkout, so what they write (schemas/, engine/pretrained/, .cache/) never touches it.
//
// Synopsis lines are run too: UPPERCASE and <angle> placeholders get the workspace's files
// (PLACEHOLDERS) and optional [groups] are left out. The few commands that cannot run here
// (NOT_RUN), and those that take minutes and run only with TAO_DOC_COMMANDS_ALL=1 (SLOW), are
// listed below with the reason and reported as test diagnostics; anything else that fails
// fails the test.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { repoRoot } from '../support/run';
import { writeSyntheticDataset } from '../../engine/src/data/synthetic';
import { writeDetectionScenes } from '../../engine/src/data/scenes';
import { detectnetTemplate, generateSpec } from '../../client/src/core/specTemplate';
import type { NetworkSchema } from '../../server/src/core/schema/types';

/** Commands that are not run, with the reason. Keep this short. */
const NOT_RUN: Record<string, string> = {
  'npm install': 'installs the dependencies this test already runs on; .ci/run does it from a clean clone',
  'npm test': 'runs every suite, this one included',
  'npm link': "changes the machine's global npm prefix; the workspace links the same bins into node_modules/.bin",
  'npm install @tensorflow/tfjs-node-gpu@4.22.0': 'downloads libtensorflow from outside the npm registry and needs CUDA 11.2',
  'tao-engine classification_tf1 train -e spec.txt -r results --backend tensorflow-gpu': 'needs @tensorflow/tfjs-node-gpu (the line above it) and an NVIDIA GPU',
};

/** Commands that run in a slower full mode only (TAO_DOC_COMMANDS_ALL=1): minutes each. */
const SLOW: Record<string, string> = {
  'npm run pretrain --': 'even with the smallest flags it converts and evaluates the Fashion-MNIST test sets (5+ minutes on two cores)',
  'npm run demo:detect': 'trains DetectNet_v2 for 16 epochs on 200 scenes (about 5 minutes on two cores)',
};

/** What synopsis placeholders stand for in a workspace. */
const PLACEHOLDERS: Record<string, string> = {
  '<network>': 'classification_tf1',
  '<task>': 'train',
  SPEC: 'spec.txt',
  RESULTS_DIR: 'results',
  RESULTS: 'results',
  MODEL_DIR: 'model',
  OUT_DIR: 'pruned',
};

const ALL = process.env.TAO_DOC_COMMANDS_ALL === '1';

interface DocCommand {
  file: string;
  line: number;
  /** The command as the document shows it (continuations joined, comment removed). */
  text: string;
}

interface DocBlock {
  file: string;
  line: number;
  commands: DocCommand[];
}

const COMMAND = /^(npx\s+\S+|npm|tao-engine|tao-spec|tao-spec-server)(\s|$)/;

/** Fenced shell blocks (```sh, ```bash, ```console or no language) and their commands. */
export function extractBlocks(markdown: string, file: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  let open: { lang: string; start: number; body: Array<{ n: number; text: string }> } | undefined;
  lines.forEach((raw, i) => {
    const fence = /^```\s*([\w-]*)/.exec(raw);
    if (fence && !open) { open = { lang: fence[1], start: i + 1, body: [] }; return; }
    if (/^```\s*$/.test(raw) && open) {
      if (['', 'sh', 'bash', 'shell', 'console'].includes(open.lang)) blocks.push({ file, line: open.start, commands: commandsOf(open.body, file) });
      open = undefined;
      return;
    }
    if (open) open.body.push({ n: i + 1, text: raw });
  });
  return blocks.filter((b) => b.commands.length > 0);
}

function commandsOf(body: Array<{ n: number; text: string }>, file: string): DocCommand[] {
  const out: DocCommand[] = [];
  for (let i = 0; i < body.length; i++) {
    const start = body[i].n;
    let text = body[i].text.replace(/^\$\s+/, '');
    while (/\\\s*$/.test(text) && i + 1 < body.length) text = text.replace(/\\\s*$/, ' ') + body[++i].text.trim();
    // A comment after the command (docs align them in a column); `#` inside a word stays.
    text = text.replace(/\s+#\s.*$/, '').replace(/\s+/g, ' ').trim();
    if (COMMAND.test(text)) out.push({ file, line: start, text });
  }
  return out;
}

/** A synopsis as a command: placeholders filled in, optional [groups] left out. */
export function concrete(text: string): string {
  let out = '';
  let depth = 0;
  for (const ch of text) {
    if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += ch;
  }
  return out
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => PLACEHOLDERS[w] ?? w)
    .join(' ');
}

function docFiles(): string[] {
  const docs = fs.readdirSync(path.join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => path.join('docs', f));
  return ['README.md', ...docs];
}

// ---- workspaces

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'doc-commands-'));

/** The project's bins where `npm install`/`npm link` would put them. */
function linkBins(dir: string): string {
  const bin = path.join(dir, 'node_modules', '.bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.symlinkSync(repoRoot, path.join(dir, 'node_modules', 'tao-spec-studio'), 'dir');
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  for (const [name, rel] of Object.entries(pkg.bin)) fs.symlinkSync(path.join('..', 'tao-spec-studio', rel), path.join(bin, name));
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  return bin;
}

let checkoutCopy: string | undefined;

/** A copy of this checkout (tracked and new files, what git would commit) with ../shared beside it. */
function repoCopy(): string {
  if (checkoutCopy) return checkoutCopy;
  const root = path.join(scratch, 'checkout');
  const main = path.join(root, 'main');
  const ls = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(ls.status, 0, `git ls-files: ${ls.stderr}`);
  for (const rel of ls.stdout.split('\0').filter(Boolean)) {
    const from = path.join(repoRoot, rel);
    if (!fs.existsSync(from)) continue; // deleted in the working tree, not yet committed
    fs.mkdirSync(path.dirname(path.join(main, rel)), { recursive: true });
    fs.copyFileSync(from, path.join(main, rel));
  }
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(main, 'node_modules'), 'dir');
  const shared = path.resolve(repoRoot, '..', 'shared');
  if (fs.existsSync(shared)) fs.symlinkSync(shared, path.join(root, 'shared'), 'dir');
  checkoutCopy = main;
  return main;
}

function schema(network: string): NetworkSchema {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas', `${network}.schema.json`), 'utf8')) as NetworkSchema;
}

function copyImages(from: string, to: string, count: number): void {
  fs.mkdirSync(to, { recursive: true });
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.png')) files.push(path.join(d, e.name));
    }
  };
  walk(from);
  files.sort();
  // Spread over classes: every n-th file.
  const step = Math.max(1, Math.floor(files.length / count));
  for (let i = 0; i < count && i * step < files.length; i++) fs.copyFileSync(files[i * step], path.join(to, `${String(i).padStart(3, '0')}.png`));
}

let classificationModel: string | undefined;

/**
 * Classification: a tiny 16x16 dataset under tiny/, spec.txt (1 epoch) reading it, images/,
 * and model/ (a trained model for the synopses that start from MODEL_DIR).
 */
function classificationWorkspace(dir: string): void {
  writeSyntheticDataset(path.join(dir, 'tiny'), { classes: 3, size: 16, channels: 1, perClass: { train: 8, val: 3, test: 3 }, seed: 3 });
  fs.writeFileSync(path.join(dir, 'spec.txt'), `# tao: network=classification_tf1
model_config {
  arch: "resnet"
  n_layers: 10
  use_batch_norm: true
  input_image_size: "1,16,16"
}
train_config {
  train_dataset_path: "tiny/train"
  val_dataset_path: "tiny/val"
  optimizer { adam { lr: 0.002 } }
  batch_size_per_gpu: 8
  n_epochs: 1
  random_seed: 7
  preprocess_mode: "torch"
}
eval_config {
  eval_dataset_path: "tiny/test"
  top_k: 2
  batch_size: 8
}
`);
  copyImages(path.join(dir, 'tiny', 'test'), path.join(dir, 'images'), 6);
  if (!classificationModel) {
    const r = run('tao-engine classification_tf1 train -e spec.txt -r fixture-results --quiet', dir);
    assert.equal(r.status, 0, `training the fixture model: ${r.out}`);
    classificationModel = path.join(scratch, 'classification-model');
    fs.cpSync(path.join(dir, 'fixture-results', 'weights', 'final'), classificationModel, { recursive: true });
    fs.rmSync(path.join(dir, 'fixture-results'), { recursive: true, force: true });
  }
  fs.cpSync(classificationModel, path.join(dir, 'model'), { recursive: true });
}

/**
 * DetectNet_v2: KITTI scenes under data/training, and New Spec's own templates as
 * convert.txt, train.txt (64x64, 1 epoch) and infer.txt, with paths relative to the workspace.
 */
function detectionWorkspace(dir: string): void {
  const data = path.join(dir, 'data', 'training');
  const scenes = writeDetectionScenes(data, { count: 12, width: 64, height: 64, seed: 4, classes: [1, 8], minObjects: 1, maxObjects: 2, minSize: 20, maxSize: 36 });
  const o = {
    dataRoot: 'data/training', tfrecordsPrefix: 'data/tfrecords/kitti_trainval', classes: scenes.classNames,
    width: 64, height: 64, epochs: 1, batch: 6, model: 'results/weights/final', prunedModel: 'pruned',
  };
  fs.writeFileSync(path.join(dir, 'convert.txt'), detectnetTemplate('dataset_convert', o));
  fs.writeFileSync(path.join(dir, 'train.txt'), detectnetTemplate('train', o));
  fs.writeFileSync(path.join(dir, 'retrain.txt'), detectnetTemplate('retrain', o));
  fs.writeFileSync(path.join(dir, 'infer.txt'), detectnetTemplate('inference', o));
  copyImages(path.join(data, 'image_2'), path.join(dir, 'images'), 4);
}

/** tao-spec: the files the README's check examples name, each a spec that checks clean. */
function checkWorkspace(dir: string): void {
  fs.mkdirSync(path.join(dir, 'path', 'to'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'path', 'to', 'spec.txt'), generateSpec(schema('classification_tf1')));
  fs.writeFileSync(path.join(dir, 'other.yaml'), generateSpec(schema('dino')));
  fs.writeFileSync(path.join(dir, 'spec.txt'), detectnetTemplate('train'));
}

type Kind = 'npm' | 'classification' | 'detection' | 'check' | 'server';

function kindOf(c: string): Kind {
  const words = c.replace(/^npx\s+/, '').split(' ');
  if (words[0] === 'npm') return 'npm';
  if (words[0] === 'tao-spec-server') return 'server';
  if (words[0] === 'tao-spec') return 'check';
  if (words[0] === 'tao-engine' && words[1] === 'detectnet_v2') return 'detection';
  if (words[0] === 'tao-engine' && words[1] === 'classification_tf1') return 'classification';
  // The doctor needs no files; it shares the classification workspace its blocks go on with.
  if (words[0] === 'tao-engine' && words[1] === 'doctor') return 'classification';
  throw new Error(`no workspace for \`${c}\`: add one to test/cli/doc-commands.test.ts`);
}

function prepare(kind: Kind): string {
  if (kind === 'npm') return repoCopy();
  const dir = fs.mkdtempSync(path.join(scratch, `${kind}-`));
  linkBins(dir);
  if (kind === 'classification') classificationWorkspace(dir);
  if (kind === 'detection') detectionWorkspace(dir);
  if (kind === 'check') checkWorkspace(dir);
  return dir;
}

// ---- running

interface Ran { status: number | null; out: string; seconds: number }

function run(command: string, cwd: string): Ran {
  const started = Date.now();
  // Bare `tao-engine` (after `npm link`) finds the workspace's bins; the checkout copy has its own.
  const bin = path.join(cwd, 'node_modules', '.bin');
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
  const r = spawnSync('/bin/sh', ['-c', command], { cwd, env, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}`, seconds: (Date.now() - started) / 1000 };
}

/**
 * `tao-spec-server --stdio` as an editor drives it: initialize, initialized, shutdown and,
 * once shutdown has been answered, exit (LSP: exit code 0 after a shutdown).
 */
function lspSession(command: string, cwd: string): Promise<Ran> {
  const started = Date.now();
  const env = { ...process.env, PATH: `${path.join(cwd, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}` };
  const child = spawn('/bin/sh', ['-c', command], { cwd, env });
  const send = (m: object) => { const body = JSON.stringify(m); child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`); };
  let out = '';
  let answered = 0;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    // Responses carry "id"; step on as each one arrives.
    const ids = [...out.matchAll(/"id":(\d+),"result"/g)].map((m) => Number(m[1]));
    if (ids.includes(1) && answered < 1) { answered = 1; send({ jsonrpc: '2.0', method: 'initialized', params: {} }); send({ jsonrpc: '2.0', id: 2, method: 'shutdown' }); }
    if (ids.includes(2) && answered < 2) { answered = 2; send({ jsonrpc: '2.0', method: 'exit' }); }
  });
  child.stderr.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ status: code, out, seconds: (Date.now() - started) / 1000 }); });
  });
}

function expectations(command: string, r: Ran): void {
  const where = `\`${command}\` (${r.seconds.toFixed(1)} s)\n${r.out.slice(-4000)}`;
  assert.equal(r.status, 0, `exit ${r.status}: ${where}`);
  if (/^(npx )?tao-spec check/.test(command)) assert.match(r.out, /checked: 0 error\(s\)|"diagnostics"/, where);
  if (/^(npx )?tao-spec check.*--format json/.test(command)) {
    const report = JSON.parse(r.out.slice(0, r.out.lastIndexOf(']') + 1)) as Array<{ diagnostics: Array<{ severity: string }> }>;
    assert.ok(report.length > 0 && report.every((f) => f.diagnostics.every((d) => d.severity !== 'error')), where);
  }
  if (/^tao-spec-server --stdio/.test(command)) assert.match(r.out, /"capabilities"/, where);
}

// ---- the tests

const blocks = docFiles().flatMap((f) => extractBlocks(fs.readFileSync(path.join(repoRoot, f), 'utf8'), f));

test('the docs have example commands, and every listed exception still appears in them', () => {
  const all = new Set(blocks.flatMap((b) => b.commands.map((c) => concrete(c.text))));
  assert.ok(all.size >= 20, `${all.size} commands found`);
  for (const listed of [...Object.keys(NOT_RUN), ...Object.keys(SLOW)]) {
    assert.ok(all.has(listed), `"${listed}" is listed in doc-commands.test.ts but no document shows it any more: remove it from the list`);
  }
});

test('the extractor joins continuation lines, drops comments and fills in synopses', () => {
  const [b] = extractBlocks('x\n```sh\nnpm run demo    # a comment\ntao-engine classification_tf1 prune -e SPEC -m MODEL_DIR \\\n    [-pth 0.1] [-el LAYER,...]\nls -l\n```\n```json\nnpm\n```\n', 'x.md');
  assert.deepEqual(b.commands.map((c) => [c.line, c.text]), [[3, 'npm run demo'], [4, 'tao-engine classification_tf1 prune -e SPEC -m MODEL_DIR [-pth 0.1] [-el LAYER,...]']]);
  assert.equal(concrete(b.commands[1].text), 'tao-engine classification_tf1 prune -e spec.txt -m model');
  assert.equal(concrete('npm run conformance -- --mutate [--per-kind=2] [--network=NAME]'), 'npm run conformance -- --mutate');
});

for (const block of blocks) {
  const label = `${block.file}:${block.line}: ${block.commands.map((c) => concrete(c.text).split(' ').slice(0, 3).join(' ')).join('; ')}`;
  test(`runs as written: ${label}`, async (t) => {
    let cwd: string | undefined;
    let blockKind: Kind | undefined;
    for (const c of block.commands) {
      const written = concrete(c.text);
      const where = `${c.file}:${c.line}`;
      if (NOT_RUN[written]) { t.diagnostic(`not run (${where}): ${written} -- ${NOT_RUN[written]}`); continue; }
      if (SLOW[written] && !ALL) { t.diagnostic(`not run without TAO_DOC_COMMANDS_ALL=1 (${where}): ${written} -- ${SLOW[written]}`); continue; }
      const command = written;
      const kind = kindOf(command);
      blockKind ??= kind;
      assert.equal(kind, blockKind, `${where}: one block mixes ${blockKind} and ${kind} commands; give each its own block or extend the workspaces`);
      cwd ??= prepare(kind);
      const r = /^tao-spec-server/.test(command) ? await lspSession(command, cwd) : run(command, cwd);
      expectations(`${command}  [${where}]`, r);
    }
  });
}

// Also when a command times out or the runner stops early; rmSync does not follow the
// node_modules symlinks into the checkout.
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));
