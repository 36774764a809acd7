// The language server: wires LSP requests to the pure feature modules in core/services.
// Every handler is guarded: on an internal error it logs to the client's console and
// answers an empty result, so a bad document can never hang or crash a request.
// Diagnostics of costly documents are analysed off the main thread (runner-factory.ts); cheap
// ones (analysis-costs.ts) are analysed here, and their analysis then serves requests too. A
// request analyses on the main thread only a cheap document, so one hostile document cannot
// make every other document's completion and hover wait.
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import type { Connection, InitializeParams, InitializeResult } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { nodeFileProbe } from '../core/node-probe';
import { onKerasReaderLoaded } from '../core/keras-names-node';
import { readMounts } from '../core/rules/paths';
import { MemorySchemaCatalog } from '../core/schema/catalog';
import type { SchemaCatalog } from '../core/schema/catalog';
import { codeActions } from '../core/services/code-actions';
import { complete } from '../core/services/completion';
import type { DirectoryReader, ServiceDocument } from '../core/services/document';
import { foldingRanges } from '../core/services/folding';
import { formatDocument, formatRange } from '../core/services/formatting';
import { hover } from '../core/services/hover';
import { documentSymbols } from '../core/services/symbols';
import { toLspDiagnostics } from '../core/services/diagnostics';
import type { SpecDiagnostic } from '../core/tree';
import { AnalysisCache } from './analyses';
import { AnalysisCosts } from './analysis-costs';
import { openCatalog } from './catalog';
import { diagnosticsReport, type DiagnosticsReport } from './diagnostics-report';
import type { DiagnosticsRunner, JobOutcome } from './diagnostics-runner';
import { DataScans } from './data-scans';
import type { DataScanResult } from './data-scans';
import { createDiagnosticsRunner } from './runner-factory';
import { DEFAULT_SETTINGS, readSettings, taoSection } from './settings';
import type { ServerSettings } from './settings';
import { filePathOf } from './uri';

export const NETWORK_DETECTED = 'tao/networkDetected';
export const LIST_NETWORKS = 'tao/listNetworks';
/** Quiet period after the last keystroke before diagnostics are pushed. */
export const DIAGNOSTICS_DELAY_MS = 150;
/**
 * How long the data checks may run before the document's other diagnostics are published:
 * enough to answer from cached folders in one go, too little to be noticed when they cannot.
 */
const DATA_FIRST_SLICE_MS = 10;

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
  const costs = new AnalysisCosts();
  const directories = directoryReader(() => settings.mountsFile);
  const timers = new Map<string, NodeJS.Timeout>();
  const lastNetwork = new Map<string, string>();
  /** The version last handed to the runner, per document (the open handler's, to skip its change event). */
  const submitted = new Map<string, number>();
  /** Bumped when settings change: analyses started before are out of date. */
  let generation = 0;
  /** The published report of each document's current version, to merge data findings into. */
  const baseReports = new Map<string, { version: number; report: DiagnosticsReport }>();
  /** Data-check findings per document version (their quick fixes answer code actions). */
  const dataFound = new Map<string, { version: number; diagnostics: SpecDiagnostic[] }>();
  const budget = Number(process.env.TAO_SPEC_DATA_BUDGET_MS);
  const dataScans = new DataScans({
    onDone: (result) => safeDataDone(result),
    budgetMs: Number.isFinite(budget) && budget > 0 ? budget : undefined,
  });
  /** Created at initialize, when the schemas folder is known; until then nothing is open. */
  let runner: DiagnosticsRunner | undefined;

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

  /**
   * The analysed document for a request; undefined for a document the client never opened,
   * and for one too costly to analyse here (requests on it answer empty until it is cheap).
   */
  function docFor(uri: string): ServiceDocument | undefined {
    const document = documents.get(uri);
    if (!document) return undefined;
    const ready = cache.peek(uri, document.version);
    if (ready) return ready;
    return costs.affordable(uri, document.getText().length) ? cache.get(document) : undefined;
  }

  /**
   * Diagnostics for the document's current version. A document whose analysis is cheap (under
   * analysis-costs.ts's budget) is analysed right here, into the request cache, so the
   * completion or hover that follows a keystroke finds it ready, as before workers existed;
   * a costly one goes to the workers, so it never holds up the main thread.
   */
  function analyse(uri: string): void {
    const document = documents.get(uri);
    if (!document || !runner) return;
    submitted.set(uri, document.version);
    const text = document.getText();
    if (costs.affordable(uri, text.length)) {
      runner.cancel(uri);
      const t0 = performance.now();
      const doc = cache.get(document);
      const report = diagnosticsReport(doc.analysis, text);
      settled({ job: { uri, version: document.version, languageId: document.languageId, text, settings, generation }, ms: performance.now() - t0, report });
      return;
    }
    runner.submit({ uri, version: document.version, languageId: document.languageId, text, settings, generation });
  }

  const safeAnalyse = guard<string, void>('diagnostics', undefined, analyse);

  /** A job is done (or stopped): learn its cost, and publish it if it is still current. */
  function settled(outcome: JobOutcome): void {
    const { job, ms, report } = outcome;
    const document = documents.get(job.uri);
    if (!document) return; // closed meanwhile
    costs.record(job.uri, job.text.length, ms);
    if (!report || document.version !== job.version || job.generation !== generation) return;
    baseReports.set(job.uri, { version: job.version, report });
    dataFound.delete(job.uri);
    const found = startDataScan(job.uri, job.version, job.generation);
    publish(job.uri, job.version, found && found.length > 0 ? withData(job.uri, report, found) : report);
  }

  /**
   * Starts the data checks of a version whose diagnostics are about to be published. Returns
   * their findings when they finish within DATA_FIRST_SLICE_MS (cached folders), else they go
   * on between other work and are merged in when done (dataDone).
   */
  function startDataScan(uri: string, version: number, gen: number): SpecDiagnostic[] | undefined {
    dataScans.cancel(uri);
    if (!settings.dataCheck) return undefined;
    const document = documents.get(uri);
    const filePath = filePathOf(uri);
    // Relative dataset paths need the spec's folder; a costly document is not analysed here.
    if (!document || document.version !== version || !filePath || !costs.affordable(uri, document.getText().length)) return undefined;
    const analysis = cache.get(document).analysis;
    if (!analysis.network) return undefined;
    const check = { spec: analysis.spec, network: analysis.network, filePath, probe: nodeFileProbe, mountsFile: settings.mountsFile };
    const found = dataScans.start(uri, version, gen, check, DATA_FIRST_SLICE_MS);
    if (found) dataFound.set(uri, { version, diagnostics: found });
    return found;
  }

  function dataDone(result: DataScanResult): void {
    const { uri, version } = result;
    const document = documents.get(uri);
    const base = baseReports.get(uri);
    if (!document || document.version !== version || result.generation !== generation || !base || base.version !== version) return;
    dataFound.set(uri, { version, diagnostics: result.diagnostics });
    if (result.diagnostics.length > 0) publish(uri, version, withData(uri, base.report, result.diagnostics));
  }

  const safeDataDone = guard<DataScanResult, void>('data checks', undefined, dataDone);

  /** The report with the data findings added (as LSP diagnostics on the current text). */
  function withData(uri: string, report: DiagnosticsReport, found: SpecDiagnostic[]): DiagnosticsReport {
    const document = documents.get(uri);
    if (!document) return report;
    const lines = cache.get(document).lines;
    return { ...report, diagnostics: [...report.diagnostics, ...toLspDiagnostics(found, lines)] };
  }

  function publish(uri: string, version: number, report: DiagnosticsReport): void {
    void connection.sendDiagnostics({ uri, version, diagnostics: report.diagnostics });
    const key = `${report.network}\u0000${report.detectionSource}\u0000${report.detectionReason}`;
    if (lastNetwork.get(uri) !== key) {
      lastNetwork.set(uri, key);
      const params: NetworkDetectedParams = { uri, network: report.network, reason: report.detectionReason, source: report.detectionSource };
      void connection.sendNotification(NETWORK_DETECTED, params);
    }
  }

  const safeSettled = guard<JobOutcome, void>('diagnostics', undefined, settled);

  function schedule(uri: string): void {
    const pending = timers.get(uri);
    if (pending) clearTimeout(pending);
    timers.set(
      uri,
      setTimeout(() => {
        timers.delete(uri);
        safeAnalyse(uri);
      }, DIAGNOSTICS_DELAY_MS),
    );
  }

  // A pretrained .hdf5 named by a spec is read once its reader has loaded (it loads on the
  // first such spec); the documents checked meanwhile are checked again.
  onKerasReaderLoaded(() => republishAll());

  function republishAll(): void {
    cache.clear();
    lastNetwork.clear();
    generation++;
    for (const document of documents.all()) safeAnalyse(document.uri);
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
    const schemasDir = typeof options.schemasDir === 'string' ? options.schemasDir : process.env.TAO_SPEC_SCHEMAS_DIR;
    catalog = openCatalog(schemasDir, log);
    runner ??= createDiagnosticsRunner({ schemasDir, catalog: () => catalog, onSettled: safeSettled, log });
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
    runner?.warm?.();
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
    safeAnalyse(event.document.uri);
  });
  documents.onDidChangeContent((event) => {
    const { uri, version } = event.document;
    if (submitted.get(uri) === version) return; // the open handler already submitted this version
    dataScans.cancel(uri); // its findings are for a text that no longer exists
    schedule(uri);
  });
  documents.onDidClose((event) => {
    const uri = event.document.uri;
    const pending = timers.get(uri);
    if (pending) clearTimeout(pending);
    timers.delete(uri);
    runner?.cancel(uri);
    dataScans.cancel(uri);
    baseReports.delete(uri);
    dataFound.delete(uri);
    cache.delete(uri);
    costs.delete(uri);
    submitted.delete(uri);
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
      if (!doc) return [];
      const found = dataFound.get(params.textDocument.uri);
      const current = found && found.version === documents.get(params.textDocument.uri)?.version ? found.diagnostics : undefined;
      return codeActions(doc, { range: params.range, only: params.context.only, extraDiagnostics: current });
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
