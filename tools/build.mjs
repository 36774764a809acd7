// Build script: one esbuild pass transpiles every TypeScript source to out/ (for tests and
// tools, which import modules one by one) and bundles the shipping entry points into dist/
// (so the CLI and the language server start from one file each).
import { build } from 'esbuild';
import { readdirSync, statSync, existsSync, mkdirSync, copyFileSync, rmSync, renameSync, utimesSync } from 'node:fs';
import { join, dirname } from 'node:path';

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

// TensorFlow.js in the bundles. The engine imports '@tensorflow/tfjs', the union package, which
// is bundled as it is (its Node build also registers the chained ops, tensor.transpose() and
// the like, which tfjs-core alone does not), with the wasm backend. Three of the packages the
// union pulls in never run in Node and become empty modules here: the WebGL backend (it
// registers only in a browser), the graph-model converter (the engine loads layers models)
// and tf.data (the engine reads its data itself); that is 2.4 MB less JavaScript per engine
// start, and tf.data, loadGraphModel and the WebGL exports are absent from the bundle's tf.
// From out/ (tests, tools) the full union loads. Every other @tensorflow package stays a
// run-time require: tfjs-node and tfjs-node-gpu (and any optional backend) are never shipped;
// the engine tries them first and Node finds them where the user installed them (NODE_PATH,
// or a node_modules folder above dist/), exactly as before. tfjs-core keeps its engine and
// kernel registry on globalThis, so such a package's own tfjs and the bundled one share them.
const BUNDLED_TFJS = new Set(['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm']);
const UNUSED_TFJS = new Set(['@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-data']);
const tfjsInBundle = {
  name: 'tfjs-in-bundle',
  setup(b) {
    b.onResolve({ filter: /^@tensorflow\// }, (args) => {
      const pkg = args.path.split('/').slice(0, 2).join('/');
      if (UNUSED_TFJS.has(pkg)) return { path: pkg, namespace: 'tfjs-unused' };
      return BUNDLED_TFJS.has(pkg) ? undefined : { path: args.path, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'tfjs-unused' }, (args) => ({
      loader: 'js',
      contents: `// ${args.path}: not used in Node, left out of the bundle (tools/build.mjs).\nmodule.exports = {};\n`,
    }));
  },
};

await build({
  ...common,
  entryPoints: bundles,
  outdir: 'dist',
  bundle: true,
  plugins: [tfjsInBundle],
  // Left as real run-time requires besides @tensorflow's optional packages (above), each
  // resolved from dist/node_modules/ first, where the payload below puts it:
  // - onnxruntime-node: a native addon that locates its .node file relative to its own JS.
  // - h5wasm: its ESM node build has top-level await and finds itself with import.meta.url,
  //   neither of which a CommonJS bundle can carry; `import('h5wasm/node')` stays a real import.
  external: ['vscode', 'onnxruntime-node', 'playwright-core', 'h5wasm'],
});

// Run-time payload the bundles cannot inline, staged in dist/ so that dist/ (with schemas/)
// is the whole installed extension and the .vsix needs no node_modules (vsce runs with
// --no-dependencies, see .vscodeignore). Only what runs is copied.
const payloadPlatforms = new Set([
  // The .vsix target (`vsce package --target linux-x64`)...
  'linux/x64',
  // ...and this machine, so that dist/engine.js also runs where it is built.
  `${process.platform}/${process.arch}`,
]);

// Staging runs on every build while other processes may be running dist/engine.js (tests, a
// training run): a file that is already up to date is left alone, and a new one is written
// beside it and renamed over it, so a process that has the old one open or mapped (the
// onnxruntime library) keeps it intact, and no file is ever missing or half written.
const staged = new Set();
function copyInto(from, to) {
  staged.add(to);
  const source = statSync(from);
  if (existsSync(to)) {
    const target = statSync(to);
    if (target.size === source.size && Math.abs(target.mtimeMs - source.mtimeMs) < 1) return;
  }
  mkdirSync(dirname(to), { recursive: true });
  const temp = `${to}.${process.pid}.tmp`;
  copyFileSync(from, temp);
  utimesSync(temp, source.atime, source.mtime);
  renameSync(temp, to);
}

/** Removes what an earlier build staged and this one did not (another platform, an older package). */
function removeUnstaged(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      removeUnstaged(full);
      if (readdirSync(full).length === 0) rmSync(full, { recursive: true });
    } else if (!staged.has(full)) {
      rmSync(full);
    }
  }
}

/** Copies the files of node_modules/<name> that `keep(relativePath)` accepts to dist/node_modules/<name>. */
function stagePackage(name, keep) {
  const root = join('node_modules', name);
  if (!existsSync(root)) throw new Error(`build: ${root} is missing (npm ci first)`);
  const walk = (rel) => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(child);
      } else if (keep(child)) {
        copyInto(join(root, child), join('dist', 'node_modules', name, child));
      }
    }
  };
  walk('');
}

// tfjs' wasm backend in Node: never the threaded build (tfjs reports no wasm threads under
// Node), SIMD where WebAssembly has it (Node 20 does), the plain build otherwise.
// engine/src/backend/wasm-paths.ts points the bundled backend at this folder.
for (const file of ['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm']) {
  copyInto(join('node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist', file), join('dist', 'wasm', file));
}

// onnxruntime-node (INT8 calibration in export): its four CommonJS files, and per platform the
// addon and the runtime library it links (on Linux by its soname, libonnxruntime.so.1; the
// fully versioned copy of the same library is not needed). Its install script and `tar`
// dependency only fetch optional CUDA libraries, which the .vsix does not carry.
stagePackage('onnxruntime-node', (rel) => {
  if (rel === 'package.json' || /^dist\/[^/]+\.js$/.test(rel)) return true;
  const m = /^bin\/napi-v3\/([^/]+\/[^/]+)\/([^/]+)$/.exec(rel);
  return !!m && payloadPlatforms.has(m[1]) && !/\.so\.\d+\.\d+\.\d+$/.test(m[2]);
});
// Its API package, CommonJS build only (dist/cjs/package.json marks that folder CommonJS).
stagePackage('onnxruntime-common', (rel) => rel === 'package.json' || /^dist\/cjs\/[^/]+\.(js|json)$/.test(rel));
// h5wasm (Keras .hdf5 in and out): the node build (libhdf5's wasm is embedded in
// hdf5_util.js), its manifest (its `exports` map resolves 'h5wasm/node') and licence.
stagePackage('h5wasm', (rel) => rel === 'package.json' || rel === 'LICENSE.txt' || /^dist\/node\/[^/]+\.js$/.test(rel));
// Stale files from an earlier build must not ship.
removeUnstaged(join('dist', 'node_modules'));
removeUnstaged(join('dist', 'wasm'));

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

// The oneDNN addon for the onednn backend (out/native/tao_onednn.node), where a compiler and
// oneDNN's headers exist; a no-op when it is up to date, silent and harmless when it cannot build.
{
  const { spawnSync } = await import('node:child_process');
  spawnSync(process.execPath, [join('tools', 'build-onednn.mjs'), '--quiet'], { stdio: 'inherit' });
}
// The .vsix carries the built addon in dist/native/, where the bundled engine looks first
// (engine/src/backend/onednn.ts addonCandidates); it links the system's libdnnl.so.2, which
// the user installs (the runtime package alone). Without a built addon nothing is staged and
// an earlier build's copy is removed, so a stale binary never ships.
{
  const addon = join('out', 'native', 'tao_onednn.node');
  if (existsSync(addon)) copyInto(addon, join('dist', 'native', 'tao_onednn.node'));
  removeUnstaged(join('dist', 'native'));
}
