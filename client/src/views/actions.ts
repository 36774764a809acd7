// Commands that exist for the side bar's items: Delete (to the trash, after asking), Resume
// training, Reveal, Copy Path, Cancel a live run, Refresh. The task commands (Train, Evaluate,
// Open Run, Compare...) are the ones in ../commands.ts, which accept these items as arguments.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { pathOfArg, specOfRuns } from '../commands';
import { liveRun } from '../tasks';
import type { RunsTree } from './runsTree';
import type { ModelsTree } from './modelsTree';
import type { SpecsTree } from './specsTree';

export interface ActionDeps {
  context: vscode.ExtensionContext;
  runs: RunsTree;
  models: ModelsTree;
  specs: SpecsTree;
}

export interface DeleteOptions {
  /** Programmatic callers (tests) that already asked. */
  confirmed?: boolean;
  /** ...and agreed to a permanent delete where the file system has no trash (a remote without one). */
  permanentIfNoTrash?: boolean;
}

export interface Deleted {
  folder: string;
  trashed: boolean;
}

/** The elements a context-menu command applies to: the selection when the clicked item is in it. */
function targets(first: unknown, selected: unknown): unknown[] {
  if (Array.isArray(selected) && selected.length > 0) return selected;
  return first === undefined ? [] : [first];
}

async function deleteRuns(first: unknown, selected: unknown, opts: DeleteOptions = {}): Promise<Deleted[]> {
  const folders = [...new Set(targets(first, selected).map(pathOfArg).filter((f): f is string => !!f))];
  if (folders.length === 0) return [];
  const busy = folders.filter((f) => liveRun(f));
  if (busy.length) {
    void vscode.window.showWarningMessage(`TAO: ${busy.map((f) => path.basename(f)).join(', ')} is still running; cancel it first.`);
    return [];
  }
  if (!opts.confirmed) {
    const what = folders.length === 1 ? `"${vscode.workspace.asRelativePath(folders[0], false)}"` : `${folders.length} runs`;
    const answer = await vscode.window.showWarningMessage(`Delete ${what}? The folder${folders.length === 1 ? ' is' : 's are'} moved to the trash.`, { modal: true }, 'Move to Trash');
    if (answer !== 'Move to Trash') return [];
  }
  const deleted: Deleted[] = [];
  for (const f of folders) {
    try {
      await vscode.workspace.fs.delete(vscode.Uri.file(f), { recursive: true, useTrash: true });
      deleted.push({ folder: f, trashed: true });
    } catch (e) {
      // No trash here (VS Code's server, a remote): say so rather than delete for good unasked.
      const again = opts.confirmed
        ? (opts.permanentIfNoTrash ? 'Delete Permanently' : undefined)
        : await vscode.window.showErrorMessage(`TAO: could not move ${f} to the trash (${(e as Error).message}). Delete it permanently?`, { modal: true }, 'Delete Permanently');
      if (again === 'Delete Permanently') {
        await vscode.workspace.fs.delete(vscode.Uri.file(f), { recursive: true, useTrash: false });
        deleted.push({ folder: f, trashed: false });
      }
    }
  }
  return deleted;
}

async function resumeTraining(deps: ActionDeps, arg: unknown): Promise<unknown> {
  const folder = pathOfArg(arg);
  if (!folder) return undefined;
  const run = deps.runs.index.run(folder);
  const group = run?.group ?? path.dirname(folder);
  let spec = specOfRuns(deps.context, group);
  if (!spec) {
    const picked = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectMany: false, openLabel: 'Resume with this spec', title: `Which spec trained ${vscode.workspace.asRelativePath(folder, false)}?` });
    if (!picked?.[0]) return undefined;
    spec = { spec: picked[0].fsPath };
  }
  // Training into the same folder resumes from its newest checkpoint (the engine's rule).
  return vscode.commands.executeCommand('tao.train', { spec: spec.spec, network: spec.network, results: folder });
}

export function registerActions(deps: ActionDeps): vscode.Disposable[] {
  const r = vscode.commands.registerCommand;
  return [
    r('tao.deleteRun', (first?: unknown, selected?: unknown, opts?: DeleteOptions) => deleteRuns(first, selected, opts && typeof opts === 'object' ? opts : {})),
    r('tao.resumeTraining', (arg?: unknown) => resumeTraining(deps, arg)),
    r('tao.revealPath', (arg?: unknown) => {
      const p = pathOfArg(arg);
      if (!p) return;
      const uri = vscode.Uri.file(p);
      // Inside the workspace the Explorer shows it; elsewhere the OS's file manager.
      return vscode.workspace.getWorkspaceFolder(uri) ? vscode.commands.executeCommand('revealInExplorer', uri) : vscode.commands.executeCommand('revealFileInOS', uri);
    }),
    r('tao.copyPath', async (arg?: unknown) => {
      const p = pathOfArg(arg);
      if (p) await vscode.env.clipboard.writeText(p);
      return p;
    }),
    r('tao.cancelRun', (arg?: unknown) => {
      const p = pathOfArg(arg);
      const live = p ? liveRun(p) : undefined;
      live?.cancel();
      return !!live;
    }),
    r('tao.refreshViews', async () => {
      await Promise.all([deps.runs.reload(), deps.specs.refresh()]);
    }),
  ];
}
