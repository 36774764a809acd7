// Build script: one esbuild pass transpiles every TypeScript source to out/ (for tests and
// tools, which import modules one by one) and bundles the shipping entry points into dist/
// (so the CLI and the language server start from one file each).
import { build } from 'esbuild';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['server/src', 'engine/src', 'client/src', 'webviews/src', 'test', 'bench', 'tools'];

function tsFiles(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name === 'node_modules' || name === 'fixtures') continue;
      found.push(...tsFiles(full));
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) {
      found.push(full);
    }
  }
  return found;
}

const common = { platform: 'node', target: 'node20', format: 'cjs', sourcemap: 'linked', logLevel: 'warning' };

await build({ ...common, entryPoints: roots.flatMap(tsFiles), outdir: 'out', outbase: '.', bundle: false });

// Shipping bundles. Each entry is listed once here; optional entries are skipped until they exist.
const bundles = [
  { in: 'server/src/cli/main.ts', out: 'cli' },
  { in: 'server/src/lsp/main.ts', out: 'server' },
  // Diagnostics analysis runs in worker threads, which start from a file of their own.
  { in: 'server/src/lsp/analysis-worker.ts', out: 'analysis-worker' },
  { in: 'engine/src/cli/main.ts', out: 'engine' },
  { in: 'client/src/extension.ts', out: 'client' },
].filter((b) => existsSync(b.in));

await build({
  ...common,
  entryPoints: bundles,
  outdir: 'dist',
  bundle: true,
  // The engine's TensorFlow.js packages carry native or wasm payloads; they stay in node_modules.
  // h5wasm too: its ESM node build locates itself with import.meta.url, which a CommonJS bundle
  // would leave empty; external, the engine's `import('h5wasm/node')` stays a real import.
  external: ['vscode', '@tensorflow/*', 'onnxruntime-node', 'playwright-core', 'h5wasm'],
});

// Webview scripts run in the browser, never in Node.
const webviewEntries = tsFiles('webviews/src/pages');
if (webviewEntries.length > 0) {
  await build({
    entryPoints: webviewEntries,
    outdir: 'dist/webviews',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
