// A small LSP client for this benchmark: it must send edits without waiting for their
// diagnostics (bench/lsp's client waits on every change), time single requests, and count
// every publishDiagnostics per document and version.
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-languageserver-protocol/node';

export interface Published {
  uri: string;
  version?: number;
  count: number;
  at: number;
}

export class HostileBenchClient {
  readonly published: Published[] = [];
  private listeners: Array<(p: Published) => void> = [];

  private constructor(private readonly child: ChildProcess, private readonly conn: MessageConnection) {}

  /** Starts `node server --stdio` with extra environment variables and initializes it. */
  static async start(server: string, env: Record<string, string>): Promise<HostileBenchClient> {
    const child = spawn(process.execPath, [server, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new HostileBenchClient(child, conn);
    conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; version?: number; diagnostics: unknown[] }) => {
      const entry = { uri: p.uri, version: p.version, count: p.diagnostics.length, at: performance.now() };
      client.published.push(entry);
      for (const l of client.listeners) l(entry);
    });
    conn.onRequest(() => null);
    conn.onNotification(() => undefined);
    conn.listen();
    // Path checks off: the generated documents name paths that exist nowhere.
    await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: { settings: { tao: { pathCheck: false } } } });
    await conn.sendNotification('initialized', {});
    return client;
  }

  open(uri: string, languageId: string, text: string): Promise<void> {
    return this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  }

  /** Inserts `text` at a position: one keystroke. Does not wait for anything. */
  insert(uri: string, version: number, position: { line: number; character: number }, text: string): Promise<void> {
    return this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: position, end: position }, text }] });
  }

  close(uri: string): Promise<void> {
    return this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** Wall ms from sending a hover to its answer. */
  async hover(uri: string, position: { line: number; character: number }): Promise<{ ms: number; found: boolean }> {
    const t0 = performance.now();
    const r = await this.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position });
    return { ms: performance.now() - t0, found: !!r };
  }

  /** The first publication for `uri` that `match` accepts (already received or future). */
  waitForPublished(uri: string, match: (p: Published) => boolean, ms: number): Promise<Published> {
    const found = this.published.find((p) => p.uri === uri && match(p));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== listener);
        reject(new Error(`no diagnostics for ${uri} within ${ms} ms`));
      }, ms);
      const listener = (p: Published): void => {
        if (p.uri !== uri || !match(p)) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
        resolve(p);
      };
      this.listeners.push(listener);
    });
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 5000))]);
      await this.conn.sendNotification('exit');
    } catch {
      // killed below
    }
    await new Promise((r) => setTimeout(r, 100));
    if (this.child.exitCode === null) this.child.kill();
    this.conn.dispose();
  }
}
