// A small glob matcher for the `tao.files.globs` setting. VS Code matches globs itself for
// document selectors, but the client also needs to decide whether a `.txt` file is a spec
// before any selector applies, and tests need the same answer without VS Code.
// Supported: `**` (any folders), `*` (within one path segment), `?`, `{a,b}` alternatives.

const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  const hit = cache.get(glob);
  if (hit) return hit;
  let re = '';
  let inBraces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more whole folders; a trailing `**` matches anything.
        if (glob[i + 2] === '/') { re += '(?:.*/)?'; i += 2; } else { re += '.*'; i += 1; }
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') { inBraces++; re += '(?:'; }
    else if (c === '}' && inBraces > 0) { inBraces--; re += ')'; }
    else if (c === ',' && inBraces > 0) re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  const compiled = new RegExp(`^${re}$`);
  cache.set(glob, compiled);
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
