// Typed access to onnxruntime-node. Its npm tarball ships no .d.ts, but the API types live in
// onnxruntime-common, which it re-exports. Loaded lazily: only calibration needs it, and a
// missing runtime should be one clear error, not a crash at import time.
import type * as OrtCommon from 'onnxruntime-common';

export type Ort = typeof OrtCommon;

let cached: Ort | undefined;

export function loadOrt(): Ort {
  if (cached) return cached;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = require('onnxruntime-node') as Ort;
  } catch (e) {
    throw new Error(`onnxruntime-node is needed for INT8 calibration but could not be loaded: ${(e as Error).message}`);
  }
  return cached;
}
