// The language server: wires LSP requests to the pure feature modules in core/services.
// Every handler is guarded: on an internal error it logs to the client's console and
// answers an empty result, so a bad document can never hang or crash a request.
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import type { Connection, InitializeParams, InitializeResult } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { nodeFileProbe } from '../core/node-probe';
import { readMounts } from '../core/rules/paths';
import { FileSchemaCatalog, getDefaultCatalog, MemorySchemaCatalog } from '../core/schema/catalog';
import type { SchemaCatalog } from '../core/schema/catalog';
import { codeActions } from '../core/services/code-actions';
import { complete } from '../core/services/completion';
import { toLspDiagnostics } from '../core/services/diagnostics';
import type { DirectoryReader, ServiceDocument } from '../core/services/document';
import { foldingRanges } from '../core/services/folding';
import { formatDocument, formatRange } from '../core/services/formatting';
import { hover } from '../core/services/hover';
import { documentSymbols } from '../core/services/symbols';
import { AnalysisCache } from './analyses';
import { DEFAULT_SETTINGS, readSettings, taoSection } from './settings';
import type { ServerSettings } from './settings';

export const NETWORK_DETECTED = 'tao/networkDetected';
export const LIST_NETWORKS = 'tao/listNetworks';
/** Quiet period after the last keystroke before diagnostics are pushed. */
export const DIAGNOSTICS_DELAY_MS = 150;

export interface NetworkDetectedParams {
  uri: string;
  /** Empty when no network was recognised. */
  network: string;
  reason: string;
  source: string;
}

/** Folder listings for path completion; `mounts` reads TAO's mounts file when asked. */
function directoryReader(mountsFile: () => string | undefined): DirectoryReader {
  return {
    list(dir) {
      try {
        return readdirSync(dir, { withFileTypes: true })
          .slice(0, 2000)
          .map((d) => ({ name: d.name, isDirectory: d.isDirectory() }));
      } catch {
        return undefined;
      }
    },
    homeDir: () => homedir(),
    mounts: () => readMounts(nodeFileProbe, mountsFile()),
  };
}

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  let settings: ServerSettings = DEFAULT_SETTINGS;
  let catalog: SchemaCatalog = new MemorySchemaCatalog({});
  let pullConfiguration = false;
  let retriggerCommand: string | undefined;
  const log = (message: string): void => {
    try {
      connection.console.error(message);
    } catch {
      // the connection is gone; nothing left to tell
    }
  };
  const cache = new AnalysisCache(() => catalog, () => settings, log);
  const directories = directoryReader(() => settings.mountsFile);
  const timers = new Map<string, NodeJS.Timeout>();
  const lastNetwork = new Map<string, string>();

  /** Runs a handler; on an exception logs it and returns the fallback answer. */
  function guard<P, R>(name: string, fallback: R, handler: (params: P) => R): (params: P) => R {
    return (params: P) => {
      try {
        return handler(params);
      } catch (error) {
        log(`${name} failed: ${(error as Error)?.stack ?? String(error)}`);
        return fallback;
      }
    };
  }

  /** The analysed document for a request, or undefined for a document the client never opened. */
  function docFor(uri: string): ServiceDocument | undefined {
    const document = documents.get(uri);
    return document ? cache.get(document) : undefined;
  }

  function publish(uri: string): void {
    const document = documents.get(uri);
    if (!document) return;
    const doc = cache.get(document);
    void connection.sendDiagnostics({ uri, version: document.version, diagnostics: toLspDiagnostics(doc.analysis.diagnostics, doc.lines) });
    const { network, detection } = doc.analysis;
    const key = `${network ?? ''}\u0000${detection.source}\u0000${detection.reason}`;
    if (lastNetwork.get(uri) !== key) {
      lastNetwork.set(uri, key);
      const params: NetworkDetectedParams = { uri, network: network ?? '', reason: detection.reason, source: detection.source };
      void connection.sendNotification(NETWORK_DETECTED, params);
    }
  }

  const safePublish = guard<string, void>('diagnostics', undefined, publish);

  function schedule(uri: string): void {
    const pending = timers.get(uri);
    if (pending) clearTimeout(pending);
    timers.set(
      uri,
      setTimeout(() => {
        timers.delete(uri);
        safePublish(uri);
      }, DIAGNOSTICS_DELAY_MS),
    );
  }

  function republishAll(): void {
    cache.clear();
    lastNetwork.clear();
    for (const document of documents.all()) safePublish(document.uri);
  }

  async function refreshSettings(pushed?: unknown): Promise<void> {
    try {
      if (pullConfiguration) {
        // A client with nothing configured answers null: keep what initializationOptions gave.
        const pulled: unknown = await connection.workspace.getConfiguration('tao');
        if (pulled !== null && pulled !== undefined) settings = readSettings(pulled);
      } else if (pushed !== undefined) {
        settings = readSettings(taoSection(pushed));
      }
    } catch (error) {
      log(`reading settings failed, using defaults: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    // initializationOptions: `{ schemasDir?, settings?: { tao: {...} } }` or `{ tao: {...} }` (Helix sends its `config` table as is).
    const options = (params.initializationOptions ?? {}) as { schemasDir?: unknown; settings?: unknown; tao?: unknown };
    catalog = openCatalog(typeof options.schemasDir === 'string' ? options.schemasDir : process.env.TAO_SPEC_SCHEMAS_DIR, log);
    if (options.settings !== undefined) settings = readSettings(taoSection(options.settings));
    else if (options.tao !== undefined) settings = readSettings(options.tao);
    pullConfiguration = !!params.capabilities.workspace?.configuration;
    if (/visual studio code|vscode/i.test(params.clientInfo?.name ?? '')) retriggerCommand = 'editor.action.triggerSuggest';
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        // ' ' and ':' open enum/boolean values after `key: `; '/' and '"' paths; '=' the modeline's networks.
        completionProvider: { triggerCharacters: [' ', ':', '/', '"', '='], resolveProvider: false },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        documentFormattingProvider: true,
        documentRangeFormattingProvider: true,
      },
      serverInfo: { name: 'tao-spec-server', version: '0.1.0' },
    };
  });

  connection.onInitialized(async () => {
    if (pullConfiguration) {
      try {
        await connection.client.register(DidChangeConfigurationNotification.type, { section: 'tao' });
      } catch {
        // dynamic registration unsupported: the client pushes changes on its own or never
      }
      await refreshSettings();
      republishAll();
    }
  });

  connection.onDidChangeConfiguration(async (change) => {
    await refreshSettings(change.settings);
    republishAll();
  });

  documents.onDidOpen((event) => {
    // First diagnostics without delay: the user just opened the file and waits for them.
    safePublish(event.document.uri);
  });
  documents.onDidChangeContent((event) => {
    const { uri, version } = event.document;
    if (cache.peek(uri, version)) return; // the open handler already published this version
    schedule(uri);
  });
  documents.onDidClose((event) => {
    const uri = event.document.uri;
    const pending = timers.get(uri);
    if (pending) clearTimeout(pending);
    timers.delete(uri);
    cache.delete(uri);
    lastNetwork.delete(uri);
    void connection.sendDiagnostics({ uri, diagnostics: [] });
  });

  connection.onCompletion(
    guard('completion', { isIncomplete: false, items: [] }, (params) => {
      const doc = docFor(params.textDocument.uri);
      const triggerCharacter = params.context?.triggerKind === 2 ? params.context.triggerCharacter : undefined;
      return doc ? complete(doc, params.position, { directories, retriggerCommand, triggerCharacter }) : { isIncomplete: false, items: [] };
    }),
  );
  connection.onHover(
    guard('hover', null, (params) => {
      const doc = docFor(params.textDocument.uri);
      return doc ? hover(doc, params.position) : null;
    }),
  );
  connection.onCodeAction(
    guard('codeAction', [], (params) => {
      const doc = docFor(params.textDocument.uri);
      return doc ? codeActions(doc, { range: params.range, only: params.context.only }) : [];
    }),
  );
  connection.onDocumentSymbol(
    guard('documentSymbol', [], (params) => {
      const doc = docFor(params.textDocument.uri);
      return doc ? documentSymbols(doc) : [];
    }),
  );
  connection.onFoldingRanges(
    guard('foldingRange', [], (params) => {
      const doc = docFor(params.textDocument.uri);
      return doc ? foldingRanges(doc) : [];
    }),
  );
  connection.onDocumentFormatting(
    guard('formatting', [], (params) => {
      const doc = docFor(params.textDocument.uri);
      return doc ? formatDocument(doc, params.options) : [];
    }),
  );
  connection.onDocumentRangeFormatting(
    guard('rangeFormatting', [], (params) => {
      const doc = docFor(params.textDocument.uri);
      return doc ? formatRange(doc, params.range, params.options) : [];
    }),
  );
  connection.onRequest(
    LIST_NETWORKS,
    guard('listNetworks', [] as Array<{ network: string; dialect: string }>, () =>
      Object.entries(catalog.index().networks)
        .map(([network, entry]) => ({ network, dialect: entry.dialect }))
        .sort((a, b) => a.network.localeCompare(b.network)),
    ),
  );

  documents.listen(connection);
  connection.listen();
}

/** Schemas from an explicit folder, else the ones shipped with the server; never throws. */
function openCatalog(dir: string | undefined, log: (message: string) => void): SchemaCatalog {
  try {
    if (dir) {
      const catalog = new FileSchemaCatalog(dir);
      catalog.index();
      return catalog;
    }
    return getDefaultCatalog();
  } catch (error) {
    log(`TAO schemas unavailable (${(error as Error)?.message ?? String(error)}); only syntax is checked.`);
    return new MemorySchemaCatalog({});
  }
}
