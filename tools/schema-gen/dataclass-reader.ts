// A rough reader for the Python dataclass configs in NVIDIA's tao-core (`nvidia_tao_core/config`):
// enough to recover classes, base classes, field names, annotations and the literal metadata
// passed to the *_FIELD helpers (value, default_value, valid_min, valid_max, valid_options).
// It is regex-and-bracket based on purpose: the configs follow one regular style, and anything it
// cannot read is left out (the real specs then fill in the gap).

export interface PyField {
  name: string;
  annotation: string;
  helper: string; // `INT_FIELD`, `DATACLASS_FIELD`, ... or '' for a plain default
  positional: string[];
  keywords: Record<string, string>;
}

export interface PyClass {
  name: string;
  bases: string[];
  fields: PyField[];
}

export interface PyModule {
  /** Local name -> `module.path:Name` it was imported from. */
  imports: Record<string, string>;
  classes: PyClass[];
}

/** Index just past the bracket that closes the one opening at `open` (strings and comments skipped). */
export function matchBracket(src: string, open: number): number {
  const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  const stack: string[] = [];
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '#') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (c === '"' || c === "'") { i = skipString(src, i) - 1; continue; }
    if (pairs[c]) stack.push(pairs[c]);
    else if (c === ')' || c === ']' || c === '}') {
      stack.pop();
      if (stack.length === 0) return i + 1;
    }
  }
  return src.length;
}

function skipString(src: string, i: number): number {
  const q = src[i];
  const triple = src.startsWith(q.repeat(3), i);
  const end = triple ? q.repeat(3) : q;
  let j = i + end.length;
  while (j < src.length) {
    if (src[j] === '\\') { j += 2; continue; }
    if (src.startsWith(end, j)) return j + end.length;
    if (!triple && src[j] === '\n') return j;
    j++;
  }
  return j;
}

/** Splits a call's argument text at top-level commas. */
export function splitArgs(src: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'") { i = skipString(src, i) - 1; continue; }
    if (c === '#') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) { out.push(src.slice(start, i).trim()); start = i + 1; }
  }
  const last = src.slice(start).trim();
  if (last) out.push(last);
  return out;
}

export function readPyModule(src: string): PyModule {
  const mod: PyModule = { imports: {}, classes: [] };
  const importRe = /^from\s+([\w.]+)\s+import\s+(\([^)]*\)|[^\n]+)/gm;
  for (const m of src.matchAll(importRe)) {
    const names = m[2].replace(/[()]/g, '').split(',').map((s) => s.replace(/#.*/, '').trim()).filter(Boolean);
    for (const n of names) {
      const [orig, alias] = n.split(/\s+as\s+/);
      mod.imports[(alias ?? orig).trim()] = `${m[1]}:${orig.trim()}`;
    }
  }
  const classRe = /^class\s+(\w+)\s*(?:\(([^)]*)\))?\s*:/gm;
  const starts = [...src.matchAll(classRe)];
  starts.forEach((m, k) => {
    const bodyStart = m.index! + m[0].length;
    // The body runs to the next top-level statement.
    const rest = src.slice(bodyStart);
    const endRel = rest.search(/\n(?=[^\s#\n])/);
    const body = endRel < 0 ? rest : rest.slice(0, endRel + 1);
    void k;
    const cls: PyClass = { name: m[1], bases: (m[2] ?? '').split(',').map((s) => s.trim()).filter(Boolean), fields: [] };
    const fieldRe = /^ {4}(\w+)\s*:\s*/gm;
    for (const f of body.matchAll(fieldRe)) {
      let i = f.index! + f[0].length;
      // Annotation: up to `=` or end of line at bracket depth 0.
      let depth = 0;
      let j = i;
      for (; j < body.length; j++) {
        const c = body[j];
        if ('([{'.includes(c)) depth++;
        else if (')]}'.includes(c)) depth--;
        else if ((c === '=' || c === '\n') && depth === 0) break;
      }
      const annotation = body.slice(i, j).trim();
      const field: PyField = { name: f[1], annotation, helper: '', positional: [], keywords: {} };
      if (body[j] === '=') {
        i = j + 1;
        const call = /^\s*([\w.]+)\s*\(/.exec(body.slice(i));
        if (call) {
          const open = i + call[0].length - 1;
          const close = matchBracket(body, open);
          field.helper = call[1];
          for (const a of splitArgs(body.slice(open + 1, close - 1))) {
            const kw = /^(\w+)\s*=(?!=)\s*([\s\S]*)$/.exec(a);
            if (kw) field.keywords[kw[1]] = kw[2].trim();
            else field.positional.push(a);
          }
        } else {
          const eol = body.indexOf('\n', i);
          field.positional.push(body.slice(i, eol < 0 ? undefined : eol).trim());
        }
      }
      cls.fields.push(field);
    }
    mod.classes.push(cls);
  });
  return mod;
}

/** A Python literal as JSON, or undefined when it is not a plain literal. */
export function pyLiteral(src: string | undefined): unknown {
  if (src === undefined) return undefined;
  const s = src.trim();
  if (s === 'None') return null;
  if (s === 'True') return true;
  if (s === 'False') return false;
  if (/^[-+]?\d+$/.test(s)) return Number(s);
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
  const str = /^(?:[rfbu]?)("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')$/.exec(s);
  if (str) return str[1].slice(1, -1).replace(/\\(.)/g, '$1');
  if ((s.startsWith('[') && s.endsWith(']')) || (s.startsWith('(') && s.endsWith(')'))) {
    const items = splitArgs(s.slice(1, -1)).map(pyLiteral);
    return items.every((x) => x !== undefined) ? items : undefined;
  }
  // Implicitly concatenated strings: ("a" "b").
  return undefined;
}

/** `valid_options` as a list: a "a,b" literal or `",".join([...])`; undefined for computed ones. */
export function pyOptions(src: string | undefined): string[] | undefined {
  if (!src) return undefined;
  let s = src.trim();
  if (s.startsWith('(') && s.endsWith(')')) s = s.slice(1, -1).trim();
  const lit = pyLiteral(s);
  if (typeof lit === 'string') return lit.split(',').map((x) => x.trim()).filter(Boolean);
  const join = /^(["'])\s*,\s*\1\.join\(\s*([\s\S]*)\)$/.exec(s);
  if (join) {
    const list = pyLiteral(join[2]);
    if (Array.isArray(list) && list.every((x) => typeof x === 'string')) return list as string[];
  }
  return undefined;
}
