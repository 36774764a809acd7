// Where the wasm backend finds its .wasm binaries. Run from out/ (tests, tools), the package
// sits in node_modules and Emscripten finds them beside the package's own JavaScript. In the
// shipped bundle that JavaScript is inside dist/engine.js, whose folder holds no .wasm file,
// and the .vsix carries no node_modules/@tensorflow: tools/build.mjs copies the binaries Node
// can use into dist/wasm/, and this points the backend there. Must run before
// tf.setBackend('wasm'), which is when the backend reads its paths.
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';

/** The binary Node loads (it has SIMD and, in tfjs' own check, no wasm threads). */
export const WASM_SIMD_FILE = 'tfjs-backend-wasm-simd.wasm';

/** dist/wasm/ when the .wasm files are staged beside this module's bundle; undefined from out/. */
export function shippedWasmFolder(dir: string = __dirname): string | undefined {
  const folder = join(dir, 'wasm');
  return existsSync(join(folder, WASM_SIMD_FILE)) ? folder : undefined;
}

/** Tells @tensorflow/tfjs-backend-wasm to read its binaries from dist/wasm/ when they are staged there. */
export function useShippedWasmFiles(wasmBackend: { setWasmPaths(prefix: string): void }): void {
  const folder = shippedWasmFolder();
  // A prefix, not a file map: the package appends the file name it picked (SIMD or plain).
  if (folder) wasmBackend.setWasmPaths(folder + sep);
}
