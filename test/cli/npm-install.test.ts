// Installing is quiet and declared (issue #16 item 5): no npm command warns about an unknown
// project config, and package.json's `allowScripts` names every dependency that has an
// install script, approving only the one the project needs (the optional GPU backend) and
// denying the rest, onnxruntime-node's CUDA download among them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../support/run';

interface Lock { packages: Record<string, { version?: string; hasInstallScript?: boolean; optional?: boolean }> }

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean>; optionalDependencies?: Record<string, string> };
const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as Lock;

function npm(args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npm', args, { cwd: repoRoot, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `name` of an allowScripts key: `pkg`, `pkg@1.2.3`, `@scope/pkg@1.2.3`. */
const nameOf = (key: string): string => key.replace(/(.)@[^@/]*$/, '$1');

test('npm commands print no "Unknown project config" and no unreviewed install scripts', () => {
  const r = npm(['config', 'list']);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Unknown (project|user|env) config/);
  const s = npm(['run', '-s', 'env']);
  assert.equal(s.status, 0, s.stderr);
  assert.doesNotMatch(s.stderr, /Unknown (project|user|env) config|not yet covered by allowScripts/);
});

test('allowScripts names exactly the locked packages with install scripts', () => {
  const declared = pkg.allowScripts ?? {};
  const withScripts = new Set(
    Object.entries(lock.packages).filter(([k, v]) => k !== '' && v.hasInstallScript).map(([k]) => k.slice(k.lastIndexOf('node_modules/') + 'node_modules/'.length)),
  );
  assert.deepEqual(new Set(Object.keys(declared).map(nameOf)), withScripts, 'add the new package to allowScripts (true only if the project needs its script)');
  // Approvals are pinned to the locked version, so an upgrade is reviewed again.
  for (const [key, allowed] of Object.entries(declared)) {
    if (!allowed) continue;
    const locked = lock.packages[`node_modules/${nameOf(key)}`]?.version;
    assert.equal(key, `${nameOf(key)}@${locked}`, `${key}: pin the approval to the locked version`);
  }
  // The only script the project runs: the optional GPU backend's libtensorflow download (a
  // failure there drops the optional package, as before). onnxruntime-node ships its CPU
  // runtime in the package; its script only downloads CUDA providers from outside the registry.
  // (webgpu, also optional, has a postinstall that only clears a macOS quarantine flag: denied.)
  const approved = Object.keys(declared).filter((k) => declared[k]).map(nameOf);
  assert.deepEqual(approved, ['@tensorflow/tfjs-node-gpu']);
  for (const name of approved) assert.ok(name in (pkg.optionalDependencies ?? {}), `${name}: an approved script belongs to an optional package`);
  assert.equal(declared['onnxruntime-node'], false);
  assert.equal(declared.webgpu, false);
});

test('npm sees no install script left unreviewed in node_modules', () => {
  const r = npm(['approve-scripts', '--allow-scripts-pending']);
  assert.equal(r.status, 0, `npm ${npm(['--version']).stdout.trim()} cannot list unreviewed install scripts (allowScripts needs npm 11): ${r.stderr}`);
  assert.match(r.stdout, /No packages with unreviewed install scripts/, r.stdout);
});

test('.ci/run keeps the CUDA download skipped for npm versions that ignore allowScripts', () => {
  // npm 10 (Node 20's own) runs every install script; onnxruntime-node's reads this variable.
  const ci = fs.readFileSync(path.join(repoRoot, '.ci', 'run'), 'utf8');
  const m = /^export (ONNXRUNTIME_NODE_INSTALL_CUDA)=(\S+)$/m.exec(ci);
  assert.ok(m, '.ci/run exports ONNXRUNTIME_NODE_INSTALL_CUDA');
  // The command line itself (comments may mention `npm ci` earlier).
  const install = /^npm ci\b/m.exec(ci);
  assert.ok(install, '.ci/run runs npm ci');
  assert.ok(ci.indexOf(m[0]) < install.index, 'before npm ci');
  assert.ok(!fs.existsSync(path.join(repoRoot, '.npmrc')) || !/onnxruntime/.test(fs.readFileSync(path.join(repoRoot, '.npmrc'), 'utf8')));
  // The package's own script with that environment: exits at once, downloads nothing.
  const script = path.join(repoRoot, 'node_modules', 'onnxruntime-node', 'script', 'install.js');
  const r = spawnSync(process.execPath, [script], { env: { ...process.env, [m[1]]: m[2] }, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /Downloading/);
});
