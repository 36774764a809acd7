// A deliberately small protobuf-text reader for the generator's cross-check: it only needs each
// field's name, position and a rough value kind. The language server's full parser (with error
// recovery and exact ranges) lives in server/src/core/parse; this one is for trusted corpus files.

export type PtValue =
  | { kind: 'message'; entries: PtEntry[] }
  | { kind: 'list'; items: PtValue[] }
  | { kind: 'string' | 'integer' | 'number' | 'boolean' | 'identifier'; value: string | number | boolean };

export interface PtEntry {
  key: string;
  value: PtValue;
  offset: number;
}

interface Tok { t: string; o: number; str?: boolean }

function lex(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== c && text[j] !== '\n') { if (text[j] === '\\') { s += text[j + 1]; j += 2; } else s += text[j++]; }
      toks.push({ t: s, o: i, str: true });
      i = j + 1;
      continue;
    }
    const m = /^[A-Za-z0-9_.+\-]+/.exec(text.slice(i, i + 400));
    if (m) { toks.push({ t: m[0], o: i }); i += m[0].length; continue; }
    toks.push({ t: c, o: i });
    i++;
  }
  return toks;
}

function scalar(tok: Tok): PtValue {
  if (tok.str) return { kind: 'string', value: tok.t };
  const t = tok.t;
  if (/^[-+]?\d+$/.test(t) || /^0x[0-9a-f]+$/i.test(t)) return { kind: 'integer', value: Number(t) };
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?[fF]?$/.test(t)) return { kind: 'number', value: parseFloat(t) };
  if (/^-?(inf|infinity)$/i.test(t)) return { kind: 'number', value: t.startsWith('-') ? -Infinity : Infinity };
  if (/^-?nan$/i.test(t)) return { kind: 'number', value: NaN };
  if (/^(true|false|True|False|t|f)$/.test(t)) return { kind: 'boolean', value: /^[tT]/.test(t) };
  return { kind: 'identifier', value: t };
}

export function protoTextEntries(text: string): PtEntry[] {
  const toks = lex(text);
  let p = 0;
  const value = (): PtValue => {
    const tok = toks[p];
    if (!tok) return { kind: 'identifier', value: '' };
    if (!tok.str && (tok.t === '{' || tok.t === '<')) {
      const close = tok.t === '{' ? '}' : '>';
      p++;
      const entries = fields(close);
      p++;
      return { kind: 'message', entries };
    }
    if (!tok.str && tok.t === '[') {
      p++;
      const items: PtValue[] = [];
      while (p < toks.length && toks[p].t !== ']') {
        if (toks[p].t === ',' && !toks[p].str) { p++; continue; }
        items.push(value());
      }
      p++;
      return { kind: 'list', items };
    }
    p++;
    // Adjacent string literals concatenate.
    if (tok.str) { let s = tok.t; while (toks[p]?.str) s += toks[p++].t; return { kind: 'string', value: s }; }
    if (tok.t === '-' && toks[p]) return scalar({ t: '-' + toks[p++].t, o: tok.o });
    return scalar(tok);
  };
  const fields = (close: string | null): PtEntry[] => {
    const out: PtEntry[] = [];
    while (p < toks.length) {
      const tok = toks[p];
      if (!tok.str && tok.t === close) return out;
      if (!tok.str && (tok.t === ',' || tok.t === ';')) { p++; continue; }
      p++;
      if (!toks[p]) break;
      if (!toks[p].str && toks[p].t === ':') p++;
      out.push({ key: tok.t, value: value(), offset: tok.o });
    }
    return out;
  };
  return fields(null);
}
