// Runs the core's dataset checks (core/data) on the main thread without holding it: each
// document's scan advances a few milliseconds at a time, with setImmediate between slices
// so protocol messages, other documents' diagnostics and requests go first. A newer version
// of the document, a settings change or closing it drops the scan; a scan past its time
// budget stops with what it found. Folder results stay in a cache keyed by modification time.
import { performance } from 'node:perf_hooks';
import { DataRun, MemoryDataCache } from '../core/data';
import type { DataCheckOptions } from '../core/data';
import type { SpecDiagnostic } from '../core/tree';

export interface DataScanResult {
  uri: string;
  version: number;
  generation: number;
  diagnostics: SpecDiagnostic[];
  ms: number;
}

interface Scan {
  uri: string;
  version: number;
  generation: number;
  run: DataRun;
  started: number;
}

export interface DataScanOptions {
  onDone(result: DataScanResult): void;
  /** Time one slice may take before yielding to the event loop. */
  sliceMs?: number;
  /** Time a scan may take in all (wall clock, slices and waits between them). */
  budgetMs?: number;
}

export class DataScans {
  readonly cache = new MemoryDataCache(512);
  private readonly scans = new Map<string, Scan>();
  private pumping = false;
  private readonly sliceMs: number;
  readonly budgetMs: number;

  constructor(private readonly options: DataScanOptions) {
    this.sliceMs = options.sliceMs ?? 4;
    this.budgetMs = options.budgetMs ?? 4000;
  }

  /**
   * Starts a scan (replacing the document's earlier one). It first runs up to `firstSliceMs`
   * right away: when the answer is that quick (folders already cached), it is returned, so
   * the caller can publish everything together instead of twice.
   */
  start(uri: string, version: number, generation: number, check: Omit<DataCheckOptions, 'cache'>, firstSliceMs = 0): SpecDiagnostic[] | undefined {
    this.cancel(uri);
    const run = new DataRun({ ...check, cache: this.cache });
    const started = performance.now();
    if (firstSliceMs > 0 && run.step(started + firstSliceMs, () => performance.now())) return run.diagnostics;
    this.scans.set(uri, { uri, version, generation, run, started });
    this.pump();
    return undefined;
  }

  cancel(uri: string): void {
    this.scans.delete(uri);
  }

  /** Whether a scan is running for this version (tests and logs). */
  running(uri: string): boolean {
    return this.scans.has(uri);
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    setImmediate(() => this.slice());
  }

  private slice(): void {
    this.pumping = false;
    for (const scan of [...this.scans.values()]) {
      if (this.scans.get(scan.uri) !== scan) continue;
      const now = performance.now();
      let done = scan.run.step(now + this.sliceMs, () => performance.now());
      if (!done && performance.now() - scan.started > this.budgetMs) {
        scan.run.stop(this.budgetMs);
        done = true;
      }
      if (done) {
        this.scans.delete(scan.uri);
        this.options.onDone({ uri: scan.uri, version: scan.version, generation: scan.generation, diagnostics: scan.run.diagnostics, ms: performance.now() - scan.started });
      }
    }
    if (this.scans.size > 0) this.pump();
  }
}
