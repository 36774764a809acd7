// Builds the oneDNN addon (engine/native/onednn.cc -> out/native/tao_onednn.node) when the
// machine can: a C++ compiler, oneDNN's headers (Debian/Ubuntu: libdnnl-dev; Homebrew/conda:
// onednn) and Node-API headers (Node's own include folder, or the node-api-headers package).
// Nothing is downloaded. Never fails the caller: `npm install` and the build go on without the
// addon, and the engine then skips the onednn backend with the reason (tao-engine doctor).
//
//   node tools/build-onednn.mjs [--force] [--quiet]
// Exit code 0 always unless --strict is given (CI uses it to insist the addon builds).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'engine', 'native', 'onednn.cc');
const target = join(root, 'out', 'native', 'tao_onednn.node');
const argv = process.argv.slice(2);
const quiet = argv.includes('--quiet');
const strict = argv.includes('--strict');

function say(message) {
  if (!quiet) process.stderr.write(`build-onednn: ${message}\n`);
}

function giveUp(message) {
  say(`${message}; the onednn backend will not be available (the engine uses wasm)`);
  process.exit(strict ? 1 : 0);
}

function firstExisting(paths) {
  return paths.find((p) => p && existsSync(p));
}

/** Folders holding oneDNN's headers: system, Homebrew, conda, or ONEDNN_ROOT. */
function onednnRoot() {
  const candidates = [process.env.ONEDNN_ROOT, process.env.CONDA_PREFIX, '/usr', '/usr/local', '/opt/homebrew', '/opt/homebrew/opt/onednn', '/usr/local/opt/onednn'];
  return candidates.find((r) => r && existsSync(join(r, 'include', 'oneapi', 'dnnl', 'dnnl.hpp')));
}

/** Node-API headers: beside the running node, the usual system place, or node-api-headers. */
function nodeApiInclude() {
  const fromPackage = (() => {
    try {
      return join(dirname(new URL(import.meta.resolve('node-api-headers/package.json')).pathname), 'include');
    } catch {
      return undefined;
    }
  })();
  const dirs = [join(dirname(dirname(process.execPath)), 'include', 'node'), '/usr/include/node', '/usr/local/include/node', fromPackage];
  return dirs.find((d) => d && existsSync(join(d, 'node_api.h')));
}

if (process.platform === 'win32') giveUp('Windows builds are not set up yet');
if (!existsSync(source)) giveUp(`${source} is missing`);
if (!argv.includes('--force') && existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs) {
  say('up to date');
  process.exit(0);
}
const dnnl = onednnRoot();
if (!dnnl) giveUp('oneDNN headers not found (Debian/Ubuntu: sudo apt-get install libdnnl-dev; macOS: brew install onednn; conda: conda install -c conda-forge onednn)');
const napi = nodeApiInclude();
if (!napi) giveUp('Node-API headers not found (npm install node-api-headers)');
const cxx = process.env.CXX ?? (process.platform === 'darwin' ? 'clang++' : 'g++');
if (spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status !== 0) giveUp(`no C++ compiler (${cxx}; Debian/Ubuntu: sudo apt-get install g++)`);

mkdirSync(dirname(target), { recursive: true });
const temp = `${target}.${process.pid}.tmp`;
const flags = [
  // -fno-math-errno: square roots (Sqrt, Adam) vectorise instead of calling sqrtf per element.
  '-std=c++17', '-O3', '-fno-math-errno', '-fPIC', '-shared', '-fvisibility=hidden',
  '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=tao_onednn',
  `-I${napi}`, `-I${join(dnnl, 'include')}`,
  source, '-o', temp,
  `-L${join(dnnl, 'lib')}`, `-Wl,-rpath,${join(dnnl, 'lib')}`, '-ldnnl',
];
// oneDNN's threads are OpenMP's on Linux (Debian's build); the addon sets their count.
flags.push(process.platform === 'darwin' ? '-undefined' : '-fopenmp', ...(process.platform === 'darwin' ? ['dynamic_lookup', '-lomp'] : []));
const started = Date.now();
const r = spawnSync(cxx, flags, { encoding: 'utf8' });
if (r.status !== 0) giveUp(`compiling failed:\n${(r.stderr || r.error?.message || '').trim().split('\n').slice(0, 20).join('\n')}`);
renameSync(temp, target);
say(`built ${target} against oneDNN in ${dnnl} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
