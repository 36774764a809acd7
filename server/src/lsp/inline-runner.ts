// Diagnostics analysed on the calling (main) thread, synchronously: the server's behaviour
// before analysis workers. Used when workers are switched off (TAO_SPEC_ANALYSIS_WORKERS=0,
// e.g. to measure the difference) or cannot start.
import { performance } from 'node:perf_hooks';
import type { SchemaCatalog } from '../core/schema/catalog';
import { diagnosticsReport } from './diagnostics-report';
import { analyzeDocument } from './document-analysis';
import type { DiagnosticsJob, DiagnosticsRunner, JobOutcome } from './diagnostics-runner';

export class InlineRunner implements DiagnosticsRunner {
  constructor(
    private readonly catalog: () => SchemaCatalog,
    private readonly onSettled: (outcome: JobOutcome) => void,
    private readonly log: (message: string) => void,
  ) {}

  submit(job: DiagnosticsJob): void {
    const t0 = performance.now();
    const analysis = analyzeDocument(job, this.catalog(), job.settings, this.log);
    const report = diagnosticsReport(analysis, job.text);
    this.onSettled({ job, ms: performance.now() - t0, report });
  }

  cancel(): void {
    // nothing is ever queued
  }

  async dispose(): Promise<void> {
    // nothing to stop
  }
}
