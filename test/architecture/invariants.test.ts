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
