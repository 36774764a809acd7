// status.json writer. TAO appends one JSON object per event to RESULTS/status.json; its tools
// (and this project's run panel) tail that file, so the keys and formats match TAO's:
// date "m/d/yyyy", time "h:m:s", times as Python timedelta strings ("0:01:23.456789").
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type StatusLevel = 'STARTED' | 'RUNNING' | 'SUCCESS' | 'FAILURE' | 'SKIPPED';

export interface StatusEvent {
  status: StatusLevel;
  message: string;
  verbosity?: 'INFO' | 'WARNING' | 'ERROR' | 'DEBUG';
  epoch?: number;
  max_epoch?: number;
  step?: number;
  max_step?: number;
  time_per_epoch?: string;
  time_per_step?: string;
  eta?: string;
  graphical?: Record<string, number>;
  kpi?: Record<string, number>;
  categorical?: Record<string, unknown>;
  /** Our addition (TAO does not write it): the TensorFlow.js backend that ran the task. */
  backend?: string;
}

export interface StatusWriter {
  readonly path: string;
  write(event: StatusEvent): void;
}

/** Python `str(timedelta(seconds=s))`: "H:MM:SS" or "H:MM:SS.ffffff", with "N day(s), " above 24h. */
export function timedelta(seconds: number): string {
  const s = Math.max(0, seconds);
  const days = Math.floor(s / 86400);
  let rest = s - days * 86400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  const whole = Math.floor(rest);
  const micros = Math.round((rest - whole) * 1e6);
  // Rounding can carry into the next second; keep it simple and clamp.
  const us = Math.min(micros, 999999);
  const base = `${h}:${String(m).padStart(2, '0')}:${String(whole).padStart(2, '0')}`;
  const frac = us > 0 ? '.' + String(us).padStart(6, '0') : '';
  const dayPart = days > 0 ? `${days} day${days === 1 ? '' : 's'}, ` : '';
  return dayPart + base + frac;
}

function stamp(now: Date): { date: string; time: string } {
  return {
    date: `${now.getMonth() + 1}/${now.getDate()}/${now.getFullYear()}`,
    time: `${now.getHours()}:${now.getMinutes()}:${now.getSeconds()}`,
  };
}

export function createStatusWriter(path: string): StatusWriter {
  mkdirSync(dirname(path), { recursive: true });
  return {
    path,
    write(event) {
      const { date, time } = stamp(new Date());
      const line = { date, time, verbosity: 'INFO', ...event };
      appendFileSync(path, JSON.stringify(line) + '\n');
    },
  };
}
