// Both language services called in-process, without the protocol: ours through the same
// AnalysisCache + service functions the server's handlers call, yaml-language-server through
// its public getLanguageService() API. Each validation uses a new document version so both
// re-parse; completion and hover run on an already analysed version, as in an editor.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { AnalysisCache } from '../../server/src/lsp/analyses';
import { DEFAULT_SETTINGS } from '../../server/src/lsp/settings';
import { FileSchemaCatalog } from '../../server/src/core/schema/catalog';
import { complete } from '../../server/src/core/services/completion';
import { hover } from '../../server/src/core/services/hover';
import { toLspDiagnostics } from '../../server/src/core/services/diagnostics';
import { join } from 'node:path';
import { repoRoot } from '../common/util';
import type { Position } from './corpus';

export interface LibService {
  label: string;
  validate(doc: TextDocument): Promise<number>;
  /** The diagnostics themselves (line, severity), for counting errors found. */
  diagnostics(doc: TextDocument): Promise<Array<{ range: { start: Position; end: Position }; severity?: number }>>;
  complete(doc: TextDocument, at: Position): Promise<number>;
  hover(doc: TextDocument, at: Position): Promise<boolean>;
}

export function ourLibrary(networkGlobs: Record<string, string>, pathCheck = false): LibService {
  const catalog = new FileSchemaCatalog(join(repoRoot(), 'schemas'));
  const settings = { ...DEFAULT_SETTINGS, fileNetworks: networkGlobs, pathCheck };
  const cache = new AnalysisCache(() => catalog, () => settings, (m) => process.stderr.write(`${m}\n`));
  return {
    label: 'tao-spec (library)',
    async validate(doc) {
      const d = cache.get(doc);
      return toLspDiagnostics(d.analysis.diagnostics, d.lines).length;
    },
    async diagnostics(doc) {
      const d = cache.get(doc);
      return toLspDiagnostics(d.analysis.diagnostics, d.lines);
    },
    async complete(doc, at) {
      return complete(cache.get(doc), at, {}).items.length;
    },
    async hover(doc, at) {
      return !!hover(cache.get(doc), at);
    },
  };
}

interface PeerLanguageService {
  configure(settings: unknown): void;
  doValidation(doc: TextDocument, isKubernetes: boolean): Promise<unknown[]>;
  doComplete(doc: TextDocument, position: Position, isKubernetes: boolean): Promise<{ items: unknown[] }>;
  doHover(doc: TextDocument, position: Position): Promise<unknown>;
}

/** yaml-language-server's language service with each network's schema mapped to its folder glob. */
export function peerLibrary(schemaGlobs: Record<string, string[]>): LibService {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yls = require('yaml-language-server') as { getLanguageService(params: unknown): PeerLanguageService };
  const service = yls.getLanguageService({
    schemaRequestService: async (uri: string) => readFileSync(uri.startsWith('file:') ? fileURLToPath(uri) : uri, 'utf8'),
    workspaceContext: { resolveRelativePath: (rel: string, resource: string) => new URL(rel, resource).toString() },
    clientCapabilities: { textDocument: { completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown'] } }, hover: { contentFormat: ['markdown'] } } },
  });
  service.configure({
    validate: true,
    hover: true,
    completion: true,
    isKubernetes: false,
    schemas: Object.entries(schemaGlobs).map(([file, fileMatch]) => ({ uri: pathToFileURL(file).href, fileMatch, priority: 3 })),
  });
  return {
    label: 'yaml-language-server (library)',
    async validate(doc) {
      return (await service.doValidation(doc, false)).length;
    },
    async diagnostics(doc) {
      // The server turns the library's warnings into errors before publishing; counted alike here.
      return (await service.doValidation(doc, false)) as Array<{ range: { start: Position; end: Position }; severity?: number }>;
    },
    async complete(doc, at) {
      return (await service.doComplete(doc, at, false)).items.length;
    },
    async hover(doc, at) {
      return !!(await service.doHover(doc, at));
    },
  };
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}
