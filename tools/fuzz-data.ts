// A made-up file system for the fuzzer's pass over the data checks: every path exists, every
// folder holds a few label files, images, subfolders and records, every file reads as
// something plausible (a KITTI line, COCO JSON, image bytes, a TFRecord) or as junk. So
// whatever a mutated spec names, the data checks read it and must neither throw nor stall.
import { extname } from 'node:path';
import type { FileProbe, ProbeEntry } from '../server/src/core/rules/types';

const ENTRIES: ProbeEntry[] = [
  { name: '000001.txt', isDirectory: false },
  { name: '000001.jpg', isDirectory: false },
  { name: '000002.PNG', isDirectory: false },
  { name: 'train-fold-000-of-002', isDirectory: false },
  { name: 'cat', isDirectory: true },
  { name: 'Dog', isDirectory: true },
];

const RECORD = (() => {
  // One tf.train.Example with `target/object_class` = ["car"], framed as a TFRecord.
  const key = [...Buffer.from('target/object_class')];
  const value = [0x0a, 5, 0x0a, 3, ...Buffer.from('car')];
  const entry = [0x0a, key.length, ...key, 0x12, value.length, ...value];
  const features = [0x0a, entry.length, ...entry];
  const example = [0x0a, features.length, ...features];
  return new Uint8Array([example.length, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...example, 0, 0, 0, 0]);
})();

export function fuzzDataProbe(r: () => number): FileProbe {
  const isFolder = (path: string) => !extname(path) && !/fold-\d+/.test(path);
  return {
    exists: () => true,
    homeDir: () => '/home/fuzz',
    readText: (path) => {
      if (r() < 0.2) return String.fromCharCode(...Array.from({ length: 40 }, () => Math.floor(r() * 0x10000)));
      if (path.endsWith('.json')) return JSON.stringify({ categories: [{ id: Math.floor(r() * 200), name: 'a' }, { id: 1, name: 'b' }] });
      if (path.endsWith('.tao_mounts.json')) return undefined;
      return `Car 0 0 0 1 2 3 4 1 1 1 1 1 1 1\n${r() < 0.5 ? 'car' : 'DontCare'} 0 0\n`;
    },
    list: (dir, limit) => (isFolder(dir) ? { entries: ENTRIES.slice(0, limit), complete: r() < 0.8 } : undefined),
    stat: (path) => (isFolder(path) ? { isDirectory: true, isFile: false, size: 4096, mtimeMs: 1 } : { isDirectory: false, isFile: true, size: r() < 0.1 ? 1e9 : 200, mtimeMs: 1 }),
    readBytes: (path, start, length) => {
      if (r() < 0.2) return new Uint8Array(Array.from({ length: Math.min(length, 64) }, () => Math.floor(r() * 256)));
      if (/fold-/.test(path)) return RECORD.subarray(0, length);
      if (path.endsWith('.json')) return new TextEncoder().encode('{"categories": [{"id": 3, "name": "x"}]}');
      return new Uint8Array([0xff, 0xd8, 0xff, 0xe0]);
    },
  };
}
