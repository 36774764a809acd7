// The runs of a workspace, kept up to date one file event at a time: every folder holding a
// status.json is a run, grouped by the folder of its spec's results (`results/<spec>/` for our
// engine's `<task>` folders, the run folder itself for NVIDIA's container layout with a
// `train/` below it). Adding, changing or removing a run touches only that run and its group;
// summaries are read from disk lazily, for the runs a tree actually shows, and reread only when
// the file's size or time changed. Plain Node, no VS Code: the I/O goes through `RunIo` so the
// tests count what each operation reads.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { walkFiles } from './runFolder';
import { summarizeStatus, type RunStatusInfo } from './runStatus';

/** Task folder names our engine's results pattern and TAO's containers use. */
export const TASK_FOLDERS = ['train', 'retrain', 'evaluate', 'inference', 'prune', 'export', 'augment', 'dataset_convert', 'gen_trt_engine', 'calibration_tensorfile'];
const TASK_ORDER = new Map(TASK_FOLDERS.map((t, i) => [t, i]));

export interface RunIo {
  stat(file: string): { mtimeMs: number; size: number } | undefined;
  readText(file: string): string | undefined;
}

export const nodeIo: RunIo = {
  stat(file) {
    try {
      const s = fs.statSync(file);
      return { mtimeMs: s.mtimeMs, size: s.size };
    } catch {
      return undefined;
    }
  },
  readText(file) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
};

export interface RunEntry {
  folder: string;
  statusFile: string;
  /** train, evaluate, ...: the folder's name when it is a task folder, else train. */
  task: string;
  /** The group's key: the folder of the spec's results. */
  group: string;
}

export interface RunGroup {
  key: string;
  name: string;
  runs: number;
}

/** Which group a run folder belongs to: a task folder's parent, else the folder itself. */
export function groupOf(runFolder: string): string {
  return TASK_ORDER.has(path.basename(runFolder)) ? path.dirname(runFolder) : runFolder;
}

function taskOf(runFolder: string): string {
  const base = path.basename(runFolder);
  return TASK_ORDER.has(base) ? base : 'train';
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

export class RunIndex {
  private readonly runs = new Map<string, RunEntry>();
  private readonly groups = new Map<string, Set<string>>();
  private readonly cache = new Map<string, { mtimeMs: number; size: number; info: RunStatusInfo }>();

  constructor(private readonly io: RunIo = nodeIo) {}

  get size(): number {
    return this.runs.size;
  }

  /** Adds the run of a status.json; returns its group, or undefined when it was known already. */
  add(statusFile: string): string | undefined {
    const folder = path.dirname(statusFile);
    if (this.runs.has(folder)) return undefined;
    const group = groupOf(folder);
    this.runs.set(folder, { folder, statusFile, task: taskOf(folder), group });
    let set = this.groups.get(group);
    if (!set) this.groups.set(group, (set = new Set()));
    set.add(folder);
    return group;
  }

  /** A status.json changed: its summary is read again when next asked for. Returns its group. */
  changed(statusFile: string): string | undefined {
    const folder = path.dirname(statusFile);
    this.cache.delete(folder);
    return this.runs.get(folder)?.group;
  }

  /**
   * Something was deleted: a status.json, a run folder or any folder above runs. Removes every
   * run at or under the path; returns the groups that changed (a group with no run left is gone).
   */
  remove(deleted: string): string[] {
    const target = path.basename(deleted) === 'status.json' ? path.dirname(deleted) : deleted;
    const touched = new Set<string>();
    // Every run is checked, but only in memory: a few microseconds for thousands of runs.
    for (const [folder, run] of this.runs) {
      if (!inside(target, folder)) continue;
      this.runs.delete(folder);
      this.cache.delete(folder);
      const set = this.groups.get(run.group);
      set?.delete(folder);
      if (set && set.size === 0) this.groups.delete(run.group);
      touched.add(run.group);
    }
    return [...touched];
  }

  clear(): void {
    this.runs.clear();
    this.groups.clear();
    this.cache.clear();
  }

  get groupCount(): number {
    return this.groups.size;
  }

  hasGroup(key: string): boolean {
    return this.groups.has(key);
  }

  groupList(): RunGroup[] {
    return [...this.groups.entries()]
      .map(([key, set]) => ({ key, name: path.basename(key), runs: set.size }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
  }

  runsOf(group: string): RunEntry[] {
    const set = this.groups.get(group);
    if (!set) return [];
    return [...set].map((f) => this.runs.get(f) as RunEntry).sort((a, b) => (TASK_ORDER.get(a.task) ?? 99) - (TASK_ORDER.get(b.task) ?? 99) || a.folder.localeCompare(b.folder));
  }

  run(folder: string): RunEntry | undefined {
    return this.runs.get(folder);
  }

  /**
   * The run's summary: one stat, plus one read when the file changed since the last call. A
   * running run is read again each time: whether it still runs depends on the clock as well.
   */
  status(run: RunEntry, now: number, live = false): RunStatusInfo | undefined {
    const st = this.io.stat(run.statusFile);
    if (!st) return undefined;
    const hit = this.cache.get(run.folder);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size && hit.info.state !== 'running' && !live) return hit.info;
    const text = this.io.readText(run.statusFile);
    if (text === undefined) return undefined;
    const info = summarizeStatus(text, { mtimeMs: st.mtimeMs, now, live });
    this.cache.set(run.folder, { mtimeMs: st.mtimeMs, size: st.size, info });
    return info;
  }
}

/**
 * Every status.json under `root` (Node's walk, for tests, the benchmark and callers without
 * VS Code's file search). Skips the folders that never hold one: weights, node_modules, .git.
 */
const STATUS_SKIP = new Set(['node_modules', '.git', 'weights', 'checkpoints', 'tensorboard', 'images_annotated', 'labels']);
export function findStatusFiles(root: string, maxDepth = 8): string[] {
  return walkFiles(root, maxDepth, STATUS_SKIP, (name) => name === 'status.json').sort();
}
