// The TAO: ... commands. Each task command builds a `tao` task from the active spec, runs it
// with progress and cancel, and opens the panel that shows its results.

import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import type { NetworkStatus } from './statusBar';
import type { PanelManager } from './panels';
import { runWithProgress, type RunResult } from './tasks';
import { readSettings } from './settings';
import { expandResultsPattern, runRootFor } from './core/resultsFolder';
import { defaultTaskArgs } from './core/taskArgs';
import { modelineEdit, isValidNetworkName } from './core/modeline';
import { specTemplateChoices } from './core/specTemplate';
import { findRunFiles } from './core/runFolder';
import { evaluationData } from './core/runData';
import { detectionEvaluationData, isInferenceFolder } from './core/detectionRun';
import { specForGroup } from './core/runSpec';
import { groupOf } from './core/runIndex';
import type { TaoTaskDefinition } from './core/commandLine';
import type { NetworkSchema } from '../../server/src/core/schema/types';
import type { DoctorReport } from '../../engine/src/cli/doctor';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  status: NetworkStatus;
  panels: PanelManager;
  isSpec: (doc: vscode.TextDocument) => boolean;
  /** The workspace's spec files (the Specs tree's list), offered when no spec editor is active. */
  findSpecs?: () => Promise<vscode.Uri[]>;
  /** Called when a task run from a command has ended (the walkthrough marks its steps done). */
  onTaskFinished?: (task: string, results: string, result: RunResult) => void;
  /** Called when a run's panel was opened (TAO: Open Run, Compare Runs). */
  onRunOpened?: () => void;
}

/** workspaceState key: results root of each run started here -> its spec and network. */
const RUN_SPECS = 'tao.runSpecs';
const LAST_SPEC = 'tao.lastSpec';

type RunSpecs = Record<string, { spec: string; network: string }>;

/** The spec (and network) that made the runs under `group`, remembered or read off the results pattern. */
export function specOfRuns(context: vscode.ExtensionContext, group: string): { spec: string; network?: string } | undefined {
  const remembered = context.workspaceState.get<RunSpecs>(RUN_SPECS, {})[group];
  const spec = specForGroup(group, remembered?.spec, fs.existsSync);
  return spec ? { spec, network: remembered?.spec === spec ? remembered.network : undefined } : undefined;
}

/**
 * What a command's first argument names: a path, a Uri, or a tree element of the TAO side bar
 * (a spec with `resourceUri`, a run or group with `folder`, a model with `path`).
 */
export function pathOfArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (arg && typeof arg === 'object') {
    const o = arg as { resourceUri?: unknown; folder?: unknown; path?: unknown };
    if (o.resourceUri instanceof vscode.Uri) return o.resourceUri.fsPath;
    if (typeof o.folder === 'string') return o.folder;
    if (typeof o.path === 'string') return o.path;
  }
  return undefined;
}

/** Networks we have a schema for: the file names in the extension's schemas/ folder. */
export function listNetworks(context: vscode.ExtensionContext): { network: string; title: string; dialect: string }[] {
  const dir = context.asAbsolutePath('schemas');
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((f) => f.endsWith('.schema.json'));
  } catch {
    return [];
  }
  return names.sort().map((f) => {
    const network = f.replace(/\.schema\.json$/, '');
    try {
      const s = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as NetworkSchema;
      return { network, title: s.title ?? network, dialect: s['x-tao-dialect'] };
    } catch {
      return { network, title: network, dialect: '' };
    }
  });
}

async function pickNetwork(context: vscode.ExtensionContext, current?: string): Promise<string | undefined> {
  const items = listNetworks(context).map((n) => ({ label: n.network, description: n.dialect, detail: n.title !== n.network ? n.title : undefined, picked: n.network === current }));
  const pick = await vscode.window.showQuickPick(items, { placeHolder: current ? `Network (now ${current})` : 'Pick a TAO network', matchOnDescription: true });
  return pick?.label;
}

async function selectNetwork(deps: CommandDeps, uri?: vscode.Uri, chosen?: string): Promise<void> {
  const editor = uri ? await vscode.window.showTextDocument(uri) : vscode.window.activeTextEditor;
  if (!editor) return;
  const doc = editor.document;
  const network = chosen ?? (await pickNetwork(deps.context, deps.status.networkOf(doc)?.network));
  if (!network || !isValidNetworkName(network)) return;
  const first = doc.lineCount > 0 ? doc.lineAt(0) : undefined;
  const edit = modelineEdit(first?.text ?? '', network);
  const we = new vscode.WorkspaceEdit();
  if (edit.replaceFirstLine && first) we.replace(doc.uri, first.range, edit.text);
  else we.insert(doc.uri, new vscode.Position(0, 0), edit.text);
  await vscode.workspace.applyEdit(we);
  deps.status.set(doc.uri.toString(), network, 'modeline');
}

async function newSpec(deps: CommandDeps, networkArg?: string, templateArg?: string): Promise<vscode.TextDocument | undefined> {
  const network = networkArg ?? (await pickNetwork(deps.context));
  if (!network || !isValidNetworkName(network)) return undefined;
  const file = deps.context.asAbsolutePath(path.join('schemas', `${network}.schema.json`));
  const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as NetworkSchema;
  // Networks with task templates (DetectNet_v2: train, retrain, dataset_convert, inference)
  // offer them first; the others go straight to the spec built from the schema's defaults.
  const choices = specTemplateChoices(schema);
  let chosen = templateArg ? choices.find((c) => c.id === templateArg) : choices.length === 1 ? choices[0] : undefined;
  if (templateArg && !chosen) {
    void vscode.window.showErrorMessage(`No "${templateArg}" template for ${network}; there are: ${choices.map((c) => c.id).join(', ')}.`);
    return undefined;
  }
  if (!chosen) {
    const picked = await vscode.window.showQuickPick(choices.map((c) => ({ label: c.label, detail: c.detail, id: c.id })), { title: `New ${network} spec`, placeHolder: 'Which spec?' });
    chosen = choices.find((c) => c.id === picked?.id);
    if (!chosen) return undefined;
  }
  const content = chosen.text;
  const language = schema['x-tao-dialect'] === 'prototext' ? 'tao-prototext' : 'yaml';
  const doc = await vscode.workspace.openTextDocument({ language, content });
  await vscode.window.showTextDocument(doc);
  return doc;
}

/** Extra inputs a task needs from the user (inference images); undefined when cancelled. */
async function askExtras(task: string, runRoot: string): Promise<{ images?: string; model?: string } | undefined> {
  if (task !== 'inference') return {};
  const picked = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: false, openLabel: 'Run inference on', defaultUri: vscode.Uri.file(runRoot) });
  return picked?.[0] ? { images: picked[0].fsPath } : undefined;
}

export interface TaskCommandOptions {
  /** Used by tests and tasks.json-like callers to skip questions. */
  spec?: string;
  network?: string;
  args?: string[];
  /** Inference input (file or folder); asked for when absent. */
  images?: string;
  /** Results folder (-r) instead of tao.results.folderPattern's: Resume trains into the stopped run's folder. */
  results?: string;
  /** Model (-m) for evaluate, inference, prune and export instead of train's final weights. */
  model?: string;
  /** A results group (results/<spec>/) whose spec to use when `spec` is absent: a model's runs. */
  group?: string;
}

/** A spec editor the user can see, the last spec a task ran on, or one picked from the workspace's specs. */
async function fallbackSpec(deps: CommandDeps): Promise<vscode.TextDocument | undefined> {
  const visible = vscode.window.visibleTextEditors.map((e) => e.document).find((d) => !d.isUntitled && deps.isSpec(d));
  if (visible) return visible;
  const specs = (await deps.findSpecs?.()) ?? [];
  const last = deps.context.workspaceState.get<string>(LAST_SPEC);
  if (specs.length === 1) return vscode.workspace.openTextDocument(specs[0]);
  const items = specs.map((u) => ({ label: path.basename(u.fsPath), description: vscode.workspace.asRelativePath(path.dirname(u.fsPath), false), uri: u }));
  items.sort((a, b) => Number(b.uri.fsPath === last) - Number(a.uri.fsPath === last));
  if (items.length === 0) return undefined;
  const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Which spec?' });
  return picked ? vscode.workspace.openTextDocument(picked.uri) : undefined;
}

/** A task command's argument as options: a Uri or Specs-tree element is the spec, a Models-tree element the model. */
function taskOptionsOf(arg: unknown): TaskCommandOptions {
  if (arg instanceof vscode.Uri) return { spec: arg.fsPath };
  if (!arg || typeof arg !== 'object') return {};
  const o = arg as { resourceUri?: unknown; group?: unknown; path?: unknown; kind?: unknown };
  if (o.resourceUri instanceof vscode.Uri) return { spec: o.resourceUri.fsPath };
  if (o.kind === 'model' && typeof o.group === 'string' && typeof o.path === 'string') return { group: o.group, model: o.path };
  return arg as TaskCommandOptions;
}

async function runTaskCommand(deps: CommandDeps, task: string, opts: TaskCommandOptions = {}): Promise<RunResult | undefined> {
  let doc: vscode.TextDocument | undefined;
  let network = opts.network;
  if (!opts.spec && opts.group) {
    const known = specOfRuns(deps.context, opts.group);
    if (known) opts = { ...opts, spec: known.spec };
    network ??= known?.network;
  }
  if (opts.spec) doc = await vscode.workspace.openTextDocument(vscode.Uri.file(opts.spec));
  else doc = vscode.window.activeTextEditor?.document;
  if (!opts.spec && (!doc || doc.isUntitled || !deps.isSpec(doc))) doc = await fallbackSpec(deps);
  if (!doc || doc.isUntitled || !deps.isSpec(doc)) {
    void vscode.window.showWarningMessage('TAO: open a saved TAO spec file first.');
    return undefined;
  }
  if (doc.isDirty) await doc.save();
  network ??= deps.status.networkOf(doc)?.network ?? (await pickNetwork(deps.context));
  if (!network) return undefined;
  const settings = readSettings(doc.uri);
  const results = opts.results ? path.resolve(opts.results) : expandResultsPattern(settings.resultsPattern, {
    workspaceFolder: vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath,
    spec: doc.uri.fsPath,
    network,
    task,
    now: new Date(),
  });
  const runRoot = runRootFor(results, task);
  const extras = opts.images ? { images: opts.images } : await askExtras(task, runRoot);
  if (!extras) return undefined;
  const def: TaoTaskDefinition = { type: 'tao', network, task, spec: doc.uri.fsPath, results, args: opts.args ?? defaultTaskArgs({ task, results, runRoot, model: opts.model, ...extras, exists: fs.existsSync }) };
  // Remembered for the side bar: Resume and the Models tree's actions find the spec of a run.
  const runSpecs = { ...deps.context.workspaceState.get<RunSpecs>(RUN_SPECS, {}), [groupOf(results)]: { spec: def.spec, network } };
  void deps.context.workspaceState.update(RUN_SPECS, runSpecs);
  void deps.context.workspaceState.update(LAST_SPEC, def.spec);
  // Training shows its curves while it runs; other tasks show their report when done.
  if (task === 'train' && settings.launcherMode === 'local') deps.panels.show('training', [results]);
  let result: RunResult;
  try {
    result = await runWithProgress(deps.context, def);
  } catch (e) {
    void vscode.window.showErrorMessage(`TAO ${task}: ${(e as Error).message}`);
    return undefined;
  }
  if (result.cancelled) {
    // Checked first: a process ended by SIGINT may still report exit code 0 through the terminal.
    void vscode.window.showInformationMessage(`TAO ${task} stopped; checkpoints written so far are kept in ${results}.`);
  } else if (result.exitCode === 0) {
    // Show a report panel only when the task wrote a report (NVIDIA's containers print theirs).
    const files = findRunFiles(results);
    if (task === 'evaluate' && (files.evaluationReport || detectionEvaluationData(results))) deps.panels.show('evaluation', [results]);
    if (task === 'prune' && files.pruneReport) deps.panels.show('pruning', [results]);
    // Inference on class-per-folder images yields a confusion matrix too.
    if (task === 'inference' && evaluationData(results)) deps.panels.show('evaluation', [results]);
    // Detection inference writes labels/ and images_annotated/: show the images with their boxes.
    else if (task === 'inference' && isInferenceFolder(results)) deps.panels.show('inference', inferenceFolders(results, extras.images));
    void vscode.window.showInformationMessage(`TAO ${task} finished. Results: ${results}`);
  } else {
    void vscode.window.showErrorMessage(`TAO ${task} failed (exit code ${result.exitCode ?? 'unknown'}). See the terminal and the Problems view.`);
  }
  deps.onTaskFinished?.(task, results, result);
  return result;
}

/** TAO: Open Run: shows every panel the folder has data for. */
async function openRun(deps: CommandDeps, folderArg?: string): Promise<string[]> {
  let folder = folderArg;
  if (!folder) {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Open Run' });
    folder = picked?.[0]?.fsPath;
  }
  if (!folder) return [];
  const files = findRunFiles(folder);
  const opened: string[] = [];
  // Reports first, training last: the panels share a group and the curves end up in front.
  if (isInferenceFolder(folder)) { deps.panels.show('inference', [folder]); opened.push('inference'); }
  if (evaluationData(folder) || detectionEvaluationData(folder)) { deps.panels.show('evaluation', [folder]); opened.push('evaluation'); }
  if (files.pruneReport) { deps.panels.show('pruning', [path.dirname(files.pruneReport)]); opened.push('pruning'); }
  if (files.statusFiles.length) { deps.panels.show('training', [path.dirname(files.statusFiles[0].path)]); opened.push('training'); }
  if (opened.length === 0) void vscode.window.showWarningMessage(`No status.json, evaluation report, prune report or inference output found in ${folder}.`);
  else deps.onRunOpened?.();
  return opened;
}

/** The inference page's folders: the output, then the images inference read (a file's folder). */
function inferenceFolders(output: string, images: string | undefined): string[] {
  if (!images) return [output];
  let dir = images;
  try {
    if (!fs.statSync(images).isDirectory()) dir = path.dirname(images);
  } catch {
    return [output];
  }
  return [output, dir];
}

export interface OpenInferenceOptions {
  folder?: string;
  /** The folder inference read; boxes are drawn over these originals instead of the overlays. */
  images?: string;
}

/** TAO: Open Inference Results: the images of an inference output folder with their boxes. */
async function openInference(deps: CommandDeps, opts: OpenInferenceOptions): Promise<boolean> {
  let folder = opts.folder;
  if (!folder) {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Open Inference Results' });
    folder = picked?.[0]?.fsPath;
  }
  if (!folder) return false;
  if (!isInferenceFolder(folder)) {
    void vscode.window.showWarningMessage(`No labels/ or images_annotated/ folder in ${folder}: not a detection inference output.`);
    return false;
  }
  deps.panels.show('inference', inferenceFolders(folder, opts.images));
  return true;
}

/** The status.json folder to compare for a Runs-tree element: a run, or a group's training run. */
function compareFolderOf(arg: unknown): string | undefined {
  const folder = pathOfArg(arg);
  if (!folder || (arg as { kind?: unknown }).kind !== 'runGroup') return folder;
  const train = findRunFiles(folder).statusFiles.find((s) => s.task === 'train');
  return train ? path.dirname(train.path) : folder;
}

async function compareRuns(deps: CommandDeps, folders?: string[]): Promise<void> {
  let chosen = folders;
  if (!chosen) {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: true, openLabel: 'Compare runs' });
    chosen = picked?.map((u) => u.fsPath);
  }
  if (chosen?.length) {
    deps.panels.show('runs', chosen);
    deps.onRunOpened?.();
  }
}

let setupChannel: vscode.OutputChannel | undefined;

/** TAO: Check Engine Setup: `tao-engine doctor --json`, shown in an output channel. */
async function checkEngineSetup(deps: CommandDeps): Promise<DoctorReport | undefined> {
  const engine = deps.context.asAbsolutePath(path.join('dist', 'engine.js'));
  const run = () =>
    new Promise<string>((resolve, reject) => {
      // Exit code 1 (no backend works) still prints the report: read stdout either way.
      execFile(process.execPath, [engine, 'doctor', '--json'], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: 300_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) =>
        stdout.trim().startsWith('{') ? resolve(stdout) : reject(new Error(stderr.trim() || err?.message || 'no output')),
      );
    });
  let report: DoctorReport;
  try {
    const text = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'TAO: checking the engine backends…' }, run);
    report = JSON.parse(text) as DoctorReport;
  } catch (e) {
    void vscode.window.showErrorMessage(`TAO: tao-engine doctor failed: ${(e as Error).message}`);
    return undefined;
  }
  setupChannel ??= vscode.window.createOutputChannel('TAO Engine Setup');
  const ch = setupChannel;
  ch.clear();
  ch.appendLine(`Node ${report.node}, ${report.platform}, @tensorflow/tfjs ${report.tfjs ?? 'not installed'}`);
  ch.appendLine(`auto uses: ${report.auto ?? 'nothing (no backend works)'}`);
  for (const b of report.backends) {
    ch.appendLine('');
    ch.appendLine(`${b.loads ? (b.software ? '~' : '✔') : '✘'} ${b.backend}: ${b.loads ? (b.description ?? 'loads') : (b.problem ?? 'does not load')}`);
    const versions = Object.entries(b.versions).map(([n, v]) => `${n} ${v}`).join(', ');
    if (versions) ch.appendLine(`    versions: ${versions}`);
    if (b.loads && b.problem) ch.appendLine(`    but: ${b.problem}`);
    for (const fix of b.fixes) ch.appendLine(`    fix: ${fix}`);
    for (const note of b.notes) ch.appendLine(`    note: ${note}`);
  }
  ch.show(true);
  void vscode.window.showInformationMessage(`TAO engine: auto uses ${report.auto ?? 'no backend'}; details in the "TAO Engine Setup" output.`);
  return report;
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const r = vscode.commands.registerCommand;
  const taskCommand = (task: string) => (arg?: unknown) => runTaskCommand(deps, task, taskOptionsOf(arg));
  return [
    r('tao.train', taskCommand('train')),
    r('tao.evaluate', taskCommand('evaluate')),
    r('tao.inference', taskCommand('inference')),
    r('tao.prune', taskCommand('prune')),
    r('tao.export', taskCommand('export')),
    r('tao.augment', taskCommand('augment')),
    // A Uri from the explorer, a path from tests, a run or group element from the Runs tree.
    r('tao.openRun', (arg?: unknown) => openRun(deps, pathOfArg(arg))),
    // From the explorer a folder URI; from tests and other commands a path or {folder, images}.
    r('tao.openInference', (arg?: vscode.Uri | string | OpenInferenceOptions) =>
      openInference(deps, arg instanceof vscode.Uri ? { folder: arg.fsPath } : typeof arg === 'string' ? { folder: arg } : arg && typeof arg === 'object' ? { folder: typeof arg.folder === 'string' ? arg.folder : undefined, images: typeof arg.images === 'string' ? arg.images : undefined } : {}),
    ),
    r('tao.checkEngineSetup', () => checkEngineSetup(deps)),
    // From the Runs tree (multi-select): the clicked element and the selection; else a list of folders.
    r('tao.compareRuns', (first?: unknown, selected?: unknown) => {
      const folders = Array.isArray(first) ? first.map(String)
        : Array.isArray(selected) && selected.length ? selected.map(compareFolderOf).filter((f): f is string => !!f)
        : first ? [compareFolderOf(first)].filter((f): f is string => !!f) : undefined;
      return compareRuns(deps, folders);
    }),
    r('tao.newSpec', (network?: string, template?: string) => newSpec(deps, typeof network === 'string' ? network : undefined, typeof template === 'string' ? template : undefined)),
    // The language server's code action passes the document URI as a string.
    r('tao.selectNetwork', (uri?: unknown, network?: string) =>
      selectNetwork(deps, uri instanceof vscode.Uri ? uri : typeof uri === 'string' ? vscode.Uri.parse(uri) : pathOfArg(uri) ? vscode.Uri.file(pathOfArg(uri) as string) : undefined, typeof network === 'string' ? network : undefined),
    ),
  ];
}
