// `tao-engine doctor [--json]`: every backend, whether it loads here, its device and package
// versions, and for each one that does not load the missing piece and the command that
// installs it; then the backend `auto` would use.
//
// Each backend is probed in a child process (`doctor --probe NAME`): loading a backend is
// one-way (tfjs-node and tfjs-node-gpu both register `tensorflow`, Dawn keeps its instance),
// and a native crash while probing one must not take the report down with it.
import { execFile } from 'node:child_process';
import { AUTO_ORDER, type ConcreteBackend } from '../backend';
import { probeBackend, type BackendReport } from '../backend/probe';

export interface DoctorReport {
  node: string;
  platform: string;
  tfjs?: string;
  /** The backend `auto` would use, or undefined when none loads. */
  auto?: ConcreteBackend;
  backends: BackendReport[];
}

const PROBE_TIMEOUT_MS = 120_000;

function usage(): string {
  return `Usage: tao-engine doctor [--json]

Checks every TensorFlow.js backend the engine can use (${AUTO_ORDER.join(', ')}):
whether it loads and computes here, on which device or GPU adapter, with which package
versions; for each that does not, what is missing and the command that installs it.

  --json    one JSON object on stdout (for tools and the editor extension)

Exit code 0 when at least one backend works, 1 when none does.
`;
}

/** Runs `doctor --probe NAME` in a new process of this same program. */
function probeInChild(backend: ConcreteBackend): Promise<BackendReport> {
  return new Promise((resolvePromise) => {
    const args = [...process.execArgv, process.argv[1], 'doctor', '--probe', backend];
    execFile(process.execPath, args, { timeout: PROBE_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const line = stdout.split('\n').reverse().find((l) => l.startsWith('{'));
      if (line) {
        try {
          resolvePromise(JSON.parse(line) as BackendReport);
          return;
        } catch {
          // Fall through to the failure report.
        }
      }
      const e = err as (Error & { killed?: boolean; signal?: string | null; code?: number | string | null }) | null;
      const how = e?.killed ? `did not finish within ${PROBE_TIMEOUT_MS / 1000} s` : e?.signal ? `crashed (${e.signal})` : `failed (exit code ${String(e?.code ?? 'unknown')})`;
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      resolvePromise({ backend, loads: false, auto: false, versions: {}, problem: `loading it ${how}${tail ? `: ${tail}` : ''}`, fixes: [], notes: [] });
    });
  });
}

export async function collectReport(): Promise<DoctorReport> {
  const backends = await Promise.all(AUTO_ORDER.map((b) => probeInChild(b)));
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    tfjs: backends.map((b) => b.versions['@tensorflow/tfjs']).find(Boolean),
    auto: backends.find((b) => b.loads && b.auto)?.backend,
    backends,
  };
}

function versions(r: BackendReport): string {
  return Object.entries(r.versions)
    .filter(([name]) => name !== '@tensorflow/tfjs')
    .map(([name, v]) => `${name} ${v}`)
    .join(', ');
}

export function formatReport(report: DoctorReport): string {
  const out = [`TAO engine setup: Node ${report.node}, ${report.platform}, @tensorflow/tfjs ${report.tfjs ?? 'not installed'}`, ''];
  // "  <backend 15> <state 9> <text>"; detail lines start under <text>.
  const pad = ' '.repeat(2 + 15 + 1 + 9);
  for (const r of report.backends) {
    const state = r.loads ? (r.software ? 'software' : 'ok') : 'no';
    const what = r.loads ? (r.description ?? r.backend) : r.problem ?? 'does not load';
    out.push(`  ${r.backend.padEnd(15)} ${state.padEnd(9)}${what}`);
    const v = versions(r);
    if (v) out.push(`${pad}versions: ${v}`);
    // A backend that loads can still lack its better half (webgpu: a hardware adapter).
    if (r.loads && r.problem) out.push(`${pad}but: ${r.problem}`);
    for (const fix of r.fixes) out.push(`${pad}fix: ${fix}`);
    for (const note of r.notes) out.push(`${pad}note: ${note}`);
  }
  out.push('', report.auto ? `auto uses: ${report.auto}` : 'no backend works: see the fixes above');
  return out.join('\n') + '\n';
}

/** `tao-engine doctor ...`; returns the exit code. */
export async function doctor(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage());
    return 0;
  }
  const probeAt = argv.indexOf('--probe');
  if (probeAt >= 0) {
    const name = argv[probeAt + 1] as ConcreteBackend;
    if (!AUTO_ORDER.includes(name)) {
      process.stderr.write(`error: --probe takes one of ${AUTO_ORDER.join(', ')}\n`);
      return 2;
    }
    process.stdout.write(JSON.stringify(await probeBackend(name)) + '\n');
    return 0;
  }
  const unknown = argv.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    process.stderr.write(`error: unknown argument ${unknown[0]} (usage: tao-engine doctor [--json])\n`);
    return 2;
  }
  const report = await collectReport();
  process.stdout.write(argv.includes('--json') ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
  return report.backends.some((b) => b.loads) ? 0 : 1;
}
