// Messages between the server's main thread and its analysis workers (worker_threads,
// structured clone). Kept to plain data: the text goes in, a DiagnosticsReport comes out.
import type { DiagnosticsReport } from './diagnostics-report';
import type { ServerSettings } from './settings';

/** Given to each worker at start (workerData). */
export interface WorkerStart {
  /** Schemas folder; undefined means the ones shipped with the server. */
  schemasDir?: string;
}

export interface AnalyzeRequest {
  /** Unique per submitted job; the answer carries it back. */
  job: number;
  uri: string;
  languageId: string;
  text: string;
  settings: ServerSettings;
}

export type WorkerMessage =
  | { kind: 'done'; job: number; ms: number; report: DiagnosticsReport }
  | { kind: 'log'; message: string };
