// Runs the engine CLI as a child process, echoing its output, for the demo and pretrain
// scripts (they show the real commands a user would type).
import { spawnSync } from 'node:child_process';
import { join, relative, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..', '..', '..');
const bin = join(repoRoot, 'bin', 'tao-engine.js');

export function engine(args: string[]): void {
  const shown = args.map((a) => (a.startsWith('/') ? relative(process.cwd(), a) || '.' : a));
  process.stdout.write(`\n$ tao-engine ${shown.join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`tao-engine ${args[1]} failed (exit ${r.status})\n`);
    process.exit(r.status ?? 1);
  }
}
