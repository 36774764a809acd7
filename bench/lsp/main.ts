// `npm run bench:lsp [-- --quick] [-- --json]`: our language server against yaml-language-server
// 1.25 on the same documents, schemas and requests, over stdio (two real server processes) and
// in-process (library calls). Prints a table, or with --json one JSON object per request kind:
//   {"kind", "ours_ms_p50", "peer_ms_p50", "ours_ms_p95", "peer_ms_p95", "ratio", ...}
// ratio = peer p50 / ours p50 (> 1: we are faster). Diagnostics latencies have each server's own
// debounce delay subtracted (ours: 0 ms on open, DIAGNOSTICS_DELAY_MS on change; peer: its
// validationDelayMs on both); the raw wall times are in the *_raw_* keys.
// Exits non-zero if the peer cannot run or ignores the schemas (then a comparison means nothing).
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DIAGNOSTICS_DELAY_MS } from '../../server/src/lsp/server';
import { describeMachine, fail, log, machineInfo, parseArgs, percentile, repoRoot, round, table } from '../common/util';
import { bigDinoSpec, bigProtoSpec, brokenSpecs, realProtoSpecs, realYamlSpecs, schemaFile, type BenchDoc, type BrokenDoc } from './corpus';
import { ourLibrary, peerLibrary, timed, type LibService } from './library';
import { BenchClient, type LspDiagnostic, type ServerLaunch } from './stdio-client';

const ROOT = join(tmpdir(), 'tao-bench-lsp');

/** The peer cannot be compared with; thrown (not exited on) so both servers are stopped first. */
class PeerError extends Error {}

/**
 * Our server's check that dataset/model paths exist on this machine is off unless --path-check:
 * the peer has no such check, and the corpus's paths do not exist here, so every path would add
 * a warning (5,000 in the 10k-line spec) that only our side computes and sends.
 */
const PATH_CHECK = process.argv.includes('--path-check');

interface Samples {
  ours: number[];
  peer: number[];
  /** The do-nothing server (floor-server.ts), stdio kinds only. */
  floor: number[];
  oursRaw: number[];
  peerRaw: number[];
  oursItems: number[];
  peerItems: number[];
}

type Who = 'ours' | 'peer' | 'floor';

function samples(): Samples {
  return { ours: [], peer: [], floor: [], oursRaw: [], peerRaw: [], oursItems: [], peerItems: [] };
}

export function uriOf(doc: BenchDoc, open = 0): string {
  // Every open of a document gets its own URI: yaml-language-server keeps parsed documents by
  // (URI, version) across close and reopen, which would turn its reopens into cache hits.
  const name = open === 0 ? doc.fileName : doc.fileName.replace(/(\.\w+)$/, `.open${open}$1`);
  return pathToFileURL(join(ROOT, doc.group, name)).href;
}

function languageIdOf(doc: BenchDoc): string {
  return doc.dialect === 'yaml' ? 'yaml' : 'plaintext';
}

function peerDelayMs(): number {
  // The peer's debounce is a field of its settings object (not configurable by a client).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SettingsState } = require('yaml-language-server/out/server/src/yamlSettings') as { SettingsState: new () => { validationDelayMs: number } };
  return new SettingsState().validationDelayMs;
}

function peerBin(): string {
  let bin: string;
  try {
    bin = join(require.resolve('yaml-language-server/package.json'), '..', 'bin', 'yaml-language-server');
  } catch {
    fail('yaml-language-server is not installed (npm install): the peer cannot run, refusing to report our side alone');
  }
  if (!existsSync(bin)) fail(`yaml-language-server binary missing at ${bin}`);
  return bin;
}

function ourServer(): string {
  const server = join(repoRoot(), 'dist', 'server.js');
  if (!existsSync(server)) fail(`${server} not found: run npm run build first`);
  return server;
}

function networkGlobs(docs: BenchDoc[]): Record<string, string> {
  const globs: Record<string, string> = {};
  for (const d of docs) globs[`**/${d.group}/*.{yaml,txt}`] = d.network;
  return globs;
}

function schemaGlobs(docs: BenchDoc[]): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const d of docs) if (d.dialect === 'yaml') map[schemaFile(d.network)] = [`${d.group}/*.yaml`];
  return map;
}

/** A new version of the text: an appended comment line, so both servers re-parse everything. */
function edited(text: string, n: number): string {
  return `${text}\n# bench edit ${n}\n`;
}

/** Errors and warnings that start on `line` (a section-wide diagnostic covering it does not count). */
function onLine(diags: Array<{ range: { start: { line: number } }; severity?: number }>, line: number): Array<{ severity?: number }> {
  return diags.filter((d) => (d.severity ?? 1) <= 2 && d.range.start.line === line);
}

/** What the unbroken spec already had on the error line; an inserted line had nothing there. */
function baselineOn(b: BrokenDoc, diags: Array<{ range: { start: { line: number } }; severity?: number }>): number {
  return b.errorKind === 'unknown-key' ? 0 : onLine(diags, b.errorLine).length;
}

/** Injected errors each in-process service finds (fast, so always on the whole broken set). */
async function libraryErrors(broken: BrokenDoc[], ours: LibService, peer: LibService): Promise<Record<string, number | string[]>> {
  const out = { lib_injected: broken.length, lib_ours_found: 0, lib_peer_found: 0, lib_ours_missed: [] as string[], lib_peer_missed: [] as string[] };
  for (const b of broken) {
    for (const [svc, who] of [[ours, 'ours'], [peer, 'peer']] as const) {
      const base = await svc.diagnostics(TextDocument.create(uriOf(b.original, 90), 'yaml', 1, b.original.text));
      const got = await svc.diagnostics(TextDocument.create(uriOf(b, 91), 'yaml', 1, b.text));
      if (onLine(got, b.errorLine).length > baselineOn(b, base)) out[`lib_${who}_found`] += 1;
      else out[`lib_${who}_missed`].push(b.name);
    }
  }
  return out;
}

interface Reps {
  /** Opens per real spec (close + reopen), changes per spec, request rounds per position. */
  open: number;
  change: number;
  request: number;
  bigOpen: number;
  bigChange: number;
  bigRequest: number;
}

interface Row {
  kind: string;
  mode: 'stdio' | 'library';
  corpus: string;
  s: Samples;
  extra?: Record<string, unknown>;
}

interface KindSamples {
  open: Samples;
  change: Samples;
  comp: Samples;
  hov: Samples;
}

function kindSamples(): KindSamples {
  return { open: samples(), change: samples(), comp: samples(), hov: samples() };
}

function kindRows(k: KindSamples, suffix: string, corpus: string): Row[] {
  return [
    { kind: `diagnostics_open${suffix}`, mode: 'stdio', corpus, s: k.open },
    { kind: `diagnostics_change${suffix}`, mode: 'stdio', corpus, s: k.change },
    { kind: `completion${suffix}`, mode: 'stdio', corpus, s: k.comp },
    { kind: `hover${suffix}`, mode: 'stdio', corpus, s: k.hov },
  ];
}

/** Wall ms for a server, less its own debounce (the raw figure is kept for ours and the peer). */
function record(s: Samples, who: Who, ms: number, debounce: number): void {
  if (who !== 'floor') (who === 'ours' ? s.oursRaw : s.peerRaw).push(ms);
  s[who].push(Math.max(0, ms - debounce));
}

function recordResult(s: Samples, who: Who, n: number): void {
  if (who !== 'floor') (who === 'ours' ? s.oursItems : s.peerItems).push(n);
}

/**
 * One server's turn on one document: `open` opens (each on a fresh URI, closing the previous),
 * `change` new versions, then `request` rounds of completion and hover at the document's
 * positions. Leaves the last URI open; returns it with the last open's diagnostics.
 */
async function timeDocument(c: BenchClient, who: Who, d: BenchDoc, counts: { open: number; change: number; request: number }, k: KindSamples): Promise<{ uri: string; diagnostics: LspDiagnostic[] }> {
  let uri = uriOf(d);
  let diagnostics: LspDiagnostic[] = [];
  for (let i = 0; i < counts.open; i++) {
    if (i > 0) await c.close(uri);
    uri = uriOf(d, i);
    const r = await c.open(uri, languageIdOf(d), d.text);
    record(k.open, who, r.ms, c.launch.debounceOpenMs);
    diagnostics = r.diagnostics;
  }
  for (let i = 0; i < counts.change; i++) {
    const r = await c.change(uri, edited(d.text, i));
    record(k.change, who, r.ms, c.launch.debounceChangeMs);
  }
  for (let i = 0; i < counts.request; i++) {
    for (const at of d.completeAt) {
      const r = await c.completion(uri, at);
      record(k.comp, who, r.ms, 0);
      recordResult(k.comp, who, r.items);
    }
    for (const at of d.hoverAt) {
      const r = await c.hover(uri, at);
      record(k.hov, who, r.ms, 0);
      recordResult(k.hov, who, r.found ? 1 : 0);
    }
  }
  return { uri, diagnostics };
}

/** How our server is started: shipped schemas, each document's folder mapped to its network. */
function ourLaunch(docs: BenchDoc[]): ServerLaunch {
  return {
    label: 'tao-spec-server',
    command: process.execPath,
    args: [ourServer(), '--stdio'],
    initializationOptions: { schemasDir: join(repoRoot(), 'schemas') },
    configuration: { tao: { files: { networks: networkGlobs(docs) }, pathCheck: PATH_CHECK } },
    debounceOpenMs: 0,
    debounceChangeMs: DIAGNOSTICS_DELAY_MS,
  };
}

async function measureStdio(
  docs: BenchDoc[],
  big: BenchDoc,
  broken: BrokenDoc[],
  reps: Reps,
): Promise<{ rows: Row[]; memory: Record<string, number>; errors: Record<string, number | string[]>; notes: string[] }> {
  const all = [...docs, big, ...broken];
  const peerDelay = peerDelayMs();
  const ours = ourLaunch(all);
  const peer: ServerLaunch = {
    label: 'yaml-language-server',
    command: process.execPath,
    args: [peerBin(), '--stdio'],
    configuration: {
      yaml: {
        validate: true,
        hover: true,
        completion: true,
        format: { enable: false },
        schemaStore: { enable: false },
        schemas: Object.fromEntries(Object.entries(schemaGlobs(all)).map(([f, g]) => [pathToFileURL(f).href, g])),
      },
    },
    debounceOpenMs: peerDelay,
    debounceChangeMs: peerDelay,
  };
  const floor: ServerLaunch = {
    label: 'floor (no-op server)',
    command: process.execPath,
    args: [join(repoRoot(), 'out', 'bench', 'lsp', 'floor-server.js'), '--stdio', '--change-delay-ms', String(DIAGNOSTICS_DELAY_MS)],
    debounceOpenMs: 0,
    debounceChangeMs: DIAGNOSTICS_DELAY_MS,
  };
  const notes: string[] = [`debounce subtracted: ours open 0 ms / change ${DIAGNOSTICS_DELAY_MS} ms; peer ${peerDelay} ms; our path-exists check ${PATH_CHECK ? 'on' : 'off (as the peer has none; --path-check turns it on)'}`];
  let o: BenchClient | undefined;
  let p: BenchClient | undefined;
  let f: BenchClient | undefined;
  try {
    o = await BenchClient.start(ours, ROOT);
    try {
      p = await BenchClient.start(peer, ROOT);
    } catch (err) {
      throw new PeerError(`yaml-language-server failed to start: ${(err as Error).message}`);
    }
    f = await BenchClient.start(floor, ROOT);
    const pair: Array<[BenchClient, 'ours' | 'peer']> = [[o, 'ours'], [p!, 'peer']];
    // Timing loops also run the floor server, in the same sequence, so all three see the same load.
    const trio: Array<[BenchClient, Who]> = [...pair, [f, 'floor']];

    // Warm-up: the first document per schema pays for loading it, in both servers; measure steady state.
    const seen = new Set<string>();
    for (const d of [...docs, big]) {
      if (seen.has(d.network)) continue;
      seen.add(d.network);
      for (const [c] of trio) {
        await c.open(uriOf(d), languageIdOf(d), d.text);
        await c.close(uriOf(d));
      }
    }

    // Schema check: the peer must flag the injected errors, or the comparison is meaningless.
    const errors = { injected: broken.length, ours_found: 0, peer_found: 0, ours_found_as_error: 0, ours_diags_on_valid: 0, peer_diags_on_valid: 0, ours_errors_on_valid: 0, peer_errors_on_valid: 0 };
    const baseline = new Map<string, { ours: LspDiagnostic[]; peer: LspDiagnostic[] }>();
    const rows: Row[] = [];
    const real = kindSamples();
    log(`lsp: ${docs.length} real specs over stdio`);
    for (const d of docs) {
      const base: Record<Who, LspDiagnostic[]> = { ours: [], peer: [], floor: [] };
      for (const [c, who] of trio) base[who] = (await timeDocument(c, who, d, { open: reps.open, change: reps.change, request: reps.request }, real)).diagnostics;
      baseline.set(d.fileName, base);
      errors.ours_diags_on_valid += base.ours.length;
      errors.peer_diags_on_valid += base.peer.length;
      errors.ours_errors_on_valid += base.ours.filter((x) => (x.severity ?? 1) === 1).length;
      errors.peer_errors_on_valid += base.peer.filter((x) => (x.severity ?? 1) === 1).length;
    }
    // Memory with every real spec still open in each server.
    const memory: Record<string, number> = {};
    memory.ours_rss_mib = o.rss().rss;
    memory.peer_rss_mib = p!.rss().rss;
    rows.push(...kindRows(real, '', 'real'));
    for (const d of docs) for (const [c] of trio) await c.close(uriOf(d, reps.open - 1));

    log(`lsp: ${big.lines}-line spec over stdio`);
    const bigSamples = kindSamples();
    for (const [c, who] of trio) {
      const { uri } = await timeDocument(c, who, big, { open: reps.bigOpen, change: reps.bigChange, request: reps.bigRequest }, bigSamples);
      if (who !== 'floor') memory[`${who}_rss_10k_mib`] = c.rss().rss;
      await c.close(uri);
    }
    rows.push(...kindRows(bigSamples, '_10k', `${big.lines} lines`));

    log(`lsp: ${broken.length} broken specs (one injected error each)`);
    const missed: string[] = [];
    const oursMissed: string[] = [];
    const peerMissed: string[] = [];
    for (const b of broken) {
      const got: Record<string, boolean> = {};
      for (const [c, who] of pair) {
        const r = await c.open(uriOf(b), 'yaml', b.text);
        await c.close(uriOf(b));
        const before = baselineOn(b, baseline.get(b.original.fileName)?.[who] ?? []);
        const hits = onLine(r.diagnostics, b.errorLine);
        got[who] = hits.length > before;
        if (got[who]) errors[`${who}_found`] += 1;
        if (who === 'ours' && got[who] && hits.some((h) => (h.severity ?? 1) === 1)) errors.ours_found_as_error += 1;
      }
      if (!got.ours) oursMissed.push(`${b.name}`);
      if (!got.peer) peerMissed.push(`${b.name}`);
      if (!got.ours || !got.peer) missed.push(`${b.name}: ours ${got.ours ? 'found' : 'MISSED'}, peer ${got.peer ? 'found' : 'MISSED'}`);
    }
    if (broken.length > 0 && errors.peer_found === 0) {
      throw new PeerError('yaml-language-server reported none of the injected schema errors: it is not applying our schemas, so no comparison is possible');
    }
    if (missed.length) notes.push(`broken inputs where a server missed the error:\n  ${missed.join('\n  ')}`);
    memory.ours_peak_mib = o.rss().peak;
    memory.peer_peak_mib = p!.rss().peak;
    return { rows, memory, errors: { ...errors, ours_missed: oursMissed, peer_missed: peerMissed }, notes };
  } finally {
    await o?.stop();
    await p?.stop();
    await f?.stop();
  }
}

async function measureLibrary(docs: BenchDoc[], big: BenchDoc, reps: Reps): Promise<Row[]> {
  const ours = ourLibrary(networkGlobs([...docs, big]), PATH_CHECK);
  const peer = peerLibrary(schemaGlobs([...docs, big]));
  const pair: Array<[LibService, 'ours' | 'peer']> = [[ours, 'ours'], [peer, 'peer']];
  const run = async (set: BenchDoc[], changes: number, requests: number) => {
    const v = samples();
    const c = samples();
    const h = samples();
    for (const d of set) {
      const uri = uriOf(d);
      for (const [svc, who] of pair) {
        let version = 1;
        let doc = TextDocument.create(uri, 'yaml', version, d.text);
        // The first validation per document warms caches (schema load); not counted.
        await svc.validate(doc);
        for (let k = 0; k < changes; k++) {
          doc = TextDocument.create(uri, 'yaml', ++version, edited(d.text, k));
          const t = await timed(() => svc.validate(doc));
          (who === 'ours' ? v.ours : v.peer).push(t.ms);
        }
        for (let k = 0; k < requests; k++) {
          for (const at of d.completeAt) {
            const t = await timed(() => svc.complete(doc, at));
            (who === 'ours' ? c.ours : c.peer).push(t.ms);
            (who === 'ours' ? c.oursItems : c.peerItems).push(t.value);
          }
          for (const at of d.hoverAt) {
            const t = await timed(() => svc.hover(doc, at));
            (who === 'ours' ? h.ours : h.peer).push(t.ms);
            (who === 'ours' ? h.oursItems : h.peerItems).push(t.value ? 1 : 0);
          }
        }
      }
    }
    return { v, c, h };
  };
  log(`lsp: library mode, ${docs.length} real specs`);
  const real = await run(docs, reps.change, reps.request);
  log(`lsp: library mode, ${big.lines}-line spec`);
  const bigR = await run([big], reps.bigChange, reps.bigRequest);
  return [
    { kind: 'lib_validate', mode: 'library', corpus: 'real', s: real.v },
    { kind: 'lib_completion', mode: 'library', corpus: 'real', s: real.c },
    { kind: 'lib_hover', mode: 'library', corpus: 'real', s: real.h },
    { kind: 'lib_validate_10k', mode: 'library', corpus: `${big.lines} lines`, s: bigR.v },
    { kind: 'lib_completion_10k', mode: 'library', corpus: `${big.lines} lines`, s: bigR.c },
    { kind: 'lib_hover_10k', mode: 'library', corpus: `${big.lines} lines`, s: bigR.h },
  ];
}

/** Protobuf-text specs: no peer exists, so absolute figures from our server only. */
async function measureProto(docs: BenchDoc[], big: BenchDoc, reps: Reps): Promise<Array<Record<string, unknown>>> {
  const c = await BenchClient.start(ourLaunch([...docs, big]), ROOT);
  const out: Array<Record<string, unknown>> = [];
  try {
    for (const [set, suffix, change, request] of [[docs, '', reps.change, reps.request], [[big], '_10k', reps.bigChange, reps.bigRequest]] as const) {
      const k = kindSamples();
      let errors = 0;
      for (const d of set) {
        const r = await timeDocument(c, 'ours', d, { open: 1, change, request }, k);
        errors += r.diagnostics.filter((x) => (x.severity ?? 1) === 1).length;
        await c.close(r.uri);
      }
      const line = (kind: string, s: Samples, extra: Record<string, unknown> = {}) =>
        out.push({ kind: `proto_${kind}${suffix}`, mode: 'stdio', peer: null, files: set.length, lines: suffix ? big.lines : undefined, ours_ms_p50: round(percentile(s.ours, 50)), ours_ms_p95: round(percentile(s.ours, 95)), n: s.ours.length, ...extra });
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
      line('diagnostics_open', k.open, { errors_on_valid: errors });
      line('diagnostics_change', k.change);
      line('completion', k.comp, { mean_items: round(mean(k.comp.oursItems), 1) });
      line('hover', k.hov, { answered: round(mean(k.hov.oursItems), 2) });
    }
    out.push({ kind: 'proto_memory', mode: 'stdio', peer: null, ours_rss_mib: round(c.rss().rss, 1), ours_peak_mib: round(c.rss().peak, 1) });
  } finally {
    await c.stop();
  }
  return out;
}

function summarize(r: Row, shared: Record<string, unknown>): Record<string, unknown> {
  const o50 = percentile(r.s.ours, 50);
  const p50 = percentile(r.s.peer, 50);
  const line: Record<string, unknown> = {
    kind: r.kind,
    ours_ms_p50: round(o50),
    peer_ms_p50: round(p50),
    ours_ms_p95: round(percentile(r.s.ours, 95)),
    peer_ms_p95: round(percentile(r.s.peer, 95)),
    ratio: round(p50 / o50, 2),
    ratio_p95: round(percentile(r.s.peer, 95) / percentile(r.s.ours, 95), 2),
    mode: r.mode,
    corpus: r.corpus,
    path_check: PATH_CHECK,
    n: r.s.ours.length,
  };
  if (r.s.floor.length) {
    // What is left after the transport floor is each server's own work; the ratio of those
    // shows how much faster our work is when the protocol's fixed cost is set aside.
    const f50 = percentile(r.s.floor, 50);
    const f95 = percentile(r.s.floor, 95);
    line.floor_ms_p50 = round(f50);
    line.floor_ms_p95 = round(f95);
    line.ours_above_floor_ms_p50 = round(Math.max(0, o50 - f50));
    line.peer_above_floor_ms_p50 = round(Math.max(0, p50 - f50));
    line.ratio_above_floor = o50 > f50 ? round((p50 - f50) / (o50 - f50), 2) : null;
    // The most any server could reach on this transport: the peer's time over the floor's.
    line.max_possible_ratio = round(p50 / f50, 2);
    line.max_possible_ratio_p95 = round(percentile(r.s.peer, 95) / f95, 2);
  }
  if (r.s.oursRaw.length) {
    line.ours_raw_ms_p50 = round(percentile(r.s.oursRaw, 50));
    line.peer_raw_ms_p50 = round(percentile(r.s.peerRaw, 50));
    line.ours_raw_ms_p95 = round(percentile(r.s.oursRaw, 95));
    line.peer_raw_ms_p95 = round(percentile(r.s.peerRaw, 95));
  }
  if (r.s.oursItems.length) {
    const mean = (v: number[]) => round(v.reduce((a, b) => a + b, 0) / Math.max(1, v.length), 2);
    line.ours_mean_result = mean(r.s.oursItems);
    line.peer_mean_result = mean(r.s.peerItems);
  }
  return { ...line, ...shared };
}

function cellOf(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

async function main(): Promise<void> {
  const args = parseArgs();
  const machine = machineInfo();
  const quick = args.quick;
  const reps: Reps = quick
    ? { open: 2, change: 2, request: 2, bigOpen: 3, bigChange: 5, bigRequest: 3 }
    : { open: 3, change: 3, request: 3, bigOpen: 5, bigChange: 5, bigRequest: 5 };
  peerBin();
  ourServer();
  const docs = realYamlSpecs(quick ? 24 : undefined);
  const big = bigDinoSpec(10_000);
  const broken = brokenSpecs(quick ? realYamlSpecs(60) : docs);
  log(`lsp: ${describeMachine(machine)}`);
  const all = [...docs, big, ...broken];
  const libErrors = args.extra.has('no-library') ? {} : await libraryErrors(broken, ourLibrary(networkGlobs(all), PATH_CHECK), peerLibrary(schemaGlobs(all)));
  if (args.extra.has('errors-only')) {
    // Only the error counts, in-process (seconds even for the whole corpus).
    process.stdout.write(JSON.stringify({ kind: 'errors_library', ...libErrors, quick, load: machine.load, date: machine.date }) + '\n');
    return;
  }
  const stdio = await measureStdio(docs, big, broken, reps);
  const lib = args.extra.has('no-library') ? [] : await measureLibrary(docs, big, reps);
  const proto = args.extra.has('no-proto') ? [] : await measureProto(realProtoSpecs(quick ? 24 : undefined), bigProtoSpec(10_000), reps);

  const mem = Object.fromEntries(Object.entries(stdio.memory).map(([k, v]) => [k, round(v, 1)]));
  const shared = { ...mem, memory_ratio: round(stdio.memory.ours_rss_mib / stdio.memory.peer_rss_mib, 2), quick, load: machine.load, date: machine.date };
  const lines = [...stdio.rows, ...lib].map((r) => {
    const extra: Record<string, unknown> = {};
    if (r.kind === 'diagnostics_open') Object.assign(extra, stdio.errors, libErrors);
    return summarize(r, { ...shared, ...extra });
  });
  if (args.json) {
    for (const l of lines) process.stdout.write(JSON.stringify(l) + '\n');
    if (args.extra.has('proto-json')) for (const l of proto) process.stdout.write(JSON.stringify({ ...l, quick, load: machine.load, date: machine.date }) + '\n');
    return;
  }
  const out: string[] = [];
  out.push(`LSP benchmark: tao-spec-server vs yaml-language-server ${require('yaml-language-server/package.json').version} (${quick ? 'quick' : 'full'})`);
  out.push(describeMachine(machine));
  out.push(`real specs: ${docs.length}; big spec: ${big.lines} lines; broken inputs: ${broken.length}`);
  out.push('');
  out.push(
    table(
      ['kind', 'mode', 'ours p50', 'peer p50', 'ours p95', 'peer p95', 'ratio p50', 'ratio p95', 'floor p50', 'floor p95', 'ratio over floor', 'n'],
      lines.map((l) => [String(l.kind), String(l.mode), l.ours_ms_p50 as number, l.peer_ms_p50 as number, l.ours_ms_p95 as number, l.peer_ms_p95 as number, l.ratio as number, l.ratio_p95 as number, cellOf(l.floor_ms_p50), cellOf(l.floor_ms_p95), l.floor_ms_p50 === undefined ? '' : l.ratio_above_floor === null ? 'ours at floor' : String(l.ratio_above_floor), l.n as number]),
    ),
  );
  out.push('floor = a server that does no work (bench/lsp/floor-server.ts), same client, same sequence; ratio over floor = (peer - floor) / (ours - floor), p50.');
  out.push('');
  out.push(`memory (RSS MiB): ours ${mem.ours_rss_mib} vs peer ${mem.peer_rss_mib} with ${docs.length} specs open; ${mem.ours_rss_10k_mib} vs ${mem.peer_rss_10k_mib} with the 10k-line spec; peak ${mem.ours_peak_mib} vs ${mem.peer_peak_mib}`);
  const e = stdio.errors;
  out.push(`injected errors found: ours ${e.ours_found}/${e.injected} (${e.ours_found_as_error} as errors), peer ${e.peer_found}/${e.injected}; in-process: ours ${libErrors.lib_ours_found ?? '-'}, peer ${libErrors.lib_peer_found ?? '-'}`);
  out.push(`diagnostics on the valid real specs: ours ${e.ours_diags_on_valid} (${e.ours_errors_on_valid} errors), peer ${e.peer_diags_on_valid} (${e.peer_errors_on_valid} errors)`);
  for (const n of stdio.notes) out.push(n);
  if (proto.length) {
    out.push('');
    out.push('protobuf-text specs, our server only (no peer exists):');
    out.push(table(['kind', 'ours p50', 'ours p95', 'n'], proto.filter((p) => p.ours_ms_p50 !== undefined).map((p) => [String(p.kind), p.ours_ms_p50 as number, p.ours_ms_p95 as number, p.n as number])));
    const m = proto.find((p) => p.kind === 'proto_memory');
    if (m) out.push(`memory: ${m.ours_rss_mib} MiB RSS, peak ${m.ours_peak_mib} MiB`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (err) => fail(err instanceof PeerError ? err.message : ((err as Error).stack ?? String(err))),
);
