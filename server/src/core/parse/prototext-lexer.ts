// Tokenizer for protobuf text format, and the reading of its literal tokens. It splits the
// text the way Python protobuf's `text_format.Tokenizer` does (same token classes, same
// characters allowed in words and numbers), so that what we call one token is what TAO's
// loader sees as one token.
// Tokens are stored in flat typed arrays: a 10,000-line spec becomes a few tens of thousands
// of tokens, and arrays of objects would cost more time in allocation than the lexing itself.

import type { Comment } from '../tree';

export const TK_EOF = 0;
/** `[A-Za-z_][A-Za-z0-9_+-]*` (protobuf allows `+` and `-` inside words). */
export const TK_IDENT = 1;
/** Starts with a digit, a sign, or `.digit`; continues with `[A-Za-z0-9_.+-]`. Validated later. */
export const TK_NUMBER = 2;
/** A quoted literal with its closing quote. */
export const TK_STRING = 3;
/** A quoted literal cut off by the end of the line or file. */
export const TK_BAD_STRING = 4;
/** One of `{ } < > [ ] : , ; . /`. */
export const TK_PUNCT = 5;
/** Any other single character (binary garbage, `=`, `@`, ...). */
export const TK_OTHER = 6;

export interface TokenStream {
  kinds: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  /** Number of tokens, the final TK_EOF included. */
  count: number;
  comments: Comment[];
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** Letters, digits, `_`, `+`, `-`: the tail of both words and numbers. */
function isWordTail(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 43 || c === 45;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Python's `\s` for str patterns: ASCII whitespace, the separator controls and Unicode spaces. */
export function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 28) return false;
  if (c <= 31) return true;
  if (c < 0x85) return false;
  return (
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 ||
    c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

function isPunct(c: number): boolean {
  switch (c) {
    case 123: // {
    case 125: // }
    case 60: // <
    case 62: // >
    case 91: // [
    case 93: // ]
    case 58: // :
    case 44: // ,
    case 59: // ;
    case 46: // .
    case 47: // /
      return true;
    default:
      return false;
  }
}

/** Tokenizes `text` (or `text[from, to)`), collecting `#` comments on the side. */
export function tokenize(text: string, from = 0, to = text.length): TokenStream {
  // Real specs have about one token per 6 characters; grow by doubling when text is denser.
  let capacity = ((to - from) >> 2) + 16;
  let kinds = new Uint8Array(capacity);
  let starts = new Int32Array(capacity);
  let ends = new Int32Array(capacity);
  const comments: Comment[] = [];
  let n = 0;
  let i = from;
  // An editor may keep a byte order mark at the start; it is not part of the spec.
  if (i === 0 && text.charCodeAt(0) === 0xfeff) i = 1;

  while (i < to) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    let kind: number;
    if (c === 35 /* # */) {
      // A comment runs to the end of the line; the `\r` of a CRLF break is not part of it.
      let j = i + 1;
      while (j < to && text.charCodeAt(j) !== 10) j++;
      const end = j > i + 1 && text.charCodeAt(j - 1) === 13 ? j - 1 : j;
      comments.push({ span: { start, end }, text: text.slice(i + 1, end) });
      i = j;
      continue;
    }
    if (isIdentStart(c)) {
      i++;
      while (i < to && isWordTail(text.charCodeAt(i))) i++;
      kind = TK_IDENT;
    } else if (isDigit(c) || c === 43 || c === 45 || (c === 46 && i + 1 < to && isDigit(text.charCodeAt(i + 1)))) {
      i++;
      for (;;) {
        if (i >= to) break;
        const d = text.charCodeAt(i);
        if (isWordTail(d) || d === 46) i++;
        else break;
      }
      kind = TK_NUMBER;
    } else if (c === 34 || c === 39 /* " ' */) {
      kind = TK_BAD_STRING;
      i++;
      while (i < to) {
        const d = text.charCodeAt(i);
        if (d === c) {
          i++;
          kind = TK_STRING;
          break;
        }
        // Python splits the text at \n only, so a lone \r is an ordinary character in a string.
        if (d === 10) break;
        if (d === 92 /* \ */) {
          const e = i + 1 < to ? text.charCodeAt(i + 1) : 10;
          if (e === 10) {
            // A backslash at the end of the line belongs to the (unterminated) literal.
            i++;
            break;
          }
          i += 2;
          continue;
        }
        i++;
      }
      // Keep the \r of a CRLF break out of an unterminated literal's span.
      if (kind === TK_BAD_STRING && i > start + 1 && text.charCodeAt(i - 1) === 13 && text.charCodeAt(i) === 10) i--;
    } else if (isPunct(c)) {
      i++;
      kind = TK_PUNCT;
    } else {
      i++;
      // Keep a surrogate pair together so a diagnostic never splits a character.
      if (c >= 0xd800 && c <= 0xdbff && i < to) {
        const d = text.charCodeAt(i);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
      kind = TK_OTHER;
    }
    if (n + 1 >= capacity) {
      capacity *= 2;
      const k2 = new Uint8Array(capacity);
      k2.set(kinds);
      kinds = k2;
      const s2 = new Int32Array(capacity);
      s2.set(starts);
      starts = s2;
      const e2 = new Int32Array(capacity);
      e2.set(ends);
      ends = e2;
    }
    kinds[n] = kind;
    starts[n] = start;
    ends[n] = i;
    n++;
  }
  kinds[n] = TK_EOF;
  starts[n] = to;
  ends[n] = to;
  n++;
  return { kinds, starts, ends, count: n, comments };
}

// ---- Scalar literals ----
// Literals are read the way Python protobuf reads them:
// integers through Python's `int(text, 0)` (plus C-style `0NNN` octal), floats through
// Python's `float()` with protobuf's extra spellings (`inf`, `nan`, an `f` suffix), and
// strings through a C unescape of the bytes followed by UTF-8 decoding.

/** Python's `digitpart`: digits with single underscores between them. Returns the index after it. */
function scanDigits(s: string, i: number, isDigit: (c: number) => boolean): number {
  if (i >= s.length || !isDigit(s.charCodeAt(i))) return -1;
  i++;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) i++;
    else if (c === 95 && i + 1 < s.length && isDigit(s.charCodeAt(i + 1))) i += 2;
    else break;
  }
  return i;
}

const dec = (c: number): boolean => c >= 48 && c <= 57;
const hex = (c: number): boolean => dec(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const oct = (c: number): boolean => c >= 48 && c <= 55;
const bin = (c: number): boolean => c === 48 || c === 49;

/** The integer `text` stands for, or undefined when protobuf would refuse it as an integer. */
export function parseProtoInt(text: string): number | undefined {
  // protobuf turns C octal (`017`, `-017`) into Python's `0o17` before calling int().
  let i = 0;
  if (text.charCodeAt(0) === 45) i = 1;
  if (text.length > i + 1 && text.charCodeAt(i) === 48) {
    let allDigits = true;
    for (let j = i + 1; j < text.length; j++) if (!dec(text.charCodeAt(j))) allDigits = false;
    if (allDigits) {
      for (let j = i + 1; j < text.length; j++) if (!oct(text.charCodeAt(j))) return undefined;
      const v = parseInt(text.slice(i + 1), 8);
      return i === 1 ? -v : v;
    }
  }
  // Python int(text, 0): optional sign, then 0x/0o/0b prefixed digits or a decimal literal.
  i = 0;
  const first = text.charCodeAt(0);
  if (first === 43 || first === 45) i = 1;
  const signless = text.slice(i);
  const p = signless.charCodeAt(1) | 0x20;
  if (signless.charCodeAt(0) === 48 && (p === 120 || p === 111 || p === 98)) {
    const test = p === 120 ? hex : p === 111 ? oct : bin;
    // Python allows one underscore right after the base prefix (`0x_ff`).
    let j = 2;
    if (signless.charCodeAt(2) === 95) j = 3;
    if (scanDigits(signless, j, test) !== signless.length) return undefined;
    const v = Number('0' + signless[1].toLowerCase() + signless.slice(2).replace(/_/g, ''));
    return first === 45 ? -v : v;
  }
  if (scanDigits(signless, 0, dec) !== signless.length) return undefined;
  // A decimal literal may not start with 0 unless it is all zeros (`00` is fine, `01` is not).
  if (signless.charCodeAt(0) === 48 && /[1-9]/.test(signless)) return undefined;
  const v = Number(signless.replace(/_/g, ''));
  return first === 45 ? -v : v;
}

/** Python's float(): returns undefined when it would raise ValueError. */
function pythonFloat(text: string): number | undefined {
  let i = 0;
  let sign = 1;
  const first = text.charCodeAt(0);
  if (first === 43 || first === 45) {
    i = 1;
    if (first === 45) sign = -1;
  }
  const word = text.slice(i).toLowerCase();
  if (word === 'inf' || word === 'infinity') return sign * Infinity;
  if (word === 'nan') return NaN;
  let j = scanDigits(text, i, dec);
  const hadInt = j !== -1;
  if (!hadInt) j = i;
  if (text.charCodeAt(j) === 46) {
    const k = scanDigits(text, j + 1, dec);
    if (k === -1) {
      if (!hadInt) return undefined;
      j = j + 1;
    } else j = k;
  } else if (!hadInt) return undefined;
  const e = text.charCodeAt(j) | 0x20;
  if (e === 101 && j < text.length) {
    let k = j + 1;
    const s = text.charCodeAt(k);
    if (s === 43 || s === 45) k++;
    k = scanDigits(text, k, dec);
    if (k === -1) return undefined;
    j = k;
  }
  if (j !== text.length) return undefined;
  return Number(text.replace(/_/g, ''));
}

/** The float protobuf's `ParseFloat` reads from `text`, or undefined when it refuses it. */
export function parseProtoFloat(text: string): number | undefined {
  const direct = pythonFloat(text);
  if (direct !== undefined) return direct;
  if (/^-?inf(inity)?f?$/i.test(text)) return text.charCodeAt(0) === 45 ? -Infinity : Infinity;
  if (/^nanf?$/i.test(text)) return NaN;
  // protobuf's last try: drop a C-style `f` suffix (`1.5f`); only lowercase, as Python's rstrip('f').
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 102) end--;
  if (end === text.length || end === 0) return undefined;
  return pythonFloat(text.slice(0, end));
}

/** A bare word that protobuf reads as a float (`inf`, `Infinity`, `nan`, `inff`...). */
export function isFloatWord(word: string): boolean {
  // A word (it starts with a letter) can only be a float as some spelling of inf or nan.
  return /^(inf|nan)/i.test(word) && parseProtoFloat(word) !== undefined;
}

export interface EscapeProblem {
  /** Offset of the escape (in the literal's content, or in the document once placed); -1 for the whole value. */
  offset: number;
  length: number;
  message: string;
  /** `error`: TAO refuses the literal. `warning`: TAO reads it, but not as C would. */
  severity: 'error' | 'warning';
}

function pushUtf8(bytes: number[], cp: number): void {
  if (cp < 0x80) bytes.push(cp);
  else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

/**
 * Python protobuf unescapes with the `unicode_escape` codec and turns the result back into
 * bytes with `raw_unicode_escape`: a code point below 256 becomes that byte, and anything
 * higher comes back as the literal text `\uXXXX` (or `\UXXXXXXXX`), lowercase hex.
 */
function pushEscapedCodePoint(bytes: number[], cp: number): void {
  if (cp < 0x100) {
    bytes.push(cp);
    return;
  }
  const text = pythonEscapeText(cp);
  for (let k = 0; k < text.length; k++) bytes.push(text.charCodeAt(k));
}

/** What `raw_unicode_escape` writes for a code point of 256 or more. */
function pythonEscapeText(cp: number): string {
  return cp <= 0xffff ? '\\u' + cp.toString(16).padStart(4, '0') : '\\U' + cp.toString(16).padStart(8, '0');
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** The escapes Python's `unicode_escape` knows besides octal, `\x`, `\u` and `\U`. */
const SIMPLE_ESCAPES: Record<string, number> = {
  n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34,
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Appends the bytes of one quoted literal's content (without its quotes) to `bytes`, unescaped
 * the way TAO's loader does. Unknown escapes (`\\q`, `\\?`) keep their backslash, as in Python.
 */
export function unescapeProtoBytes(content: string, problems: EscapeProblem[], bytes: number[]): void {
  let i = 0;
  while (i < content.length) {
    const c = content.charCodeAt(i);
    if (c !== 92) {
      let cp = c;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < content.length) {
        const d = content.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        }
      }
      pushUtf8(bytes, cp);
      i++;
      continue;
    }
    const escStart = i;
    const e = content[i + 1];
    if (e === undefined) {
      // Only an unterminated literal can end in a lone backslash; that is reported already.
      bytes.push(92);
      i++;
      continue;
    }
    if (SIMPLE_ESCAPES[e] !== undefined) {
      bytes.push(SIMPLE_ESCAPES[e]);
      i += 2;
    } else if (e >= '0' && e <= '7') {
      let v = 0;
      let j = i + 1;
      while (j < content.length && j < i + 4 && oct(content.charCodeAt(j))) v = v * 8 + (content.charCodeAt(j++) - 48);
      if (v >= 0x100) {
        problems.push({
          offset: escStart,
          length: j - i,
          severity: 'warning',
          message: `TAO reads '${content.slice(i, j)}' as the text '${pythonEscapeText(v)}', not as one byte; octal escapes go up to \\377`,
        });
      }
      pushEscapedCodePoint(bytes, v);
      i = j;
    } else if (e === 'x') {
      let v = 0;
      let j = i + 2;
      while (j < content.length && j < i + 4 && hexValue(content.charCodeAt(j)) >= 0) v = v * 16 + hexValue(content.charCodeAt(j++));
      if (j === i + 2) {
        problems.push({ offset: escStart, length: 2, severity: 'error', message: `Invalid escape '\\x': it needs one or two hex digits (e.g. '\\x41')` });
        i += 2;
      } else {
        bytes.push(v);
        i = j;
      }
    } else if (e === 'u' || e === 'U') {
      const want = e === 'u' ? 4 : 8;
      let v = 0;
      let j = i + 2;
      while (j < content.length && j < i + 2 + want && hexValue(content.charCodeAt(j)) >= 0) v = v * 16 + hexValue(content.charCodeAt(j++));
      const written = content.slice(i, j);
      if (j !== i + 2 + want || v > 0x10ffff) {
        problems.push({
          offset: escStart,
          length: j - i,
          severity: 'error',
          message: `Invalid escape '${written}': it needs exactly ${want} hex digits (e.g. '\\${e}${'0'.repeat(want - 2)}41')`,
        });
      } else if (v >= 0x100) {
        // TAO accepts these but does not produce the character (see pushEscapedCodePoint).
        const ch = String.fromCodePoint(v);
        problems.push({
          offset: escStart,
          length: j - i,
          severity: 'warning',
          message: `TAO does not decode '${written}' to '${ch}': it reads it as the text '${pythonEscapeText(v)}'. Write '${ch}' itself instead`,
        });
      }
      if (j === i + 2 + want && v <= 0x10ffff) pushEscapedCodePoint(bytes, v);
      i = j;
    } else {
      if (e === 'N') {
        // Python also reads `\N{NAME}` by Unicode character name; we have no name table.
        problems.push({
          offset: escStart,
          length: 2,
          severity: 'warning',
          message: `TAO reads '\\N{...}' as a Unicode character name, which this checker cannot verify; write the character itself instead`,
        });
      }
      // Python keeps an unknown escape as written (backslash included).
      bytes.push(92);
      i++;
    }
  }
}

/**
 * Reads bytes as UTF-8 strictly, as protobuf does for a string field; undefined when they are
 * not valid UTF-8 (TAO then refuses the file).
 */
export function decodeUtf8(bytes: number[]): string | undefined {
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

/**
 * The value of adjacent literals' contents: their bytes are joined before UTF-8 decoding, as
 * protobuf joins them, so `"\\xc3" "\\xa9"` is "é". `offsets` are the contents' positions in
 * the document; problems get document offsets. Invalid UTF-8 is reported in `problems` with
 * offset -1 (the whole value) and decoded with replacement characters.
 */
export function unescapeProtoString(contents: string[], offsets: number[], problems: EscapeProblem[]): string {
  let plain = true;
  for (const c of contents) if (c.indexOf('\\') !== -1) plain = false;
  // No escapes: the text already is the value (the common case, and a cheap one).
  if (plain) return contents.length === 1 ? contents[0] : contents.join('');
  const bytes: number[] = [];
  for (let k = 0; k < contents.length; k++) {
    const before = problems.length;
    unescapeProtoBytes(contents[k], problems, bytes);
    for (let q = before; q < problems.length; q++) problems[q].offset += offsets[k];
  }
  const value = decodeUtf8(bytes);
  if (value !== undefined) return value;
  problems.push({
    offset: -1,
    length: 0,
    severity: 'error',
    message: 'After unescaping, this string is not valid UTF-8, so TAO cannot read it; write non-ASCII characters as themselves or as their UTF-8 bytes (\\xc3\\xa9 for é)',
  });
  return Buffer.from(bytes).toString('utf8');
}
