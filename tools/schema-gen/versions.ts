// Marks fields that only some TAO versions accept. The rule (also in docs/schemas.md):
// - `x-tao-removed: V` on a key that real files use only in files no longer at their repository's
//   HEAD (MANIFEST in_head = history) and that the network's newest facts lack; V is the version
//   of those facts (TF1 protos: 5.0.0, tao-core dataclasses: 6.0.0, parameter sheets: 5.5.0).
// - `x-tao-removed: 6.0.0` on a key the 5.5 sheets list but the 6.x tao-core dataclasses lack and
//   no HEAD file uses.
// - `x-tao-since: 6.0.0` on a key the 6.x dataclasses define that neither the 5.5 sheets nor any
//   real spec file mention (only for networks that have sheets, so absence means something).
// - TF1 (protobuf) networks: any key real files use that the final protos lack gets
//   `x-tao-removed: 5.0.0`, HEAD or not: TAO 5.0's parser rejects it.
// Only the outermost key of a marked subtree is marked.
import type { SpecSchema } from '../../server/src/core/schema/types';
import type { Observation, Dialect } from './specs';
import { resolve, keyPaths } from './schema-util';

export interface VersionInput {
  dialect: Dialect;
  obs: Observation[];
  /** Keys defined by upstream facts (protos or dataclasses); undefined when there are none. */
  factKeys?: Set<string>;
  sheetKeys: Set<string>;
  factVersion: string;
  hasSheets: boolean;
}

export function markVersions(root: SpecSchema, v: VersionInput): string[] {
  const inHead = new Set<string>();
  const inHistory = new Set<string>();
  for (const o of v.obs) {
    if (!o.path) continue;
    (o.file.inHead ? inHead : inHistory).add(o.path);
  }
  const known = v.factKeys ?? (v.hasSheets ? v.sheetKeys : undefined);
  const marks: string[] = [];
  const marked: string[] = [];
  const under = (p: string) => marked.some((m) => p.startsWith(m + '.'));
  for (const path of keyPaths(root)) {
    if (under(path)) continue;
    const node = resolve(root, path)!;
    let mark: 'x-tao-removed' | 'x-tao-since' | undefined;
    let version = '';
    if (v.dialect === 'prototext' && v.factKeys && !v.factKeys.has(path) && (inHead.has(path) || inHistory.has(path))) {
      // The TF1 protos at the backend's final commit are what TAO 5.0 parses with; a key they lack
      // fails to parse there, so a file using it (even one still in a repository) is from an older release.
      mark = 'x-tao-removed'; version = v.factVersion;
    } else if (known && inHistory.has(path) && !inHead.has(path) && !known.has(path)) {
      mark = 'x-tao-removed'; version = v.factVersion;
    } else if (v.factKeys && v.dialect === 'hydra-yaml' && v.hasSheets) {
      const seen = inHead.has(path) || inHistory.has(path);
      if (v.sheetKeys.has(path) && !v.factKeys.has(path) && !inHead.has(path)) { mark = 'x-tao-removed'; version = '6.0.0'; }
      else if (v.factKeys.has(path) && !v.sheetKeys.has(path) && !seen) { mark = 'x-tao-since'; version = '6.0.0'; }
    }
    if (mark) {
      node[mark] = version;
      marked.push(path);
      marks.push(`${path}: ${mark} ${version}`);
    }
  }
  return marks;
}
