// The extension's plain logic: modeline edits, spec globs and content detection, results
// folder patterns, panel HTML and its CSP, webview message validation, run folder scanning,
// and the problem matcher declared in package.json.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseModeline, modelineEdit, isValidNetworkName } from '../../client/src/core/modeline';
import { matchesAnyGlob, globToRegExp, DEFAULT_SPEC_GLOBS } from '../../client/src/core/globs';
import { detectSpec, knownKeysFromIndex } from '../../client/src/core/detect';
import { expandResultsPattern, runRootFor, DEFAULT_RESULTS_PATTERN } from '../../client/src/core/resultsFolder';
import { renderPanelHtml, contentSecurityPolicy } from '../../client/src/core/html';
import { findRunFiles, isInside, checkpointFor } from '../../client/src/core/runFolder';
import { parsePanelMessage, MAX_OPEN_IMAGES } from '../../webviews/src/model/messages';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));

test('modeline: parse, update in place, insert when missing', () => {
  assert.deepEqual(parseModeline('# tao: network=classification_tf1 version=5.5.0')?.fields, { network: 'classification_tf1', version: '5.5.0' });
  assert.equal(parseModeline('model_config {'), undefined);
  assert.deepEqual(modelineEdit('model_config {', 'detectnet_v2'), { replaceFirstLine: false, text: '# tao: network=detectnet_v2\n' });
  assert.deepEqual(modelineEdit('#tao: network=yolo_v4 version=5.0.0', 'yolo_v4_tiny'), { replaceFirstLine: true, text: '# tao: network=yolo_v4_tiny version=5.0.0' });
  assert.ok(isValidNetworkName('classification_tf1'));
  assert.ok(!isValidNetworkName('../../etc/passwd'));
});

test('globs: **, *, braces, base-name globs', () => {
  assert.ok(globToRegExp('**/specs/**/*.{txt,yaml}').test('a/b/specs/c/d.txt'));
  assert.ok(globToRegExp('**/specs/**/*.{txt,yaml}').test('specs/x.yaml'));
  assert.ok(!globToRegExp('**/specs/**/*.{txt,yaml}').test('specsx/x.yaml'));
  assert.ok(matchesAnyGlob('/w/proj/specs/train.txt', DEFAULT_SPEC_GLOBS, '/w/proj'));
  assert.ok(matchesAnyGlob('/w/proj/experiment_spec.yaml', DEFAULT_SPEC_GLOBS, '/w/proj'));
  assert.ok(matchesAnyGlob('/w/x/model.prototxt', DEFAULT_SPEC_GLOBS));
  assert.ok(!matchesAnyGlob('/w/proj/notes.txt', DEFAULT_SPEC_GLOBS, '/w/proj'));
  assert.ok(!matchesAnyGlob('/w/proj/docker-compose.yaml', DEFAULT_SPEC_GLOBS, '/w/proj'));
});

test('spec detection: modeline, globs, content; other YAML and text stay alone', () => {
  const globs = DEFAULT_SPEC_GLOBS;
  assert.equal(detectSpec({ path: '/w/a.txt', text: '# tao: network=classification_tf1\nfoo: 1\n', globs })?.reason, 'modeline');
  assert.equal(detectSpec({ path: '/w/a.txt', text: 'model_config {\n  arch: "resnet"\n}\n', globs })?.reason, 'content');
  assert.equal(detectSpec({ path: '/w/notes.txt', text: 'remember the milk\n', globs }), undefined);
  assert.equal(detectSpec({ path: '/w/cfg.yaml', text: 'results_dir: /r\nmodel:\n  backbone: x\ndataset:\n  root: /d\n', globs })?.reason, 'content');
  assert.equal(detectSpec({ path: '/w/ci.yaml', text: 'name: build\non: push\njobs:\n  test: {}\n', globs }), undefined);
  assert.equal(detectSpec({ path: '/w/x.pbtxt', text: '', globs })?.reason, 'extension');
  assert.equal(detectSpec({ path: '/w/x.md', text: '# tao: network=x', globs }), undefined);
  // Real specs from the shared corpus, judged by content alone (no globs, neutral name).
  const corpus = path.resolve(repoRoot, '..', 'shared', 'tao-specs');
  const rows = fs.readFileSync(path.join(corpus, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split('\t'));
  const schemaDir = path.join(repoRoot, 'schemas');
  // The extension reads the keys from index.json only; they must be every schema's top-level keys.
  const known = knownKeysFromIndex(JSON.parse(fs.readFileSync(path.join(schemaDir, 'index.json'), 'utf8')));
  for (const f of fs.readdirSync(schemaDir).filter((name) => name.endsWith('.schema.json'))) {
    const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, f), 'utf8')) as { 'x-tao-dialect'?: string; properties?: Record<string, unknown> };
    const set = schema['x-tao-dialect'] === 'prototext' ? known.prototext : known.yaml;
    for (const k of Object.keys(schema.properties ?? {})) assert.ok(set.has(k), `${f}: top-level key ${k} is in index.json's key set`);
  }
  const rate = (dialect: string, ext: string): { n: number; missed: string[] } => {
    const missed: string[] = [];
    let n = 0;
    for (const r of rows.filter((r) => r[9] === dialect)) {
      const file = path.join(corpus, r[0].replace('/', '__'), r[7]);
      if (!fs.existsSync(file)) continue;
      n++;
      if (!detectSpec({ path: `/nowhere/file${ext}`, text: fs.readFileSync(file, 'utf8'), globs: [], known })) missed.push(r[7]);
    }
    return { n, missed };
  };
  const proto = rate('protobuf-text', '.txt');
  assert.ok(proto.n > 150, `corpus has ${proto.n} protobuf-text specs`);
  assert.ok(proto.missed.length / proto.n < 0.03, `protobuf text unrecognized: ${proto.missed.length}/${proto.n}: ${proto.missed.slice(0, 5).join(', ')}`);
  const yaml = rate('hydra-yaml', '.yaml');
  assert.ok(yaml.n > 300, `corpus has ${yaml.n} hydra specs`);
  assert.ok(yaml.missed.length / yaml.n < 0.1, `YAML unrecognized: ${yaml.missed.length}/${yaml.n}: ${yaml.missed.slice(0, 5).join(', ')}`);
});

test('results folder pattern', () => {
  const now = new Date(2026, 0, 2, 3, 4, 5);
  const r = expandResultsPattern(DEFAULT_RESULTS_PATTERN, { workspaceFolder: '/w', spec: '/w/specs/cls.txt', network: 'classification_tf1', task: 'train', now });
  assert.equal(r, '/w/specs/results/cls/train');
  assert.equal(runRootFor(r, 'train'), '/w/specs/results/cls');
  assert.equal(expandResultsPattern('runs/${network}/${date}/${task}', { workspaceFolder: '/w', spec: '/w/s.txt', network: 'n', task: 'evaluate', now }), '/w/runs/n/20260102-030405/evaluate');
  assert.throws(() => expandResultsPattern('${nope}', { workspaceFolder: '/w', spec: '/w/s.txt', network: 'n', task: 't', now }), /Unknown variable/);
});

test('panel HTML: strict CSP with nonce, nothing remote, no inline script without nonce', () => {
  const html = renderPanelHtml({ title: 'T <x>', scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webviews/training.js', styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webviews/training.css', cspSource: 'https://*.vscode-cdn.net', nonce: 'abc123' });
  const csp = contentSecurityPolicy('https://*.vscode-cdn.net', 'abc123');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc123'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-(inline|eval)|\*(?!\.vscode-cdn)/);
  assert.ok(html.includes(`content="${csp.replace(/'/g, "'")}"`));
  assert.equal((html.match(/<script /g) ?? []).length, 1);
  assert.match(html, /<script nonce="abc123" src=/);
  assert.ok(html.includes('T &lt;x&gt;'));
});

test('messages from panels are validated field by field', () => {
  assert.deepEqual(parsePanelMessage({ type: 'ready', page: 'training' }), { type: 'ready', page: 'training' });
  assert.equal(parsePanelMessage({ type: 'ready', page: 'shell' }), undefined);
  assert.equal(parsePanelMessage({ type: 'exec', cmd: 'rm' }), undefined);
  assert.equal(parsePanelMessage(null), undefined);
  assert.equal(parsePanelMessage('ready'), undefined);
  assert.deepEqual(parsePanelMessage({ type: 'rendered', page: 'runs', info: { charts: 2, series: 4, points: 40, extra: 'x' } }), { type: 'rendered', page: 'runs', info: { charts: 2, series: 4, points: 40 } });
  assert.equal(parsePanelMessage({ type: 'rendered', page: 'runs', info: { charts: -1, series: 4, points: 40 } }), undefined);
  // The training page reports the backend its header shows; anything but a short string is dropped.
  assert.deepEqual(parsePanelMessage({ type: 'rendered', page: 'training', info: { charts: 2, series: 4, points: 8, backend: 'onednn' } }), { type: 'rendered', page: 'training', info: { charts: 2, series: 4, points: 8, backend: 'onednn' } });
  assert.deepEqual(parsePanelMessage({ type: 'rendered', page: 'training', info: { charts: 2, series: 4, points: 8, backend: 7 } }), { type: 'rendered', page: 'training', info: { charts: 2, series: 4, points: 8 } });
  assert.deepEqual(parsePanelMessage({ type: 'rendered', page: 'training', info: { charts: 2, series: 4, points: 8, backend: 'x'.repeat(201) } }), { type: 'rendered', page: 'training', info: { charts: 2, series: 4, points: 8 } });
  assert.deepEqual(parsePanelMessage({ type: 'openImages', paths: ['a.png'] }), { type: 'openImages', paths: ['a.png'] });
  assert.equal(parsePanelMessage({ type: 'openImages', paths: [] }), undefined);
  assert.equal(parsePanelMessage({ type: 'openImages', paths: ['a\0b'] }), undefined);
  assert.equal(parsePanelMessage({ type: 'openImages', paths: new Array(MAX_OPEN_IMAGES + 1).fill('a.png') }), undefined);
  assert.equal(parsePanelMessage({ type: 'revealPath', path: 42 }), undefined);
});

test('run folders: status.json at the top or per task, reports found, paths confined', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-'));
  try {
    fs.mkdirSync(path.join(dir, 'train', 'weights', 'epoch_003'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'evaluate'));
    fs.mkdirSync(path.join(dir, 'prune'));
    fs.writeFileSync(path.join(dir, 'train', 'status.json'), '{}\n');
    fs.writeFileSync(path.join(dir, 'evaluate', 'status.json'), '{}\n');
    fs.writeFileSync(path.join(dir, 'evaluate', 'evaluation_report.json'), '{"classes":["a","b"],"confusion_matrix":[[1,0],[0,1]]}');
    fs.writeFileSync(path.join(dir, 'prune', 'prune_report.json'), '{}');
    fs.writeFileSync(path.join(dir, 'train', 'weights', 'epoch_003', 'status.json'), '{}');
    const f = findRunFiles(dir);
    assert.deepEqual(f.statusFiles.map((s) => s.task), ['train', 'evaluate']);
    assert.equal(f.evaluationReport, path.join(dir, 'evaluate', 'evaluation_report.json'));
    assert.equal(f.pruneReport, path.join(dir, 'prune', 'prune_report.json'));
    assert.equal(checkpointFor(path.join(dir, 'train'), 3), path.join(dir, 'train', 'weights', 'epoch_003'));
    assert.ok(isInside(dir, path.join(dir, 'train', 'x')));
    assert.ok(!isInside(dir, path.join(dir, '..', 'etc')));
    assert.ok(!isInside(dir, `${dir}-other/x`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('package.json problem matcher reads engine errors as file:line:col: error: message', () => {
  const matcher = pkg.contributes.problemMatchers.find((m: { name: string }) => m.name === 'tao');
  const re = new RegExp(matcher.pattern.regexp);
  const m = re.exec('/w/specs/cls.txt:12:5: error: unknown field "n_epoch" in train_config (did you mean "n_epochs"?)');
  assert.ok(m);
  assert.equal(m[matcher.pattern.file], '/w/specs/cls.txt');
  assert.equal(m[matcher.pattern.line], '12');
  assert.equal(m[matcher.pattern.column], '5');
  assert.equal(m[matcher.pattern.severity], 'error');
  assert.match(m[matcher.pattern.message], /^unknown field/);
  assert.equal(re.exec('epoch 3/10 loss 0.2'), null);
  // The engine's own format has no severity word: the matcher's default (error) applies.
  const engine = re.exec("/w/specs/broken_spec.txt:13:3: Unknown field 'n_epochz' in 'train_config': TAO will refuse the spec. Did you mean 'n_epochs'?");
  assert.ok(engine);
  assert.equal(engine[matcher.pattern.severity], undefined);
  assert.equal(matcher.severity, 'error');
  assert.match(engine[matcher.pattern.message], /^Unknown field 'n_epochz'/);
  assert.equal(re.exec('error: the spec has 1 problem(s); nothing was run'), null);
});

test('package.json declares every command the extension registers, and the settings it reads', () => {
  // Commands are registered in commands.ts, the walkthrough's module and the side bar's actions.
  const src = ['commands.ts', 'walkthrough.ts', path.join('views', 'actions.ts')].map((f) => fs.readFileSync(path.join(repoRoot, 'client', 'src', f), 'utf8')).join('\n');
  const registered = [...src.matchAll(/r\('(tao\.[A-Za-z]+)'/g)].map((m) => m[1]).sort();
  const declared = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(registered, declared);
  const settings = fs.readFileSync(path.join(repoRoot, 'client', 'src', 'settings.ts'), 'utf8');
  for (const key of [...settings.matchAll(/c\.get<[^>]+>\('([^']+)'/g)].map((m) => m[1])) assert.ok(pkg.contributes.configuration.properties[`tao.${key}`], `tao.${key} declared`);
  assert.deepEqual(pkg.contributes.configuration.properties['tao.files.globs'].default, DEFAULT_SPEC_GLOBS);
  assert.equal(pkg.contributes.configuration.properties['tao.results.folderPattern'].default, DEFAULT_RESULTS_PATTERN);
});
