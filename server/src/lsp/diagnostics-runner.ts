// Where diagnostics analysis runs. The server submits the newest version of a document and
// hears back once per submitted job; it decides itself whether a result is still current.
import type { DiagnosticsReport } from './diagnostics-report';
import type { ServerSettings } from './settings';

export interface DiagnosticsJob {
  uri: string;
  version: number;
  languageId: string;
  text: string;
  settings: ServerSettings;
  /** Bumped by the server when settings or schemas change; older results are out of date. */
  generation: number;
}

export interface JobOutcome {
  job: DiagnosticsJob;
  /** Time spent on it (for a stopped job, until it was stopped: a lower bound of its cost). */
  ms: number;
  /** Undefined when the job was superseded and stopped, or its worker failed. */
  report?: DiagnosticsReport;
}

export interface DiagnosticsRunner {
  /** Analyse this version; it supersedes any earlier job for the same document. */
  submit(job: DiagnosticsJob): void;
  /** Start what the first job would otherwise wait for (threads, their module load); optional. */
  warm?(): void;
  /** The document was closed: drop its queued job and stop wanting the running one. */
  cancel(uri: string): void;
  dispose(): Promise<void>;
}
