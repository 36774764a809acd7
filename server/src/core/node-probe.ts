// The file-system probe used by the CLI and the server (the core itself stays free of I/O
// unless a caller passes one in).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { FileProbe } from './rules/types';

export const nodeFileProbe: FileProbe = {
  exists: (path) => {
    try {
      return existsSync(path);
    } catch {
      return false;
    }
  },
  homeDir: () => homedir(),
  readText: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};
