// `npm run bench:lsp-hostile [-- --quick] [-- --json] [-- --baseline DIR]`: how a hostile
// document affects the language server (issue 16, item 3).
//
// 1. Analysis cost of each hostile document: analyzeSpec in-process (median of 3 after one
//    warm-up) and `tao-spec check` as a process (wall time, node start-up included).
// 2. Hover latency on a normal document while the hostile one is re-analysed on every
//    keystroke: one keystroke every KEY_INTERVAL_MS (past the server's 150 ms debounce, so
//    each starts an analysis), hovers on the normal document back to back in between.
//    Reported per server mode: `workers` (the default: diagnostics in worker threads) and
//    `inline` (TAO_SPEC_ANALYSIS_WORKERS=0: analysis on the main thread, as before), plus
//    `baseline` when --baseline names another build's dist/ folder (e.g. the previous
//    commit, built from `git archive`). Also: how many diagnostics pushes the hostile
//    document got for how many keystrokes, and how long after the last keystroke its final
//    diagnostics came.
// --json prints one JSON object per line: {"kind": "analysis" | "hover_during_hostile", ...}.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { analyzeSpec } from '../../server/src/core/analyze';
import { describeMachine, fail, log, machineInfo, median, parseArgs, percentile, repoRoot, round, table } from '../common/util';
import { HostileBenchClient } from './client';
import { allHostileDocs, type HostileDoc } from './documents';

const KEY_INTERVAL_MS = 250;
/** Pause between two hovers: an editor asks again as the mouse moves, not in a tight loop. */
const HOVER_GAP_MS = 10;
const ROOT = join(tmpdir(), 'tao-bench-lsp-hostile');

// classification_tf1, the document whose hovers are timed.
const NORMAL = `model_config {
  arch: "resnet"
  n_layers: 18
  input_image_size: "3,224,224"
}
train_config {
  batch_size_per_gpu: 64
  n_epochs: 80
}
`;
const NORMAL_HOVER = { line: 1, character: 4 };

interface Mode {
  label: string;
  server: string;
  env: Record<string, string>;
}

type Json = Record<string, unknown>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function analysisRow(doc: HostileDoc, cli: string, baselineCli: string | undefined): Json {
  const file = join(ROOT, doc.fileName);
  writeFileSync(file, doc.text);
  analyzeSpec(doc.text, { filePath: file });
  const inProcess: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    analyzeSpec(doc.text, { filePath: file });
    inProcess.push(performance.now() - t0);
  }
  const row: Json = { kind: 'analysis', doc: doc.name, chars: doc.text.length, analyze_ms: round(median(inProcess), 1), cli_ms: round(cliMs(cli, file), 0) };
  if (baselineCli) row.baseline_cli_ms = round(cliMs(baselineCli, file), 0);
  return row;
}

function cliMs(cli: string, file: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'check', file, '--no-path-check', '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) fail(`${cli} check ${file} exited with ${r.status}: ${r.stderr}`);
  return ms;
}

async function hoverRow(mode: Mode, doc: HostileDoc, keystrokes: number): Promise<Json> {
  const client = await HostileBenchClient.start(mode.server, mode.env);
  try {
    const normalUri = pathToFileURL(join(ROOT, 'normal.txt')).href;
    const hostileUri = pathToFileURL(join(ROOT, doc.fileName)).href;
    await client.open(normalUri, 'tao-prototext', NORMAL);
    await client.waitForPublished(normalUri, (p) => p.version === 1, 30_000);
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) idle.push((await client.hover(normalUri, NORMAL_HOVER)).ms);

    await client.open(hostileUri, doc.languageId, doc.text);
    const endOfFirstLine = { line: 0, character: doc.text.indexOf('\n') };
    const busy: number[] = [];
    let lastKey = 0;
    for (let k = 1; k <= keystrokes; k++) {
      await client.insert(hostileUri, k + 1, { ...endOfFirstLine, character: endOfFirstLine.character + k - 1 }, ' ');
      lastKey = performance.now();
      while (performance.now() - lastKey < KEY_INTERVAL_MS) {
        busy.push((await client.hover(normalUri, NORMAL_HOVER)).ms);
        await sleep(HOVER_GAP_MS);
      }
    }
    const own = await client.hover(hostileUri, { line: 1, character: 1 });
    const final = await client.waitForPublished(hostileUri, (p) => p.version === keystrokes + 1, 300_000);
    await sleep(500);
    const pushes = client.published.filter((p) => p.uri === hostileUri);
    return {
      kind: 'hover_during_hostile',
      doc: doc.name,
      mode: mode.label,
      idle_hover_ms_p50: round(median(idle), 2),
      hover_ms_p50: round(median(busy), 2),
      hover_ms_p95: round(percentile(busy, 95), 2),
      hover_ms_max: round(Math.max(...busy), 1),
      hovers: busy.length,
      keystrokes,
      publishes: pushes.length,
      published_versions: pushes.map((p) => p.version).join(' '),
      final_diagnostics_ms: round(final.at - lastKey, 0),
      own_hover_ms: round(own.ms, 1),
    };
  } finally {
    await client.stop();
  }
}

async function main(): Promise<void> {
  const args = parseArgs();
  const keystrokes = args.quick ? 5 : 10;
  const dist = join(repoRoot(), 'dist');
  const server = join(dist, 'server.js');
  if (!existsSync(server) || !existsSync(join(dist, 'analysis-worker.js'))) fail(`${dist} has no server.js/analysis-worker.js: run npm run build first`);
  const modes: Mode[] = [
    { label: 'workers', server, env: {} },
    { label: 'inline', server, env: { TAO_SPEC_ANALYSIS_WORKERS: '0' } },
  ];
  const baselineArg = args.extra.get('baseline');
  const baseline = typeof baselineArg === 'string' ? resolve(baselineArg) : undefined;
  if (baseline) {
    if (!existsSync(join(baseline, 'server.js'))) fail(`${baseline}/server.js not found`);
    modes.push({ label: 'baseline', server: join(baseline, 'server.js'), env: {} });
  }
  mkdirSync(ROOT, { recursive: true });
  const machine = machineInfo();
  const rows: Json[] = [];
  for (const doc of allHostileDocs()) {
    log(`== ${doc.name}`);
    rows.push(analysisRow(doc, join(dist, 'cli.js'), baseline && join(baseline, 'cli.js')));
    for (const mode of modes) {
      log(`   hover on a normal document, ${mode.label}`);
      rows.push(await hoverRow(mode, doc, keystrokes));
    }
  }
  if (args.json) {
    for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const analysis = rows.filter((r) => r.kind === 'analysis');
  const hovers = rows.filter((r) => r.kind === 'hover_during_hostile');
  const out = [
    '',
    `Hostile documents — ${describeMachine(machine)}`,
    '',
    'Analysis cost (ms)',
    table(['document', 'chars', 'in-process', 'tao-spec check', ...(baseline ? ['baseline check'] : [])], analysis.map((r) => [String(r.doc), r.chars as number, r.analyze_ms as number, r.cli_ms as number, ...(baseline ? [r.baseline_cli_ms as number] : [])])),
    '',
    `Hover on a normal document while the hostile one gets a keystroke every ${KEY_INTERVAL_MS} ms (${keystrokes} keystrokes; ms)`,
    table(
      ['document', 'mode', 'idle p50', 'p50', 'p95', 'max', 'hovers', 'pushes', 'final diag', 'own hover'],
      hovers.map((r) => [String(r.doc), String(r.mode), r.idle_hover_ms_p50 as number, r.hover_ms_p50 as number, r.hover_ms_p95 as number, r.hover_ms_max as number, r.hovers as number, `${r.publishes} (v ${r.published_versions})`, r.final_diagnostics_ms as number, r.own_hover_ms as number]),
    ),
    'pushes: diagnostics published for the hostile document (with their versions); final diag: ms from the last keystroke to its diagnostics',
    '',
  ];
  process.stdout.write(out.join('\n'));
}

main().catch((error) => fail((error as Error)?.stack ?? String(error)));
