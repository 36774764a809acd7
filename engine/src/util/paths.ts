// Spec paths are resolved against the spec file's folder, so a spec and its data can move
// together; absolute paths are kept as they are.
import { dirname, isAbsolute, resolve } from 'node:path';

export function resolveSpecPath(specPath: string, value: string): string {
  if (!value) return value;
  return isAbsolute(value) ? value : resolve(dirname(specPath), value);
}

/** `epoch_007` for epoch 7 (1-based, like TAO's checkpoint names). */
export function epochDirName(epoch: number): string {
  return `epoch_${String(epoch).padStart(3, '0')}`;
}
