// Analyses cached per document version: the diagnostics push and every request on the same
// version share one analysis. A request on a version not analysed yet analyses it on the
// spot (synchronous, a few milliseconds), so requests never wait for the debounce timer.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeSpec } from '../core/analyze';
import type { Analysis } from '../core/analyze';
import { nodeFileProbe } from '../core/node-probe';
import type { SchemaCatalog } from '../core/schema/catalog';
import { serviceDocument } from '../core/services/document';
import type { ServiceDocument } from '../core/services/document';
import type { ServerSettings } from './settings';
import { filePathOf, nameHintOf } from './uri';

export class AnalysisCache {
  private readonly byUri = new Map<string, { version: number; doc: ServiceDocument }>();

  constructor(
    private readonly catalog: () => SchemaCatalog,
    private readonly settings: () => ServerSettings,
    private readonly onError: (message: string) => void,
  ) {}

  get(document: TextDocument): ServiceDocument {
    const cached = this.byUri.get(document.uri);
    const text = document.getText();
    // The text check costs nothing when unchanged (same string) and protects against clients
    // that reuse version numbers.
    if (cached && cached.version === document.version && cached.doc.text === text) return cached.doc;
    const filePath = filePathOf(document.uri);
    const analysis = this.analyze(text, document.uri, document.languageId, filePath);
    const doc = serviceDocument(document.uri, text, analysis, this.catalog(), filePath);
    this.byUri.set(document.uri, { version: document.version, doc });
    return doc;
  }

  /** Cached analysis of exactly this version, if any (no work done). */
  peek(uri: string, version: number): ServiceDocument | undefined {
    const cached = this.byUri.get(uri);
    return cached && cached.version === version ? cached.doc : undefined;
  }

  delete(uri: string): void {
    this.byUri.delete(uri);
  }

  /** Settings or schemas changed: every analysis is out of date. */
  clear(): void {
    this.byUri.clear();
  }

  private analyze(text: string, uri: string, languageId: string, filePath: string | undefined): Analysis {
    const settings = this.settings();
    try {
      return analyzeSpec(text, {
        filePath: filePath ?? nameHintOf(uri, languageId),
        catalog: this.catalog(),
        settings: { fileNetworks: settings.fileNetworks },
        taoVersion: settings.version,
        // Relative paths of an unsaved document have no folder to be relative to.
        probe: settings.pathCheck && filePath ? nodeFileProbe : undefined,
        mountsFile: settings.mountsFile,
      });
    } catch (error) {
      // A bug in the core must not take the document's features down with it.
      this.onError(`analysis of ${uri} failed: ${(error as Error)?.stack ?? String(error)}`);
      return emptyAnalysis(text, languageId);
    }
  }
}

export function emptyAnalysis(text: string, languageId: string): Analysis {
  const dialect = /yaml/i.test(languageId) ? 'hydra-yaml' : 'prototext';
  return {
    spec: { dialect, text, root: { kind: 'map', span: { start: 0, end: text.length }, entries: [] }, comments: [], diagnostics: [] },
    detection: { source: 'none', reason: 'The spec could not be analysed (internal error; see the server log).', candidates: [] },
    diagnostics: [],
  };
}
