// `npm run bench:core [-- --quick] [-- --json]`: the language core alone (analyzeSpec, what the
// CLI, the server and the tests call) over the real spec corpus in ../shared/tao-specs: per-file
// latency (p50/p95) and throughput per dialect. No peer: this is the floor under every LSP figure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzeSpec } from '../../server/src/core/analyze';
import { FileSchemaCatalog } from '../../server/src/core/schema/catalog';
import { describeMachine, fail, log, machineInfo, parseArgs, percentile, repoRoot, round, sharedDir, table } from '../common/util';

function main(): void {
  const args = parseArgs();
  const machine = machineInfo();
  const reps = args.quick ? 3 : 10;
  let rows: string[][] = [];
  try {
    rows = readFileSync(join(sharedDir(), 'tao-specs', 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
  } catch (err) {
    fail(`the real spec corpus is missing: ${(err as Error).message}`);
  }
  const catalog = new FileSchemaCatalog(join(repoRoot(), 'schemas'));
  const files = rows.map((c) => {
    const path = join(sharedDir(), 'tao-specs', c[0].replace('/', '__'), c[7]);
    return { path, dialect: c[9], text: readFileSync(path, 'utf8') };
  });
  // Warm-up: every schema loaded and every code path compiled once.
  for (const f of files) analyzeSpec(f.text, { filePath: f.path, catalog });
  const by = new Map<string, { ms: number[]; bytes: number; total: number; files: number; errors: number }>();
  for (let r = 0; r < reps; r++) {
    for (const f of files) {
      const t0 = performance.now();
      const a = analyzeSpec(f.text, { filePath: f.path, catalog });
      const ms = performance.now() - t0;
      const entry = by.get(f.dialect) ?? { ms: [], bytes: 0, total: 0, files: 0, errors: 0 };
      entry.ms.push(ms);
      entry.total += ms;
      entry.bytes += f.text.length;
      if (r === 0) {
        entry.files += 1;
        entry.errors += a.diagnostics.filter((d) => d.severity === 'error').length;
      }
      by.set(f.dialect, entry);
    }
  }
  const lines = [...by.entries()].map(([dialect, e]) => ({
    kind: 'analyze',
    dialect,
    files: e.files,
    ms_p50: round(percentile(e.ms, 50)),
    ms_p95: round(percentile(e.ms, 95)),
    mb_per_s: round(e.bytes / 1e6 / (e.total / 1000), 2),
    errors_reported: e.errors,
    reps,
  }));
  log(`core: ${describeMachine(machine)}`);
  if (args.json) {
    for (const l of lines) process.stdout.write(JSON.stringify({ ...l, quick: args.quick, load: machine.load, date: machine.date }) + '\n');
    return;
  }
  process.stdout.write(
    [`analyzeSpec over ${files.length} real specs, ${reps} rounds`, describeMachine(machine), '', table(['dialect', 'files', 'ms p50', 'ms p95', 'MB/s', 'errors'], lines.map((l) => [l.dialect, l.files, l.ms_p50, l.ms_p95, l.mb_per_s, l.errors_reported]))].join('\n') + '\n',
  );
}

main();
