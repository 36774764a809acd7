// The Getting Started walkthrough's side of the extension: the commands its buttons run that
// exist for it alone (create the sample project, show a quick fix) and the context keys that
// tick its steps off once the user has done the thing, whichever way they did it (a button, a
// menu, the side bar). package.json's `walkthroughs` names the keys in completionEvents.

import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { samplePlan, type SampleOptions } from './core/sample';
import type { RunResult } from './tasks';

export const WALKTHROUGH_ID = 'tao.gettingStarted';
const DONE_KEYS = 'tao.walkthrough.done';
const TASK_KEYS: Record<string, string> = { train: 'trained', evaluate: 'evaluated', prune: 'pruned', export: 'exported' };

export class Walkthrough implements vscode.Disposable {
  private readonly subs: vscode.Disposable[] = [];
  /** Error counts of spec documents, to notice a problem being fixed. */
  private readonly errors = new Map<string, number>();
  /** Documents just edited inside an error's range (a quick fix replaces exactly that text). */
  private readonly fixing = new Set<string>();

  constructor(private readonly context: vscode.ExtensionContext, private readonly isSpec: (doc: vscode.TextDocument) => boolean) {
    // Steps done in an earlier session stay done (VS Code keeps the ticks; the keys are for when clauses too).
    for (const key of context.globalState.get<string[]>(DONE_KEYS, [])) void vscode.commands.executeCommand('setContext', `tao.walkthrough.${key}`, true);
    const opened = (e: vscode.TextEditor | undefined): void => { if (e && !e.document.isUntitled && this.isSpec(e.document)) this.done('specOpened'); };
    // The spec whose opening activated the extension counts too.
    opened(vscode.window.activeTextEditor);
    this.subs.push(vscode.window.onDidChangeActiveTextEditor(opened));
    this.subs.push(vscode.languages.onDidChangeDiagnostics((e) => this.diagnosticsChanged(e.uris)));
    this.subs.push(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length === 0 || !this.isSpec(e.document)) return;
      // The diagnostics are still those of the text before the edit here.
      const errors = vscode.languages.getDiagnostics(e.document.uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
      if (e.contentChanges.some((c) => errors.some((d) => d.range.contains(c.range)))) this.fixing.add(e.document.uri.toString());
    }));
  }

  /** Sets the context key `tao.walkthrough.<key>` that a step's completionEvents waits for. */
  done(key: string): void {
    const keys = this.context.globalState.get<string[]>(DONE_KEYS, []);
    if (!keys.includes(key)) void this.context.globalState.update(DONE_KEYS, [...keys, key]);
    void vscode.commands.executeCommand('setContext', `tao.walkthrough.${key}`, true);
  }

  taskFinished(task: string, result: RunResult): void {
    const key = TASK_KEYS[task];
    if (key && result.exitCode === 0 && !result.cancelled) this.done(key);
  }

  private diagnosticsChanged(uris: readonly vscode.Uri[]): void {
    for (const uri of uris) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (!doc || !this.isSpec(doc)) continue;
      const now = vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length;
      const key = uri.toString();
      const before = this.errors.get(key);
      this.errors.set(key, now);
      // Fewer errors after an edit inside one: a quick fix (or the user's own typing) fixed it.
      // A revert or a paste over the whole file does not count.
      if (before !== undefined && now < before && this.fixing.has(key)) this.done('problemFixed');
      if (before === undefined || now !== before) this.fixing.delete(key);
    }
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}

/** Where the sample goes: `tao-sample/` in the first workspace folder, else a folder the user picks. */
async function sampleFolder(): Promise<string | undefined> {
  const ws = vscode.workspace.workspaceFolders?.[0];
  if (ws) return path.join(ws.uri.fsPath, 'tao-sample');
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Create the sample here' });
  return picked?.[0] ? path.join(picked[0].fsPath, 'tao-sample') : undefined;
}

/** Runs the bundled engine to completion; resolves with its exit code and output. */
function runEngine(context: vscode.ExtensionContext, args: string[], token: vscode.CancellationToken): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [context.asAbsolutePath(path.join('dist', 'engine.js')), ...args], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    const sub = token.onCancellationRequested(() => child.kill('SIGINT'));
    child.on('error', (e) => { sub.dispose(); resolve({ code: null, output: output + String(e) }); });
    child.on('close', (code) => { sub.dispose(); resolve({ code, output }); });
  });
}

export interface SampleResult {
  spec: string;
  data: string;
}

/** TAO: Create Sample Dataset: a generated dataset and a spec that trains on it, opened in an editor. */
export async function createSample(context: vscode.ExtensionContext, walkthrough: Walkthrough, opts: Partial<SampleOptions> = {}): Promise<SampleResult | undefined> {
  const folder = opts.folder ?? (await sampleFolder());
  if (!folder) return undefined;
  const plan = samplePlan({ ...opts, folder });
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'TAO: generating the sample dataset…', cancellable: true },
    (_progress, token) => runEngine(context, plan.engineArgs, token),
  );
  if (result.code !== 0) {
    void vscode.window.showErrorMessage(`TAO: the sample dataset was not created (exit code ${result.code ?? 'none'}): ${result.output.trim().split('\n').slice(-3).join(' ')}`);
    return undefined;
  }
  fs.mkdirSync(path.dirname(plan.spec), { recursive: true });
  // A spec the user already edited is theirs: only a missing one is written.
  if (!fs.existsSync(plan.spec)) fs.writeFileSync(plan.spec, plan.specText);
  walkthrough.done('sampleCreated');
  await vscode.window.showTextDocument(vscode.Uri.file(plan.spec), { preview: false });
  return { spec: plan.spec, data: plan.data };
}

/**
 * The quick-fix step: a copy of the sample spec with a misspelled field, opened with the cursor
 * on it and the quick-fix menu shown, so the user sees a problem and its fix in one place.
 */
export async function showQuickFix(walkthroughFolder?: string): Promise<vscode.TextDocument | undefined> {
  const folder = walkthroughFolder ?? (await sampleFolder());
  if (!folder) return undefined;
  const plan = samplePlan({ folder });
  const file = path.join(path.dirname(plan.spec), 'typo_spec.txt');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, plan.specText.replace('n_epochs:', 'n_epochz:'));
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  const at = doc.positionAt(doc.getText().indexOf('n_epochz'));
  editor.selection = new vscode.Selection(at, at);
  editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenter);
  // The menu needs the server's diagnostic under the cursor; wait for it a few seconds at most.
  for (let i = 0; i < 50 && vscode.languages.getDiagnostics(doc.uri).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  await vscode.commands.executeCommand('editor.action.quickFix');
  return doc;
}

export function registerWalkthrough(context: vscode.ExtensionContext, walkthrough: Walkthrough): vscode.Disposable[] {
  const r = vscode.commands.registerCommand;
  return [
    r('tao.createSampleDataset', (opts?: Partial<SampleOptions>) => createSample(context, walkthrough, opts && typeof opts === 'object' && !Array.isArray(opts) ? opts : {})),
    r('tao.showQuickFix', (folder?: unknown) => showQuickFix(typeof folder === 'string' ? folder : undefined)),
    r('tao.openWalkthrough', () => vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${WALKTHROUGH_ID}`, false)),
  ];
}
