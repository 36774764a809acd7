// Starts the language server (dist/server.js, a Node module spoken to over stdio) and
// routes TAO spec documents to it. YAML is shared with every other YAML file in a
// workspace, so YAML documents that are not TAO specs are kept away from TAO's features
// by middleware rather than by the selector (the selector cannot look at content).

import * as vscode from 'vscode';
import * as fs from 'node:fs';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

export const NETWORK_DETECTED = 'tao/networkDetected';

export interface NetworkDetected {
  uri: string;
  network: string;
  reason: string;
}

export async function startLanguageClient(
  context: vscode.ExtensionContext,
  isSpec: (doc: vscode.TextDocument) => boolean,
  onNetwork: (n: NetworkDetected) => void,
  output: vscode.LogOutputChannel,
): Promise<LanguageClient | undefined> {
  const module = context.asAbsolutePath('dist/server.js');
  if (!fs.existsSync(module)) {
    output.appendLine(`Language server not found at ${module}; spec checking is unavailable.`);
    void vscode.window.showErrorMessage('TAO: the language server (dist/server.js) is missing from this installation.');
    return undefined;
  }
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const gate = (doc: vscode.TextDocument): boolean => doc.languageId !== 'yaml' || isSpec(doc);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { language: 'tao-prototext', scheme: 'file' },
      { language: 'tao-prototext', scheme: 'untitled' },
      { language: 'yaml', scheme: 'file' },
      { language: 'yaml', scheme: 'untitled' },
    ],
    outputChannel: output,
    synchronize: { configurationSection: 'tao' },
    middleware: {
      provideCompletionItem: (doc, pos, ctx, token, next) => (gate(doc) ? next(doc, pos, ctx, token) : undefined),
      provideHover: (doc, pos, token, next) => (gate(doc) ? next(doc, pos, token) : undefined),
      provideCodeActions: (doc, range, ctx, token, next) => (gate(doc) ? next(doc, range, ctx, token) : undefined),
      provideDocumentFormattingEdits: (doc, opts, token, next) => (gate(doc) ? next(doc, opts, token) : undefined),
      handleDiagnostics: (uri, diagnostics, next) => {
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        next(uri, doc && !gate(doc) ? [] : diagnostics);
      },
    },
  };
  const client = new LanguageClient('tao', 'TAO Spec Language Server', serverOptions, clientOptions);
  context.subscriptions.push(client.onNotification(NETWORK_DETECTED, (p: NetworkDetected) => {
    if (p && typeof p.uri === 'string' && typeof p.network === 'string') onNetwork({ uri: p.uri, network: p.network, reason: String(p.reason ?? '') });
  }));
  await client.start();
  context.subscriptions.push(client);
  return client;
}
