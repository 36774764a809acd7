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
import { detectSpec, knownKeysFromSchemas, BUILTIN_KEYS, type KnownKeys } from './core/detect';
import type { PageName, RenderInfo } from '../../webviews/src/model/messages';

/** What activate() returns: used by the extension-host tests (and other extensions). */
export interface TaoExtensionApi {
  client: LanguageClient | undefined;
  networkOf(uri: vscode.Uri): { network: string; reason: string } | undefined;
  renders(page?: PageName): { page: PageName; folder: string; info: RenderInfo }[];
  isSpec(doc: vscode.TextDocument): boolean;
  /** Cancels running tasks as their notification's Cancel button does (SIGINT); returns how many. */
  cancelRuns(): number;
  /** Opens or brings to front a panel (a webview loads only once it has been visible). */
  showPanel(page: PageName, folders: string[]): void;
}

/** Top-level keys of every schema, read once: content detection compares against them. */
function loadKnownKeys(context: vscode.ExtensionContext): KnownKeys {
  const dir = context.asAbsolutePath('schemas');
  try {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.schema.json'));
    return knownKeysFromSchemas(files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))));
  } catch {
    return BUILTIN_KEYS;
  }
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

export async function activate(context: vscode.ExtensionContext): Promise<TaoExtensionApi> {
  const output = vscode.window.createOutputChannel('TAO', { log: true });
  const isSpec = makeIsSpec(loadKnownKeys(context));
  const status = new NetworkStatus(isSpec);
  const panels = new PanelManager(context, output);
  context.subscriptions.push(output, status, panels, claimTextSpecs(isSpec), registerTaskProvider(context));
  context.subscriptions.push(...registerCommands({ context, status, panels, isSpec }));
  let client: LanguageClient | undefined;
  try {
    client = await startLanguageClient(context, isSpec, (n) => status.set(n.uri, n.network, n.reason), output);
  } catch (e) {
    output.appendLine(`Language server failed to start: ${(e as Error).stack ?? e}`);
    void vscode.window.showErrorMessage(`TAO: the language server failed to start: ${(e as Error).message}`);
  }
  return {
    client,
    networkOf: (uri) => {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      return doc ? status.networkOf(doc) : undefined;
    },
    renders: (page) => panels.renders.filter((r) => !page || r.page === page),
    isSpec,
    cancelRuns: cancelAllRuns,
    showPanel: (page, folders) => { panels.show(page, folders); },
  };
}

export function deactivate(): void {
  // The language client and panels are disposed through context.subscriptions.
}
