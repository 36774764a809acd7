// Image sizes from file headers. TAO opens each image with PIL only to read its size; decoding
// 7,000 full KITTI frames for two numbers would dominate the conversion time.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

function readHead(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Size from a JPEG's SOFn segment, or undefined if the header ends before one. */
function jpegSize(buf: Buffer): { width: number; height: number } | undefined {
  let pos = 2;
  while (pos + 4 <= buf.length) {
    if (buf[pos] !== 0xff) return undefined;
    let marker = buf[pos + 1];
    // Any number of 0xff fill bytes may precede a marker.
    while (marker === 0xff && pos + 2 < buf.length) {
      pos++;
      marker = buf[pos + 1];
    }
    pos += 2;
    // Markers without a length field: TEM, RSTn, SOI, EOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) continue;
    if (pos + 2 > buf.length) return undefined;
    const len = buf.readUInt16BE(pos);
    // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (pos + 7 > buf.length) return undefined;
      return { height: buf.readUInt16BE(pos + 3), width: buf.readUInt16BE(pos + 5) };
    }
    pos += len;
  }
  return undefined;
}

/** Width and height of a PNG, JPEG or BMP file, read from its header. */
export function imageSize(path: string): { width: number; height: number } {
  // PNG and BMP keep their size in the first 26 bytes; only JPEG needs a longer look.
  let head = readHead(path, 32);
  if (head.length >= 24 && head.readUInt32BE(0) === 0x89504e47 && head.toString('latin1', 12, 16) === 'IHDR') {
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  }
  if (head.length >= 26 && head[0] === 0x42 && head[1] === 0x4d) {
    // BMP: a negative height marks a top-down bitmap; the size is its absolute value.
    return { width: Math.abs(head.readInt32LE(18)), height: Math.abs(head.readInt32LE(22)) };
  }
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8) {
    head = readHead(path, 65536);
    let size = jpegSize(head);
    // Large EXIF blocks can push the frame header past the first 64 KiB.
    if (!size && head.length === 65536) {
      head = readFileSync(path);
      size = jpegSize(head);
    }
    if (size) return size;
    throw new Error(`${path}: JPEG without a frame header (file truncated or corrupt)`);
  }
  throw new Error(`${path}: not a PNG, JPEG or BMP image`);
}
