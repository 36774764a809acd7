// The Models tree: for each spec's results (the Runs tree's groups), the models its runs
// wrote: final, pruned, exported .onnx (with calibration cache and DeepStream files below it),
// and the epoch checkpoints folded under one node. A group's models are looked up only when
// it is expanded, and again only when one of its runs changed or a model file appeared.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { findModels, sortModels, formatBytes, formatParams, type ModelEntry, type Companion } from '../core/models';
import { Batcher } from '../core/batcher';
import { folderLabel, type RunsTree } from './runsTree';

export class ModelGroupNode {
  readonly kind = 'modelGroup';
  constructor(readonly folder: string) {}
}

export class CheckpointsNode {
  readonly kind = 'checkpoints';
  constructor(readonly group: string, readonly models: ModelEntry[]) {}
}

export class ModelNode {
  readonly kind = 'model';
  constructor(readonly group: string, readonly model: ModelEntry) {}
  get path(): string {
    return this.model.path;
  }
}

export class CompanionNode {
  readonly kind = 'companion';
  constructor(readonly companion: Companion) {}
  get path(): string {
    return this.companion.path;
  }
}

export type ModelsElement = ModelGroupNode | CheckpointsNode | ModelNode | CompanionNode;

/** Tasks whose folders hold models. */
const MODEL_TASKS = new Set(['train', 'retrain', 'prune', 'export']);

const KIND_LABEL: Record<ModelEntry['kind'], string> = { final: 'final model', checkpoint: 'checkpoint', pruned: 'pruned model', keras: 'Keras model', onnx: 'ONNX', engine: 'TensorRT engine' };
const KIND_ICON: Record<ModelEntry['kind'], string> = { final: 'star-full', checkpoint: 'history', pruned: 'filter', keras: 'file-binary', onnx: 'package', engine: 'rocket' };

export class ModelsTree implements vscode.TreeDataProvider<ModelsElement>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ModelsElement | ModelsElement[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly groupNodes = new Map<string, ModelGroupNode>();
  /** Each expanded group's models, until one of its runs changes. */
  private readonly cache = new Map<string, ModelEntry[]>();
  private readonly subs: vscode.Disposable[] = [];
  private watching = false;
  private readonly batch = new Batcher<string>(300, (groups) => this.flush(groups));

  constructor(private readonly runs: RunsTree) {
    this.subs.push(runs.onDidChangeGroups((groups) => {
      if (!groups) this.batch.add(undefined);
      else for (const g of groups) this.batch.add(g);
    }));
  }

  private flush(groups: string[] | undefined): void {
    if (!groups) {
      this.cache.clear();
      this.emitter.fire(undefined);
      return;
    }
    let top = false;
    const nodes: ModelsElement[] = [];
    for (const g of groups) {
      this.cache.delete(g);
      const node = this.groupNodes.get(g);
      if (node && this.runs.index.hasGroup(g)) nodes.push(node);
      else top = true;
    }
    this.emitter.fire(top ? undefined : nodes);
  }

  /** Model files written outside any status.json update (an export's .onnx, a copied .hdf5). */
  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    const w = vscode.workspace.createFileSystemWatcher('**/*.{onnx,hdf5,h5,engine}', false, true, false);
    const touched = (u: vscode.Uri): void => {
      // The group is the nearest folder above the file that the run index knows.
      for (let dir = path.dirname(u.fsPath); dir !== path.dirname(dir); dir = path.dirname(dir)) {
        if (this.runs.index.hasGroup(dir)) return this.batch.add(dir);
      }
    };
    this.subs.push(w, w.onDidCreate(touched), w.onDidDelete(touched));
  }

  private groupNode(key: string): ModelGroupNode {
    let n = this.groupNodes.get(key);
    if (!n) this.groupNodes.set(key, (n = new ModelGroupNode(key)));
    return n;
  }

  modelsOf(group: string): ModelEntry[] {
    let models = this.cache.get(group);
    if (!models) {
      models = sortModels(this.runs.index.runsOf(group).filter((r) => MODEL_TASKS.has(r.task)).flatMap((r) => findModels(r.folder)));
      this.cache.set(group, models);
    }
    return models;
  }

  async getChildren(element?: ModelsElement): Promise<ModelsElement[]> {
    if (!element) {
      await this.runs.load();
      this.watch();
      return this.runs.index.groupList().filter((g) => this.runs.index.runsOf(g.key).some((r) => MODEL_TASKS.has(r.task))).map((g) => this.groupNode(g.key));
    }
    if (element instanceof ModelGroupNode) {
      const models = this.modelsOf(element.folder);
      const checkpoints = models.filter((m) => m.kind === 'checkpoint');
      const out: ModelsElement[] = models.filter((m) => m.kind !== 'checkpoint').map((m) => new ModelNode(element.folder, m));
      if (checkpoints.length) out.push(new CheckpointsNode(element.folder, checkpoints));
      return out;
    }
    if (element instanceof CheckpointsNode) return element.models.map((m) => new ModelNode(element.group, m));
    if (element instanceof ModelNode) return element.model.companions.map((c) => new CompanionNode(c));
    return [];
  }

  getTreeItem(element: ModelsElement): vscode.TreeItem {
    if (element instanceof ModelGroupNode) {
      // As in the Runs tree: a handful of groups open by themselves (their models are looked up now).
      const few = this.runs.index.groupCount <= 8;
      const models = few ? this.modelsOf(element.folder) : this.cache.get(element.folder);
      const none = models !== undefined && models.length === 0;
      const item = new vscode.TreeItem(path.basename(element.folder), none ? vscode.TreeItemCollapsibleState.None : few ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `models:${element.folder}`;
      item.iconPath = new vscode.ThemeIcon('folder-library');
      item.description = [folderLabel(path.dirname(element.folder)), none ? 'no models' : models ? `${models.length} model${models.length === 1 ? '' : 's'}` : ''].filter(Boolean).join(' · ');
      item.tooltip = element.folder;
      item.contextValue = 'taoModelGroup';
      return item;
    }
    if (element instanceof CheckpointsNode) {
      const item = new vscode.TreeItem(`checkpoints (${element.models.length})`, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `checkpoints:${element.group}`;
      item.iconPath = new vscode.ThemeIcon('history');
      item.contextValue = 'taoCheckpoints';
      return item;
    }
    if (element instanceof CompanionNode) {
      const item = new vscode.TreeItem(path.basename(element.path), vscode.TreeItemCollapsibleState.None);
      item.description = element.companion.role;
      item.tooltip = element.path;
      item.resourceUri = vscode.Uri.file(element.path);
      item.contextValue = 'taoModelFile';
      if (element.companion.role !== 'tfjs copy') item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(element.path)] };
      return item;
    }
    const m = element.model;
    const run = path.basename(m.run);
    const label = m.kind === 'checkpoint' ? `epoch ${m.epoch ?? '?'}${m.isFolder ? '' : ` (${path.extname(m.path).slice(1)})`}` : m.kind === 'final' ? 'final' : path.basename(m.path);
    const item = new vscode.TreeItem(label, m.companions.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `model:${m.path}`;
    item.iconPath = new vscode.ThemeIcon(KIND_ICON[m.kind]);
    item.description = [m.kind === 'checkpoint' || m.kind === 'final' ? '' : KIND_LABEL[m.kind], formatBytes(m.bytes), formatParams(m.params), run].filter(Boolean).join(' · ');
    item.tooltip = `${KIND_LABEL[m.kind]}${m.epoch !== undefined ? `, epoch ${m.epoch}` : ''}\n${m.path}`;
    // Evaluate/Prune/Export take a tfjs folder or a Keras file; TensorRT engines only Copy Path.
    item.contextValue = `taoModel ${m.kind}${m.kind === 'onnx' || m.kind === 'engine' ? '' : ' usable'}`;
    return item;
  }

  dispose(): void {
    this.batch.dispose();
    for (const s of this.subs) s.dispose();
    this.emitter.dispose();
  }
}
