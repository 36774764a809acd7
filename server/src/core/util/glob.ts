// Minimal glob matching for file-name settings: `**` any folders, `*` within a name, `?` one
// character, `{a,b}` alternatives. A pattern without a slash matches the base name anywhere.

export function globToRegExp(glob: string): RegExp {
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
