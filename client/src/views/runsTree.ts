// The Runs tree: one node per spec's results (`results/<spec>/`, or a TAO container run
// folder), its task runs below with state, epoch x/y, best KPI and duration. Nothing is read
// at activation: the first time the view shows, one file search finds every status.json;
// after that, watcher events update the index one run at a time and only the changed items
// are redrawn (debounced). A run started from a command shows its live progress text.

import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunIndex, findStatusFiles, type RunEntry } from '../core/runIndex';
import { describeRun, type RunStatusInfo } from '../core/runStatus';
import { Batcher } from '../core/batcher';
import { liveRun, onDidChangeLiveRun } from '../tasks';

export class RunGroupNode {
  readonly kind = 'runGroup';
  constructor(readonly folder: string) {}
}

export class RunNode {
  readonly kind = 'run';
  constructor(readonly folder: string, readonly group: string, readonly task: string) {}
}

export type RunsElement = RunGroupNode | RunNode;

/** Folders never worth searching for runs. */
export const SEARCH_EXCLUDE = '{**/node_modules/**,**/.git/**,**/weights/**}';

const STATE_ICON: Record<RunStatusInfo['state'], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  success: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failure: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  stopped: new vscode.ThemeIcon('debug-stop', new vscode.ThemeColor('testing.iconSkipped')),
};

/** A folder as the description shows it: relative to its workspace folder, empty for the folder itself. */
export function folderLabel(p: string): string {
  if ((vscode.workspace.workspaceFolders ?? []).some((w) => w.uri.fsPath === p)) return '';
  return vscode.workspace.asRelativePath(p, false);
}

export class RunsTree implements vscode.TreeDataProvider<RunsElement>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<RunsElement | RunsElement[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  /** Fires with the groups whose runs changed (undefined: all), for the Models tree. */
  private readonly groupsEmitter = new vscode.EventEmitter<string[] | undefined>();
  readonly onDidChangeGroups = this.groupsEmitter.event;
  private readonly groupNodes = new Map<string, RunGroupNode>();
  private readonly runNodes = new Map<string, RunNode>();
  private readonly subs: vscode.Disposable[] = [];
  private loading: Promise<void> | undefined;
  private readonly batch = new Batcher<RunsElement>(100, (keys) => this.emitter.fire(keys));
  private readonly groupBatch = new Batcher<string>(300, (keys) => this.groupsEmitter.fire(keys));

  constructor(readonly index = new RunIndex()) {
    this.subs.push(onDidChangeLiveRun((live) => {
      const status = path.join(live.results, 'status.json');
      const node = this.runNodes.get(live.results);
      if (node) {
        this.batch.add(node);
        // The run ended: what it wrote (a model, an .onnx in a folder it created) is complete
        // now, whether or not the watcher saw each file appear.
        if (!liveRun(live.results)) {
          this.index.changed(status);
          this.groupBatch.add(node.group);
        }
        return;
      }
      // A run of ours is listed as soon as its status.json exists, whatever the watcher reports.
      if (this.loading && fs.existsSync(status)) this.added(status);
    }));
  }

  /** The first search, started by the first getChildren (the view became visible) or a caller that needs the runs. */
  load(): Promise<void> {
    this.loading ??= (async () => {
      const watcher = vscode.workspace.createFileSystemWatcher('**/status.json');
      // Deleting a folder reports the folder, not the status.json files inside it; creating
      // nested folders at once may report only the top one (what `mkdir -p` and copying a run do).
      const folders = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
      this.subs.push(watcher, folders);
      this.subs.push(watcher.onDidCreate((u) => this.added(u.fsPath)));
      this.subs.push(watcher.onDidChange((u) => this.changed(u.fsPath)));
      this.subs.push(folders.onDidCreate((u) => void this.folderCreated(u.fsPath)));
      this.subs.push(folders.onDidDelete((u) => this.removed(u.fsPath)));
      const found = await vscode.workspace.findFiles('**/status.json', SEARCH_EXCLUDE);
      for (const u of found) this.index.add(u.fsPath);
    })();
    return this.loading;
  }

  private added(statusFile: string): void {
    const group = this.index.add(statusFile);
    if (group === undefined) return this.changed(statusFile);
    // A new group changes the top level; a new run in a known group changes that group only.
    const node = this.groupNodes.get(group);
    this.batch.add(node && this.index.runsOf(group).length > 1 ? node : undefined);
    this.groupBatch.add(group);
  }

  /** A new folder: the runs inside it, a few levels deep (a folder, not the workspace). */
  private async folderCreated(p: string): Promise<void> {
    // Files (nearly all have an extension) are the status.json watcher's business; skip the stat.
    if (path.extname(p) !== '') return;
    try {
      if (!(await fs.promises.stat(p)).isDirectory()) return;
    } catch {
      return;
    }
    for (const f of findStatusFiles(p, 3)) this.added(f);
  }

  private changed(statusFile: string): void {
    const group = this.index.changed(statusFile);
    if (group === undefined) return this.added(statusFile);
    const run = this.runNodes.get(path.dirname(statusFile));
    if (run) this.batch.add(run);
    // The group item shows its training run's state.
    const node = this.groupNodes.get(group);
    if (node && run?.task === 'train') this.batch.add(node);
    this.groupBatch.add(group);
  }

  private removed(deleted: string): void {
    const groups = this.index.remove(deleted);
    if (groups.length === 0) return;
    for (const g of groups) if (!this.index.hasGroup(g)) this.groupNodes.delete(g);
    for (const [folder, node] of this.runNodes) if (!this.index.run(folder)) this.runNodes.delete(folder);
    this.batch.add(undefined);
    for (const g of groups) this.groupBatch.add(g);
  }

  /** Refreshes everything (the view's Refresh button): a new search. */
  async reload(): Promise<void> {
    for (const s of this.subs.splice(0)) s.dispose();
    this.index.clear();
    this.groupNodes.clear();
    this.runNodes.clear();
    this.loading = undefined;
    await this.load();
    this.emitter.fire(undefined);
    this.groupsEmitter.fire(undefined);
  }

  groupNode(key: string): RunGroupNode {
    let n = this.groupNodes.get(key);
    if (!n) this.groupNodes.set(key, (n = new RunGroupNode(key)));
    return n;
  }

  runNode(run: RunEntry): RunNode {
    let n = this.runNodes.get(run.folder);
    if (!n) this.runNodes.set(run.folder, (n = new RunNode(run.folder, run.group, run.task)));
    return n;
  }

  async getChildren(element?: RunsElement): Promise<RunsElement[]> {
    await this.load();
    if (!element) return this.index.groupList().map((g) => this.groupNode(g.key));
    if (element instanceof RunGroupNode) return this.index.runsOf(element.folder).map((r) => this.runNode(r));
    return [];
  }

  getParent(element: RunsElement): RunsElement | undefined {
    return element instanceof RunNode ? this.groupNode(element.group) : undefined;
  }

  /** The run's summary with the extension's knowledge of live processes. */
  statusOf(folder: string): RunStatusInfo | undefined {
    const run = this.index.run(folder);
    return run ? this.index.status(run, Date.now(), !!liveRun(folder)) : undefined;
  }

  getTreeItem(element: RunsElement): vscode.TreeItem {
    if (element instanceof RunGroupNode) {
      const runs = this.index.runsOf(element.folder);
      // A handful of groups open by themselves; with many, the list of groups is the overview.
      const item = new vscode.TreeItem(path.basename(element.folder), this.index.groupCount <= 8 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `group:${element.folder}`;
      const train = runs.find((r) => r.task === 'train');
      const info = train ? this.statusOf(train.folder) : undefined;
      item.iconPath = info ? STATE_ICON[info.state] : new vscode.ThemeIcon('folder');
      item.description = [folderLabel(path.dirname(element.folder)), `${runs.length} run${runs.length === 1 ? '' : 's'}`].filter(Boolean).join(' · ');
      item.tooltip = element.folder;
      item.contextValue = 'taoRunGroup';
      return item;
    }
    const live = liveRun(element.folder);
    const info = this.statusOf(element.folder);
    const item = new vscode.TreeItem(element.task, vscode.TreeItemCollapsibleState.None);
    item.id = `run:${element.folder}`;
    const state = live ? 'running' : info?.state ?? 'running';
    item.iconPath = STATE_ICON[state];
    // While the extension runs the task, its progress text is fresher than the file's summary.
    item.description = live?.text ?? (info ? describeRun(info) : 'starting…');
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${element.task}** · ${state}\n\n`);
    if (info?.message) md.appendText(`${info.message}\n\n`);
    if (info?.best) md.appendText(`best ${info.best.metric} ${info.best.value}${info.best.epoch !== undefined ? ` (epoch ${info.best.epoch})` : ''}\n\n`);
    if (info?.backend) md.appendText(`backend ${info.backend}\n\n`);
    md.appendText(element.folder);
    item.tooltip = md;
    // Menus read these words: `viewItem =~ /\bstopped\b/` and the like (package.json).
    item.contextValue = `taoRun ${element.task} ${state}${live ? ' live' : ''}`;
    item.command = { command: 'tao.openRun', title: 'Open Panel', arguments: [element.folder] };
    return item;
  }

  dispose(): void {
    this.batch.dispose();
    this.groupBatch.dispose();
    for (const s of this.subs) s.dispose();
    this.emitter.dispose();
    this.groupsEmitter.dispose();
  }
}
