// The extension in a real VS Code: packages the .vsix (`npm run package`), installs THAT
// file into code-server 4.100.3 (installed by scripts/install-e2e.sh), opens a prepared
// workspace in headless Chromium with the extension-test payload, and reads the result of
// the in-host tests (test/e2e/host) through `codeAutomationExit`.
// Needs: scripts/install-e2e.sh run once, and the language server and engine bundles.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as net from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chromium } from 'playwright-core';
import { writeSyntheticDataset } from '../../engine/src/data/synthetic';

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
  fs.writeFileSync(path.join(root, '.vscode', 'settings.json'), JSON.stringify({ 'tao.engine.backend': 'wasm', 'tao.mountsFile': path.join(root, 'tao_mounts.json'), 'security.workspace.trust.enabled': false }, null, 2));
}

function stop(proc: ChildProcess | undefined): void {
  if (proc && proc.exitCode === null) proc.kill('SIGTERM');
}

test('the packaged extension works inside code-server: activation, diagnostics, completion, hover, training panel, launcher', { timeout: 420_000 }, async () => {
  assert.ok(fs.existsSync(codeServer), `code-server is not installed in ${e2eDir}: run \`bash scripts/install-e2e.sh\` first`);
  for (const b of ['client', 'server', 'engine']) assert.ok(fs.existsSync(path.join(repoRoot, 'dist', `${b}.js`)), `dist/${b}.js is missing (the ${b} bundle)`);

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

  // 3. Workspace, code-server, browser.
  const workspace = path.join(run, 'workspace');
  prepareWorkspace(workspace);
  const port = await freePort();
  const logs: string[] = [];
  const server = spawn(process.execPath, [codeServer, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', userDir, '--extensions-dir', extDir, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', workspace], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.on('data', (d) => logs.push(String(d)));
  server.stderr?.on('data', (d) => logs.push(String(d)));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
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
      ['extensionTestsPath', remote(path.join(repoRoot, 'out', 'test', 'e2e', 'host', 'index.js'))],
    ];
    const url = `${origin}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const consoleLines: string[] = [];
    const allConsole: string[] = [];
    page.on('console', (m) => {
      allConsole.push(`${m.type()} ${m.text()}`);
      if (m.text().includes('[e2e]')) consoleLines.push(m.text());
    });
    page.on('pageerror', (e) => allConsole.push(`pageerror ${e.stack ?? e}`));
    t0 = Date.now();
    const exitCode = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no result from the extension host after 300 s:\n${consoleLines.join('\n')}`)), 300_000);
      void page.exposeFunction('codeAutomationExit', (code: number) => { clearTimeout(timer); resolve(code); }).then(() => page.goto(url), reject);
    });
    console.log(`# extension-host tests ran in ${Date.now() - t0} ms`);
    fs.mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'workbench.png') }).catch(() => undefined);
    fs.writeFileSync(path.join(artifacts, 'console.log'), allConsole.join('\n'));
    for (const l of consoleLines) console.log(`# ${l.replace(/\n/g, '\n# ')}`);
    assert.equal(exitCode, 0, `extension-host tests failed:\n${consoleLines.join('\n')}`);
  } finally {
    await browser.close();
    stop(server);
  }
});
