// Builds the process to start for a TAO task: either our local engine
// (`node dist/engine.js <network> <task> -e SPEC -r RESULTS ...`) or NVIDIA's `tao`
// launcher, which runs the same task in TAO's containers. Both take TAO's argument shape,
// so one task definition (tasks.json) can be sent to either.

import * as path from 'node:path';
import { mapToContainer, type Mount } from './mounts';

export const TASKS = ['train', 'evaluate', 'inference', 'prune', 'export', 'augment', 'dataset_convert'] as const;
export type TaoTaskName = (typeof TASKS)[number];

/** The `tao` task type as written in tasks.json. */
export interface TaoTaskDefinition {
  type: 'tao';
  network: string;
  task: string;
  spec: string;
  results: string;
  args?: string[];
}

export interface LaunchSettings {
  mode: 'local' | 'tao-launcher';
  /** Engine backend passed as `--backend`; `auto` lets the engine choose. */
  backend: string;
  /** `--threads` for the engine (onednn backend); 0 or absent leaves the engine's default, every core. */
  threads?: number;
  /** Absolute path of dist/engine.js inside the installed extension. */
  enginePath: string;
  /** The Node binary: VS Code's own (with ELECTRON_RUN_AS_NODE) unless configured. */
  nodePath: string;
  launcherPath: string;
  /** TAO version the launcher speaks, e.g. "5.5.0"; 4.x launchers have no `model` word. */
  taoVersion: string;
  /** Mounts from the launcher's mounts file, to rewrite local paths as container paths. */
  mounts: Mount[];
}

export interface ProcessSpec {
  command: string;
  args: string[];
  /** Extra environment for the child process. */
  env: Record<string, string>;
  cwd: string;
}

export class CommandLineError extends Error {}

/** The first number of a version string (`5.5.0` -> 5); unknown versions count as current. */
export function majorVersion(version: string): number {
  const m = /^\s*v?(\d+)/.exec(version);
  return m ? Number(m[1]) : 6;
}

/** Options whose value is a file or folder: these get rewritten to container paths. */
const PATH_FLAGS = new Set(['-e', '-r', '-m', '-o', '-i', '-d', '--results_dir', '--model', '--output', '--cal_image_dir', '--cal_cache_file', '--image_dir', '--experiment_spec']);

export function validateDefinition(def: TaoTaskDefinition): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(def.network)) throw new CommandLineError(`Invalid network name: "${def.network}"`);
  if (!/^[A-Za-z0-9_.-]+$/.test(def.task)) throw new CommandLineError(`Invalid task name: "${def.task}"`);
  if (!def.spec) throw new CommandLineError('The task has no spec file.');
  if (!def.results) throw new CommandLineError('The task has no results folder.');
  if (def.args !== undefined && (!Array.isArray(def.args) || !def.args.every((a) => typeof a === 'string'))) {
    throw new CommandLineError('"args" must be a list of strings.');
  }
}

/**
 * Returns the process for a task. Arguments are a list, never a shell string, so spaces
 * and quotes in paths reach the engine unchanged.
 */
export function buildCommandLine(def: TaoTaskDefinition, settings: LaunchSettings): ProcessSpec {
  validateDefinition(def);
  const extra = def.args ?? [];
  const cwd = path.dirname(def.spec);
  if (settings.mode === 'tao-launcher') {
    const toContainer = (p: string): string => mapToContainer(p, settings.mounts);
    const args: string[] = [];
    if (majorVersion(settings.taoVersion) >= 5) args.push('model');
    args.push(def.network, def.task, '-e', toContainer(def.spec), '-r', toContainer(def.results));
    for (let i = 0; i < extra.length; i++) {
      const a = extra[i];
      args.push(a);
      // Path-valued options must name the file as the container sees it.
      if (PATH_FLAGS.has(a) && i + 1 < extra.length) args.push(toContainer(extra[++i]));
    }
    return { command: settings.launcherPath || 'tao', args, env: {}, cwd };
  }
  const args = [settings.enginePath, def.network, def.task, '-e', def.spec, '-r', def.results];
  if (settings.backend && settings.backend !== 'auto' && !extra.includes('--backend')) args.push('--backend', settings.backend);
  if (settings.threads && settings.threads > 0 && !extra.includes('--threads')) args.push('--threads', String(Math.floor(settings.threads)));
  args.push(...extra);
  // VS Code's binary is Electron; this variable makes it behave as plain Node.
  return { command: settings.nodePath, args, env: { ELECTRON_RUN_AS_NODE: '1' }, cwd };
}

/** Quotes for display (task labels, logs); never used to run anything. */
export function displayCommand(spec: ProcessSpec): string {
  const q = (s: string): string => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return [spec.command, ...spec.args].map(q).join(' ');
}
