// The invariants ARCHITECTURE.md promises, checked on the sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../support/run';

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

function offenders(dirs: string[], bad: (spec: string, file: string) => boolean): string[] {
  const found: string[] = [];
  for (const dir of dirs) {
    for (const file of sources(join(repoRoot, dir))) {
      for (const spec of importsOf(file)) if (bad(spec, file)) found.push(`${relative(repoRoot, file)} imports ${spec}`);
    }
  }
  return found;
}

test('no vscode import outside client/', () => {
  assert.deepEqual(offenders(['server/src', 'engine/src', 'webviews/src', 'tools'], (s) => s === 'vscode'), []);
});

test('checking a spec never loads TensorFlow: server/ imports neither the engine nor @tensorflow', () => {
  assert.deepEqual(offenders(['server/src'], (s) => s.startsWith('@tensorflow/') || /(^|\/)engine\//.test(s)), []);
});

test('webview pages import neither the engine, the server nor Node built-ins', () => {
  assert.deepEqual(offenders(['webviews/src'], (s) => /(^|\/)(engine|server)\//.test(s) || s.startsWith('node:') || s.startsWith('@tensorflow/')), []);
});

test('the language core imports no protocol runtime (types only)', () => {
  const bad = offenders(['server/src/core'], (s) => s === 'vscode-languageserver' || s.startsWith('vscode-languageserver/'));
  assert.deepEqual(bad, []);
});

test('engine networks are independent: no network imports another, shared libraries import none', () => {
  const networksDir = join(repoRoot, 'engine', 'src', 'networks');
  const networks = readdirSync(networksDir).filter((n) => statSync(join(networksDir, n)).isDirectory());
  assert.ok(networks.includes('classification_tf1') && networks.includes('detectnet_v2'));
  const bad: string[] = [];
  for (const file of sources(join(repoRoot, 'engine', 'src'))) {
    const rel = relative(join(repoRoot, 'engine', 'src'), file).split('\\').join('/');
    const own = rel.startsWith('networks/') ? rel.split('/')[1] : undefined;
    const isRegistry = rel === 'networks/index.ts' || rel === 'networks/types.ts';
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const target = relative(join(repoRoot, 'engine', 'src'), join(file, '..', spec)).split('\\').join('/');
      if (!target.startsWith('networks/')) continue;
      const other = target.split('/')[1];
      if (isRegistry || other === 'index' || other === 'types' || other === own) continue;
      bad.push(`${rel} imports ${spec}`);
    }
    // Shared code (outside networks/) reaches a network only through the registry.
    if (!own && !isRegistry && !rel.startsWith('cli/') && !rel.startsWith('tools/')) {
      for (const spec of importsOf(file)) if (/networks\/(?!index|types)/.test(spec)) bad.push(`${rel} imports ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});
