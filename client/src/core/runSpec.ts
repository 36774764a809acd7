// Which spec made a group of runs, for Resume and for the Models tree's Evaluate/Prune/Export:
// the extension remembers the spec of every run it starts; for older runs, the default results
// pattern `${specDir}/results/${specName}/${task}` is read backwards.

import * as path from 'node:path';

const SPEC_EXTENSIONS = ['.txt', '.yaml', '.yml', '.prototxt', '.pbtxt', '.prototext'];

/** Spec files that may have made the runs in `group` (results/<spec>/), most likely first. */
export function specCandidates(group: string): string[] {
  const parent = path.dirname(group);
  if (path.basename(parent) !== 'results') return [];
  const name = path.basename(group);
  const dir = path.dirname(parent);
  return SPEC_EXTENSIONS.map((ext) => path.join(dir, name + ext));
}

/** The spec of a run group: a remembered one that still exists, else the first candidate on disk. */
export function specForGroup(group: string, remembered: string | undefined, exists: (p: string) => boolean): string | undefined {
  if (remembered && exists(remembered)) return remembered;
  return specCandidates(group).find(exists);
}
