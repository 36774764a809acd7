// A minimal LSP client for the tests: spawns `node dist/server.js --stdio`, speaks the
// protocol over its pipes, records pushed diagnostics and network notifications, and lets a
// test wait for them with a deadline (a test fails, never hangs, when the server is silent).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import type { ClientCapabilities, ProtocolConnection, PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { repoRoot } from '../support/run';

export interface NetworkDetected {
  uri: string;
  network: string;
  reason: string;
  source: string;
}

export interface StartOptions {
  capabilities?: ClientCapabilities;
  initializationOptions?: unknown;
  /** Answers workspace/configuration (only asked when capabilities.workspace.configuration). */
  configuration?: unknown;
  env?: NodeJS.ProcessEnv;
  clientName?: string;
}

type Waiter<T> = { match: (value: T) => boolean; resolve: (value: T) => void };

export class TestClient {
  readonly diagnostics: PublishDiagnosticsParams[] = [];
  readonly networks: NetworkDetected[] = [];
  readonly logs: string[] = [];
  private readonly diagnosticWaiters: Array<Waiter<PublishDiagnosticsParams>> = [];
  private readonly networkWaiters: Array<Waiter<NetworkDetected>> = [];
  initializeResult: any;
  stderr = '';

  private constructor(readonly proc: ChildProcess, readonly conn: ProtocolConnection) {}

  static async start(options: StartOptions = {}): Promise<TestClient> {
    const proc = spawn(process.execPath, [resolve(repoRoot, 'dist/server.js'), '--stdio'], {
      cwd: repoRoot,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const client = new TestClient(proc, conn);
    proc.stderr!.on('data', (chunk) => (client.stderr += String(chunk)));
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      client.diagnostics.push(p);
      client.settle(client.diagnosticWaiters, p);
    });
    conn.onNotification('tao/networkDetected', (p: NetworkDetected) => {
      client.networks.push(p);
      client.settle(client.networkWaiters, p);
    });
    conn.onNotification('window/logMessage', (p: { message: string }) => {
      client.logs.push(p.message);
    });
    conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => options.configuration ?? null));
    conn.onRequest('client/registerCapability', () => null);
    conn.listen();
    client.initializeResult = await withTimeout(
      conn.sendRequest('initialize', {
        processId: process.pid,
        rootUri: null,
        capabilities: options.capabilities ?? {},
        initializationOptions: options.initializationOptions,
        clientInfo: { name: options.clientName ?? 'tao-spec tests' },
      }),
      10000,
      'initialize',
    );
    await conn.sendNotification('initialized', {});
    return client;
  }

  private settle<T>(waiters: Array<Waiter<T>>, value: T): void {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].match(value)) {
        waiters[i].resolve(value);
        waiters.splice(i, 1);
      }
    }
  }

  open(uri: string, text: string, languageId = 'tao-prototext', version = 1): Promise<void> {
    return this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  /** Replaces the whole text (a full-document change event). */
  change(uri: string, version: number, text: string): Promise<void> {
    return this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  /** An incremental change: `text` replaces the given range. */
  edit(uri: string, version: number, range: { start: { line: number; character: number }; end: { line: number; character: number } }, text: string): Promise<void> {
    return this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text }] });
  }

  close(uri: string): Promise<void> {
    return this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** The first diagnostics push (already received or future) for `uri` that matches. */
  waitForDiagnostics(uri: string, match: (p: PublishDiagnosticsParams) => boolean = () => true, ms = 5000): Promise<PublishDiagnosticsParams> {
    const test = (p: PublishDiagnosticsParams) => p.uri === uri && match(p);
    const found = this.diagnostics.find(test);
    if (found) return Promise.resolve(found);
    return withTimeout(new Promise((resolve) => this.diagnosticWaiters.push({ match: test, resolve })), ms, `diagnostics for ${uri}`);
  }

  waitForNetwork(uri: string, match: (p: NetworkDetected) => boolean = () => true, ms = 5000): Promise<NetworkDetected> {
    const test = (p: NetworkDetected) => p.uri === uri && match(p);
    const found = this.networks.find(test);
    if (found) return Promise.resolve(found);
    return withTimeout(new Promise((resolve) => this.networkWaiters.push({ match: test, resolve })), ms, `network for ${uri}`);
  }

  request<R = any>(method: string, params: unknown, ms = 5000): Promise<R> {
    return withTimeout(this.conn.sendRequest(method, params) as Promise<R>, ms, method);
  }

  /** shutdown + exit; resolves with the process exit code. */
  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => {
      if (this.proc.exitCode !== null) resolve(this.proc.exitCode);
      else this.proc.once('exit', (code) => resolve(code));
    });
    try {
      await this.request('shutdown', null);
      await this.conn.sendNotification('exit');
    } catch {
      // already gone: the kill below makes sure
    }
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 3000))]);
    this.conn.dispose();
    if (code === 'timeout') {
      this.proc.kill();
      return null;
    }
    return code;
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Splits `text` at the `|` marker: the text without it and the marker's line/character. */
export function cursor(textWithMarker: string, marker = '|'): { text: string; position: { line: number; character: number } } {
  const i = textWithMarker.indexOf(marker);
  if (i < 0) throw new Error('no cursor marker');
  const text = textWithMarker.slice(0, i) + textWithMarker.slice(i + marker.length);
  const before = text.slice(0, i).split('\n');
  return { text, position: { line: before.length - 1, character: before[before.length - 1].length } };
}
