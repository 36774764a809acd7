// Extension entry point: wires the language client, the status bar, the commands, the `tao`
// task type and the panels together. The logic lives in client/src/core (no VS Code) and in
// the small modules beside this file.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { startLanguageClient } from './languageClient';
import { NetworkStatus } from './statusBar';
import { PanelManager } from './panels';
import { registerCommands } from './commands';
import { registerTaskProvider, cancelAllRuns } from './tasks';
import { readSettings } from './settings';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectSpec, knownKeysFromIndex, BUILTIN_KEYS, type KnownKeys, type SchemaIndex } from './core/detect';
import type { PageName, RenderInfo } from '../../webviews/src/model/messages';
import { registerViews, type ViewName, type ViewSnapshotNode } from './views';
import { Walkthrough, registerWalkthrough } from './walkthrough';

/** What activate() returns: used by the extension-host tests (and other extensions). */
export interface TaoExtensionApi {
  /** The language client once it has started (undefined before that, or if it failed). */
  readonly client: LanguageClient | undefined;
  /**
   * Settles when the language server's handshake is over. activate() does not wait for it:
   * the handshake costs hundreds of milliseconds that the user would otherwise spend waiting
   * for every other command of the extension.
   */
  clientReady: Promise<LanguageClient | undefined>;
  networkOf(uri: vscode.Uri): { network: string; reason: string } | undefined;
  renders(page?: PageName): { page: PageName; folder: string; info: RenderInfo }[];
  isSpec(doc: vscode.TextDocument): boolean;
  /** Cancels running tasks as their notification's Cancel button does (SIGINT); returns how many. */
  cancelRuns(): number;
  /** Opens or brings to front a panel (a webview loads only once it has been visible). */
  showPanel(page: PageName, folders: string[]): void;
  /** What a TAO side-bar tree shows (labels, descriptions, menu words), to `depth` levels. */
  viewSnapshot(view: ViewName, depth?: number): Promise<ViewSnapshotNode[]>;
}

/**
 * Top-level keys of every schema, for content detection. Read from schemas/index.json, the one
 * file the language server reads at start-up as well: parsing the 61 schemas themselves took
 * most of activate()'s time.
 */
function loadKnownKeys(context: vscode.ExtensionContext): KnownKeys {
  try {
    const index = JSON.parse(fs.readFileSync(context.asAbsolutePath(path.join('schemas', 'index.json')), 'utf8')) as SchemaIndex;
    return knownKeysFromIndex(index);
  } catch {
    return BUILTIN_KEYS;
  }
}

/** Whether a file is a TAO spec by its path and text (modeline, tao.files.globs, content). */
function makeIsSpecText(known: KnownKeys): (file: string, text: string) => boolean {
  return (file, text) => {
    const uri = vscode.Uri.file(file);
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
    return !!detectSpec({ path: file, text, globs: readSettings(uri).globs, workspaceRoot: folder, known });
  };
}

function makeIsSpec(known: KnownKeys): (doc: vscode.TextDocument) => boolean {
  return (doc) => {
    if (doc.languageId === 'tao-prototext') return true;
    if (doc.languageId !== 'yaml' && doc.languageId !== 'plaintext') return false;
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath;
    return !!detectSpec({ path: doc.uri.fsPath || doc.uri.path, text: doc.getText(), globs: readSettings(doc.uri).globs, workspaceRoot: folder, known });
  };
}

/** `.txt` specs open as plain text; switch the ones that are TAO specs to tao-prototext. */
function claimTextSpecs(isSpec: (doc: vscode.TextDocument) => boolean): vscode.Disposable {
  const check = (doc: vscode.TextDocument): void => {
    if (doc.languageId === 'plaintext' && isSpec(doc)) void vscode.languages.setTextDocumentLanguage(doc, 'tao-prototext');
  };
  vscode.workspace.textDocuments.forEach(check);
  return vscode.workspace.onDidOpenTextDocument(check);
}

export function activate(context: vscode.ExtensionContext): TaoExtensionApi {
  const output = vscode.window.createOutputChannel('TAO', { log: true });
  const known = loadKnownKeys(context);
  const isSpec = makeIsSpec(known);
  const status = new NetworkStatus(isSpec);
  const panels = new PanelManager(context, output);
  context.subscriptions.push(output, status, panels, claimTextSpecs(isSpec), registerTaskProvider(context));
  // The side bar's trees search the workspace only once they are shown, never here.
  const sideBar = registerViews(context, { status, isSpecText: makeIsSpecText(known) });
  const walkthrough = new Walkthrough(context, isSpec);
  context.subscriptions.push(...sideBar.disposables, walkthrough, ...registerWalkthrough(context, walkthrough));
  context.subscriptions.push(...registerCommands({
    context, status, panels, isSpec,
    findSpecs: () => sideBar.specs.specFiles(),
    onTaskFinished: (task, _results, result) => walkthrough.taskFinished(task, result),
    onRunOpened: () => walkthrough.done('panelOpened'),
  }));
  let client: LanguageClient | undefined;
  const clientReady = startLanguageClient(context, isSpec, (n) => status.set(n.uri, n.network, n.reason), output).then(
    (started) => (client = started),
    (e: unknown) => {
      output.appendLine(`Language server failed to start: ${(e as Error).stack ?? e}`);
      void vscode.window.showErrorMessage(`TAO: the language server failed to start: ${(e as Error).message}`);
      return undefined;
    },
  );
  return {
    get client() { return client; },
    clientReady,
    networkOf: (uri) => {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      return doc ? status.networkOf(doc) : undefined;
    },
    renders: (page) => panels.renders.filter((r) => !page || r.page === page),
    isSpec,
    cancelRuns: cancelAllRuns,
    showPanel: (page, folders) => { panels.show(page, folders); },
    viewSnapshot: (view, depth) => sideBar.snapshot(view, depth),
  };
}

export function deactivate(): void {
  // The language client and panels are disposed through context.subscriptions.
}
