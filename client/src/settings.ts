// Reads the `tao.*` settings in one place, with the same defaults package.json declares.

import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_SPEC_GLOBS } from './core/globs';
import { DEFAULT_RESULTS_PATTERN } from './core/resultsFolder';
import { parseMounts, type Mount } from './core/mounts';
import type { LaunchSettings } from './core/commandLine';

export interface TaoSettings {
  backend: string;
  /** tao.engine.threads: `--threads` for the onednn backend; 0 = every core (flag left out). */
  threads: number;
  resultsPattern: string;
  globs: string[];
  taoVersion: string;
  mountsFile: string;
  launcherMode: 'local' | 'tao-launcher';
  launcherPath: string;
}

export function readSettings(scope?: vscode.Uri): TaoSettings {
  const c = vscode.workspace.getConfiguration('tao', scope);
  return {
    backend: c.get<string>('engine.backend', 'auto'),
    threads: c.get<number>('engine.threads', 0),
    resultsPattern: c.get<string>('results.folderPattern', DEFAULT_RESULTS_PATTERN),
    globs: c.get<string[]>('files.globs', DEFAULT_SPEC_GLOBS),
    taoVersion: c.get<string>('version', '5.5.0'),
    mountsFile: c.get<string>('mountsFile', ''),
    launcherMode: c.get<string>('launcher.mode', 'local') === 'tao-launcher' ? 'tao-launcher' : 'local',
    launcherPath: c.get<string>('launcher.path', 'tao'),
  };
}

/** The mounts file as the launcher reads it: the setting, else ~/.tao_mounts.json when present. */
export function readMounts(settings: TaoSettings): Mount[] {
  const file = settings.mountsFile || path.join(os.homedir(), '.tao_mounts.json');
  if (!fs.existsSync(file)) {
    if (settings.mountsFile) throw new Error(`tao.mountsFile: ${file} does not exist.`);
    return [];
  }
  return parseMounts(fs.readFileSync(file, 'utf8'));
}

export function launchSettings(context: vscode.ExtensionContext, settings: TaoSettings): LaunchSettings {
  return {
    mode: settings.launcherMode,
    backend: settings.backend,
    threads: settings.threads,
    enginePath: context.asAbsolutePath(path.join('dist', 'engine.js')),
    nodePath: process.execPath,
    launcherPath: settings.launcherPath,
    taoVersion: settings.taoVersion,
    mounts: settings.launcherMode === 'tao-launcher' ? readMounts(settings) : [],
  };
}
