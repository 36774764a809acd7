// A minimal LSP client for benchmarking: starts a server over stdio, sends the same
// notifications and requests to any server, and times them from the client's side (what an
// editor waits). Diagnostics are timed from the notification that changed the document to
// the first publishDiagnostics for that URI that follows it.
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-languageserver-protocol/node';
import { rssMiB } from '../common/util';
import type { Position } from './corpus';

export interface ServerLaunch {
  label: string;
  command: string;
  args: string[];
  initializationOptions?: unknown;
  /**
   * Settings by section, answered to workspace/configuration pulls (both servers pull:
   * yaml-language-server 1.25 ignores pushed values); a didChangeConfiguration after
   * `initialized` tells the server to pull.
   */
  configuration?: Record<string, unknown>;
  /** The server's own quiet period before it publishes diagnostics after a change/open. */
  debounceOpenMs: number;
  debounceChangeMs: number;
}

interface Waiter {
  uri: string;
  after: number;
  /** Which publication this waiter is for (a version, or the clearing one after a close). */
  accept: (version: number | undefined, diagnostics: LspDiagnostic[]) => boolean;
  resolve: (d: { at: number; count: number; diagnostics: LspDiagnostic[] }) => void;
}

export interface LspDiagnostic {
  range: { start: Position; end: Position };
  message: string;
  severity?: number;
  source?: string;
}

export class BenchClient {
  private constructor(
    readonly launch: ServerLaunch,
    private readonly child: ChildProcess,
    private readonly conn: MessageConnection,
    private readonly stderr: string[],
  ) {}

  private waiters: Waiter[] = [];
  private versions = new Map<string, number>();
  readonly latest = new Map<string, LspDiagnostic[]>();

  static async start(launch: ServerLaunch, rootDir: string): Promise<BenchClient> {
    const child = spawn(launch.command, launch.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    child.stderr!.on('data', (b: Buffer) => {
      stderr.push(b.toString());
      if (stderr.length > 50) stderr.shift();
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`${launch.label} exited with code ${code}: ${stderr.join('').slice(-2000)}`))),
    );
    exited.catch(() => undefined);
    const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new BenchClient(launch, child, conn, stderr);
    conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; version?: number; diagnostics: LspDiagnostic[] }) => client.onDiagnostics(p.uri, p.version, p.diagnostics));
    // Answer whatever the server asks (registration, progress, configuration) so it never waits on us.
    conn.onRequest((method: string, params: unknown) => {
      if (method === 'workspace/configuration') {
        const items = (params as { items?: Array<{ section?: string }> }).items ?? [];
        return items.map((i) => (i.section !== undefined ? (launch.configuration?.[i.section] ?? null) : null));
      }
      return null;
    });
    conn.onNotification(() => undefined);
    conn.listen();
    const init = conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(rootDir).href,
      workspaceFolders: [{ uri: pathToFileURL(rootDir).href, name: 'bench' }],
      clientInfo: { name: 'tao-bench' },
      capabilities: {
        textDocument: {
          synchronization: { dynamicRegistration: false },
          completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          publishDiagnostics: { relatedInformation: false },
        },
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: false }, workspaceFolders: true },
      },
      initializationOptions: launch.initializationOptions,
    });
    await Promise.race([init, exited, timeout(30_000, `${launch.label} did not answer initialize`)]);
    await conn.sendNotification('initialized', {});
    if (launch.configuration !== undefined) await conn.sendNotification('workspace/didChangeConfiguration', { settings: launch.configuration });
    // Let the server finish reacting to the settings (it may pull them and re-publish) before
    // any measurement, so no late message is taken for the answer to a later one.
    await new Promise((r) => setTimeout(r, 1000));
    return client;
  }

  get pid(): number {
    return this.child.pid!;
  }

  rss(): { rss: number; peak: number } {
    return { rss: rssMiB(this.pid, 'VmRSS'), peak: rssMiB(this.pid, 'VmHWM') };
  }

  private onDiagnostics(uri: string, version: number | undefined, diagnostics: LspDiagnostic[]): void {
    const at = performance.now();
    this.latest.set(uri, diagnostics);
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.uri === uri && at >= w.after && w.accept(version, diagnostics)) w.resolve({ at, count: diagnostics.length, diagnostics });
      else keep.push(w);
    }
    this.waiters = keep;
  }

  /**
   * The next publication for `uri` after `after` that `accept` takes. A server that sends the
   * document version (ours) is matched on it; one that does not (yaml-language-server) on order.
   */
  private waitDiagnostics(
    uri: string,
    after: number,
    label: string,
    accept: Waiter['accept'],
    ms = 60_000,
  ): Promise<{ at: number; count: number; diagnostics: LspDiagnostic[] }> {
    let waiter: Waiter | undefined;
    const got = new Promise<{ at: number; count: number; diagnostics: LspDiagnostic[] }>((resolve) => {
      waiter = { uri, after, accept, resolve };
      this.waiters.push(waiter);
    });
    return Promise.race([
      got,
      timeout(ms, `${this.launch.label}: no diagnostics for ${label} within ${ms / 1000} s`).catch((err: Error) => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        throw err;
      }),
    ]);
  }

  /** didOpen -> first diagnostics; returns wall ms and the diagnostics. */
  async open(uri: string, languageId: string, text: string): Promise<{ ms: number; diagnostics: LspDiagnostic[] }> {
    this.versions.set(uri, 1);
    const t0 = performance.now();
    const wait = this.waitDiagnostics(uri, t0, `open ${uri}`, (v) => v === undefined || v === 1);
    await this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    const got = await wait;
    return { ms: got.at - t0, diagnostics: got.diagnostics };
  }

  /** A new version with the whole text (both servers re-parse) -> first diagnostics after it. */
  async change(uri: string, text: string): Promise<{ ms: number; diagnostics: LspDiagnostic[] }> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    const t0 = performance.now();
    const wait = this.waitDiagnostics(uri, t0, `change ${uri} v${version}`, (v) => v === undefined || v === version);
    await this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    const got = await wait;
    return { ms: got.at - t0, diagnostics: got.diagnostics };
  }

  /**
   * didClose, then waits for the server's clearing publishDiagnostics (both servers send one),
   * so it cannot be mistaken for the diagnostics of a later open of the same URI.
   */
  async close(uri: string): Promise<void> {
    const t0 = performance.now();
    const cleared = this.waitDiagnostics(uri, t0, `close ${uri}`, (v, d) => v === undefined && d.length === 0, 5000).catch(() => undefined);
    await this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    this.versions.delete(uri);
    await cleared;
  }

  async completion(uri: string, position: Position): Promise<{ ms: number; items: number }> {
    const t0 = performance.now();
    const r = (await this.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position })) as { items?: unknown[] } | unknown[] | null;
    const ms = performance.now() - t0;
    const items = Array.isArray(r) ? r.length : (r?.items?.length ?? 0);
    return { ms, items };
  }

  async hover(uri: string, position: Position): Promise<{ ms: number; found: boolean }> {
    const t0 = performance.now();
    const r = await this.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position });
    return { ms: performance.now() - t0, found: !!r };
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), timeout(5000, 'shutdown')]);
      await this.conn.sendNotification('exit');
    } catch {
      // fall through to kill
    }
    await new Promise((r) => setTimeout(r, 100));
    if (this.child.exitCode === null) this.child.kill();
    this.conn.dispose();
  }

  recentStderr(): string {
    return this.stderr.join('').slice(-2000);
  }
}

function timeout(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => {
    const t = setTimeout(() => reject(new Error(message)), ms);
    t.unref();
  });
}
