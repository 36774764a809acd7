// What a call into oneDNN costs from JavaScript, for the choice of binding (docs/onednn.md):
//   node out/bench/train/binding-overhead.js [--koffi PATH_TO_KOFFI_PACKAGE]
// 1. the addon's empty call (Node-API, typed-array arguments as the kernels pass them);
// 2. koffi's call of a trivial oneDNN C function (dnnl_version), when a koffi package is given
//    (it is not a project dependency); a convolution through the C API needs about 15 such
//    calls per execution (memory objects, argument arrays, execute, wait) or, with every
//    object cached, 4-6 (set handles, execute, wait);
// 3. a small convolution (1x8x8x8, 3x3x8x8, SAME) through the addon directly, and through
//    tf.conv2d on the onednn backend (tfjs' dispatch included), next to wasm's tf.conv2d.
import { performance } from 'node:perf_hooks';
import { chooseBackend } from '../../engine/src/backend';
import { loadOnednnAddon } from '../../engine/src/backend/onednn';
import { parseArgs } from '../common/util';

function perCallUs(n: number, body: () => void): number {
  for (let i = 0; i < Math.min(1000, n); i++) body();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) body();
  return ((performance.now() - t0) * 1000) / n;
}

async function main(): Promise<void> {
  const { extra } = parseArgs();
  const addon = loadOnednnAddon();
  addon.setThreads(1);
  const out: Record<string, number | string> = {};
  const params = new Int32Array(20);
  out.addon_noop_us = perCallUs(200_000, () => addon.noop());
  const koffiPath = extra.get('koffi');
  if (typeof koffiPath === 'string') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require(koffiPath) as { load(lib: string): { func(sig: string): (...a: unknown[]) => unknown } };
    const lib = koffi.load('libdnnl.so.2');
    const version = lib.func('void *dnnl_version()');
    const capacity = lib.func('int dnnl_set_primitive_cache_capacity(int)');
    out.koffi_trivial_call_us = perCallUs(200_000, () => version());
    out.koffi_int_arg_call_us = perCallUs(200_000, () => capacity(1024));
  }
  // Small conv: N=1, 8x8x8 -> 8x8x8, 3x3, SAME (pads 1/1), stride 1, no bias.
  const x = new Float32Array(8 * 8 * 8).fill(0.5);
  const w = new Float32Array(3 * 3 * 8 * 8).fill(0.25);
  const y = new Float32Array(8 * 8 * 8);
  params.set([1, 8, 8, 8, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
  out.addon_small_conv_us = perCallUs(50_000, () => addon.conv(0, params, x, w, null, y, 0, 0));
  for (const backend of ['onednn', 'wasm'] as const) {
    const { tf } = await chooseBackend(backend, { threads: 1 });
    await tf.setBackend(backend);
    const tx = tf.tensor4d(x, [1, 8, 8, 8]);
    const tw = tf.tensor4d(w, [3, 3, 8, 8]);
    out[`tfjs_${backend}_small_conv_us`] = perCallUs(20_000, () => tf.conv2d(tx, tw, 1, 'same').dispose());
    tf.dispose([tx, tw]);
  }
  for (const [k, v] of Object.entries(out)) out[k] = typeof v === 'number' ? Math.round(v * 100) / 100 : v;
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
