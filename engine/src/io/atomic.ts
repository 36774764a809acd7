// Atomic folder writes: a checkpoint is either complete or absent. Files go to a temporary
// sibling folder first, which then replaces the target with renames; a crash mid-write leaves
// the previous checkpoint (or nothing) and a stray `.tmp-*` folder, never a half model.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type FileMap = Record<string, string | Uint8Array>;

export function writeDirAtomic(dir: string, files: FileMap): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = join(parent, `.${basename(dir)}.tmp-${stamp}`);
  mkdirSync(tmp);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(tmp, name), content);
  if (existsSync(dir)) {
    // Two renames keep the window without a valid folder to a moment, and never mix files.
    const old = join(parent, `.${basename(dir)}.old-${stamp}`);
    renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmp, dir);
  }
}

/** Writes one file atomically (temp file + rename in the same folder). */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}
