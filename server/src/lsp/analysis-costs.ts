// How long analysing a document is expected to take, from what its last analysis (in a
// worker) cost. Requests analyse a version on the main thread only when that is cheap: a
// hostile document must not hold up every other document's completion and hover.

/** The most a request may spend analysing on the main thread (the goal is 50 ms answers). */
export const INLINE_BUDGET_MS = 100;

/**
 * Documents this small are always analysed for a request: the slowest input seen (stray
 * quotes through the general YAML parser) costs about 2 ms per KB, so 32 KB stays near 60 ms.
 */
const ALWAYS_AFFORDABLE_CHARS = 32 * 1024;

/** Before any measurement of a document: the slowest rate seen, per character. */
const PRIOR_MS_PER_CHAR = 2 / 1024;

export class AnalysisCosts {
  private readonly byUri = new Map<string, { ms: number; length: number }>();

  /** An analysis of `length` characters took `ms` (or was stopped after `ms`: a lower bound). */
  record(uri: string, length: number, ms: number): void {
    this.byUri.set(uri, { ms, length });
  }

  /** Expected ms for `length` characters: analysis is linear, so scale the last rate. */
  estimate(uri: string, length: number): number {
    const last = this.byUri.get(uri);
    const rate = last && last.length >= ALWAYS_AFFORDABLE_CHARS ? last.ms / last.length : PRIOR_MS_PER_CHAR;
    return rate * length;
  }

  affordable(uri: string, length: number): boolean {
    return length <= ALWAYS_AFFORDABLE_CHARS || this.estimate(uri, length) <= INLINE_BUDGET_MS;
  }

  delete(uri: string): void {
    this.byUri.delete(uri);
  }
}
