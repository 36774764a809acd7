// A small reader for .proto files (proto2/proto3) that keeps only the facts a spec schema needs:
// messages, their fields (name, type, number, repeated/map, oneof group) and enums.
// It is used by extract-proto.ts on NVIDIA's public protos; the generator itself reads the
// compact fact files that extraction writes, so CI never needs NVIDIA's repository.

export interface ProtoField {
  name: string;
  /** Scalar type name (`float`, `string`, ...) or the fully qualified message/enum name. */
  type: string;
  number: number;
  repeated?: boolean;
  /** map<keyType, type>: written in text format as repeated `{ key: .. value: .. }`. */
  mapKey?: string;
  oneof?: string;
}

export interface ProtoFile {
  imports: string[];
  /** Fully qualified (dot-joined for nested) message name -> fields, with types still as written. */
  messages: Map<string, ProtoField[]>;
  enums: Map<string, Record<string, number>>;
}

const SCALARS = new Set([
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes',
]);

export function isProtoScalar(type: string): boolean {
  return SCALARS.has(type);
}

/** Splits proto source into tokens, dropping comments. */
function tokenize(src: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (src.startsWith('//', i)) { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (src.startsWith('/*', i)) { const e = src.indexOf('*/', i + 2); i = e < 0 ? src.length : e + 2; continue; }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      tokens.push(src.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    const m = /^[A-Za-z0-9_.+-]+/.exec(src.slice(i, i + 200));
    if (m) { tokens.push(m[0]); i += m[0].length; continue; }
    tokens.push(c);
    i++;
  }
  return tokens;
}

export function readProto(src: string): ProtoFile {
  const t = tokenize(src);
  const file: ProtoFile = { imports: [], messages: new Map(), enums: new Map() };
  let p = 0;
  const skipStatement = () => { // to the next `;` or over a balanced `{...}` block
    let depth = 0;
    while (p < t.length) {
      const tok = t[p++];
      if (tok === '{') depth++;
      else if (tok === '}') { depth--; if (depth <= 0) return; }
      else if (tok === ';' && depth === 0) return;
    }
  };
  const skipOptions = () => { // `[default = 1, deprecated = true]`
    if (t[p] !== '[') return;
    let depth = 0;
    while (p < t.length) { const tok = t[p++]; if (tok === '[') depth++; else if (tok === ']' && --depth === 0) return; }
  };
  const readEnum = (scope: string) => {
    const name = t[p++];
    const full = scope ? `${scope}.${name}` : name;
    const values: Record<string, number> = {};
    p++; // {
    while (p < t.length && t[p] !== '}') {
      if (t[p] === 'option' || t[p] === 'reserved') { skipStatement(); continue; }
      if (t[p] === ';') { p++; continue; }
      const vname = t[p++];
      if (t[p] === '=') { p++; values[vname] = Number(t[p++]); }
      skipOptions();
      if (t[p] === ';') p++;
    }
    p++; // }
    file.enums.set(full, values);
  };
  const readField = (fields: ProtoField[], oneof?: string) => {
    let repeated = false;
    if (t[p] === 'optional' || t[p] === 'required') p++;
    else if (t[p] === 'repeated') { repeated = true; p++; }
    let type = t[p++];
    let mapKey: string | undefined;
    if (type === 'map' && t[p] === '<') {
      p++; mapKey = t[p++]; p++; /* , */ type = t[p++]; p++; /* > */
    }
    const name = t[p++];
    p++; // =
    const number = Number(t[p++]);
    skipOptions();
    if (t[p] === ';') p++;
    const f: ProtoField = { name, type, number };
    if (repeated) f.repeated = true;
    if (mapKey) f.mapKey = mapKey;
    if (oneof) f.oneof = oneof;
    fields.push(f);
  };
  const readMessage = (scope: string) => {
    const name = t[p++];
    const full = scope ? `${scope}.${name}` : name;
    const fields: ProtoField[] = [];
    file.messages.set(full, fields);
    p++; // {
    while (p < t.length && t[p] !== '}') {
      const tok = t[p];
      if (tok === ';') { p++; continue; }
      if (tok === 'message') { p++; readMessage(full); continue; }
      if (tok === 'enum') { p++; readEnum(full); continue; }
      if (tok === 'option' || tok === 'reserved' || tok === 'extensions' || tok === 'extend') { skipStatement(); continue; }
      if (tok === 'oneof') {
        p++;
        const group = t[p++];
        p++; // {
        while (p < t.length && t[p] !== '}') {
          if (t[p] === 'option') { skipStatement(); continue; }
          if (t[p] === ';') { p++; continue; }
          readField(fields, group);
        }
        p++;
        continue;
      }
      readField(fields);
    }
    p++; // }
  };
  while (p < t.length) {
    const tok = t[p++];
    if (tok === 'import') {
      if (t[p] === 'public' || t[p] === 'weak') p++;
      file.imports.push(t[p++].slice(1, -1));
      if (t[p] === ';') p++;
    } else if (tok === 'message') readMessage('');
    else if (tok === 'enum') readEnum('');
    else if (tok === 'syntax' || tok === 'package' || tok === 'option') { p--; skipStatement(); }
  }
  return file;
}

/** Resolves a type name written inside `scope` the way protoc does: innermost scope first. */
export function resolveTypeName(type: string, scope: string, known: (full: string) => boolean): string {
  if (isProtoScalar(type)) return type;
  const name = type.startsWith('.') ? type.slice(1) : type;
  const parts = scope ? scope.split('.') : [];
  for (let n = parts.length; n >= 0; n--) {
    const candidate = [...parts.slice(0, n), name].join('.');
    if (known(candidate)) return candidate;
  }
  return name;
}
