// `tao-engine doctor` as a process: every backend reported in auto's order, the ones that load
// with their device and versions, the ones that do not with the missing piece and a command
// that installs it; `auto` agrees with what a real run picks. Also: the versions the doctor
// recommends are the ones package.json pins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runEngine, tempDir, tinyDataset, writeSpec } from './helpers';
import { AUTO_ORDER } from '../../engine/src/backend';
import { PINNED } from '../../engine/src/backend/probe';
import { findSharedLibrary } from '../../engine/src/backend/native-libs';
import type { DoctorReport } from '../../engine/src/cli/doctor';

const json = runEngine(['doctor', '--json']);
const report = JSON.parse(json.stdout) as DoctorReport;

test('doctor --json reports every backend in auto order, with a fix for each that does not load', () => {
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(report.backends.map((b) => b.backend), [...AUTO_ORDER]);
  assert.equal(report.node, process.version);
  assert.equal(report.tfjs, PINNED.tfjs);
  for (const b of report.backends) {
    assert.equal(b.versions['@tensorflow/tfjs'], PINNED.tfjs, b.backend);
    if (b.loads) {
      assert.ok(b.description, `${b.backend} says what it is`);
      continue;
    }
    assert.ok(b.problem && b.problem.length > 10, `${b.backend}: the missing piece is named (${b.problem})`);
    // Without a build for the platform there is nothing to install; everywhere else there is.
    if (!/has no (build|prebuilt)/.test(b.problem)) assert.ok(b.fixes.length > 0, `${b.backend}: a command installs it`);
  }
  // The pure JS backend always works, and wasm installs with the engine.
  for (const name of ['wasm', 'cpu']) assert.ok(report.backends.find((b) => b.backend === name)?.loads, name);
});

test('doctor names the pieces missing here: tfjs-node packages, and what webgpu lacks for a GPU', () => {
  const byName = Object.fromEntries(report.backends.map((b) => [b.backend, b]));
  for (const [name, pkg] of [['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'], ['tensorflow', '@tensorflow/tfjs-node']] as const) {
    const b = byName[name];
    if (!b.versions[pkg]) {
      assert.equal(b.problem, `${pkg} is not installed`);
      assert.deepEqual(b.fixes, [`npm install ${pkg}@${PINNED.tfjs}`]);
    }
  }
  const webgpu = byName.webgpu;
  if (webgpu.versions.webgpu) assert.equal(webgpu.versions.webgpu, PINNED.webgpu);
  if (webgpu.loads && !webgpu.software) return;
  // No hardware adapter: the problem says why, e.g. the Vulkan loader, and how to get it.
  assert.match(webgpu.problem ?? '', /^no hardware adapter: |not installed|no prebuilt/);
  if (webgpu.versions.webgpu && process.platform === 'linux' && !findSharedLibrary('libvulkan.so.1')) {
    assert.ok(webgpu.fixes.includes('sudo apt-get install libvulkan1'), JSON.stringify(webgpu));
  }
  if (webgpu.loads) {
    assert.equal(webgpu.software, true);
    assert.equal(webgpu.auto, false, 'a software adapter is not for auto');
    assert.ok(webgpu.device, 'the adapter is named');
  }
});

test('doctor\'s auto is the backend a training run picks', () => {
  const expected = report.backends.find((b) => b.loads && b.auto)!;
  assert.equal(report.auto, expected.backend);
  const work = tempDir('doctor');
  const data = tinyDataset(join(work, 'data'));
  const spec = writeSpec(join(work, 'spec.txt'), { train: data.train, epochs: 1 });
  const r = runEngine(['classification_tf1', 'train', '-e', spec, '-r', join(work, 'results'), '--verbose']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stderr.includes(`backend: ${expected.description}`), r.stderr);
});

test('doctor prints a readable table, and rejects unknown arguments', () => {
  const text = runEngine(['doctor']);
  assert.equal(text.code, 0, text.stderr);
  for (const name of AUTO_ORDER) assert.match(text.stdout, new RegExp(`^  ${name} +(ok|no|software) `, 'm'));
  assert.match(text.stdout, new RegExp(`^auto uses: ${report.auto}$`, 'm'));
  const bad = runEngine(['doctor', '--frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown argument --frobnicate/);
});

test('the versions doctor recommends are the ones package.json pins', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  assert.equal(pkg.dependencies['@tensorflow/tfjs'], PINNED.tfjs);
  assert.equal(pkg.optionalDependencies.webgpu, PINNED.webgpu);
  assert.equal(pkg.optionalDependencies['@tensorflow/tfjs-backend-webgpu'], PINNED.tfjs);
  assert.equal(pkg.optionalDependencies['@tensorflow/tfjs-node-gpu'], PINNED.tfjs);
});
