// `npm run fuzz -- --iterations N [--seed S] [--corpus DIR]`
// Feeds mutated real specs and random bytes through parsing, validation and the editor
// features at random positions. Fails on any exception and on any call slower than 1 s.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeSpec } from '../server/src/core/analyze';
import { formatProtoText } from '../server/src/core/format/prototext';
import { getDefaultCatalog } from '../server/src/core/schema/catalog';
import { runDataChecks } from '../server/src/core/data';
import { featureCalls } from './fuzz-features';
import { fuzzDataProbe } from './fuzz-data';
// The engine's seeded generator, so a failing run can be replayed with --seed.
import { mulberry32 } from '../engine/src/util/rng';

const SLOW_MS = 1000;

interface Options {
  iterations: number;
  seed: number;
  corpus: string;
}

function parseOptions(argv: string[]): Options {
  const opts: Options = { iterations: 1000, seed: Date.now() % 1_000_000, corpus: resolve(__dirname, '..', '..', '..', 'shared', 'tao-specs') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--iterations') opts.iterations = Number(argv[++i]);
    else if (a === '--seed') opts.seed = Number(argv[++i]);
    else if (a === '--corpus') opts.corpus = resolve(argv[++i]);
    else throw new Error(`unknown option ${a} (use --iterations N --seed S --corpus DIR)`);
  }
  if (!Number.isFinite(opts.iterations) || opts.iterations < 1) throw new Error('--iterations must be a positive number');
  return opts;
}

function listSpecs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(txt|prototxt|pbtxt|ya?ml)$/i.test(name) && name !== 'README.md') out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}

const SNIPPETS = ['{', '}', '<', '>', ':', '"', "'", '\\', '[', ']', ',', ';', '#', '\n', '\t', '  ', '???', '${', '}', '- ', '0x', '-inf', 'nan', '\u0000', '\uffff', '\ud800', 'true', '__class_name__: X\n', '&a ', '*a', '<<: *a\n', '!!str '];

function mutate(text: string, r: () => number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const pos = () => Math.floor(r() * (text.length + 1));
  switch (Math.floor(r() * 8)) {
    case 0: {
      const a = pos();
      return text.slice(0, a) + text.slice(Math.min(text.length, a + 1 + Math.floor(r() * 40)));
    }
    case 1: {
      const a = pos();
      return text.slice(0, a) + pick(SNIPPETS) + text.slice(a);
    }
    case 2: {
      const lines = text.split('\n');
      const i = Math.floor(r() * lines.length);
      lines.splice(i, 0, lines[Math.floor(r() * lines.length)]);
      return lines.join('\n');
    }
    case 3: {
      const lines = text.split('\n');
      const i = Math.floor(r() * lines.length);
      const j = Math.floor(r() * lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
    case 4:
      return text.slice(0, pos());
    case 5: {
      let out = '';
      const n = Math.floor(r() * 200);
      for (let i = 0; i < n; i++) out += String.fromCharCode(Math.floor(r() * 0x10000));
      return out;
    }
    case 6: {
      const depth = 1 + Math.floor(r() * 3000);
      return `${'a {'.repeat(depth)}${text}`;
    }
    default: {
      const a = pos();
      return text.slice(0, a) + text.slice(a).replace(/[A-Za-z_]+/, (w) => w.split('').reverse().join(''));
    }
  }
}

export function runFuzz(opts: Options): { iterations: number; calls: number; slowest: number } {
  const r = mulberry32(opts.seed);
  const catalog = getDefaultCatalog();
  let files: string[] = [];
  try {
    files = listSpecs(opts.corpus);
  } catch {
    files = [];
  }
  const seeds = files.length > 0 ? files.map((f) => ({ path: f, text: readFileSync(f, 'utf8') })) : [{ path: '/fuzz/spec.txt', text: 'model_config {\n  arch: "resnet"\n}\n' }];
  let calls = 0;
  let slowest = 0;
  const timed = <T>(what: string, ctx: string, fn: () => T): T => {
    const t0 = performance.now();
    let result: T;
    try {
      result = fn();
    } catch (error) {
      throw new Error(`fuzz: ${what} threw on ${ctx}: ${(error as Error).stack}`);
    }
    const ms = performance.now() - t0;
    calls++;
    slowest = Math.max(slowest, ms);
    if (ms > SLOW_MS) throw new Error(`fuzz: ${what} took ${ms.toFixed(0)} ms (> ${SLOW_MS} ms) on ${ctx}`);
    return result;
  };
  for (let i = 0; i < opts.iterations; i++) {
    const seed = seeds[Math.floor(r() * seeds.length)];
    let text = seed.text;
    const rounds = 1 + Math.floor(r() * 4);
    for (let k = 0; k < rounds; k++) text = mutate(text, r);
    const ctx = `iteration ${i} (seed ${opts.seed}) from ${seed.path}`;
    const analysis = timed('analyze', ctx, () => analyzeSpec(text, { filePath: seed.path, catalog }));
    if (analysis.spec.dialect === 'prototext') timed('format', ctx, () => formatProtoText(text));
    // The data checks, over a made-up file system in which every path the spec names exists.
    const network = analysis.network;
    if (network) timed('data checks', ctx, () => runDataChecks({ spec: analysis.spec, network, filePath: seed.path, probe: fuzzDataProbe(r) }));
    for (let k = 0; k < 3; k++) {
      const offset = Math.floor(r() * (text.length + 1));
      for (const [name, run] of featureCalls(text, seed.path, offset, analysis, catalog)) timed(name, `${ctx} at offset ${offset}`, run);
    }
  }
  return { iterations: opts.iterations, calls, slowest };
}

if (require.main === module) {
  try {
    const opts = parseOptions(process.argv.slice(2));
    const t0 = Date.now();
    const result = runFuzz(opts);
    process.stdout.write(`fuzz: ${result.iterations} iterations, ${result.calls} calls, seed ${opts.seed}, slowest call ${result.slowest.toFixed(1)} ms, ${((Date.now() - t0) / 1000).toFixed(1)} s, 0 failures\n`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
