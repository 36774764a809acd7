// The .vsix as users get it (issue 16 item 6): packaged with the vsce step of `npm run package`
// (into a temporary folder, so the e2e's tao-spec-studio.vsix is left alone), held to the size
// goal (at most 300 files, 20 MB), checked for what must and must not be in it, then unpacked
// outside the repository and run there: both CLIs, a spec check, one epoch of training on the
// wasm backend (its .wasm files from dist/wasm; each epoch also writes a Keras .hdf5 through
// h5wasm) and an INT8 export (calibration runs onnxruntime-node's linux-x64 addon).
// Needs the bundles and the staged payload: `node tools/build.mjs` first (npm test does).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { tinyDataset, writeSpec } from '../engine/helpers';

const repoRoot = resolve(__dirname, '..', '..', '..');
const MAX_FILES = 300;
const MAX_BYTES = 20 * 1000 * 1000;

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeader: number;
}

/** The central directory of a zip file (the .vsix format); no zip64, which a .vsix this size never needs. */
function zipEntries(zip: Buffer): ZipEntry[] {
  // The end-of-central-directory record is the last 22 bytes plus at most a 64 KiB comment.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  assert.ok(end >= 0, 'the .vsix is a zip file (end of central directory found)');
  const count = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let k = 0; k < count; k++) {
    assert.equal(zip.readUInt32LE(p), 0x02014b50, `central directory entry ${k}`);
    const nameLength = zip.readUInt16LE(p + 28);
    entries.push({
      name: zip.toString('utf8', p + 46, p + 46 + nameLength),
      method: zip.readUInt16LE(p + 10),
      compressedSize: zip.readUInt32LE(p + 20),
      size: zip.readUInt32LE(p + 24),
      localHeader: zip.readUInt32LE(p + 42),
    });
    p += 46 + nameLength + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return entries;
}

function entryData(zip: Buffer, e: ZipEntry): Buffer {
  const start = e.localHeader + 30 + zip.readUInt16LE(e.localHeader + 26) + zip.readUInt16LE(e.localHeader + 28);
  const raw = zip.subarray(start, start + e.compressedSize);
  assert.ok(e.method === 0 || e.method === 8, `${e.name}: stored or deflated (method ${e.method})`);
  const data = e.method === 0 ? raw : inflateRawSync(raw);
  assert.equal(data.length, e.size, `${e.name}: unpacked size`);
  return data;
}

/** The vsce arguments of `npm run package`, writing to `output` instead of the repository root. */
function vsceArgs(output: string): string[] {
  const script = String(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts.package);
  const step = script.split('&&').map((s) => s.trim()).find((s) => s.startsWith('vsce '));
  assert.ok(step, `scripts.package has a vsce step: ${script}`);
  const args = step.split(/\s+/).slice(1);
  const o = args.indexOf('-o');
  assert.ok(o > 0 && o + 1 < args.length, `the vsce step names its output with -o: ${step}`);
  args[o + 1] = output;
  return args;
}

const work = mkdtempSync(join(tmpdir(), 'tao-vsix-'));
const vsix = join(work, 'tao-spec-studio.vsix');
const unpacked = join(work, 'unpacked');
const extension = join(unpacked, 'extension');
let entries: ZipEntry[] = [];
// About 60 MB per run (the .vsix, its unpacked copy, the runs' outputs).
after(() => rmSync(work, { recursive: true, force: true }));

/** Runs node on a file of the unpacked extension, from the work folder, with no NODE_PATH to find the repository's packages. */
function runUnpacked(file: string, args: string[]): { code: number; out: string } {
  const env = { ...process.env };
  delete env.NODE_PATH;
  // The onednn backend must find the addon the .vsix carries, not one named from outside.
  delete env.TAO_ONEDNN_ADDON;
  const r = spawnSync(process.execPath, [join(extension, file), ...args], { cwd: work, env, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status ?? -1, out: `${r.stdout}\n${r.stderr}` };
}

test('the vsce step of npm run package writes a .vsix of at most 300 files and 20 MB', { timeout: 300_000 }, () => {
  for (const f of ['dist/engine.js', 'dist/wasm/tfjs-backend-wasm-simd.wasm', 'dist/node_modules/onnxruntime-node/package.json']) {
    assert.ok(existsSync(join(repoRoot, f)), `${f} is missing: run node tools/build.mjs first`);
  }
  const t0 = Date.now();
  const pack = spawnSync(join(repoRoot, 'node_modules', '.bin', 'vsce'), vsceArgs(vsix), { cwd: repoRoot, encoding: 'utf8', timeout: 240_000 });
  assert.equal(pack.status, 0, `vsce package failed:\n${pack.stdout}\n${pack.stderr}`);
  // vsce warns when an extension looks unbundled (over 5000 files or 100 JavaScript files).
  assert.doesNotMatch(`${pack.stdout}${pack.stderr}`, /you should bundle your extension/);
  const zip = readFileSync(vsix);
  entries = zipEntries(zip);
  const unpackedBytes = entries.reduce((n, e) => n + e.size, 0);
  console.log(`# vsix: ${entries.length} files, ${(zip.length / 1e6).toFixed(1)} MB (${(unpackedBytes / 1e6).toFixed(1)} MB unpacked), packaged in ${Date.now() - t0} ms`);
  assert.ok(entries.length <= MAX_FILES, `${entries.length} files (at most ${MAX_FILES})`);
  assert.ok(zip.length <= MAX_BYTES, `${zip.length} bytes (at most ${MAX_BYTES})`);

  for (const e of entries) {
    const target = join(unpacked, e.name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entryData(zip, e));
  }
});

test('the .vsix holds the bundles and only the binaries that run', () => {
  assert.ok(entries.length > 0, 'packaged by the previous test');
  const names = entries.map((e) => e.name);
  const has = (name: string): boolean => names.includes(`extension/${name}`);
  for (const f of ['package.json', 'dist/client.js', 'dist/server.js', 'dist/analysis-worker.js', 'dist/cli.js', 'dist/engine.js', 'bin/tao-engine.js', 'bin/tao-spec.js',
    'dist/wasm/tfjs-backend-wasm-simd.wasm', 'dist/wasm/tfjs-backend-wasm.wasm', 'schemas/index.json', 'schemas/classification_tf1.schema.json',
    'client/language-configuration.json', 'client/syntaxes/tao-prototext.tmLanguage.json', 'dist/webviews/training.js', 'dist/webviews/training.css',
    'dist/node_modules/onnxruntime-node/bin/napi-v3/linux/x64/onnxruntime_binding.node', 'dist/node_modules/onnxruntime-node/bin/napi-v3/linux/x64/libonnxruntime.so.1',
    'dist/node_modules/h5wasm/dist/node/hdf5_hl.js',
    // The onednn backend's addon (CI builds it: .ci/run installs g++ and libdnnl-dev).
    'dist/native/tao_onednn.node',
    // The TAO side bar's icon and every walkthrough step's page (package.json names them).
    'client/media/tao.svg', ...(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).contributes.walkthroughs[0].steps as { media: { markdown: string } }[]).map((s) => s.media.markdown)]) {
    assert.ok(has(f), `extension/${f} is in the .vsix`);
  }
  const unwanted = names.filter((n) =>
    n.startsWith('extension/node_modules/') || // vsce's own dependency copy (--no-dependencies)
    /\.(map|ts)$/.test(n) ||
    /@tensorflow|protobufjs|tfjs-backend-webgl|tfjs-converter|tfjs-data/.test(n) || // bundled into dist/engine.js, or not needed
    /\/(src|test|tests|script)\//.test(n.replace(/^extension\/(client|schemas)\//, '')) ||
    /\.so\.\d+\.\d+\.\d+$/.test(n) || // the versioned duplicate of libonnxruntime.so.1
    /threaded-simd/.test(n)); // tfjs never uses wasm threads under Node
  assert.deepEqual(unwanted, []);
  // onnxruntime's addon for the .vsix target only (plus the build machine's own, when that differs).
  const platforms = new Set(names.map((n) => /\/bin\/napi-v3\/([^/]+\/[^/]+)\//.exec(n)?.[1]).filter((p): p is string => p !== undefined));
  const allowed = new Set(['linux/x64', `${process.platform}/${process.arch}`]);
  assert.deepEqual([...platforms].filter((p) => !allowed.has(p)), [], `onnxruntime platforms: ${[...platforms].join(', ')}`);

  // TensorFlow.js is inside the engine bundle, without the parts Node never runs (esbuild
  // names each bundled file in a comment: `// node_modules/<package>/...`).
  const engine = readFileSync(join(extension, 'dist', 'engine.js'), 'utf8');
  assert.doesNotMatch(engine, /require\("@tensorflow\/tfjs(-core|-layers|-backend-cpu|-backend-wasm)?"\)/, 'tfjs is bundled, not required at run time');
  for (const gone of ['tfjs-backend-webgl', 'tfjs-converter', 'tfjs-data']) assert.ok(!engine.includes(`node_modules/@tensorflow/${gone}/`), `${gone} is not in the bundle`);
  for (const kept of ['tfjs', 'tfjs-core', 'tfjs-layers', 'tfjs-backend-cpu', 'tfjs-backend-wasm']) assert.ok(engine.includes(`node_modules/@tensorflow/${kept}/dist/`), `${kept} is in the bundle`);
});

test('the unpacked extension runs its CLIs: tao-engine --help and tao-spec check', () => {
  assert.ok(existsSync(extension), 'unpacked by the first test');
  // Nothing of the repository is reachable from there: what runs is what the .vsix holds.
  assert.throws(() => require.resolve('@tensorflow/tfjs-core', { paths: [join(extension, 'dist')] }));
  assert.throws(() => require.resolve('onnxruntime-node', { paths: [work] }));

  const help = runUnpacked('bin/tao-engine.js', ['classification_tf1', '--help']);
  assert.equal(help.code, 0, help.out);
  assert.match(help.out, /Usage: tao-engine <network> <task>/);
  assert.match(help.out, /classification_tf1/);

  const data = tinyDataset(join(work, 'data'));
  const spec = writeSpec(join(work, 'spec.txt'), { train: data.train, val: data.val, test: data.test, epochs: 1 });
  const check = runUnpacked('bin/tao-spec.js', ['check', spec, '--network', 'classification_tf1']);
  assert.equal(check.code, 0, check.out);
  const broken = join(work, 'broken.txt');
  writeFileSync(broken, readFileSync(spec, 'utf8').replace('n_epochs', 'n_epochz'));
  const bad = runUnpacked('bin/tao-spec.js', ['check', broken, '--network', 'classification_tf1']);
  assert.equal(bad.code, 1, bad.out);
  assert.match(bad.out, /n_epochz/);
});

test('tfjs-node is never shipped but still found where the user installed it (a node_modules folder above the extension)', () => {
  assert.ok(existsSync(extension), 'unpacked by the first test');
  assert.match(readFileSync(join(extension, 'dist', 'engine.js'), 'utf8'), /require\("@tensorflow\/tfjs-node"\)/, 'a run-time require in the bundle');
  // A stand-in: loading it is all this checks (the real package needs libtensorflow).
  const pkg = join(work, 'node_modules', '@tensorflow', 'tfjs-node');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '0.0.0-test', main: 'index.js' }));
  writeFileSync(join(pkg, 'index.js'), "throw new Error('the stand-in tfjs-node from the user folder was loaded');\n");
  const spec = join(work, 'spec.txt');
  const r = runUnpacked('bin/tao-engine.js', ['classification_tf1', 'train', '-e', spec, '-r', join(work, 'results-tfjs-node'), '--backend', 'tensorflow']);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /stand-in tfjs-node from the user folder was loaded/);
});

test('the unpacked engine trains on the wasm backend (and writes .hdf5 through h5wasm), then exports INT8 through onnxruntime', { timeout: 300_000 }, () => {
  assert.ok(existsSync(extension), 'unpacked by the first test');
  const spec = join(work, 'spec.txt');
  assert.ok(existsSync(spec), 'written by the previous test');
  const results = join(work, 'results');
  let t0 = Date.now();
  const train = runUnpacked('bin/tao-engine.js', ['classification_tf1', 'train', '-e', spec, '-r', results, '--backend', 'wasm']);
  assert.equal(train.code, 0, train.out);
  console.log(`# packaged engine: 1 epoch on wasm in ${Date.now() - t0} ms`);
  assert.match(train.out, /backend: wasm/);
  assert.ok(existsSync(join(results, 'weights', 'final', 'model.json')), 'final model written');
  const hdf5 = join(results, 'weights', 'resnet_001.hdf5');
  assert.ok(existsSync(hdf5), 'the epoch checkpoint as TAO names it, written through h5wasm');
  assert.equal(readFileSync(hdf5).subarray(0, 8).toString('latin1'), '\x89HDF\r\n\x1a\n', 'an HDF5 file');

  const calibration = join(work, 'data', 'train', readdirSync(join(work, 'data', 'train')).sort()[0]);
  const onnxFile = join(work, 'export', 'model.onnx');
  t0 = Date.now();
  const exported = runUnpacked('bin/tao-engine.js', ['classification_tf1', 'export', '-e', spec, '-m', join(results, 'weights', 'final'), '-o', onnxFile,
    '--data_type', 'int8', '--cal_image_dir', calibration, '--batches', '1', '--batch_size', '4', '--no_tfjs', '--backend', 'wasm']);
  assert.equal(exported.code, 0, exported.out);
  console.log(`# packaged engine: INT8 export in ${Date.now() - t0} ms`);
  assert.ok(statSync(onnxFile).size > 10_000, 'model.onnx written');
  const cache = readFileSync(join(work, 'export', 'cal.bin'), 'utf8');
  assert.match(cache, /^TRT-\d+-EntropyCalibration2\n/, 'a TensorRT calibration cache, from activations onnxruntime computed');
});

test('the unpacked engine trains on the onednn backend with the addon the .vsix carries', { timeout: 300_000 }, () => {
  assert.ok(existsSync(extension), 'unpacked by the first test');
  const spec = join(work, 'spec.txt');
  assert.ok(existsSync(spec), 'written by an earlier test');
  const results = join(work, 'results-onednn');
  const t0 = Date.now();
  const train = runUnpacked('bin/tao-engine.js', ['classification_tf1', 'train', '-e', spec, '-r', results, '--backend', 'onednn', '--threads', '1']);
  assert.equal(train.code, 0, train.out);
  console.log(`# packaged engine: 1 epoch on onednn in ${Date.now() - t0} ms`);
  assert.match(train.out, /backend: onednn/);
  // The work folder sits outside the repository, so no checkout's out/native/ is on the search path.
  assert.ok(!work.startsWith(repoRoot), 'the unpacked extension is outside the repository');
  assert.ok(existsSync(join(results, 'weights', 'final', 'model.json')), 'final model written');
});
