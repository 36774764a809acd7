// `npm run bench`: the quick set of every benchmark (each with --quick --json, one after the
// other so they never compete for the 2 cores), then one summary table. Takes about 12 minutes
// on a quiet 2-core machine, 8 to 9 of them the detection benchmark (`-- --only NAME,...`
// picks benchmarks). `-- --json` prints every collected line instead, tagged with `bench`.
// Exits non-zero when any benchmark fails (for example a peer that cannot run).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describeMachine, log, machineInfo, parseArgs, repoRoot, table } from './common/util';

type Json = Record<string, unknown>;

const BENCHES = ['lsp', 'lsp-hostile', 'train', 'detect', 'detect-prune', 'prune', 'scaling', 'core'];

function run(name: string): { lines: Json[]; ok: boolean; seconds: number } {
  const t0 = performance.now();
  const date = new Date().toISOString();
  log(`== bench ${name} (--quick)`);
  // The LSP bench also reports its protobuf-text figures (ours only) when asked.
  const extra = name === 'lsp' ? ['--proto-json'] : [];
  const r = spawnSync(process.execPath, [join(repoRoot(), 'out', 'bench', name, 'main.js'), '--quick', '--json', ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  const lines = (r.stdout ?? '')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => ({ bench: name, date, ...(JSON.parse(l) as Json) }));
  return { lines, ok: r.status === 0, seconds: (performance.now() - t0) / 1000 };
}

function main(): void {
  const args = parseArgs();
  const only = args.extra.get('only');
  const names = typeof only === 'string' ? only.split(',') : BENCHES;
  const machine = machineInfo();
  const results = names.map((n) => ({ name: n, ...run(n) }));
  const all = results.flatMap((r) => r.lines);
  if (args.json) {
    for (const l of all) process.stdout.write(JSON.stringify(l) + '\n');
  } else {
    const out: string[] = ['', `Quick benchmark set — ${describeMachine(machine)}`, ''];
    const lsp = all.filter((l) => l.bench === 'lsp' && l.peer_ms_p50 !== undefined);
    const proto = all.filter((l) => l.bench === 'lsp' && String(l.kind).startsWith('proto_') && l.ours_ms_p50 !== undefined);
    if (lsp.length) {
      out.push('Language server vs yaml-language-server (ms; ratio = peer/ours, > 1 means we are faster)');
      out.push(table(['kind', 'ours p50', 'peer p50', 'ratio', 'ours p95', 'peer p95', 'ratio p95', 'floor p50', 'over floor'], lsp.map((l) => [String(l.kind), l.ours_ms_p50 as number, l.peer_ms_p50 as number, l.ratio as number, l.ours_ms_p95 as number, l.peer_ms_p95 as number, l.ratio_p95 as number, l.floor_ms_p50 === undefined ? '' : (l.floor_ms_p50 as number), l.floor_ms_p50 === undefined ? '' : l.ratio_above_floor === null ? 'at floor' : (l.ratio_above_floor as number)])));
      out.push('floor: a server doing no work, same client and sequence (the protocol cost); over floor = (peer - floor) / (ours - floor)');
      const m = lsp[0];
      if (proto.length) out.push('Protobuf-text specs, ours only (ms)', table(['kind', 'ours p50', 'ours p95'], proto.map((l) => [String(l.kind), l.ours_ms_p50 as number, l.ours_ms_p95 as number])));
      out.push(`RSS MiB: ours ${m.ours_rss_mib} vs peer ${m.peer_rss_mib} (10k-line spec open: ${m.ours_rss_10k_mib} vs ${m.peer_rss_10k_mib}); injected errors found: ours ${lsp.find((l) => l.kind === 'diagnostics_open')?.ours_found}, peer ${lsp.find((l) => l.kind === 'diagnostics_open')?.peer_found} of ${lsp.find((l) => l.kind === 'diagnostics_open')?.injected}`, '');
    }
    const train = all.filter((l) => l.bench === 'train');
    if (train.length) {
      out.push('Engine vs PyTorch 1.13 on CPU, 1 thread each (images/s; ratio = ours/PyTorch)');
      out.push(table(['model', 'data', 'backend', 'train ours', 'train torch', 'ratio', 'infer ours', 'infer torch', 'ratio', '% core peak ours/torch'], train.map((l) => (l.error ? [String(l.model), String(l.dataset), String(l.backend), 'ERROR', '', '', '', '', '', ''] : [String(l.model), String(l.dataset), String(l.backend), l.ours_train_img_s as number, l.pytorch_train_img_s as number, l.train_ratio as number, l.ours_infer_img_s as number, l.pytorch_infer_img_s as number, l.infer_ratio as number, `${(100 * (l.ours_train_peak_frac as number)).toFixed(1)} / ${(100 * (l.pytorch_train_peak_frac as number)).toFixed(1)}`]))));
      out.push('');
    }
    const detect = all.filter((l) => l.bench === 'detect');
    if (detect.length) {
      out.push('Detection: DetectNet_v2, engine vs PyTorch 1.13, same records, recipe and initial weights, 1 thread each (images/s; ratio = ours/PyTorch)');
      out.push(table(['model', 'backend', 'input', 'epochs', 'mAP ours', 'mAP torch', 'diff (points)', 'train ours', 'train torch', 'ratio', 'infer ours', 'infer torch', 'ratio'], detect.map((l) => [String(l.model), String(l.backend), String(l.input), l.epochs as number, l.ours_map as number, l.pytorch_map as number, l.map_diff_points as number, l.ours_train_img_s as number, l.pytorch_train_img_s as number, l.train_ratio as number, l.ours_infer_img_s as number, l.pytorch_infer_img_s as number, l.infer_ratio as number])));
      out.push('');
    }
    const detectPrune = all.filter((l) => l.bench === 'detect-prune');
    if (detectPrune.length) {
      out.push('Detection pruning: DetectNet_v2 train -> prune -> re-train (mAP; images/s unpruned -> pruned; speed-up = pruned / unpruned)');
      out.push(table(['model', 'input', 'params kept', 'mAP', 'mAP retrained', 'diff (points)', 'mAP unpruned, same epochs', 'diff (points)', 'engine speed-up', 'ORT speed-up'], detectPrune.map((l) => [String(l.model), String(l.input), l.params_ratio as number, l.map_unpruned as number, l.map_retrained as number, l.map_diff_points as number, l.map_unpruned_same_epochs as number, l.map_diff_points_same_epochs as number, l.engine_speedup as number, l.ort_speedup as number])));
      out.push('');
    }
    const prune = all.filter((l) => l.bench === 'prune');
    if (prune.length) {
      out.push('Pruning (Fashion-MNIST: train one pass, prune, retrain one pass)');
      out.push(table(['model', 'threshold', 'params', 'pruned', 'infer img/s', 'pruned img/s', 'acc', 'acc retrained'], prune.map((l) => [String(l.model), String(l.threshold), l.params_before as number, l.params_after as number, l.infer_img_s_before as number, l.infer_img_s_after as number, l.accuracy_before as number, l.accuracy_after_retrain as number])));
      out.push('');
    }
    const scaling = all.filter((l) => l.bench === 'scaling');
    if (scaling.length) {
      out.push('Scaling (log-log slope: 1 = linear)');
      out.push(table(['curve', 'side', 'x', 'y', 'slope'], scaling.map((l) => [`${l.kind}: ${l.what}`, String(l.side), (l.x as number[]).join(', '), (l.y as number[]).join(', '), l.slope as number])));
      out.push('');
    }
    const core = all.filter((l) => l.bench === 'core');
    if (core.length) {
      out.push('Core analysis (analyzeSpec over the real corpus)');
      out.push(table(['dialect', 'files', 'ms p50', 'ms p95', 'MB/s'], core.map((l) => [String(l.dialect), l.files as number, l.ms_p50 as number, l.ms_p95 as number, l.mb_per_s as number])));
      out.push('');
    }
    out.push(results.map((r) => `${r.name}: ${r.ok ? 'ok' : 'FAILED'} in ${r.seconds.toFixed(0)} s`).join('; '));
    process.stdout.write(out.join('\n') + '\n');
  }
  if (results.some((r) => !r.ok)) process.exit(1);
}

main();
