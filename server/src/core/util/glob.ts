// Minimal glob matching for file-name settings: `**` any folders, `*` within a name, `?` one
// character, `{a,b}` alternatives. A pattern without a slash matches the base name anywhere.

/**
 * Compiled patterns by source. Network detection tests every `tao.files.networks` glob on
 * each analysis (each keystroke); compiling them anew was ~40% of the time to check a small
 * spec (bench/core profile). Bounded so a client that keeps sending new settings cannot grow it.
 */
const compiled = new Map<string, RegExp>();
const MAX_COMPILED = 1000;

export function globToRegExp(glob: string): RegExp {
  let cached = compiled.get(glob);
  if (!cached) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    cached = compileGlob(glob);
    compiled.set(glob, cached);
  }
  return cached;
}

function compileGlob(glob: string): RegExp {
  let re = '';
  let i = 0;
  let inGroup = false;
  while (i < glob.length) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 3 : 2;
        continue;
      }
      re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      re += '(?:';
      inGroup = true;
    } else if (c === '}' && inGroup) {
      re += ')';
      inGroup = false;
    } else if (c === ',' && inGroup) re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
    i++;
  }
  const anchored = glob.includes('/') ? `^(?:.*/)?${re.replace(/^\//, '')}$` : `(?:^|/)${re}$`;
  return new RegExp(anchored);
}
