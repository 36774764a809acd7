// What every editor feature receives: one version of a document with its analysis. The
// language server builds it once per version and hands the same object to every request,
// so completion, hover and code actions never re-parse a document that has not changed.
import type { Analysis } from '../analyze';
import type { SchemaCatalog } from '../schema/catalog';
import { LineIndex } from '../text';

export interface ServiceDocument {
  uri: string;
  /** Absolute path on disk; absent for unsaved (untitled) documents. */
  filePath?: string;
  text: string;
  lines: LineIndex;
  analysis: Analysis;
  catalog: SchemaCatalog;
}

/** Directory listing for path completion, injected so the services stay free of I/O. */
export interface DirectoryReader {
  list(dir: string): Array<{ name: string; isDirectory: boolean }> | undefined;
  homeDir(): string;
  /** TAO launcher mounts (host `source` -> container `destination`), for container paths. */
  mounts?(): Array<{ source: string; destination: string }>;
}

export function serviceDocument(uri: string, text: string, analysis: Analysis, catalog: SchemaCatalog, filePath?: string): ServiceDocument {
  return { uri, filePath, text, lines: new LineIndex(text), analysis, catalog };
}
