// A small glob matcher for the `tao.files.globs` setting. VS Code matches globs itself for
// document selectors, but the client also needs to decide whether a `.txt` file is a spec
// before any selector applies, and tests need the same answer without VS Code.
// Supported: `**` (any folders), `*` (within one path segment), `?`, `{a,b}` alternatives;
// the pattern language itself is the server core's (globSource), so both settings read alike.
import { globSource } from '../../../server/src/core/util/glob';

const cache = new Map<string, RegExp>();

/** The whole path (or base name) must match: matchesAnyGlob decides what it is tested on. */
export function globToRegExp(glob: string): RegExp {
  let compiled = cache.get(glob);
  if (!compiled) {
    compiled = new RegExp(`^${globSource(glob)}$`);
    cache.set(glob, compiled);
  }
  return compiled;
}

/**
 * True when `filePath` matches one glob. Paths are compared with forward slashes; a glob
 * without a folder part (`*.prototxt`) matches the base name anywhere, like VS Code's
 * files.associations.
 */
export function matchesAnyGlob(filePath: string, globs: readonly string[], root?: string): boolean {
  const norm = filePath.replace(/\\/g, '/');
  const rel = root ? relativeTo(norm, root.replace(/\\/g, '/')) : norm;
  const base = norm.slice(norm.lastIndexOf('/') + 1);
  for (const g of globs) {
    const re = globToRegExp(g);
    if (!g.includes('/')) { if (re.test(base)) return true; continue; }
    if (re.test(rel) || re.test(norm) || re.test(norm.replace(/^\//, ''))) return true;
  }
  return false;
}

function relativeTo(p: string, root: string): string {
  const r = root.endsWith('/') ? root : `${root}/`;
  return p.startsWith(r) ? p.slice(r.length) : p;
}

/** Defaults for `tao.files.globs`, also written into package.json's configuration. */
export const DEFAULT_SPEC_GLOBS = [
  '**/specs/**/*.{txt,yaml,yml}',
  '**/*spec*.{txt,yaml,yml}',
  '**/experiment*.{txt,yaml,yml}',
  '*.{prototxt,pbtxt,prototext}',
];
