// One open document through the core, as the server runs it: the same options whether the
// analysis feeds requests on the main thread (analyses.ts) or diagnostics in a worker
// (analysis-worker.ts), so both see the same network, settings and path checks.
import { analyzeSpec } from '../core/analyze';
import type { Analysis } from '../core/analyze';
import { nodeFileProbe } from '../core/node-probe';
import type { SchemaCatalog } from '../core/schema/catalog';
import type { ServerSettings } from './settings';
import { filePathOf, nameHintOf } from './uri';

export interface DocumentInput {
  uri: string;
  languageId: string;
  text: string;
}

export function analyzeDocument(input: DocumentInput, catalog: SchemaCatalog, settings: ServerSettings, onError: (message: string) => void): Analysis {
  const { uri, languageId, text } = input;
  const filePath = filePathOf(uri);
  try {
    return analyzeSpec(text, {
      filePath: filePath ?? nameHintOf(uri, languageId),
      catalog,
      settings: { fileNetworks: settings.fileNetworks },
      taoVersion: settings.version,
      // Relative paths of an unsaved document have no folder to be relative to.
      probe: settings.pathCheck && filePath ? nodeFileProbe : undefined,
      mountsFile: settings.mountsFile,
    });
  } catch (error) {
    // A bug in the core must not take the document's features down with it.
    onError(`analysis of ${uri} failed: ${(error as Error)?.stack ?? String(error)}`);
    return emptyAnalysis(text, languageId);
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
