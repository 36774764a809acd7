// The Specs tree: the workspace's TAO spec files grouped by network, each with its problem
// count. Which files are specs is decided as for open documents (client/src/core/detect.ts:
// modeline, tao.files.globs, content); the network is the one the language server reported
// for the file (the status bar's source), else the modeline's. Files the server has not seen
// are opened in the background, a few at a time, so that it analyses them: that gives their
// network and problems without a second detector in the extension.

import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseModeline } from '../core/modeline';
import { Batcher } from '../core/batcher';
import type { NetworkStatus } from '../statusBar';

export class SpecGroupNode {
  readonly kind = 'specGroup';
  constructor(readonly network: string) {}
}

export class SpecNode {
  readonly kind = 'spec';
  constructor(readonly resourceUri: vscode.Uri) {}
}

export type SpecsElement = SpecGroupNode | SpecNode;

const SPEC_FILES = '**/*.{txt,yaml,yml,prototxt,pbtxt,prototext}';
/** Results folders hold .txt files by the thousand (labels, reports), never specs. */
const SPEC_EXCLUDE = '{**/node_modules/**,**/.git/**,**/results/**,**/weights/**,**/labels/**,**/images_annotated/**,**/.tao-e2e/**}';
const EXCLUDED = /[\\/](node_modules|\.git|results|weights|labels|images_annotated)[\\/]/;
const UNKNOWN = '';
const MAX_FILES = 5000;
/** Files larger than this are not specs (a spec is a few KB); their head is not even read. */
const MAX_BYTES = 1 << 20;
/** How many never-opened specs are handed to the server for their network. */
const BACKGROUND_OPENS = 50;

export interface SpecsTreeDeps {
  status: NetworkStatus;
  /** detect.ts's verdict for a file's path and text (modeline, globs, content). */
  isSpecText: (file: string, text: string) => boolean;
}

interface SpecInfo {
  uri: vscode.Uri;
  modelineNetwork: string | undefined;
}

export class SpecsTree implements vscode.TreeDataProvider<SpecsElement>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<SpecsElement | SpecsElement[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly specs = new Map<string, SpecInfo>();
  /** What the server said about each file, kept after the document closes. */
  private readonly serverNetworks = new Map<string, string>();
  /** Error and warning counts, kept after the document closes (the server clears them then). */
  private readonly problems = new Map<string, { errors: number; warnings: number }>();
  private readonly groupNodes = new Map<string, SpecGroupNode>();
  private readonly specNodes = new Map<string, SpecNode>();
  private readonly subs: vscode.Disposable[] = [];
  private loading: Promise<void> | undefined;
  private readonly batch = new Batcher<SpecsElement>(200, (keys) => this.emitter.fire(keys));

  constructor(private readonly deps: SpecsTreeDeps) {
    this.subs.push(deps.status.onDidSet((n) => {
      const key = vscode.Uri.parse(n.uri).fsPath;
      if (this.serverNetworks.get(key) === n.network) return;
      this.serverNetworks.set(key, n.network);
      if (this.specs.has(key)) this.batch.add(undefined);
    }));
    this.subs.push(vscode.languages.onDidChangeDiagnostics((e) => {
      for (const uri of e.uris) {
        if (!this.specs.has(uri.fsPath)) continue;
        const open = vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString());
        const diags = vscode.languages.getDiagnostics(uri);
        if (!open && diags.length === 0) continue;
        this.problems.set(uri.fsPath, {
          errors: diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length,
          warnings: diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Warning).length,
        });
        const node = this.specNodes.get(uri.fsPath);
        if (node) this.batch.add(node);
        const group = this.groupNodes.get(this.networkOf(uri.fsPath));
        if (group) this.batch.add(group);
      }
    }));
  }

  load(): Promise<void> {
    this.loading ??= (async () => {
      const w = vscode.workspace.createFileSystemWatcher(SPEC_FILES);
      this.subs.push(w, w.onDidCreate((u) => void this.recheck(u)), w.onDidChange((u) => void this.recheck(u)), w.onDidDelete((u) => this.forget(u)));
      // Files written into folders created a moment before may be reported only as the new
      // top folder (the sample project's specs/): look inside new folders.
      const folders = vscode.workspace.createFileSystemWatcher('**/*', false, true, true);
      this.subs.push(folders, folders.onDidCreate((u) => void this.folderCreated(u)));
      // Documents opened or saved in the editor are checked whatever the watcher reported: where
      // it misses files in folders created during the session, these still show.
      const fromEditor = (d: vscode.TextDocument): void => { if (d.uri.scheme === 'file') void this.recheck(d.uri); };
      this.subs.push(vscode.workspace.onDidOpenTextDocument(fromEditor), vscode.workspace.onDidSaveTextDocument(fromEditor));
      const found = await vscode.workspace.findFiles(SPEC_FILES, SPEC_EXCLUDE, MAX_FILES);
      // Read in small batches: hundreds of parallel reads would only queue in libuv.
      for (let i = 0; i < found.length; i += 32) await Promise.all(found.slice(i, i + 32).map((u) => this.check(u)));
      setTimeout(() => void this.openUnknown(), 500);
    })();
    return this.loading;
  }

  /** Reads one file's head and decides whether it is a spec; true when the tree changes. */
  private async check(uri: vscode.Uri): Promise<boolean> {
    const file = uri.fsPath;
    if (EXCLUDED.test(file)) return false;
    let text: string | undefined;
    try {
      const st = await fs.promises.stat(file);
      if (st.size <= MAX_BYTES) text = await fs.promises.readFile(file, 'utf8');
    } catch {
      text = undefined;
    }
    const before = this.specs.get(file);
    if (text === undefined || !this.deps.isSpecText(file, text)) {
      this.specs.delete(file);
      return before !== undefined;
    }
    const modelineNetwork = parseModeline(text.slice(0, Math.max(0, text.indexOf('\n')) || text.length))?.fields.network;
    this.specs.set(file, { uri, modelineNetwork });
    return !before || before.modelineNetwork !== modelineNetwork;
  }

  private async folderCreated(uri: vscode.Uri): Promise<void> {
    // Nearly every file has an extension; folders rarely do. Skips a stat per created file.
    if (path.extname(uri.fsPath) !== '' || EXCLUDED.test(uri.fsPath + path.sep)) return;
    try {
      if (!(await fs.promises.stat(uri.fsPath)).isDirectory()) return;
    } catch {
      return;
    }
    const found = await vscode.workspace.findFiles(new vscode.RelativePattern(uri, SPEC_FILES), SPEC_EXCLUDE, MAX_FILES);
    let changed = false;
    for (const f of found) changed = (await this.check(f)) || changed;
    if (changed) this.batch.add(undefined);
  }

  private async recheck(uri: vscode.Uri): Promise<void> {
    if (await this.check(uri)) this.batch.add(undefined);
  }

  private forget(uri: vscode.Uri): void {
    // A deleted folder reports only itself: drop every spec inside it.
    let changed = false;
    for (const key of [...this.specs.keys()]) {
      if (key === uri.fsPath || key.startsWith(uri.fsPath + path.sep)) {
        this.specs.delete(key);
        this.specNodes.delete(key);
        changed = true;
      }
    }
    if (changed) this.batch.add(undefined);
  }

  /** Hands never-opened specs without a modeline to the language server, which reports their network. */
  private async openUnknown(): Promise<void> {
    const unknown = [...this.specs.values()].filter((s) => !s.modelineNetwork && !this.serverNetworks.has(s.uri.fsPath)).slice(0, BACKGROUND_OPENS);
    for (const s of unknown) {
      try {
        await vscode.workspace.openTextDocument(s.uri);
      } catch {
        // Unreadable or too large for an editor: it stays under "network not detected".
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  networkOf(file: string): string {
    const fromServer = this.serverNetworks.get(file);
    return fromServer || this.specs.get(file)?.modelineNetwork || UNKNOWN;
  }

  /** Every spec file found, for commands that need one when no spec editor is active. */
  async specFiles(): Promise<vscode.Uri[]> {
    await this.load();
    return [...this.specs.values()].map((s) => s.uri).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  }

  async refresh(): Promise<void> {
    for (const s of this.subs.splice(2)) s.dispose();
    this.specs.clear();
    this.loading = undefined;
    await this.load();
    this.emitter.fire(undefined);
  }

  async getChildren(element?: SpecsElement): Promise<SpecsElement[]> {
    await this.load();
    if (!element) {
      const networks = new Set([...this.specs.keys()].map((f) => this.networkOf(f)));
      return [...networks].sort((a, b) => (a === UNKNOWN ? 1 : b === UNKNOWN ? -1 : a.localeCompare(b))).map((n) => {
        let g = this.groupNodes.get(n);
        if (!g) this.groupNodes.set(n, (g = new SpecGroupNode(n)));
        return g;
      });
    }
    if (element instanceof SpecGroupNode) {
      return [...this.specs.keys()].filter((f) => this.networkOf(f) === element.network).sort((a, b) => path.basename(a).localeCompare(path.basename(b)) || a.localeCompare(b)).map((f) => {
        let n = this.specNodes.get(f);
        if (!n) this.specNodes.set(f, (n = new SpecNode((this.specs.get(f) as SpecInfo).uri)));
        return n;
      });
    }
    return [];
  }

  getParent(element: SpecsElement): SpecsElement | undefined {
    return element instanceof SpecNode ? this.groupNodes.get(this.networkOf(element.resourceUri.fsPath)) : undefined;
  }

  private problemsOf(uri: vscode.Uri): { errors: number; warnings: number } {
    const diags = vscode.languages.getDiagnostics(uri);
    if (diags.length > 0) {
      return {
        errors: diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length,
        warnings: diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Warning).length,
      };
    }
    return this.problems.get(uri.fsPath) ?? { errors: 0, warnings: 0 };
  }

  getTreeItem(element: SpecsElement): vscode.TreeItem {
    if (element instanceof SpecGroupNode) {
      const files = [...this.specs.keys()].filter((f) => this.networkOf(f) === element.network);
      const item = new vscode.TreeItem(element.network || 'network not detected', vscode.TreeItemCollapsibleState.Expanded);
      item.id = `network:${element.network}`;
      item.iconPath = new vscode.ThemeIcon(element.network ? 'circuit-board' : 'question');
      const errors = files.reduce((n, f) => n + this.problemsOf(vscode.Uri.file(f)).errors, 0);
      item.description = `${files.length} spec${files.length === 1 ? '' : 's'}${errors ? ` · ${errors} error${errors === 1 ? '' : 's'}` : ''}`;
      item.contextValue = 'taoSpecGroup';
      return item;
    }
    const uri = element.resourceUri;
    const p = this.problemsOf(uri);
    const item = new vscode.TreeItem(path.basename(uri.fsPath), vscode.TreeItemCollapsibleState.None);
    item.id = `spec:${uri.fsPath}`;
    item.resourceUri = uri;
    const problems = [p.errors ? `${p.errors} error${p.errors === 1 ? '' : 's'}` : '', p.warnings ? `${p.warnings} warning${p.warnings === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
    item.description = [vscode.workspace.asRelativePath(path.dirname(uri.fsPath), false), problems].filter(Boolean).join(' · ');
    item.iconPath = p.errors ? new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')) : p.warnings ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : new vscode.ThemeIcon('file-code');
    item.tooltip = `${uri.fsPath}\nnetwork: ${this.networkOf(uri.fsPath) || 'not detected yet'}${problems ? `\n${problems}` : ''}`;
    item.contextValue = 'taoSpec';
    item.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
    return item;
  }

  dispose(): void {
    this.batch.dispose();
    for (const s of this.subs) s.dispose();
    this.emitter.dispose();
  }
}
