// Turns the JSON lines of benchmark runs into bench/RESULTS.md: every figure next to the exact
// command that produced it, the date, the machine and its load at the time.
//   node out/bench/report.js --in FILE.jsonl --command "npm run -s bench -- --json" [--in ... --command ...] > bench/RESULTS.md
// Several --in/--command pairs may be given (e.g. the quick set plus a full run of one bench).
import { readFileSync } from 'node:fs';
import { machineInfo, markdownTable } from './common/util';
import { machinePeak } from './train/peak';

type Json = Record<string, unknown>;

const md = markdownTable;

function main(): void {
  const argv = process.argv.slice(2);
  const runs: Array<{ file: string; command: string }> = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--in') runs.push({ file: argv[++i], command: '' });
    else if (argv[i] === '--command' && runs.length) runs[runs.length - 1].command = argv[++i];
  }
  const m = machineInfo();
  const peak = machinePeak();
  const out: string[] = ['# Benchmark results', ''];
  out.push(`Machine: ${m.model}, ${m.cores} cores (lscpu), ${peak.ghz.toFixed(2)} GHz nominal${peak.avx512 ? ', AVX2 + AVX-512' : ''}; Node ${m.node}.`);
  out.push('The machine is shared with other builds and test runs; the load average at the start of each run is given with its figures.');
  out.push('Regenerate with the commands below; the section "How the figures are made" in docs/benchmarks.md explains each one.');
  out.push('');
  for (const run of runs) {
    const lines = readFileSync(run.file, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Json);
    const [cmd, ...about] = run.command.split('   ');
    out.push(`## \`${cmd}\`${about.length ? ` ${about.join(' ').trim()}` : ''}`);
    const benches = [...new Set(lines.map((l) => String(l.bench ?? 'single')))];
    for (const b of benches) {
      const ls = lines.filter((l) => String(l.bench ?? 'single') === b);
      const load = `${ls[0]?.load}${ls[0]?.date ? `, started ${ls[0].date}` : ''}`;
      const quick = ls[0]?.quick;
      const kind = String(ls[0]?.kind ?? '');
      out.push('');
      if (ls.some((l) => l.ours_ms_p50 !== undefined && l.peer_ms_p50 !== undefined)) {
        out.push(`### Language server vs yaml-language-server ${quick ? '(quick)' : '(full)'} — load average ${load}`, '');
        out.push('Milliseconds. ratio = peer / ours (> 1: ours is faster). Diagnostics times have each server\'s own debounce subtracted (raw wall times in the JSON).');
        out.push('floor = a server that does no work at all (bench/lsp/floor-server.ts), measured over stdio in the same sequence: the protocol\'s fixed cost on this machine. over floor = (peer - floor) / (ours - floor) at p50, the ratio of the two servers\' own work. max = peer / floor, the best ratio any server could show on this transport (p50 / p95).', '');
        const cmp = ls.filter((l) => l.ours_ms_p50 !== undefined && l.peer_ms_p50 !== undefined);
        out.push(md(['kind', 'mode', 'corpus', 'ours p50', 'peer p50', 'ratio p50', 'ours p95', 'peer p95', 'ratio p95', 'floor p50', 'floor p95', 'over floor', 'max p50 / p95', 'n'], cmp.map((l) => [l.kind, l.mode, l.corpus, l.ours_ms_p50, l.peer_ms_p50, l.ratio, l.ours_ms_p95, l.peer_ms_p95, l.ratio_p95, l.floor_ms_p50, l.floor_ms_p95, l.floor_ms_p50 === undefined ? '' : (l.ratio_above_floor ?? 'ours at floor'), l.max_possible_ratio === undefined ? '' : `${l.max_possible_ratio} / ${l.max_possible_ratio_p95}`, l.n])));
        const short = cmp.filter((l) => (l.ratio as number) < 3 || (l.ratio_p95 as number) < 3);
        const describe = (l: Json): string => `${l.kind} (${l.ratio} / ${l.ratio_p95}${l.max_possible_ratio !== undefined ? `; max on this transport ${l.max_possible_ratio} / ${l.max_possible_ratio_p95}` : ''})`;
        out.push('', `Goal "at least 3x faster on every request kind, p50 and p95": met for ${cmp.length - short.length} of ${cmp.length} kinds${short.length ? `; not met for ${short.map(describe).join(', ')}` : ''}.`);
        const impossible = short.filter((l) => l.max_possible_ratio !== undefined && ((l.max_possible_ratio as number) < 3 || (l.max_possible_ratio_p95 as number) < 3));
        if (impossible.length) out.push(`Out of reach for any server on this transport (even one that does nothing stays under 3x the peer): ${impossible.map((l) => l.kind).join(', ')}.`);
        const f = ls.find((l) => l.kind === 'diagnostics_open');
        if (f) {
          out.push(`Goal "no more than half the peer's memory": ${(f.memory_ratio as number) <= 0.5 ? 'met' : 'not met'} (ours/peer RSS ${f.memory_ratio}). Goal "at least as many real errors found": ${(f.ours_found as number) >= (f.peer_found as number) ? 'met' : 'not met'}.`);
          out.push('');
          out.push(`Memory (RSS, MiB, both servers holding the same documents): ours ${f.ours_rss_mib} vs peer ${f.peer_rss_mib} (ratio ${f.memory_ratio}); with the 10,000-line spec open ${f.ours_rss_10k_mib} vs ${f.peer_rss_10k_mib}; peak (VmHWM) ${f.ours_peak_mib} vs ${f.peer_peak_mib}.`);
          if (f.lib_injected !== undefined) out.push(`In-process check of the same broken inputs: ours ${f.lib_ours_found}/${f.lib_injected}, peer ${f.lib_peer_found}/${f.lib_injected}.`);
          out.push(`Injected errors found over stdio (one per broken real spec): ours ${f.ours_found}/${f.injected} (${f.ours_found_as_error} as errors), peer ${f.peer_found}/${f.injected}. Diagnostics on the unbroken real specs: ours ${f.ours_diags_on_valid} (${f.ours_errors_on_valid} errors), peer ${f.peer_diags_on_valid} (${f.peer_errors_on_valid} errors).`);
        }
        const proto = ls.filter((l) => String(l.kind).startsWith('proto_') && l.ours_ms_p50 !== undefined);
        if (proto.length) {
          out.push('', 'Protobuf-text specs, our server only (no peer exists):', '');
          out.push(md(['kind', 'ours p50', 'ours p95', 'n'], proto.map((l) => [l.kind, l.ours_ms_p50, l.ours_ms_p95, l.n])));
        }
      } else if (ls.some((l) => l.ours_train_img_s !== undefined || (l.error && l.model))) {
        out.push(`### Engine vs PyTorch on CPU ${quick ? '(quick)' : '(full)'} — load average ${load}`, '');
        out.push(`Images/s, batch 32, one thread each; ratio = ours / PyTorch. GFLOP/s = training images/s x 3 x analytic forward FLOPs; % peak against one core (${peak.perCoreGflops.toFixed(1)} GFLOP/s = ${peak.ghz.toFixed(2)} GHz x 32 FLOP/cycle, AVX2 FMA assumption; AVX-512 would double it).`, '');
        out.push(md(['model', 'data', 'input', 'backend', 'train ours', 'train PyTorch', 'train ratio', 'infer ours', 'infer PyTorch', 'infer ratio', 'MFLOP fwd/img', 'train GFLOP/s ours', 'train GFLOP/s PyTorch', '% core peak ours', '% core peak PyTorch', 'acc ours', 'acc PyTorch'],
          ls.map((l) => (l.error ? [l.model, l.dataset, '', l.backend, `error: ${l.error}`] : [l.model, l.dataset, l.input, l.backend, l.ours_train_img_s, l.pytorch_train_img_s, l.train_ratio, l.ours_infer_img_s, l.pytorch_infer_img_s, l.infer_ratio, l.mflops_forward_per_image, l.ours_train_gflops, l.pytorch_train_gflops, 100 * (l.ours_train_peak_frac as number), 100 * (l.pytorch_train_peak_frac as number), l.ours_accuracy, l.pytorch_accuracy]))));
        const multi = ls.filter((l) => l.pytorch_threads_n !== undefined);
        if (multi.length) {
          out.push('', 'PyTorch with more threads (--threads): on this shared 2-core machine the second thread competes with other jobs, so these can be lower than one thread.', '');
          out.push(md(['model', 'data', 'threads', 'PyTorch train img/s', 'PyTorch infer img/s'], multi.map((l) => [l.model, l.dataset, l.pytorch_threads_n, l.pytorch_train_img_s_n, l.pytorch_infer_img_s_n])));
        }
        const fm = ls.find((l) => l.ours_accuracy !== undefined);
        if (fm) out.push('', `Fashion-MNIST: ${fm.train_images} training images, one pass in file order, top-1 on ${fm.eval_images} test images.`);
      } else if (kind === 'prune') {
        out.push(`### Pruning ${quick ? '(quick)' : '(full)'} — load average ${load}`, '');
        out.push(md(['model', 'threshold', 'params', 'pruned params', 'weights KiB', 'pruned KiB', 'infer img/s', 'pruned infer img/s', 'speedup', 'acc trained', 'acc pruned', 'acc retrained', 'acc unpruned, 2 passes', 'train images/pass', 'eval images'],
          ls.map((l) => [l.model, l.threshold, l.params_before, l.params_after, Math.round((l.size_bytes_before as number) / 1024), Math.round((l.size_bytes_after as number) / 1024), l.infer_img_s_before, l.infer_img_s_after, l.infer_speedup, l.accuracy_before, l.accuracy_pruned_no_retrain, l.accuracy_after_retrain, l.accuracy_unpruned_two_passes, l.train_images_per_pass, l.eval_images])));
      } else if (kind === 'lsp_scaling' || kind === 'train_scaling') {
        out.push(`### Scaling ${quick ? '(quick)' : '(full)'} — load average ${load}`, '');
        out.push('Slope of a least-squares line on log-log axes: cost ~ size^slope (1 = linear).', '');
        out.push(md(['curve', 'side', 'x', 'y', 'slope'], ls.map((l) => [`${l.kind}: ${l.what}`, l.side, `${l.x_name}: ${(l.x as number[]).join(', ')}`, `${l.y_name}: ${(l.y as number[]).join(', ')}`, l.slope])));
      } else if (kind === 'errors_library') {
        const e = ls[0];
        out.push(`### Injected errors found, whole corpus, in-process — load average ${load}`, '');
        out.push(`ours ${e.lib_ours_found}/${e.lib_injected}, yaml-language-server ${e.lib_peer_found}/${e.lib_injected}.${(e.lib_ours_missed as string[]).length ? ` Ours missed: ${(e.lib_ours_missed as string[]).join(', ')}.` : ''}${(e.lib_peer_missed as string[]).length ? ` Peer missed: ${(e.lib_peer_missed as string[]).join(', ')}.` : ''}`);
      } else if (kind === 'analyze') {
        out.push(`### Core analysis ${quick ? '(quick)' : '(full)'} — load average ${load}`, '');
        out.push(md(['dialect', 'files', 'ms p50', 'ms p95', 'MB/s', 'errors reported'], ls.map((l) => [l.dialect, l.files, l.ms_p50, l.ms_p95, l.mb_per_s, l.errors_reported])));
      }
    }
    out.push('');
  }
  process.stdout.write(out.join('\n') + '\n');
}

main();
