// Analyses cached per document version for requests on the main thread: every request on
// the same version shares one analysis. A request on a version not analysed yet analyses it
// on the spot (synchronous, a few milliseconds), so requests never wait for the debounce
// timer; the server asks analysis-costs.ts first whether that is affordable. Diagnostics are
// analysed elsewhere (analysis-pool.ts).
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SchemaCatalog } from '../core/schema/catalog';
import { serviceDocument } from '../core/services/document';
import type { ServiceDocument } from '../core/services/document';
import { analyzeDocument } from './document-analysis';
import type { ServerSettings } from './settings';
import { filePathOf } from './uri';

export { emptyAnalysis } from './document-analysis';

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
    const analysis = analyzeDocument({ uri: document.uri, languageId: document.languageId, text }, this.catalog(), this.settings(), this.onError);
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
}
