// Helpers every benchmark shares: argument flags, percentiles, log-log slopes, the machine
// description that goes next to each figure, and plain-text tables. No benchmark logic here.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface BenchArgs {
  quick: boolean;
  json: boolean;
  /** Remaining `--key value` / `--flag` pairs. */
  extra: Map<string, string | true>;
}

export function parseArgs(argv: string[] = process.argv.slice(2)): BenchArgs {
  const extra = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) extra.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) extra.set(a.slice(2), argv[++i]);
    else extra.set(a.slice(2), true);
  }
  return { quick: extra.has('quick'), json: extra.has('json'), extra };
}

/** A numeric `--key value` of a worker's arguments; the fallback when absent, else required. */
export function numArg(args: Map<string, string | true>, key: string, fallback?: number): number {
  const v = args.get(key);
  if (v === undefined || v === true) {
    if (fallback === undefined) throw new Error(`--${key} is required`);
    return fallback;
  }
  return Number(v);
}

/** Repository root: bench scripts run from out/bench/<area>/, sources live in bench/<area>/. */
export function repoRoot(): string {
  return resolve(__dirname, '..', '..', '..');
}

export function sharedDir(): string {
  return resolve(repoRoot(), '..', 'shared');
}

/** Nearest-rank percentile of a sample (p in 0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Least-squares slope of log(y) against log(x): cost ~ x^slope. */
export function logLogSlope(xs: number[], ys: number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

export function round(v: number, digits = 3): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export interface MachineInfo {
  model: string;
  cores: number;
  load: string;
  node: string;
  date: string;
}

export function machineInfo(): MachineInfo {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const out = execFileSync('lscpu', { encoding: 'utf8' });
    model = /Model name:\s*(.+)/.exec(out)?.[1].trim() ?? model;
  } catch {
    // lscpu missing: keep os.cpus()' name
  }
  return {
    model,
    cores: cpus().length,
    load: loadavg().map((l) => l.toFixed(2)).join(', '),
    node: process.version,
    date: new Date().toISOString(),
  };
}

export function describeMachine(m: MachineInfo = machineInfo()): string {
  return `${m.date} | ${m.model}, ${m.cores} cores | load average ${m.load} | node ${m.node}`;
}

/** Resident memory of a process in MiB (VmRSS, or VmHWM for the peak), from /proc. */
export function rssMiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** A markdown table (what RESULTS.md holds); numbers keep 4 significant digits. */
export function markdownTable(headers: string[], rows: Array<Array<unknown>>): string {
  const cell = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)))) : String(v).replace(/\|/g, '\\|'));
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

function fmt(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Prints a failure the way every bench does and exits non-zero. */
export function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Runs a step of a benchmark with its progress on our stderr; returns its stdout, or fails with the reason. */
export function runStep(label: string, command: string, args: string[], timeoutS: number): string {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) fail(`${label} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}${r.error ? `, ${r.error.message}` : ''}): ${(r.stdout ?? '').trim().split('\n').slice(-5).join(' | ')}`);
  return r.stdout ?? '';
}

/** The JSON object a step printed as its last stdout line; fails when there is none or it reports an error. */
export function lastJsonLine(label: string, stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) fail(`${label}: no JSON result on stdout (${line.slice(0, 200)})`);
  const j = JSON.parse(line) as Record<string, unknown>;
  if (j.error) fail(`${label}: ${String(j.error)}`);
  return j;
}
