// Where the cursor is, read from the text alone: the keys of the enclosing sections and
// whether a key or a value is being typed. Completion must work while the user types
// (`  optim` with no colon yet), when the tree has no node at the cursor or the parse is
// broken, so this never consults the tree: YAML nesting comes from indentation, protobuf
// text nesting from brace depth.
import type { Dialect, Span } from '../tree';

export interface CursorContext {
  /** Keys of the enclosing sections, outermost first; list items are looked through. */
  path: string[];
  kind: 'key' | 'value';
  /** For `value`: the key whose value is being typed. */
  key?: string;
  /** The part of the key or value typed before the cursor (inside quotes for quoted values). */
  prefix: string;
  /** What a completion replaces: from the start of the typed word to its end. */
  replace: Span;
  /** Leading whitespace of the cursor's line (up to the key): base for multi-line snippets. */
  indent: string;
  /** The key on this line is already followed by `:` or `{` (renaming a key, not adding one). */
  keyHasSeparator: boolean;
  /** The value typed so far opened a quote. */
  quote?: '"' | "'";
  /** The value sits inside a `[...]` list. */
  inList: boolean;
}

const WORD_CHAR = /[A-Za-z0-9_.\-]/;

export function cursorContext(text: string, offset: number, dialect: Dialect): CursorContext | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = text.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = text.length;
  const before = text.slice(lineStart, offset);
  const after = text.slice(offset, lineEnd).replace(/\r$/, '');
  if (hasCommentBefore(before)) return undefined;
  return dialect === 'prototext' ? protoContext(text, offset, lineStart, before, after) : yamlContext(text, offset, lineStart, before, after);
}

/** A `#` outside quotes before the cursor: the cursor is in a comment. */
function hasCommentBefore(before: string): boolean {
  let quote = '';
  for (let i = 0; i < before.length; i++) {
    const c = before[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(before[i - 1]))) return true;
  }
  return false;
}

function wordEnd(after: string): number {
  let n = 0;
  while (n < after.length && WORD_CHAR.test(after[n])) n++;
  return n;
}

// ---------------------------------------------------------------- YAML

interface YamlLine {
  /** Column of the first non-blank character. */
  indent: number;
  /** Column of the key after any `- ` list markers. */
  keyCol: number;
  hasDash: boolean;
  key?: string;
  /** The text after `key:` (comment stripped, trimmed). */
  value?: string;
}

function readYamlLine(line: string): YamlLine | undefined {
  const content = line.replace(/\r$/, '');
  if (/^\s*(#.*)?$/.test(content)) return undefined;
  const indent = /^[ \t]*/.exec(content)![0].length;
  const dashes = /^(?:-(?:[ \t]+|$))*/.exec(content.slice(indent))![0];
  const keyCol = indent + dashes.length;
  const rest = content.slice(keyCol);
  const m = /^(?:"([^"]*)"|'([^']*)'|([^\s:#'"][^:#]*?))\s*:(?:\s+(.*)|$)/.exec(rest);
  if (!m) return { indent, keyCol, hasDash: dashes.length > 0 };
  const value = (m[4] ?? '').replace(/\s+#.*$/, '').trim();
  return { indent, keyCol, hasDash: dashes.length > 0, key: m[1] ?? m[2] ?? m[3], value };
}

/** Keys of the blocks enclosing a line whose content starts at `column`. */
function yamlParents(text: string, lineStart: number, column: number): string[] | undefined {
  const path: string[] = [];
  let col = column;
  // Set when `col` is the column of a list's dashes: YAML lets such a list sit at the
  // same column as the key that owns it (`items:` / `- a`).
  let atListLevel = false;
  let end = lineStart - 1;
  while (end > 0 && (col > 0 || atListLevel)) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = readYamlLine(text.slice(start, end));
    end = start - 1;
    if (!line) continue;
    const owns = line.key !== undefined && (line.keyCol < col || (atListLevel && !line.hasDash && line.keyCol === col && !line.value));
    if (owns && line.key !== undefined) {
      // A block scalar (`key: |`) holds free text: no keys to complete inside it.
      if (line.value && /^[|>][0-9+\-]*$/.test(line.value)) return undefined;
      path.unshift(line.key);
      col = line.keyCol;
      atListLevel = false;
    } else if (line.key === undefined && !line.hasDash && line.indent < col) {
      // A continuation line of a multi-line scalar or flow collection; it says nothing about nesting.
      continue;
    }
    if (line.hasDash && line.indent < col) {
      col = line.indent;
      atListLevel = true;
    }
  }
  return path;
}

function yamlContext(text: string, offset: number, lineStart: number, before: string, after: string): CursorContext | undefined {
  const indentLen = /^[ \t]*/.exec(before)![0].length;
  const dashes = /^(?:-[ \t]+)*/.exec(before.slice(indentLen))![0];
  const keyCol = indentLen + dashes.length;
  const rest = before.slice(keyCol);
  const indent = before.slice(0, indentLen);
  const path = yamlParents(text, lineStart, keyCol);
  if (!path) return undefined;
  const tail = wordEnd(after);

  if (/^[A-Za-z0-9_.\-]*$/.test(rest)) {
    return {
      path,
      kind: 'key',
      prefix: rest,
      replace: { start: offset - rest.length, end: offset + tail },
      indent: before.slice(0, keyCol).replace(/-/g, ' '),
      keyHasSeparator: /^[A-Za-z0-9_.\-]*\s*:/.test(after),
      inList: false,
    };
  }
  const m = /^(?:"([^"]*)"|'([^']*)'|([^\s:#'"][^:#]*?))\s*:\s(\s*)(.*)$/.exec(rest);
  if (!m) return undefined;
  const key = m[1] ?? m[2] ?? m[3];
  return valueContext(path, key, m[5], offset, after, indent);
}

/** The value part after `key: `, shared by both dialects. */
function valueContext(path: string[], key: string, typed: string, offset: number, after: string, indent: string): CursorContext | undefined {
  let value = typed;
  let inList = false;
  if (value.startsWith('[')) {
    inList = true;
    value = value.slice(value.lastIndexOf(',') >= 0 ? value.lastIndexOf(',') + 1 : 1).trimStart();
  } else if (value.startsWith('{') || value.startsWith('|') || value.startsWith('>')) {
    return undefined;
  }
  let quote: '"' | "'" | undefined;
  if (value.startsWith('"') || value.startsWith("'")) {
    quote = value[0] as '"' | "'";
    value = value.slice(1);
    if (value.includes(quote)) return undefined; // past the closing quote
  }
  const tail = quote ? (after.indexOf(quote) >= 0 ? after.indexOf(quote) : after.length) : wordEnd(after);
  return {
    path,
    kind: 'value',
    key,
    prefix: value,
    replace: { start: offset - value.length, end: offset + tail },
    indent,
    keyHasSeparator: true,
    quote,
    inList,
  };
}

// ---------------------------------------------------------------- protobuf text

/** Names of the messages open at `offset`, from a scan of brackets outside strings and comments. */
export function protoOpenMessages(text: string, offset: number): string[] {
  const stack: string[] = [];
  let lastWord = '';
  let i = 0;
  while (i < offset) {
    const c = text.charCodeAt(i);
    if (c === 35 /* # */) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? offset : nl + 1;
      continue;
    }
    if (c === 34 /* " */ || c === 39 /* ' */) {
      let j = i + 1;
      while (j < offset) {
        const d = text.charCodeAt(j);
        if (d === 92 /* \ */) j += 2;
        else if (d === c || d === 10) break;
        else j++;
      }
      i = j + 1;
      lastWord = '';
      continue;
    }
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) {
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if ((d >= 65 && d <= 90) || (d >= 97 && d <= 122) || (d >= 48 && d <= 57) || d === 95 || d === 46) j++;
        else break;
      }
      lastWord = text.slice(i, j);
      i = j;
      continue;
    }
    if (c === 123 /* { */ || c === 60 /* < */) {
      stack.push(lastWord);
      lastWord = '';
    } else if (c === 125 /* } */ || c === 62 /* > */) {
      stack.pop();
      lastWord = '';
    } else if (c !== 58 /* : */ && c !== 32 && c !== 9 && c !== 10 && c !== 13) {
      lastWord = '';
    }
    i++;
  }
  return stack;
}

function protoContext(text: string, offset: number, lineStart: number, before: string, after: string): CursorContext | undefined {
  // Several fields may share a line (`a: 1 b: 2`, `x { y: 1 }`): look at the last statement only.
  const cut = Math.max(before.lastIndexOf('{'), before.lastIndexOf('}'), before.lastIndexOf('<'), before.lastIndexOf(';'), before.lastIndexOf(','));
  const inList = before.lastIndexOf('[') > before.lastIndexOf(']');
  const statement = inList ? before : before.slice(cut + 1);
  const path = protoOpenMessages(text, offset);
  const indent = /^[ \t]*/.exec(before)![0];
  void lineStart;

  const keyMatch = /^\s*([A-Za-z_][\w]*)?$/.exec(statement) ?? /^\s*[A-Za-z_][\w]*\s*:\s*(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"'\[{<]+)\s+([A-Za-z_][\w]*)?$/.exec(statement);
  if (keyMatch && !inList) {
    const prefix = keyMatch[1] ?? '';
    return {
      path,
      kind: 'key',
      prefix,
      replace: { start: offset - prefix.length, end: offset + wordEnd(after) },
      indent,
      keyHasSeparator: /^[\w]*\s*[:{<]/.test(after),
      inList: false,
    };
  }
  const m = /^\s*([A-Za-z_][\w]*)\s*:\s*(.*)$/.exec(statement);
  if (!m) return undefined;
  return valueContext(path, m[1], m[2], offset, after, indent);
}
