// Finds what a results folder holds: status.json files (one per task, at the top or in
// task sub-folders as TAO's containers lay them out), an evaluation report, a prune report,
// inference results and the class map. Plain Node, so tests use it as the extension does.

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RunFiles {
  folder: string;
  /** status.json files, the training one first when there is one. */
  statusFiles: { task: string; path: string }[];
  evaluationReport: string | undefined;
  pruneReport: string | undefined;
  resultCsv: string | undefined;
  classmap: string | undefined;
}

/** Folders that hold model weights, never reports: skipping them keeps the scan fast. */
const SKIP = new Set(['weights', 'node_modules', '.git', 'checkpoints', 'tensorboard', 'logs']);

/**
 * Files under `dir` down to `depth` folder levels whose name `keep` accepts, skipping the
 * folders named in `skip`; unreadable folders are passed over. Shared by the run folder scan
 * here and the side bar's search for status.json files (runIndex.ts).
 */
export function walkFiles(dir: string, depth: number, skip: ReadonlySet<string>, keep: (name: string) => boolean, out: string[] = []): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.isDirectory()) {
      if (depth > 0 && !skip.has(e.name)) walkFiles(path.join(dir, e.name), depth - 1, skip, keep, out);
    } else if (e.isFile() && keep(e.name)) out.push(path.join(dir, e.name));
  }
  return out;
}

function looksLikeEvaluation(file: string): boolean {
  try {
    if (fs.statSync(file).size > 20 * 1024 * 1024) return false;
    const head = fs.readFileSync(file, 'utf8');
    return /"confusion_matrix"|"confusionMatrix"/.test(head);
  } catch {
    return false;
  }
}

export function findRunFiles(folder: string): RunFiles {
  const files = walkFiles(folder, 2, SKIP, () => true);
  const byDepth = (a: string, b: string): number => a.split(path.sep).length - b.split(path.sep).length || a.localeCompare(b);
  files.sort(byDepth);
  const statusFiles = files
    .filter((f) => path.basename(f) === 'status.json')
    .map((f) => {
      const parent = path.relative(folder, path.dirname(f));
      return { task: parent === '' ? 'train' : parent.split(path.sep).pop() as string, path: f };
    });
  // The top-level file and a `train` folder's file are training logs; put them first.
  statusFiles.sort((a, b) => Number(b.task === 'train') - Number(a.task === 'train'));
  const json = files.filter((f) => f.endsWith('.json'));
  const evalNamed = json.filter((f) => /eval|report|metrics/i.test(path.basename(f)) && !/prune/i.test(path.basename(f)));
  return {
    folder,
    statusFiles,
    evaluationReport: evalNamed.find(looksLikeEvaluation) ?? json.filter((f) => !evalNamed.includes(f) && path.basename(f) !== 'status.json').find(looksLikeEvaluation),
    pruneReport: files.find((f) => path.basename(f) === 'prune_report.json'),
    resultCsv: files.find((f) => path.basename(f) === 'result.csv'),
    classmap: files.find((f) => path.basename(f) === 'classmap.json'),
  };
}

/** True when `child` is `root` or inside it (after resolving `..`); used to vet webview requests. */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Checkpoint folder of a 1-based epoch as our engine names it (weights/epoch_NNN), if it exists. */
export function checkpointFor(folder: string, epoch: number): string | undefined {
  const candidates = [
    path.join(folder, 'weights', `epoch_${String(epoch).padStart(3, '0')}`),
    path.join(folder, 'weights', `epoch_${String(epoch - 1).padStart(3, '0')}`),
    path.join(folder, 'train', 'weights', `epoch_${String(epoch).padStart(3, '0')}`),
  ];
  return candidates.find((c) => fs.existsSync(c));
}
