// The `tao` task type: tasks.json entries (and the TAO: Train/... commands) become VS Code
// tasks that run the engine or NVIDIA's launcher in a terminal, with the `$tao` problem
// matcher turning `file:line:col: error: message` lines into diagnostics. Running one from a
// command also shows a progress notification whose Cancel sends SIGINT: the engine stops
// after writing a checkpoint, where killing it outright could leave a half-written one.

import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildCommandLine, displayCommand, validateDefinition, type TaoTaskDefinition } from './core/commandLine';
import { readSettings, launchSettings } from './settings';
import { parseStatus } from '../../webviews/src/model/status';

export const TASK_TYPE = 'tao';

export function makeTask(context: vscode.ExtensionContext, def: TaoTaskDefinition, scope: vscode.TaskScope | vscode.WorkspaceFolder = vscode.TaskScope.Workspace): vscode.Task {
  const settings = readSettings(vscode.Uri.file(def.spec));
  const proc = buildCommandLine(def, launchSettings(context, settings));
  const execution = new vscode.ProcessExecution(proc.command, proc.args, { cwd: proc.cwd, env: proc.env });
  const task = new vscode.Task(def, scope, `${def.task} ${path.basename(def.spec)}`, 'tao', execution, ['$tao']);
  task.detail = displayCommand(proc);
  task.group = def.task === 'train' ? vscode.TaskGroup.Build : undefined;
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
  return task;
}

/** Resolves tasks.json entries of type `tao`; provides none by itself (runs come from specs). */
export function registerTaskProvider(context: vscode.ExtensionContext): vscode.Disposable {
  return vscode.tasks.registerTaskProvider(TASK_TYPE, {
    provideTasks: () => [],
    resolveTask(task: vscode.Task): vscode.Task | undefined {
      const d = task.definition as Partial<TaoTaskDefinition>;
      const folder = typeof task.scope === 'object' ? task.scope.uri.fsPath : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
      const resolve = (p: string | undefined): string => (p ? path.resolve(folder, p.replace(/\$\{workspaceFolder\}/g, folder)) : '');
      const def: TaoTaskDefinition = {
        type: 'tao',
        network: String(d.network ?? ''),
        task: String(d.task ?? ''),
        spec: resolve(d.spec),
        results: resolve(d.results) || path.join(path.dirname(resolve(d.spec)), 'results', String(d.task ?? 'run')),
        args: Array.isArray(d.args) ? d.args.map(String) : [],
      };
      try {
        validateDefinition(def);
      } catch (e) {
        void vscode.window.showErrorMessage(`TAO task: ${(e as Error).message}`);
        return undefined;
      }
      // The resolved task must keep the original definition object, or VS Code treats it as new.
      const resolved = makeTask(context, def, task.scope ?? vscode.TaskScope.Workspace);
      return new vscode.Task(task.definition, task.scope ?? vscode.TaskScope.Workspace, resolved.name, 'tao', resolved.execution, ['$tao']);
    },
  });
}

/** Cancel functions of the runs in progress: the notification's Cancel button and the API share them. */
const activeRuns = new Set<() => void>();

/** A run started from a command, as the Runs tree shows it while it is in progress. */
export interface LiveRun {
  results: string;
  task: string;
  /** The notification's text, e.g. "epoch 3/10 · loss 0.41". */
  text: string | undefined;
  fraction: number | undefined;
  cancel: () => void;
}

const liveRuns = new Map<string, LiveRun>();
const liveChanged = new vscode.EventEmitter<LiveRun>();
/** Fires when a run starts, reports progress or ends (then it is no longer in `liveRun`). */
export const onDidChangeLiveRun = liveChanged.event;

export function liveRun(results: string): LiveRun | undefined {
  return liveRuns.get(path.resolve(results));
}

/** Stops every run started from a command, the same way its Cancel button does. */
export function cancelAllRuns(): number {
  const n = activeRuns.size;
  for (const cancel of [...activeRuns]) cancel();
  return n;
}

export interface RunResult {
  exitCode: number | undefined;
  cancelled: boolean;
}

/** A one-line progress text from the run's status.json, e.g. "epoch 3/10 · loss 0.41". */
function progressText(results: string): { text: string; fraction?: number } | undefined {
  const file = path.join(results, 'status.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const run = parseStatus(text);
  const s = run.summary;
  if (s.epoch === undefined) return s.message ? { text: s.message } : undefined;
  const loss = run.epochs.series.loss?.filter((v) => v !== null).pop();
  return { text: `epoch ${s.epoch}/${s.epochs ?? '?'}${loss !== undefined && loss !== null ? ` · loss ${loss.toFixed(4)}` : ''}`, fraction: s.epochs ? s.epoch / s.epochs : undefined };
}

/**
 * Runs a task and waits for its process to end, with a cancellable progress notification.
 * Resolves with the exit code (undefined if it never started).
 */
export async function runWithProgress(context: vscode.ExtensionContext, def: TaoTaskDefinition): Promise<RunResult> {
  const task = makeTask(context, def);
  fs.mkdirSync(def.results, { recursive: true });
  const key = path.resolve(def.results);
  const running = vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `TAO ${def.task}`, cancellable: true },
    (progress, token) =>
      new Promise<RunResult>((resolve) => {
        let execution: vscode.TaskExecution | undefined;
        let pid: number | undefined;
        let cancelled = false;
        let reported = 0;
        const subs: vscode.Disposable[] = [];
        const poll = setInterval(() => {
          const p = progressText(def.results);
          if (!p) return;
          const increment = p.fraction !== undefined ? Math.max(0, p.fraction * 100 - reported) : undefined;
          if (increment !== undefined) reported += increment;
          progress.report({ message: p.text, increment });
          const live = liveRuns.get(key);
          if (live && (live.text !== p.text || live.fraction !== p.fraction)) {
            live.text = p.text;
            live.fraction = p.fraction;
            liveChanged.fire(live);
          }
        }, 1000);
        const finish = (r: RunResult): void => {
          activeRuns.delete(cancel);
          const live = liveRuns.get(key);
          if (live?.cancel === cancel) {
            liveRuns.delete(key);
            liveChanged.fire(live);
          }
          clearInterval(poll);
          for (const s of subs) s.dispose();
          resolve(r);
        };
        subs.push(vscode.tasks.onDidStartTaskProcess((e) => { if (e.execution === execution) pid = e.processId; }));
        subs.push(vscode.tasks.onDidEndTaskProcess((e) => { if (e.execution === execution) finish({ exitCode: e.exitCode, cancelled }); }));
        const cancel = (): void => {
          if (cancelled) return;
          cancelled = true;
          progress.report({ message: 'stopping after the current checkpoint…' });
          if (pid !== undefined) {
            try { process.kill(pid, 'SIGINT'); } catch { /* already gone */ }
          }
          // If the process ignores SIGINT for long, end the task the hard way.
          setTimeout(() => execution?.terminate(), 30000);
        };
        activeRuns.add(cancel);
        const live: LiveRun = { results: key, task: def.task, text: undefined, fraction: undefined, cancel };
        liveRuns.set(key, live);
        liveChanged.fire(live);
        subs.push(token.onCancellationRequested(cancel));
        vscode.tasks.executeTask(task).then(
          (e) => { execution = e; },
          (err: unknown) => {
            void vscode.window.showErrorMessage(`TAO ${def.task}: ${(err as Error).message}`);
            finish({ exitCode: undefined, cancelled });
          },
        );
      }),
  );
  // The TAO side bar's Runs view shows a progress bar while any run is in progress there.
  void vscode.window.withProgress({ location: { viewId: 'tao.runs' } }, () => running);
  return running;
}
