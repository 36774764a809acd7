// NVIDIA's launcher runs tasks in containers that see the host only through the folders
// listed in its mounts file (~/.tao_mounts.json: {"Mounts": [{"source", "destination"}]}).
// A spec path on the host must be given to the launcher as the container path.

import * as path from 'node:path';

export interface Mount {
  source: string;
  destination: string;
}

export class MountError extends Error {}

/** Reads the mounts file's JSON; throws MountError with a readable reason when malformed. */
export function parseMounts(jsonText: string): Mount[] {
  let data: unknown;
  try {
    data = JSON.parse(jsonText);
  } catch (e) {
    throw new MountError(`The mounts file is not valid JSON: ${(e as Error).message}`);
  }
  const list = (data as { Mounts?: unknown })?.Mounts;
  if (!Array.isArray(list)) throw new MountError('The mounts file has no "Mounts" list.');
  const mounts: Mount[] = [];
  for (const m of list) {
    if (m && typeof m.source === 'string' && typeof m.destination === 'string') mounts.push({ source: m.source, destination: m.destination });
  }
  return mounts;
}

/**
 * Host path -> container path through the mount with the longest matching source. Without
 * any mounts the path is passed through (the user may run the launcher against local paths).
 */
export function mapToContainer(hostPath: string, mounts: readonly Mount[]): string {
  if (mounts.length === 0) return hostPath;
  const abs = path.resolve(hostPath);
  let best: Mount | undefined;
  for (const m of mounts) {
    const src = path.resolve(m.source);
    if ((abs === src || abs.startsWith(src + path.sep)) && (!best || src.length > path.resolve(best.source).length)) best = m;
  }
  if (!best) throw new MountError(`${hostPath} is not inside any folder of the mounts file; the container could not see it.`);
  const rel = path.relative(path.resolve(best.source), abs);
  return rel === '' ? best.destination : path.posix.join(best.destination, ...rel.split(path.sep));
}
