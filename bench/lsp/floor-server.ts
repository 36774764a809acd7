// The transport floor: a language server that does no work at all, run over stdio beside the
// two real servers. It speaks the same protocol through the same library (vscode-languageserver)
// and answers every request with an empty result at once; it publishes empty diagnostics right
// after open and after the same quiet period our server waits after a change.
// What it measures: the time any server on this machine needs to receive a message, wake up,
// answer and have the client read the answer. A real server's latency minus this floor is its
// own work; a ratio between two servers cannot exceed what that floor leaves room for.
import { createConnection, TextDocuments, TextDocumentSyncKind } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

/** `--change-delay-ms N`: the quiet period after a change (the bench passes our server's). */
function changeDelayMs(): number {
  const at = process.argv.indexOf('--change-delay-ms');
  const value = at >= 0 ? Number(process.argv[at + 1]) : NaN;
  if (!Number.isFinite(value) || value < 0) throw new Error('floor-server: --change-delay-ms N is required');
  return value;
}

const CHANGE_DELAY_MS = changeDelayMs();

const connection = createConnection();
const documents = new TextDocuments(TextDocument);
const timers = new Map<string, NodeJS.Timeout>();

function publish(uri: string): void {
  const document = documents.get(uri);
  if (document) void connection.sendDiagnostics({ uri, version: document.version, diagnostics: [] });
}

connection.onInitialize(() => ({
  capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental, hoverProvider: true, completionProvider: { resolveProvider: false } },
  serverInfo: { name: 'tao-bench-floor' },
}));
connection.onHover(() => null);
connection.onCompletion(() => ({ isIncomplete: false, items: [] }));

documents.onDidOpen((event) => publish(event.document.uri));
documents.onDidChangeContent((event) => {
  const { uri, version } = event.document;
  if (version === 1) return; // the open itself, already published
  clearTimeout(timers.get(uri));
  timers.set(
    uri,
    setTimeout(() => {
      timers.delete(uri);
      publish(uri);
    }, CHANGE_DELAY_MS),
  );
});
documents.onDidClose((event) => {
  clearTimeout(timers.get(event.document.uri));
  timers.delete(event.document.uri);
  void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
});

documents.listen(connection);
connection.listen();
