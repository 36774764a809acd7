// Minimal glob matching for file-name settings: `**` any folders, `*` within a name, `?` one
// character, `{a,b}` alternatives (nestable). A pattern without a slash matches the base name
// anywhere. The client's `tao.files.globs` matcher uses the same translation (globSource).

/**
 * Compiled patterns by source. Network detection tests every `tao.files.networks` glob on
 * each analysis (each keystroke); compiling them anew was ~40% of the time to check a small
 * spec (profiled over the real corpus with 40 globs set). Bounded so a client that keeps sending
 * new settings cannot grow it.
 */
const compiled = new Map<string, RegExp>();
const MAX_COMPILED = 1000;

export function globToRegExp(glob: string): RegExp {
  let cached = compiled.get(glob);
  if (!cached) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    const body = globSource(glob);
    cached = new RegExp(glob.includes('/') ? `^(?:.*/)?${body.replace(/^\//, '')}$` : `(?:^|/)${body}$`);
    compiled.set(glob, cached);
  }
  return cached;
}

/** The glob as an unanchored regular-expression source; callers anchor it as they match. */
export function globSource(glob: string): string {
  let re = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` is zero or more whole folders; `**` elsewhere is anything.
        const folders = glob[i + 2] === '/';
        re += folders ? '(?:.*/)?' : '.*';
        i += folders ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else re += c.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
  }
  return re;
}
