// Diagnostics analysed in a small pool of worker threads, so that a document that takes
// seconds to analyse never stalls the main thread, where every request is answered.
//
// Scheduling: at most one queued job per document (a newer version replaces the queued one)
// and at most one running job per document (so a document edited on every keystroke holds
// one worker, not all of them). A running job that a newer version or a close supersedes
// may finish within STALE_BUDGET_MS of its start; past that its worker is terminated and a
// fresh one started when next needed, since a worker cannot be interrupted mid-analysis.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { AnalyzeRequest, WorkerMessage, WorkerStart } from './analysis-protocol';
import type { DiagnosticsJob, DiagnosticsRunner, JobOutcome } from './diagnostics-runner';

/**
 * How long a superseded analysis may still run. Ordinary specs finish in a few milliseconds
 * and keep their worker; a hostile one is stopped rather than finished for nothing. Stopping
 * costs a new worker (about 100 ms of start-up on that thread, none on the main one).
 */
export const STALE_BUDGET_MS = 250;

/** Heap cap per worker: a pathological document fails its worker, not the whole server. */
const WORKER_HEAP_MB = 2048;

export interface PoolOptions {
  size: number;
  /** The worker's compiled entry file (analysis-worker.js). */
  workerFile: string;
  start: WorkerStart;
  onSettled: (outcome: JobOutcome) => void;
  log: (message: string) => void;
  staleBudgetMs?: number;
  /** Takes the jobs when no worker thread can be started at all. */
  fallback: DiagnosticsRunner;
}

interface Running {
  id: number;
  job: DiagnosticsJob;
  startedAt: number;
  superseded: boolean;
  stopTimer?: NodeJS.Timeout;
}

interface Slot {
  worker?: Worker;
  running?: Running;
}

export class AnalysisPool implements DiagnosticsRunner {
  private readonly slots: Slot[];
  /** Queued jobs by document, oldest first; each document's newest version only. */
  private readonly queued = new Map<string, DiagnosticsJob>();
  private nextId = 1;
  private disposed = false;
  private readonly staleBudgetMs: number;

  constructor(private readonly options: PoolOptions) {
    this.slots = Array.from({ length: Math.max(1, options.size) }, () => ({}));
    this.staleBudgetMs = options.staleBudgetMs ?? STALE_BUDGET_MS;
  }

  submit(job: DiagnosticsJob): void {
    if (this.disposed) return;
    // Re-queued at the back: a document changed on every keystroke does not starve the others.
    this.queued.delete(job.uri);
    this.queued.set(job.uri, job);
    this.supersede(job.uri);
    this.dispatch();
  }

  /**
   * Starts every worker now (called once the client has initialized): the first costly
   * document then finds a thread that has already loaded its modules, instead of paying that
   * start-up on top of its analysis. A worker that cannot start is left for start() to report.
   */
  warm(): void {
    if (this.disposed) return;
    for (const slot of this.slots) {
      if (slot.worker) continue;
      try {
        slot.worker = this.spawn(slot);
      } catch {
        // start() retries with the first job and falls back to the main thread there.
      }
    }
  }

  cancel(uri: string): void {
    this.queued.delete(uri);
    this.supersede(uri);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.queued.clear();
    const stopping: Array<Promise<number>> = [];
    for (const slot of this.slots) {
      if (slot.running?.stopTimer) clearTimeout(slot.running.stopTimer);
      slot.running = undefined;
      if (slot.worker) stopping.push(slot.worker.terminate());
      slot.worker = undefined;
    }
    await Promise.allSettled(stopping);
  }

  private supersede(uri: string): void {
    for (const slot of this.slots) {
      const running = slot.running;
      if (!running || running.job.uri !== uri || running.superseded) continue;
      running.superseded = true;
      const left = running.startedAt + this.staleBudgetMs - performance.now();
      running.stopTimer = setTimeout(() => this.stop(slot, running), Math.max(0, left));
    }
  }

  private dispatch(): void {
    for (const [uri, job] of this.queued) {
      if (this.slots.some((s) => s.running?.job.uri === uri)) continue; // its older version still runs
      const slot = this.slots.find((s) => !s.running);
      if (!slot) return;
      this.queued.delete(uri);
      this.start(slot, job);
    }
  }

  private start(slot: Slot, job: DiagnosticsJob): void {
    if (!slot.worker) {
      try {
        slot.worker = this.spawn(slot);
      } catch (error) {
        this.options.log(`analysis worker could not start (${(error as Error)?.message ?? String(error)}): analysing ${job.uri} on the main thread.`);
        this.options.fallback.submit(job);
        return;
      }
    }
    const running: Running = { id: this.nextId++, job, startedAt: performance.now(), superseded: false };
    slot.running = running;
    const request: AnalyzeRequest = { job: running.id, uri: job.uri, languageId: job.languageId, text: job.text, settings: job.settings };
    slot.worker.postMessage(request);
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(this.options.workerFile, {
      workerData: this.options.start,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      // The main thread's stdout carries the protocol: anything a worker prints goes to stderr.
      stdout: true,
      stderr: true,
    });
    // end: false, or a terminated worker would close the server's own stderr.
    worker.stdout.pipe(process.stderr, { end: false });
    worker.stderr.pipe(process.stderr, { end: false });
    // Workers never keep the process alive; the connection decides when the server exits.
    worker.unref();
    worker.on('message', (message: WorkerMessage) => this.onMessage(slot, worker, message));
    worker.on('error', (error) => this.onFailure(slot, worker, `analysis worker failed: ${error?.stack ?? String(error)}`));
    worker.on('exit', (code) => this.onFailure(slot, worker, `analysis worker exited with code ${code}`));
    return worker;
  }

  private onMessage(slot: Slot, worker: Worker, message: WorkerMessage): void {
    if (message.kind === 'log') {
      this.options.log(message.message);
      return;
    }
    const running = slot.running;
    if (slot.worker !== worker || !running || running.id !== message.job) return;
    this.finish(slot, running, message.ms, message.report);
  }

  /** A worker died on its own (a crash, its heap cap): the job it held gets no report. */
  private onFailure(slot: Slot, worker: Worker, why: string): void {
    if (slot.worker !== worker || this.disposed) return; // already replaced, or stopped on purpose
    slot.worker = undefined;
    const running = slot.running;
    this.options.log(running ? `${why} while analysing ${running.job.uri} (version ${running.job.version})` : why);
    if (running) this.finish(slot, running, performance.now() - running.startedAt, undefined);
  }

  /** Terminates a worker whose superseded job ran past the budget. */
  private stop(slot: Slot, running: Running): void {
    if (slot.running !== running || !slot.worker) return;
    const worker = slot.worker;
    slot.worker = undefined; // before terminate: its exit event is then not a failure
    void worker.terminate();
    // Replace it at once: its start-up (loading the bundle) overlaps the wait for the newer version.
    try {
      slot.worker = this.spawn(slot);
    } catch {
      // start() tries again, and falls back to the main thread if it still cannot
    }
    this.finish(slot, running, performance.now() - running.startedAt, undefined);
  }

  private finish(slot: Slot, running: Running, ms: number, report: JobOutcome['report']): void {
    if (running.stopTimer) clearTimeout(running.stopTimer);
    slot.running = undefined;
    this.options.onSettled({ job: running.job, ms, report: running.superseded ? undefined : report });
    this.dispatch();
  }
}
