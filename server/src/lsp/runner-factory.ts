// Picks where diagnostics are analysed: worker threads by default, the main thread when
// TAO_SPEC_ANALYSIS_WORKERS=0 (the old behaviour, kept for measuring) or when no worker can
// start (for instance a bundle shipped without dist/analysis-worker.js).
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { SchemaCatalog } from '../core/schema/catalog';
import { AnalysisPool } from './analysis-pool';
import type { DiagnosticsRunner, JobOutcome } from './diagnostics-runner';
import { InlineRunner } from './inline-runner';

/** Two workers: a hostile document holds one, every other document is served by the other. */
const DEFAULT_WORKERS = 2;

export interface RunnerOptions {
  schemasDir?: string;
  catalog: () => SchemaCatalog;
  onSettled: (outcome: JobOutcome) => void;
  log: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

export function createDiagnosticsRunner(options: RunnerOptions): DiagnosticsRunner {
  const size = workerCount(options.env ?? process.env);
  const inline = (): DiagnosticsRunner => new InlineRunner(options.catalog, options.onSettled, options.log);
  if (size === 0) return inline();
  // Bundled, the worker sits next to dist/server.js; transpiled (out/), next to this module.
  const workerFile = join(__dirname, 'analysis-worker.js');
  if (!existsSync(workerFile)) {
    options.log(`${workerFile} is missing: diagnostics are analysed on the main thread.`);
    return inline();
  }
  // Workers start with the first document, not here: a server started only to be asked its
  // capabilities (or shut down at once) should not pay for threads it never uses.
  return new AnalysisPool({ size, workerFile, start: { schemasDir: options.schemasDir }, onSettled: options.onSettled, log: options.log, fallback: inline() });
}

function workerCount(env: NodeJS.ProcessEnv): number {
  const raw = env.TAO_SPEC_ANALYSIS_WORKERS;
  const asked = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  if (Number.isInteger(asked) && asked >= 0) return Math.min(asked, 8);
  return Math.max(1, Math.min(DEFAULT_WORKERS, cpus().length));
}
