// The file-system probe used by the CLI and the server (the core itself stays free of I/O
// unless a caller passes one in). The dataset checks use its listing, stat and byte reads.
import { closeSync, existsSync, opendirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import type { FileProbe, ProbeEntry } from './rules/types';
import { kerasLayerNames } from './keras-names-node';

export const nodeFileProbe: FileProbe = {
  exists: (path) => {
    try {
      return existsSync(path);
    } catch {
      return false;
    }
  },
  homeDir: () => homedir(),
  kerasLayerNames,
  readText: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  list: (dir, limit) => {
    // opendir streams the folder, so a folder of 100,000 files costs only the entries read.
    let handle;
    try {
      handle = opendirSync(dir, { bufferSize: 256 });
    } catch {
      return undefined;
    }
    const entries: ProbeEntry[] = [];
    let complete = true;
    try {
      for (;;) {
        const entry = handle.readSync();
        if (!entry) break;
        if (entries.length >= limit) {
          complete = false;
          break;
        }
        let isDirectory = entry.isDirectory();
        if (entry.isSymbolicLink()) {
          try {
            isDirectory = statSync(`${dir}/${entry.name}`).isDirectory();
          } catch {
            isDirectory = false;
          }
        }
        entries.push({ name: entry.name, isDirectory });
      }
    } catch {
      // a folder that fails half-way reports what it gave
    } finally {
      try {
        handle.closeSync();
      } catch {
        // already closed
      }
    }
    return { entries, complete };
  },
  stat: (path) => {
    try {
      const s = statSync(path);
      return { isDirectory: s.isDirectory(), isFile: s.isFile(), size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      return undefined;
    }
  },
  readBytes: (path, start, length) => {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      const buffer = Buffer.alloc(Math.max(0, length));
      const read = readSync(fd, buffer, 0, buffer.length, start);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, read);
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) {
        try {
          closeSync(fd);
        } catch {
          // nothing to do
        }
      }
    }
  },
};
