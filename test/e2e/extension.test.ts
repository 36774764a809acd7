// The extension in a real VS Code: packages the .vsix (`npm run package`), installs THAT
// file into code-server 4.100.3 (installed by scripts/install-e2e.sh), opens a prepared
// workspace in headless Chromium with the extension-test payload, and reads the result of
// the in-host tests (test/e2e/host) through `codeAutomationExit`.
// Two sessions share the one installed .vsix: the classification and editor features, then
// detection (train, evaluate, inference from the commands, with Chromium screenshots of each
// panel: the in-host tests ask for them with a `[e2e] snap` console line, see `snap` below).
// Needs: scripts/install-e2e.sh run once, and the language server and engine bundles.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as net from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { writeSyntheticDataset } from '../../engine/src/data/synthetic';
import { writeDetectionScenes } from '../../engine/src/data/scenes';
import { datasetConvertSpec, detectInferenceSpec, detectTrainSpec } from '../../engine/src/tools/detect-specs';
import type { PanelProbe } from './host/detection';
import type { WorkbenchProbe } from './host/sideBar';
import type { ActivationTiming } from './host/activation';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const e2eDir = process.env.TAO_E2E_DIR ?? path.join(repoRoot, '.tao-e2e');
const codeServer = path.join(e2eDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const vsix = path.join(repoRoot, 'tao-spec-studio.vsix');
const artifacts = path.join(repoRoot, 'test-artifacts', 'e2e');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The workspace the in-host tests expect (see test/e2e/host/index.ts). */
function prepareWorkspace(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
  const data = writeSyntheticDataset(path.join(root, 'data'), { classes: 3, size: 16, channels: 1, perClass: { train: 12, val: 4, test: 4 }, seed: 5 });
  fs.mkdirSync(path.join(root, 'specs'), { recursive: true });
  const spec = (epochsLine: string): string => `# tao: network=classification_tf1
model_config {
  arch: "resnet"
  n_layers: 10
  use_batch_norm: true
  input_image_size: "1,16,16"
}
train_config {
  train_dataset_path: "${data.train}"
  val_dataset_path: "${data.val}"
  optimizer { adam { lr: 0.002 } }
  batch_size_per_gpu: 8
  ${epochsLine}
  random_seed: 7
  preprocess_mode: "torch"
}
eval_config {
  eval_dataset_path: "${data.test}"
  top_k: 2
  batch_size: 16
}
`;
  fs.writeFileSync(path.join(root, 'specs', 'classify_spec.txt'), spec('n_epochs: 2'));
  fs.writeFileSync(path.join(root, 'specs', 'broken_spec.txt'), spec('n_epochz: 2'));
  fs.writeFileSync(path.join(root, 'specs', 'long_spec.txt'), spec('n_epochs: 20'));
  // A results folder as NVIDIA's containers leave it, for TAO: Open Run.
  const fixtures = path.join(repoRoot, 'test', 'webviews', 'fixtures');
  fs.mkdirSync(path.join(root, 'tao_container_run', 'train'), { recursive: true });
  fs.copyFileSync(path.join(fixtures, 'tao-classification-status.json'), path.join(root, 'tao_container_run', 'train', 'status.json'));
  fs.copyFileSync(path.join(fixtures, 'evaluation_report.json'), path.join(root, 'tao_container_run', 'evaluation_report.json'));
  fs.copyFileSync(path.join(repoRoot, 'test', 'client', 'fixtures', 'fake-tao.js'), path.join(root, 'fake-tao.js'));
  fs.chmodSync(path.join(root, 'fake-tao.js'), 0o755);
  fs.writeFileSync(path.join(root, 'tao_mounts.json'), JSON.stringify({ Mounts: [{ source: root, destination: '/workspace/tao' }] }));
  fs.mkdirSync(path.join(root, '.vscode'));
  fs.writeFileSync(path.join(root, '.vscode', 'tasks.json'), JSON.stringify({
    version: '2.0.0',
    tasks: [{
      type: 'tao', label: 'evaluate classify', network: 'classification_tf1', task: 'evaluate',
      spec: 'specs/classify_spec.txt', results: 'specs/results/classify_spec/evaluate',
      args: ['-m', '${workspaceFolder}/specs/results/classify_spec/train/weights/final'],
      problemMatcher: ['$tao'],
    }],
  }, null, 2));
  // onednn where the addon was built (the .vsix then carries it; CI builds it), else wasm: named,
  // not auto, so a GPU backend on a developer's machine cannot change what the training test
  // expects the panel's header to show.
  const backend = fs.existsSync(path.join(repoRoot, 'dist', 'native', 'tao_onednn.node')) ? 'onednn' : 'wasm';
  fs.writeFileSync(path.join(root, '.vscode', 'settings.json'), JSON.stringify({ 'tao.engine.backend': backend, 'tao.mountsFile': path.join(root, 'tao_mounts.json'), 'security.workspace.trust.enabled': false }, null, 2));
}

/**
 * The detection workspace test/e2e/host/detection.ts expects: generated KITTI scenes, their
 * TFRecords (dataset_convert runs here as a CLI process, before VS Code starts), a one-epoch
 * training spec that validates after its epoch (so the evaluation page has mAP over
 * training) and an inference spec. Sized for two shared cores: 16 images of 64x64, ResNet-10.
 */
function prepareDetectionWorkspace(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
  const kitti = path.join(root, 'data', 'kitti');
  const scenes = writeDetectionScenes(kitti, { count: 16, width: 64, height: 64, seed: 5, classes: [1, 8], minObjects: 1, maxObjects: 2, minSize: 20, maxSize: 40 });
  const specs = path.join(root, 'specs');
  fs.mkdirSync(specs, { recursive: true });
  fs.writeFileSync(path.join(specs, 'detect_convert.txt'), datasetConvertSpec({ root: kitti, valSplit: 25, shards: 1 }));
  const convert = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'engine.js'), 'detectnet_v2', 'dataset_convert', '-d', path.join(specs, 'detect_convert.txt'), '-o', path.join(root, 'data', 'tfrecords', 'scenes')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(convert.status, 0, `dataset_convert failed:\n${convert.stdout}\n${convert.stderr}`);
  // Foreground weight 0.5 and NMS: the from-scratch recipe of the detection demo (docs/detectnet_v2.md).
  fs.writeFileSync(path.join(specs, 'detect_train.txt'), detectTrainSpec({ classes: scenes.classNames, width: 64, height: 64, layers: 10, epochs: 1, batch: 4, tfrecords: path.join(root, 'data', 'tfrecords', '*'), images: kitti, firstValidationEpoch: 1, validationPeriod: 1, foregroundWeight: 0.5, clustering: 'NMS' }));
  fs.writeFileSync(path.join(specs, 'detect_infer.txt'), detectInferenceSpec({ classes: scenes.classNames, width: 64, height: 64, clustering: 'NMS' }));
  fs.writeFileSync(path.join(root, 'classes.json'), JSON.stringify(scenes.classNames));
  fs.mkdirSync(path.join(root, '.vscode'));
  fs.writeFileSync(path.join(root, '.vscode', 'settings.json'), JSON.stringify({ 'tao.engine.backend': 'wasm', 'security.workspace.trust.enabled': false }, null, 2));
}

function stop(proc: ChildProcess | undefined): void {
  if (proc && proc.exitCode === null) proc.kill('SIGTERM');
}

/** Packs the .vsix and installs it once; both sessions use that installation. */
let installation: Promise<string> | undefined;
function installExtension(): Promise<string> {
  installation ??= (async () => {
    // 1. Package the .vsix with the vsce command of `npm run package`. Its build step is left
    // out: the test runner has just built, and rebuilding out/ while other test files run
    // beside this one could hand them half-written modules.
    let t0 = Date.now();
    fs.rmSync(vsix, { force: true });
    const script = String(JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).scripts.package);
    const vsceStep = script.split('&&').map((s) => s.trim()).find((s) => s.startsWith('vsce '));
    assert.ok(vsceStep, `scripts.package has a vsce step: ${script}`);
    const pack = spawnSync(path.join(repoRoot, 'node_modules', '.bin', 'vsce'), vsceStep.split(/\s+/).slice(1), { cwd: repoRoot, encoding: 'utf8', timeout: 240_000 });
    assert.equal(pack.status, 0, `vsce package failed:\n${pack.stdout}\n${pack.stderr}`);
    assert.ok(fs.existsSync(vsix), 'tao-spec-studio.vsix written');
    console.log(`# packaged ${(fs.statSync(vsix).size / 1e6).toFixed(1)} MB in ${Date.now() - t0} ms`);

    // 2. Install that file into a fresh extensions folder.
    const run = path.join(e2eDir, 'run');
    fs.rmSync(run, { recursive: true, force: true });
    const extDir = path.join(run, 'extensions');
    const userDir = path.join(run, 'user');
    fs.mkdirSync(extDir, { recursive: true });
    fs.mkdirSync(userDir, { recursive: true });
    t0 = Date.now();
    const install = spawnSync(process.execPath, [codeServer, '--extensions-dir', extDir, '--user-data-dir', userDir, '--install-extension', vsix], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(install.status, 0, `install failed:\n${install.stdout}\n${install.stderr}`);
    const installed = fs.readdirSync(extDir).filter((d) => d.startsWith('tao-spec-studio.tao-spec-studio-'));
    assert.equal(installed.length, 1, `installed: ${fs.readdirSync(extDir).join(', ')}`);
    console.log(`# installed in ${Date.now() - t0} ms`);
    return extDir;
  })();
  return installation;
}

const PAGE_TITLES = { training: 'Training · ', evaluation: 'Evaluation · ', inference: 'Inference · ' } as const;
type PanelPage = keyof typeof PAGE_TITLES;
/** `workbench`: the whole window (the TAO side bar, the walkthrough), read from the workbench's own page. */
type SnapPage = PanelPage | 'workbench';

/**
 * Runs in a webview's frame: what its page shows, or undefined when the frame is not a panel
 * of that page. `ready` says the page has settled enough for a screenshot (charts drawn,
 * thumbnails loaded). Must stay self-contained: Playwright sends its source to the browser.
 */
function readPanel(arg: { prefix: string; page: string }): (Omit<PanelProbe, 'screenshot'> & { ready: boolean }) | undefined {
  const text = (e: Element | null | undefined): string => (e?.textContent ?? '').replace(/\s+/g, ' ').trim();
  const title = text(document.querySelector('#app h1'));
  if (!title.startsWith(arg.prefix)) return undefined;
  const all = (sel: string): Element[] => Array.from(document.querySelectorAll(sel));
  const tiles = all('#app .tile').map((t) => ({ label: text(t.querySelector('.tile-label')), value: text(t.querySelector('.tile-value')) }));
  const apRows = all('#ap-table tbody tr').map((r) => { const cells = Array.from(r.querySelectorAll('td')).map((c) => text(c)); return { cls: cells[0] ?? '', cells }; });
  const sections = all('#app section.chart');
  const chartTitles = sections.map((c) => text(c.querySelector('h3')));
  const canvases = all('#app section.chart canvas').filter((c) => (c as HTMLCanvasElement).width > 0).length;
  const chips = all('#class-filter label.chip').map((c) => ({ cls: c.getAttribute('data-class') ?? '', count: text(c.querySelector('.count')) }));
  const thumbImages = all('#thumbs .thumb img') as HTMLImageElement[];
  const imagesLoaded = thumbImages.filter((i) => i.complete && i.naturalWidth > 0).length;
  const rects = all('#thumbs rect.box');
  const thumbs = all('#thumbs .thumb').length;
  const ready = arg.page === 'inference'
    ? thumbs > 0 && imagesLoaded === thumbs && rects.length > 0
    : sections.length > 0 && canvases >= sections.length && (arg.page !== 'evaluation' || apRows.length > 0);
  return {
    title, tiles, apRows, chartTitles, canvases, chips, thumbs, imagesLoaded,
    summary: text(document.getElementById('summary')),
    boxes: rects.length,
    boxClasses: [...new Set(rects.map((r) => r.getAttribute('data-class') ?? ''))],
    ready,
  };
}

/** Finds the panel of `page` among the workbench's frames and waits (up to 15 s) until it has settled. */
async function probePanel(page: Page, which: PanelPage): Promise<Omit<PanelProbe, 'screenshot'>> {
  const deadline = Date.now() + 15_000;
  let last: (Omit<PanelProbe, 'screenshot'> & { ready: boolean }) | undefined;
  for (;;) {
    for (const frame of page.frames()) {
      const found = await frame.evaluate(readPanel, { prefix: PAGE_TITLES[which], page: which }).catch(() => undefined);
      if (found) last = found;
      if (found?.ready) break;
    }
    if (last?.ready || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!last) return { title: '', tiles: [], apRows: [], chartTitles: [], canvases: 0, summary: '', chips: [], thumbs: 0, imagesLoaded: 0, boxes: 0, boxClasses: [], error: `no ${which} panel among ${page.frames().length} frames` };
  const { ready: _ready, ...probe } = last;
  return probe;
}

/**
 * Runs in the workbench page: the walkthrough's steps with their ticks (VS Code marks a done
 * step `aria-checked="true"`) and the rows the side bar's trees draw. Self-contained, as readPanel.
 */
function readWorkbench(): Omit<WorkbenchProbe, 'screenshot'> {
  const steps = Array.from(document.querySelectorAll('button.getting-started-step')).map((b) => ({ id: b.getAttribute('data-step-id') ?? '', checked: b.getAttribute('aria-checked') === 'true' }));
  const text = (e: Element): string => (e.textContent ?? '').replace(/\s+/g, ' ').trim();
  const sideBarRows = Array.from(document.querySelectorAll('.part.sidebar .monaco-list-row')).map(text);
  const welcome = Array.from(document.querySelectorAll('.part.sidebar .welcome-view-content')).map(text);
  const welcomeButtons = Array.from(document.querySelectorAll('.part.sidebar .welcome-view-content .monaco-button')).map(text);
  return { steps, sideBarRows, welcome, welcomeButtons };
}

async function snapWorkbench(page: Page, request: { name: string; reply: string }): Promise<WorkbenchProbe> {
  const screenshot = path.join(artifacts, `${request.name}.png`);
  try {
    fs.mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: screenshot });
    return { ...(await page.evaluate(readWorkbench)), screenshot };
  } catch (e) {
    return { steps: [], sideBarRows: [], welcome: [], welcomeButtons: [], screenshot, error: String((e as Error).stack ?? e) };
  }
}

/** Answers one `[e2e] snap` request of the in-host tests: screenshot, then the panel's contents. */
async function snap(page: Page, request: { name: string; page: SnapPage; reply: string }): Promise<void> {
  const screenshot = path.join(artifacts, `${request.name}.png`);
  let answer: PanelProbe | WorkbenchProbe;
  if (request.page === 'workbench') {
    answer = await snapWorkbench(page, request);
  } else {
    try {
      const probe = await probePanel(page, request.page);
      fs.mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: screenshot });
      answer = { ...probe, screenshot };
    } catch (e) {
      answer = { title: '', tiles: [], apRows: [], chartTitles: [], canvases: 0, summary: '', chips: [], thumbs: 0, imagesLoaded: 0, boxes: 0, boxClasses: [], screenshot, error: String((e as Error).stack ?? e) };
    }
  }
  // Written whole (temp + rename): the host polls for the file and must never read half of it.
  fs.writeFileSync(`${request.reply}.tmp`, JSON.stringify(answer));
  fs.renameSync(`${request.reply}.tmp`, request.reply);
}

interface SessionOptions {
  extDir: string;
  userDir: string;
  workspace: string;
  /** The in-host test module under out/test/e2e/host. */
  hostTests: string;
  /** Names its log lines and, unless the session takes its own screenshots, the final one `<label>.png`. */
  label: string;
  finalScreenshot: boolean;
  /** The browser console, in test-artifacts/e2e. */
  consoleFile: string;
  timeoutMs: number;
}

/**
 * Starts code-server on the workspace, opens it in headless Chromium with the extension-test
 * payload, answers screenshot requests, and returns the exit code of the in-host tests and
 * their `[e2e]` lines.
 */
async function runSession(o: SessionOptions): Promise<{ exitCode: number; lines: string[] }> {
  fs.mkdirSync(o.userDir, { recursive: true });
  const port = await freePort();
  const logs: string[] = [];
  const server = spawn(process.execPath, [codeServer, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', o.userDir, '--extensions-dir', o.extDir, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', o.workspace], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.on('data', (d) => logs.push(String(d)));
  server.stderr?.on('data', (d) => logs.push(String(d)));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const allConsole: string[] = [];
  try {
    const origin = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`${origin}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      assert.ok(Date.now() < deadline, `code-server did not start:\n${logs.join('')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const remote = (p: string): string => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(path.join(repoRoot, 'test', 'e2e', 'host-extension'))],
      ['extensionTestsPath', remote(path.join(repoRoot, 'out', 'test', 'e2e', 'host', o.hostTests))],
    ];
    const url = `${origin}/?folder=${encodeURIComponent(o.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const consoleLines: string[] = [];
    // Screenshot requests are answered one at a time, in the order they were asked.
    let snaps = Promise.resolve();
    page.on('console', (m) => {
      allConsole.push(`${m.type()} ${m.text()}`);
      if (m.text().includes('[e2e]')) consoleLines.push(m.text());
      const request = /\[e2e\] snap (\{.*\})/.exec(m.text());
      if (request) {
        const parsed = JSON.parse(request[1]) as { name: string; page: SnapPage; reply: string };
        snaps = snaps.then(() => snap(page, parsed));
      }
    });
    page.on('pageerror', (e) => allConsole.push(`pageerror ${e.stack ?? e}`));
    const t0 = Date.now();
    const exitCode = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no result from the extension host after ${o.timeoutMs / 1000} s:\n${consoleLines.join('\n')}`)), o.timeoutMs);
      void page.exposeFunction('codeAutomationExit', (code: number) => { clearTimeout(timer); resolve(code); }).then(() => page.goto(url), reject);
    });
    console.log(`# ${o.label}: extension-host tests ran in ${Date.now() - t0} ms`);
    await snaps;
    fs.mkdirSync(artifacts, { recursive: true });
    if (o.finalScreenshot) await page.screenshot({ path: path.join(artifacts, `${o.label}.png`) }).catch(() => undefined);
    for (const l of consoleLines) console.log(`# ${l.replace(/\n/g, '\n# ')}`);
    return { exitCode, lines: consoleLines };
  } finally {
    // Kept on a timeout too: the console is then the only account of what the host did.
    fs.mkdirSync(artifacts, { recursive: true });
    fs.writeFileSync(path.join(artifacts, o.consoleFile), allConsole.join('\n'));
    await browser.close();
    stop(server);
  }
}

/** Issue 16's goal for activation in this test, by VS Code's own marks (see host/activation.ts). */
const ACTIVATION_GOAL_MS = 500;

/**
 * Prints a session's activation time as the in-host tests reported it. Checked: that VS Code's
 * marks were found, so the figure cannot silently disappear. Not checked: the goal, which this
 * shared 2-core machine's load decides as much as the extension (the time is dominated by
 * activate() awaiting the language server's start; docs/packaging.md has the figures).
 */
function reportActivation(label: string, lines: string[]): void {
  const m = lines.map((l) => /\[e2e\] activation (\{.*\})/.exec(l)).find((x) => x !== null);
  assert.ok(m, `${label}: the in-host tests reported the activation time`);
  const t = JSON.parse(m[1]) as Partial<ActivationTiming>;
  assert.ok(typeof t.totalMs === 'number', `${label}: VS Code's activation marks were found: ${m[1]}`);
  const verdict = t.totalMs <= ACTIVATION_GOAL_MS ? 'within' : 'OVER';
  console.log(`# ${label}: activation ${t.totalMs} ms, ${verdict} the ${ACTIVATION_GOAL_MS} ms goal (loading dist/client.js ${t.loadMs} ms, activate() to its resolved promise ${t.activateMs} ms)`);
}

function checkPrerequisites(): void {
  assert.ok(fs.existsSync(codeServer), `code-server is not installed in ${e2eDir}: run \`bash scripts/install-e2e.sh\` first`);
  for (const b of ['client', 'server', 'engine']) assert.ok(fs.existsSync(path.join(repoRoot, 'dist', `${b}.js`)), `dist/${b}.js is missing (the ${b} bundle)`);
}

test('the packaged extension works inside code-server: activation, diagnostics, completion, hover, training panel, launcher', { timeout: 420_000 }, async () => {
  checkPrerequisites();
  const extDir = await installExtension();
  const run = path.dirname(extDir);
  const workspace = path.join(run, 'workspace');
  prepareWorkspace(workspace);
  // The TAO side bar and the walkthrough, screenshotted by the in-host tests (host/sideBar.ts).
  const shots = ['side-bar', 'walkthrough'];
  for (const name of shots) fs.rmSync(path.join(artifacts, `${name}.png`), { force: true });
  const r = await runSession({ extDir, userDir: path.join(run, 'user'), workspace, hostTests: 'index.js', label: 'workbench', finalScreenshot: true, consoleFile: 'console.log', timeoutMs: 300_000 });
  assert.equal(r.exitCode, 0, `extension-host tests failed:\n${r.lines.join('\n')}`);
  reportActivation('workbench', r.lines);
  for (const name of shots) assert.ok(fs.existsSync(path.join(artifacts, `${name}.png`)), `${name}.png in test-artifacts/e2e`);
});

test('detection in code-server: TAO: Train, Evaluate and Run Inference from the commands; the evaluation panel and the inference viewer, screenshotted', { timeout: 420_000 }, async () => {
  checkPrerequisites();
  const extDir = await installExtension();
  const run = path.dirname(extDir);
  const workspace = path.join(run, 'detection');
  const shots = ['detection-training', 'detection-evaluation', 'detection-inference'];
  // Screenshots of an earlier run must not pass for this run's.
  for (const name of shots) fs.rmSync(path.join(artifacts, `${name}.png`), { force: true });
  let t0 = Date.now();
  prepareDetectionWorkspace(workspace);
  console.log(`# detection workspace (scenes + dataset_convert) in ${Date.now() - t0} ms`);
  // A user-data folder of its own: nothing of the first session's layout or state carries over.
  t0 = Date.now();
  const r = await runSession({ extDir, userDir: path.join(run, 'user-detection'), workspace, hostTests: 'detection.js', label: 'detection', finalScreenshot: false, consoleFile: 'detection-console.log', timeoutMs: 240_000 });
  console.log(`# detection session in ${Date.now() - t0} ms`);
  assert.equal(r.exitCode, 0, `extension-host tests failed:\n${r.lines.join('\n')}`);
  reportActivation('detection', r.lines);
  for (const name of shots) assert.ok(fs.existsSync(path.join(artifacts, `${name}.png`)), `${name}.png in test-artifacts/e2e`);
});

test('the TAO side bar in a workspace with no TAO files: its welcome content and buttons, screenshotted', { timeout: 300_000 }, async () => {
  checkPrerequisites();
  const extDir = await installExtension();
  const run = path.dirname(extDir);
  const workspace = path.join(run, 'empty');
  fs.rmSync(workspace, { recursive: true, force: true });
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'security.workspace.trust.enabled': false }, null, 2));
  fs.rmSync(path.join(artifacts, 'welcome.png'), { force: true });
  const r = await runSession({ extDir, userDir: path.join(run, 'user-empty'), workspace, hostTests: 'welcome.js', label: 'welcome', finalScreenshot: false, consoleFile: 'welcome-console.log', timeoutMs: 120_000 });
  assert.equal(r.exitCode, 0, `extension-host tests failed:\n${r.lines.join('\n')}`);
  assert.ok(fs.existsSync(path.join(artifacts, 'welcome.png')), 'welcome.png in test-artifacts/e2e');
});
