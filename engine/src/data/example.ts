// tf.train.Example, encoded and decoded by hand: the engine needs only this one message family,
// so a few dozen lines of protobuf wire format replace a protobuf runtime and generated code.
//   Example  { Features features = 1; }
//   Features { map<string, Feature> feature = 1; }   (entry: string key = 1, Feature value = 2)
//   Feature  { oneof { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
//   BytesList { repeated bytes value = 1; }  FloatList { repeated float value = 1 [packed]; }
//   Int64List { repeated int64 value = 1 [packed]; }
// We write packed lists (what TensorFlow writes); we read packed and unpacked, since both are
// valid encodings of a repeated scalar and other writers may choose either.

export type FeatureValue = { bytes: Uint8Array[] } | { float: number[] } | { int64: number[] };
export type Features = Record<string, FeatureValue>;

// Wire types.
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

const TWO_32 = 0x100000000;
const TWO_64 = BigInt('18446744073709551616');
const TWO_63 = BigInt('9223372036854775808');

// ---------------------------------------------------------------------------------------------
// Encoding

/** A growable byte buffer; messages are built inside-out (payload first, then tag + length). */
class Writer {
  private buf = new Uint8Array(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned varint of a non-negative safe integer. */
  varint(n: number): void {
    this.ensure(10);
    // Division, not shifts: JS bit operators truncate to 32 bits and lengths/ids may exceed that.
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  /** int64 varint: negatives are their 64-bit two's complement, always 10 bytes. */
  int64(n: number): void {
    if (n >= 0) {
      this.varint(n);
      return;
    }
    let v = TWO_64 + BigInt(n);
    this.ensure(10);
    for (let i = 0; i < 9; i++) {
      this.buf[this.pos++] = Number(v & BigInt(0x7f)) | 0x80;
      v >>= BigInt(7);
    }
    this.buf[this.pos++] = Number(v);
  }

  float32(x: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.pos, x, true);
    this.pos += 4;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** A length-delimited field: tag, byte length, payload. */
  lenField(field: number, payload: Uint8Array): void {
    this.tag(field, LEN);
    this.varint(payload.length);
    this.bytes(payload);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

const utf8 = new TextEncoder();

function encodeFeature(key: string, value: FeatureValue): Uint8Array {
  const list = new Writer();
  let field: number;
  if ('bytes' in value) {
    field = 1;
    for (const b of value.bytes) list.lenField(1, b);
  } else {
    const packed = new Writer();
    if ('float' in value) {
      field = 2;
      for (const x of value.float) packed.float32(x);
    } else {
      field = 3;
      for (const n of value.int64) {
        if (!Number.isSafeInteger(n)) throw new Error(`feature "${key}": int64 value ${n} is not a safe integer`);
        packed.int64(n);
      }
    }
    // Proto3 packed encoding: one length-delimited field holding all values back to back;
    // protobuf omits it when there are no values.
    const payload = packed.finish();
    if (payload.length > 0) list.lenField(1, payload);
  }
  const feature = new Writer();
  // Present even when the list is empty, so readers still see the feature's type (as TAO's
  // converters produce: `_float_feature()` with no values still sets float_list).
  feature.lenField(field, list.finish());
  return feature.finish();
}

/** Serializes a tf.train.Example. Keys are written in the object's order. */
export function encodeExample(features: Features): Uint8Array {
  const map = new Writer();
  for (const [key, value] of Object.entries(features)) {
    const entry = new Writer();
    entry.lenField(1, utf8.encode(key));
    entry.lenField(2, encodeFeature(key, value));
    map.lenField(1, entry.finish());
  }
  const example = new Writer();
  example.lenField(1, map.finish());
  return example.finish();
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Malformed protobuf input; the message says what and at which byte. */
export class ExampleDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExampleDecodeError';
  }
}

/** Reads one message's bytes; positions in errors are relative to the whole Example. */
class Reader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  fail(what: string, at = this.pos): never {
    throw new ExampleDecodeError(`malformed tf.train.Example: ${what} at byte ${at}`);
  }

  /** Varint as a non-negative safe integer (tags, lengths). */
  uvarint(): number {
    const start = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint', start);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) this.fail('varint too large', start);
        return result;
      }
      scale *= 0x80;
    }
    return this.fail('varint longer than 10 bytes', start);
  }

  /** int64 varint as a JS number; values beyond +-2^53 are refused rather than rounded. */
  int64(): number {
    const start = this.pos;
    let v = BigInt(0);
    let shift = BigInt(0);
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint', start);
      const b = this.buf[this.pos++];
      v |= BigInt(b & 0x7f) << shift;
      shift += BigInt(7);
      if ((b & 0x80) === 0) {
        v &= TWO_64 - BigInt(1);
        if (v >= TWO_63) v -= TWO_64;
        const n = Number(v);
        if (!Number.isSafeInteger(n)) this.fail(`int64 value ${v} outside the JS safe integer range`, start);
        return n;
      }
    }
    return this.fail('varint longer than 10 bytes', start);
  }

  /** int64 with a number-only path for values below 2^49 (seven bytes), the usual case. */
  smallInt64(): number {
    const start = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 7 && this.pos < this.end; i++) {
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 0x80;
    }
    this.pos = start;
    return this.int64();
  }

  /** A length-delimited payload as [start, end). */
  len(): [number, number] {
    const at = this.pos;
    const n = this.uvarint();
    if (n > this.end - this.pos) this.fail(`length ${n} runs past the end of its message`, at);
    const start = this.pos;
    this.pos += n;
    return [start, start + n];
  }

  float32(): number {
    if (this.end - this.pos < 4) this.fail('truncated float');
    const x = new DataView(this.buf.buffer, this.buf.byteOffset).getFloat32(this.pos, true);
    this.pos += 4;
    return x;
  }

  /** Skips a field we do not use, by its wire type. */
  skip(wire: number): void {
    const at = this.pos;
    if (wire === VARINT) this.uvarintLoose();
    else if (wire === I64) this.advance(8, at);
    else if (wire === LEN) this.len();
    else if (wire === I32) this.advance(4, at);
    else this.fail(`unsupported wire type ${wire}`, at);
  }

  private advance(n: number, at: number): void {
    if (this.end - this.pos < n) this.fail('truncated field', at);
    this.pos += n;
  }

  /** Skips a varint of any size (unknown fields may hold full 64-bit values). */
  private uvarintLoose(): void {
    const start = this.pos;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint', start);
      if ((this.buf[this.pos++] & 0x80) === 0) return;
    }
    this.fail('varint longer than 10 bytes', start);
  }

  /** Next field's (number, wire type). */
  tag(): [number, number] {
    const at = this.pos;
    const t = this.uvarint();
    const field = Math.floor(t / 8);
    if (field === 0) this.fail('field number 0', at);
    return [field, t % 8];
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function decodeBytesList(r: Reader, out: Uint8Array[]): void {
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === LEN) {
      const [s, e] = r.len();
      out.push(r.buf.slice(s, e));
    } else r.skip(wire);
  }
}

function decodeFloatList(r: Reader, out: number[]): void {
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === LEN) {
      const [s, e] = r.len();
      if ((e - s) % 4 !== 0) r.fail(`packed float list of ${e - s} bytes (not a multiple of 4)`, s);
      const inner = new Reader(r.buf, s, e);
      while (!inner.done) out.push(inner.float32());
    } else if (field === 1 && wire === I32) {
      out.push(r.float32());
    } else r.skip(wire);
  }
}

function decodeInt64List(r: Reader, out: number[]): void {
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === LEN) {
      const [s, e] = r.len();
      const inner = new Reader(r.buf, s, e);
      while (!inner.done) out.push(inner.smallInt64());
    } else if (field === 1 && wire === VARINT) {
      out.push(r.smallInt64());
    } else r.skip(wire);
  }
}

/**
 * A Feature. Protobuf merge rules: the last list kind seen wins, and a kind seen twice
 * concatenates. A Feature with no list at all decodes as an empty bytes list; the getters
 * below accept an empty list of any kind.
 */
function decodeFeature(r: Reader): FeatureValue {
  let value: FeatureValue | undefined;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (wire !== LEN || field < 1 || field > 3) {
      r.skip(wire);
      continue;
    }
    const [s, e] = r.len();
    const inner = new Reader(r.buf, s, e);
    if (field === 1) {
      const list = value && 'bytes' in value ? value.bytes : [];
      decodeBytesList(inner, list);
      value = { bytes: list };
    } else if (field === 2) {
      const list = value && 'float' in value ? value.float : [];
      decodeFloatList(inner, list);
      value = { float: list };
    } else {
      const list = value && 'int64' in value ? value.int64 : [];
      decodeInt64List(inner, list);
      value = { int64: list };
    }
  }
  return value ?? { bytes: [] };
}

function decodeMapEntry(r: Reader, into: Features): void {
  let key: string | undefined;
  let value: FeatureValue | undefined;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === LEN) {
      const [s, e] = r.len();
      try {
        key = utf8Decoder.decode(r.buf.subarray(s, e));
      } catch {
        r.fail('feature name is not valid UTF-8', s);
      }
    } else if (field === 2 && wire === LEN) {
      const [s, e] = r.len();
      value = decodeFeature(new Reader(r.buf, s, e));
    } else r.skip(wire);
  }
  // Protobuf map semantics: a missing key is "", a missing value is the default Feature.
  into[key ?? ''] = value ?? { bytes: [] };
}

/** Parses a serialized tf.train.Example; throws ExampleDecodeError on malformed input. */
export function decodeExample(buf: Uint8Array): Features {
  const features: Features = {};
  const top = new Reader(buf, 0, buf.length);
  while (!top.done) {
    const [field, wire] = top.tag();
    if (field !== 1 || wire !== LEN) {
      top.skip(wire);
      continue;
    }
    // A message field seen twice merges: later map entries add to (or replace) earlier ones.
    const [s, e] = top.len();
    const map = new Reader(buf, s, e);
    while (!map.done) {
      const [f, w] = map.tag();
      if (f === 1 && w === LEN) {
        const [es, ee] = map.len();
        decodeMapEntry(new Reader(buf, es, ee), features);
      } else map.skip(w);
    }
  }
  return features;
}

// ---------------------------------------------------------------------------------------------
// Typed access, with errors that say which feature was wrong and how.

function kindOf(v: FeatureValue): string {
  return 'bytes' in v ? 'bytes_list' : 'float' in v ? 'float_list' : 'int64_list';
}

function isEmpty(v: FeatureValue): boolean {
  return ('bytes' in v ? v.bytes : 'float' in v ? v.float : v.int64).length === 0;
}

/** The float list of `key`; [] when absent and `optional`. `where` prefixes error messages. */
export function getFloats(f: Features, key: string, where: string, optional = false): number[] {
  const v = f[key];
  if (!v) {
    if (optional) return [];
    throw new Error(`${where}: missing feature "${key}"`);
  }
  if ('float' in v) return v.float;
  if (isEmpty(v)) return [];
  throw new Error(`${where}: feature "${key}" is a ${kindOf(v)}, expected float_list`);
}

export function getInt64s(f: Features, key: string, where: string, optional = false): number[] {
  const v = f[key];
  if (!v) {
    if (optional) return [];
    throw new Error(`${where}: missing feature "${key}"`);
  }
  if ('int64' in v) return v.int64;
  if (isEmpty(v)) return [];
  throw new Error(`${where}: feature "${key}" is a ${kindOf(v)}, expected int64_list`);
}

export function getBytes(f: Features, key: string, where: string, optional = false): Uint8Array[] {
  const v = f[key];
  if (!v) {
    if (optional) return [];
    throw new Error(`${where}: missing feature "${key}"`);
  }
  if ('bytes' in v) return v.bytes;
  if (isEmpty(v)) return [];
  throw new Error(`${where}: feature "${key}" is a ${kindOf(v)}, expected bytes_list`);
}

/** Bytes decoded as UTF-8 strings. */
export function getStrings(f: Features, key: string, where: string, optional = false): string[] {
  return getBytes(f, key, where, optional).map((b) => {
    try {
      return utf8Decoder.decode(b);
    } catch {
      throw new Error(`${where}: feature "${key}" holds bytes that are not UTF-8 text`);
    }
  });
}

/** A feature that must hold exactly one value (frame/id, frame/width, ...). */
export function single<T>(values: T[], key: string, where: string): T {
  if (values.length !== 1) throw new Error(`${where}: feature "${key}" has ${values.length} values, expected 1`);
  return values[0];
}
