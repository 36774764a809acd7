// TFRecord files: the container TAO's converters write and its dataloaders read. Each record is
//   uint64 LE length | uint32 LE masked CRC32C(length bytes) | data | uint32 LE masked CRC32C(data)
// Both checksums are verified on read, so a truncated copy or a stray non-record file in a
// tfrecords folder fails with the file, record index and byte offset instead of garbage labels.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic';

// CRC32C (Castagnoli, reflected polynomial 0x82f63b78), one table lookup per byte: records here
// hold labels, not images, so a byte-wise table is fast enough and easy to check.
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C of `data[start, end)`; crc32c("123456789") = 0xe3069283. */
export function crc32c(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = CRC32C_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * TensorFlow stores a rotated-and-offset CRC: a CRC computed over data that itself contains
 * CRCs is weak, and the mask makes the stored value differ from the raw one.
 */
export function maskCrc(crc: number): number {
  const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
  return (rotated + 0xa282ead8) >>> 0;
}

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;

/** Serializes records into one TFRecord byte stream. */
export function encodeTfRecords(records: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const r of records) total += HEADER_BYTES + r.length + FOOTER_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let pos = 0;
  for (const r of records) {
    // Lengths stay below 2^53; writing them as two 32-bit halves avoids BigInt.
    view.setUint32(pos, r.length % 0x100000000, true);
    view.setUint32(pos + 4, Math.floor(r.length / 0x100000000), true);
    view.setUint32(pos + 8, maskCrc(crc32c(out, pos, pos + 8)), true);
    out.set(r, pos + HEADER_BYTES);
    const end = pos + HEADER_BYTES + r.length;
    view.setUint32(end, maskCrc(crc32c(r)), true);
    pos = end + FOOTER_BYTES;
  }
  return out;
}

/** Writes a TFRecord file atomically: readers never see a half-written file. */
export function writeTfRecordFile(path: string, records: Uint8Array[]): void {
  writeFileAtomic(path, encodeTfRecords(records));
}

/** One record's payload and where it sits in its file (for error messages). */
export interface TfRecord {
  index: number;
  /** Byte offset of the record's header in the file. */
  offset: number;
  data: Uint8Array;
}

const CORRUPT_HINT = '(file is corrupt or not a TFRecord)';

/**
 * Walks the records of a TFRecord byte stream, checking both CRCs. `file` only names the
 * source in errors. Yields views into `buf` (no copies).
 */
export function* iterateTfRecords(buf: Uint8Array, file: string): Generator<TfRecord> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  let index = 0;
  while (pos < buf.length) {
    const where = `${file}: record ${index} at byte ${pos}`;
    if (buf.length - pos < HEADER_BYTES) {
      throw new Error(`${where}: truncated header (${buf.length - pos} of ${HEADER_BYTES} bytes) ${CORRUPT_HINT}`);
    }
    if (view.getUint32(pos + 8, true) !== maskCrc(crc32c(buf, pos, pos + 8))) {
      throw new Error(`${where}: length CRC mismatch ${CORRUPT_HINT}`);
    }
    const length = view.getUint32(pos, true) + view.getUint32(pos + 4, true) * 0x100000000;
    const start = pos + HEADER_BYTES;
    const end = start + length;
    if (end + FOOTER_BYTES > buf.length) {
      throw new Error(`${where}: truncated record (needs ${length + HEADER_BYTES + FOOTER_BYTES} bytes, ${buf.length - pos} left) ${CORRUPT_HINT}`);
    }
    if (view.getUint32(end, true) !== maskCrc(crc32c(buf, start, end))) {
      throw new Error(`${where}: data CRC mismatch ${CORRUPT_HINT}`);
    }
    yield { index, offset: pos, data: buf.subarray(start, end) };
    pos = end + FOOTER_BYTES;
    index++;
  }
}

/** Reads every record of a TFRecord file (payload bytes only), verifying both CRCs. */
export function readTfRecordFile(path: string): Uint8Array[] {
  let buf: Uint8Array;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new Error(`${path}: cannot read TFRecord file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return Array.from(iterateTfRecords(buf, path), (r) => r.data);
}
