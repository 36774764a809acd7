// Dataset-aware checks: the spec read together with the data it names, for the paths that
// exist on this machine. Off the normal analysis path: `analyzeSpec` never runs them. The CLI
// runs them to the end (`tao-spec check --data`); the language server runs a few milliseconds
// at a time after publishing the document's other diagnostics, drops a run when the document
// changes, and stops one that exceeds its time budget.
import type { SpecDiagnostic } from '../tree';
import { classificationChecks, CLASSIFICATION_NETWORKS } from './classification';
import { cocoChecks, COCO_NETWORKS } from './coco';
import { DataScope } from './context';
import type { DataCheckOptions, Work } from './context';
import { globChecks } from './globs';
import { kittiChecks, KITTI_NETWORKS } from './kitti';

export { MemoryDataCache, DEFAULT_DATA_LIMITS } from './context';
export type { DataCache, DataCheckOptions, DataLimits } from './context';

/** Whether a network has dataset checks beyond the file-pattern check every network gets. */
export function hasDataChecks(network: string): boolean {
  return KITTI_NETWORKS.has(network) || CLASSIFICATION_NETWORKS.has(network) || COCO_NETWORKS.has(network);
}

function* allChecks(scope: DataScope): Work<void> {
  yield* globChecks(scope);
  if (KITTI_NETWORKS.has(scope.network)) yield* kittiChecks(scope);
  if (CLASSIFICATION_NETWORKS.has(scope.network)) yield* classificationChecks(scope);
  if (COCO_NETWORKS.has(scope.network)) yield* cocoChecks(scope);
}

/** One scan, advanced in steps. */
export class DataRun {
  private readonly scope: DataScope;
  private readonly work: Work<void>;
  private finished = false;
  private stopped = false;

  constructor(options: DataCheckOptions) {
    this.scope = new DataScope(options);
    this.work = allChecks(this.scope);
  }

  get done(): boolean {
    return this.finished || this.stopped;
  }

  /** Advances until done or until `now()` passes `until`; returns whether it is done. */
  step(until: number, now: () => number): boolean {
    if (this.done) return true;
    try {
      for (;;) {
        if (this.work.next().done) {
          this.finished = true;
          return true;
        }
        if (now() >= until) return false;
      }
    } catch (error) {
      // A bug in a check must not take the server down; say what happened instead.
      this.scope.report('information', 'internal', this.scope.firstSpan ?? { start: 0, end: 0 }, `Data checks failed: ${(error as Error)?.message ?? String(error)}`);
      this.finished = true;
      return true;
    }
  }

  /** Ends a run that ran out of time: what it found stays, with a note that it is partial. */
  stop(budgetMs: number): void {
    if (this.done) return;
    this.stopped = true;
    this.work.return(undefined);
    this.scope.report('information', 'data-partial', this.scope.firstSpan ?? { start: 0, end: 0 }, `The data checks stopped after ${budgetMs} ms, before reading all the data this spec names; what they found so far is shown.`);
  }

  get diagnostics(): SpecDiagnostic[] {
    return [...this.scope.out].sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  }
}

/** Runs the data checks to the end, or until `budgetMs` has passed (the CLI's way). */
export function runDataChecks(options: DataCheckOptions, budgetMs = 60_000, now: () => number = () => Date.now()): SpecDiagnostic[] {
  const run = new DataRun(options);
  if (!run.step(now() + budgetMs, now)) run.stop(budgetMs);
  return run.diagnostics;
}
