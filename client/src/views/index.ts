// The TAO side bar: the Specs, Runs and Models trees of the `tao` view container. Creating the
// views costs next to nothing at activation; each tree searches the workspace only when it is
// first shown (or a command needs its list), then follows file-system watchers.

import * as vscode from 'vscode';
import { RunsTree } from './runsTree';
import { ModelsTree } from './modelsTree';
import { SpecsTree, type SpecsTreeDeps } from './specsTree';
import { registerActions } from './actions';

export type ViewName = 'specs' | 'runs' | 'models';

/** A tree as the tests read it: labels, descriptions and menu words, children to a depth. */
export interface ViewSnapshotNode {
  label: string;
  description: string;
  contextValue: string;
  children?: ViewSnapshotNode[];
}

export interface SideBar {
  specs: SpecsTree;
  runs: RunsTree;
  models: ModelsTree;
  snapshot(view: ViewName, depth?: number): Promise<ViewSnapshotNode[]>;
  disposables: vscode.Disposable[];
}

export function registerViews(context: vscode.ExtensionContext, deps: SpecsTreeDeps): SideBar {
  const runs = new RunsTree();
  const models = new ModelsTree(runs);
  const specs = new SpecsTree(deps);
  const disposables: vscode.Disposable[] = [runs, models, specs];
  disposables.push(vscode.window.createTreeView('tao.specs', { treeDataProvider: specs, showCollapseAll: true }));
  disposables.push(vscode.window.createTreeView('tao.runs', { treeDataProvider: runs, canSelectMany: true, showCollapseAll: true }));
  disposables.push(vscode.window.createTreeView('tao.models', { treeDataProvider: models, showCollapseAll: true }));
  disposables.push(...registerActions({ context, runs, models, specs }));

  const providers = { specs, runs, models } as Record<ViewName, vscode.TreeDataProvider<unknown>>;
  async function snapshot(view: ViewName, depth = 2): Promise<ViewSnapshotNode[]> {
    const p = providers[view];
    const walk = async (element: unknown, level: number): Promise<ViewSnapshotNode[]> => {
      const children = (await p.getChildren(element as never)) ?? [];
      return Promise.all(children.map(async (c) => {
        const item = await p.getTreeItem(c);
        const label = typeof item.label === 'string' ? item.label : item.label?.label ?? '';
        const node: ViewSnapshotNode = { label, description: typeof item.description === 'string' ? item.description : '', contextValue: item.contextValue ?? '' };
        if (level < depth && item.collapsibleState !== vscode.TreeItemCollapsibleState.None) node.children = await walk(c, level + 1);
        return node;
      }));
    };
    return walk(undefined, 1);
  }
  return { specs, runs, models, snapshot, disposables };
}
