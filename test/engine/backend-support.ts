// What the backend comparison tests share: inputs that are the same on every backend, and
// whether the onednn addon loads here (the tests skip with that reason outside CI).
import { loadOnednnAddon } from '../../engine/src/backend/onednn';

/** Deterministic values in [-1, 1) (a small LCG), the same on every backend. */
export function deterministicValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** Why the onednn addon does not load here, or undefined when it does. */
export function onednnUnavailable(): string | undefined {
  try {
    loadOnednnAddon();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
