// Collects change notifications and hands them over once things have been quiet for a moment:
// a training run appends to status.json and writes a checkpoint folder within milliseconds, and
// one refresh of the affected tree items is enough for all of it. `undefined` stands for
// "everything" and swallows the individual keys collected with it.

export class Batcher<K> {
  private pending = new Set<K>();
  private all = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly delayMs: number, private readonly flush: (keys: K[] | undefined) => void) {}

  add(key: K | undefined): void {
    if (key === undefined) this.all = true;
    else this.pending.add(key);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), this.delayMs);
  }

  private fire(): void {
    this.timer = undefined;
    const keys = this.all ? undefined : [...this.pending];
    this.pending = new Set();
    this.all = false;
    this.flush(keys);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
