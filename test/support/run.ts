// Runs a project executable as a child process, the way users and CI call it.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..', '..');

export interface ProcessResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runBin(bin: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): ProcessResult {
  const result = spawnSync(process.execPath, [resolve(repoRoot, 'bin', bin), ...args], {
    cwd: options.cwd ?? repoRoot,
    env: options.env ?? process.env,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
