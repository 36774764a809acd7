// Text progress bar with rate and ETA for long loops (training epochs, dataset loading).
import type { Logger } from './log';
import { timedelta } from './status';

export class Progress {
  private readonly started = Date.now();
  private last = 0;
  private lastQuarter = 0;

  constructor(private readonly log: Logger, private readonly label: string, private readonly total: number, private readonly unit = 'img') {}

  update(done: number, units: number, extra = ''): void {
    const now = Date.now();
    if (now - this.last < 200 && done < this.total) return;
    this.last = now;
    const elapsed = (now - this.started) / 1000;
    const width = 24;
    const filled = Math.round((done / Math.max(1, this.total)) * width);
    const rate = elapsed > 0 ? units / elapsed : 0;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : 0;
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    // Without a terminal (logs, CI) a line per quarter of long loops still shows progress.
    const quarter = Math.floor((4 * done) / Math.max(1, this.total));
    if (!process.stderr.isTTY && this.total >= 2000 && quarter > this.lastQuarter && done < this.total) {
      this.lastQuarter = quarter;
      this.log.info(`${this.label}: ${done}/${this.total} ${rate.toFixed(1)} ${this.unit}/s ETA ${timedelta(Math.round(eta))} ${extra}`);
      return;
    }
    this.log.progress(`${this.label} [${bar}] ${done}/${this.total} ${rate.toFixed(1)} ${this.unit}/s ETA ${timedelta(Math.round(eta))} ${extra}`);
  }

  finish(): void {
    this.log.done();
  }
}
