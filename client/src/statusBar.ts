// The status bar item: which network the active spec is read as, and why. The server tells
// us (tao/networkDetected); until it does, the modeline is shown if there is one.

import * as vscode from 'vscode';
import { parseModeline } from './core/modeline';

export class NetworkStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('tao.network', vscode.StatusBarAlignment.Right, 100);
  private readonly known = new Map<string, { network: string; reason: string }>();
  private readonly subs: vscode.Disposable[] = [];
  private readonly setEmitter = new vscode.EventEmitter<{ uri: string; network: string; reason: string }>();
  /** Fires for every network the server (or a command) reports; the Specs tree groups by it. */
  readonly onDidSet = this.setEmitter.event;

  constructor(private readonly isSpec: (doc: vscode.TextDocument) => boolean) {
    this.item.name = 'TAO Network';
    this.item.command = 'tao.selectNetwork';
    this.subs.push(vscode.window.onDidChangeActiveTextEditor(() => this.refresh()));
    this.subs.push(vscode.workspace.onDidChangeTextDocument((e) => { if (e.document === vscode.window.activeTextEditor?.document) this.refresh(); }));
    this.subs.push(vscode.workspace.onDidCloseTextDocument((d) => this.known.delete(d.uri.toString())));
    this.refresh();
  }

  set(uri: string, network: string, reason: string): void {
    this.known.set(uri, { network, reason });
    this.refresh();
    this.setEmitter.fire({ uri, network, reason });
  }

  /** The network for a document: the server's answer, else the modeline's. */
  networkOf(doc: vscode.TextDocument): { network: string; reason: string } | undefined {
    const fromServer = this.known.get(doc.uri.toString());
    // The server sends an empty name when it recognises no network.
    if (fromServer?.network) return fromServer;
    const network = parseModeline(doc.lineCount > 0 ? doc.lineAt(0).text : '')?.fields.network;
    return network ? { network, reason: 'modeline' } : undefined;
  }

  refresh(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const isSpec = !!doc && this.isSpec(doc);
    void vscode.commands.executeCommand('setContext', 'tao.activeIsSpec', isSpec);
    if (!doc || !isSpec) {
      this.item.hide();
      return;
    }
    const n = this.networkOf(doc);
    this.item.text = n ? `$(circuit-board) ${n.network}` : '$(circuit-board) TAO: network?';
    this.item.tooltip = n ? `TAO network: ${n.network} (${n.reason}). Click to change.` : 'No TAO network detected. Click to choose one.';
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
    this.setEmitter.dispose();
    for (const s of this.subs) s.dispose();
  }
}
