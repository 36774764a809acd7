// `npm run bench:train [-- --quick] [-- --json]`: the engine (each backend in its own process)
// against PyTorch 1.13 on CPU, same architectures (trainable parameter counts are checked equal),
// same batch size, same bytes of data (synthetic 3x64x64 and Fashion-MNIST), same thread count
// (1: tfjs' wasm and cpu backends run one thread in Node, so PyTorch gets one too; with --threads N
// PyTorch is also measured with N threads, reported in extra keys). The onednn backend (when its
// addon loads) runs twice: one thread against PyTorch's one, and every core (or --threads N)
// against PyTorch with as many; `ours_threads` and `pytorch_threads` say which. With --json, one
// JSON line per (model, backend, threads, dataset) with model, backend, ours_train_img_s,
// pytorch_train_img_s, ours_infer_img_s, pytorch_infer_img_s, train_ratio (ours/PyTorch) and more.
// Each measurement runs in --processes N fresh processes per side (default 3) and reports the
// median speed; synthetic inference within a process is the median of 5 timed passes.
// Exits non-zero when PyTorch cannot run: never reports the engine's side alone.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine, fail, log, machineInfo, median, parseArgs, repoRoot, round, table } from '../common/util';
import { writeFashionMnist, writeSynthetic, type DataFiles } from './data';
import { MODELS, type ModelName } from './models';
import { machinePeak } from './peak';
import { loadOnednnAddon } from '../../engine/src/backend/onednn';

/** Debian's interpreter (python3-torch installs for it); TAO_BENCH_PYTHON points elsewhere. */
const PYTHON = process.env.TAO_BENCH_PYTHON ?? '/usr/bin/python3';

type Json = Record<string, unknown>;

/** Inference passes timed on each side (throughput mode); the median one counts. */
const INFER_PASSES = 5;

/**
 * Processes per measurement (throughput mode, each side): speeds are the median over them. On
 * this 2-vCPU VM one process's speed is stable while the next process may run at a different
 * one: PyTorch's small_cnn inference came out at ~850, ~1400 or 4200-7200 img/s in six
 * identical processes, and its mobilenet_v2 at ~1050 or ~400, each stable within its process.
 */
const DEFAULT_PROCESSES = 3;

/** Runs one measurement `n` times in fresh processes and merges them (medianOfProcesses). */
function repeated(n: number, run: () => Json): Json {
  return medianOfProcesses(Array.from({ length: n }, run));
}

/** The first run's fields with the speeds replaced by their medians over all runs, peak RSS by the largest, and every run's speeds kept. */
function medianOfProcesses(runs: Json[]): Json {
  if (runs.length === 1) return runs[0];
  const speeds = (key: string): number[] => runs.map((r) => r[key] as number);
  return {
    ...runs[0],
    train_img_s: median(speeds('train_img_s')),
    infer_img_s: median(speeds('infer_img_s')),
    peak_rss_mb: Math.max(...speeds('peak_rss_mb')),
    process_train_img_s: speeds('train_img_s'),
    process_infer_img_s: speeds('infer_img_s'),
    infer_pass_img_s: undefined,
  };
}

function checkPeer(): string {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) {
    fail(`PyTorch cannot run (${PYTHON} -c "import torch"): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}\n` + 'install it with: apt-get install -y python3-torch (Debian, for /usr/bin/python3)');
  }
  return r.stdout.trim();
}

function dataArgs(d: DataFiles): string[] {
  return ['--images', d.images, '--labels', d.labels, '--n', String(d.n), '--size', String(d.size), '--channels', String(d.channels), '--classes', String(d.classes)];
}

function runJson(label: string, command: string, args: string[], timeoutS: number): Json {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 1 << 24 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) {
    throw new Error(`${label} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${(r.stderr ?? '').trim().split('\n').slice(-5).join(' | ')} ${line}`);
  }
  return JSON.parse(line) as Json;
}

function pytorch(model: ModelName, d: DataFiles, opts: string[], threads: number, timeoutS: number): Json {
  const r = runJson(`PyTorch ${model}`, PYTHON, [join(repoRoot(), 'bench', 'train', 'pytorch_bench.py'), '--model', model, ...dataArgs(d), '--threads', String(threads), ...opts], timeoutS);
  if (r.error) fail(`PyTorch cannot run: ${r.error}`);
  return r;
}

function engine(model: ModelName, backend: string, d: DataFiles, opts: string[], timeoutS: number, threads?: number): Json {
  const t = threads === undefined ? [] : ['--threads', String(threads)];
  return runJson(`engine ${backend} ${model}`, process.execPath, [join(repoRoot(), 'out', 'bench', 'train', 'engine-worker.js'), '--backend', backend, '--model', model, ...dataArgs(d), ...opts, ...t], timeoutS);
}

/** The default backends: onednn first when its addon loads here. */
function defaultBackends(): string {
  try {
    loadOnednnAddon();
    return 'onednn,wasm,cpu';
  } catch {
    return 'wasm,cpu';
  }
}

async function main(): Promise<void> {
  const args = parseArgs();
  const quick = args.quick;
  const machine = machineInfo();
  const torchVersion = checkPeer();
  const peak = machinePeak();
  const backends = String(args.extra.get('backends') ?? defaultBackends()).split(',');
  // onednn is also measured on every core, against PyTorch on as many.
  const extraThreads = Number(args.extra.get('threads') ?? (backends.includes('onednn') ? availableParallelism() : 0));
  const only = args.extra.get('models');
  const models = (typeof only === 'string' ? only.split(',') : [...MODELS]) as ModelName[];
  const batch = 32;
  const processes = Number(args.extra.get('processes') ?? DEFAULT_PROCESSES);
  if (!Number.isInteger(processes) || processes < 1) fail(`--processes must be a whole number of at least 1 (got ${String(args.extra.get('processes'))})`);
  const dir = mkdtempSync(join(tmpdir(), 'tao-bench-train-'));
  log(`train: ${describeMachine(machine)}; PyTorch ${torchVersion}; data in ${dir}`);
  const rows: Json[] = [];
  try {
    const synth = writeSynthetic(dir, 8 * batch, 64, 3, 10);
    for (const model of models) {
      const big = model !== 'small_cnn';
      const steps = quick ? (big ? 2 : 5) : big ? 5 : 15;
      // Inference: 8 batches per pass (--quick as the full run), timed over 5 passes on each side,
      // the median pass reported. A pass of 3 batches lasted 20-150 ms: single passes swung
      // PyTorch's small_cnn from 566 to 7119 img/s, and the engine's first ~15 prediction batches
      // run while V8 still compiles the layers' code (mobilenet_v2: 40-70 % slower than later).
      const common = ['--batch', String(batch), '--warmup', '1', '--steps', String(steps), '--infer-batches', '8', '--infer-passes', String(INFER_PASSES)];
      log(`train: ${model} (PyTorch, 1 thread, ${processes} processes)`);
      const pt = repeated(processes, () => pytorch(model, synth, common, 1, 600));
      const pt2 = extraThreads > 1 ? repeated(processes, () => pytorch(model, synth, common, extraThreads, 600)) : undefined;
      for (const backend of backends) {
        // The pure-JS cpu backend takes minutes per step on the large models: in --quick only the
        // small CNN runs there; otherwise a time budget stops it after the first timed step.
        if (backend === 'cpu' && quick && big) {
          log(`train: ${model} on cpu skipped in --quick (minutes per step; run without --quick)`);
          continue;
        }
        log(`train: ${model} (engine, ${backend})`);
        // cpu: the first step is not slower than the rest (no kernels to compile), so the large
        // models skip the warm-up step and time one step; inference times 2 batches.
        const opts = backend === 'cpu'
          ? ['--batch', String(batch), '--warmup', big ? '0' : '1', '--steps', big ? '1' : String(steps), '--budget-s', quick ? '20' : '90', '--infer-batches', '2']
          : common;
        let ours: Json;
        try {
          ours = repeated(backend === 'cpu' ? 1 : processes, () => engine(model, backend, synth, opts, 1800, backend === 'onednn' ? 1 : undefined));
        } catch (err) {
          rows.push({ model, backend, dataset: 'synthetic', error: (err as Error).message });
          continue;
        }
        rows.push(row(model, backend, 'synthetic', ours, pt, pt2, peak));
        if (backend === 'onednn' && pt2) {
          log(`train: ${model} (engine, ${backend}, ${extraThreads} threads)`);
          try {
            rows.push(row(model, backend, 'synthetic', repeated(processes, () => engine(model, backend, synth, opts, 1800, extraThreads)), pt2, undefined, peak));
          } catch (err) {
            rows.push({ model, backend, ours_threads: extraThreads, dataset: 'synthetic', error: (err as Error).message });
          }
        }
      }
    }

    // Same small CNN on Fashion-MNIST (28x28x1): one pass in file order, then top-1 accuracy.
    if (!args.extra.has('no-fmnist') && models.includes('small_cnn')) {
      const trainN = Number(args.extra.get('fmnist-n') ?? (quick ? 4096 : 60000));
      const evalN = quick ? 2000 : 10000;
      const train = writeFashionMnist(dir, 'train', trainN);
      const test = writeFashionMnist(dir, 't10k', evalN);
      const acc = ['--mode', 'accuracy', '--batch', String(batch), '--eval-images', test.images, '--eval-labels', test.labels, '--eval-n', String(test.n)];
      // Speeds are medians over processes here too (accuracy and loss are the first process's:
      // one thread on each side computes the same numbers every time).
      log(`train: small_cnn on Fashion-MNIST, ${train.n} images (PyTorch, ${processes} processes)`);
      const pt = repeated(processes, () => pytorch('small_cnn', train, acc, 1, 1800));
      for (const backend of backends.filter((b) => b !== 'cpu' || !quick)) {
        log(`train: small_cnn on Fashion-MNIST, ${train.n} images (engine, ${backend})`);
        try {
          const ours = repeated(backend === 'cpu' ? 1 : processes, () => engine('small_cnn', backend, backend === 'cpu' ? { ...train, n: Math.min(train.n, 2048) } : train, acc, 3600, backend === 'onednn' ? 1 : undefined));
          rows.push(row('small_cnn', backend, 'fashion-mnist', ours, pt, undefined, peak));
        } catch (err) {
          rows.push({ model: 'small_cnn', backend, dataset: 'fashion-mnist', error: (err as Error).message });
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  if (args.json) {
    for (const r of rows) process.stdout.write(JSON.stringify({ ...r, quick, load: machine.load, date: machine.date }) + '\n');
  } else {
    const out: string[] = [];
    out.push(`Training benchmark: engine vs PyTorch ${torchVersion} (CPU, 1 thread each unless threads says ours/PyTorch; ${quick ? 'quick' : 'full'})`);
    out.push(describeMachine(machine));
    out.push(`peak: ${peak.assumption} = ${peak.perCoreGflops.toFixed(1)} GFLOP/s per core, ${peak.machineGflops.toFixed(1)} per machine${peak.avx512 ? ' (the CPU also has AVX-512: up to 2x that)' : ''}`);
    out.push('');
    out.push(
      table(
        ['model', 'data', 'backend', 'threads', 'train ours', 'train torch', 'ratio', 'infer ours', 'infer torch', 'ratio', 'ratio vs torch\'s fastest (train / infer)', 'GFLOP/s ours', 'GFLOP/s torch', '% core peak ours', 'acc ours', 'acc torch'],
        rows.map((r) =>
          r.error
            ? [String(r.model), String(r.dataset), String(r.backend), String(r.ours_threads ?? ''), `ERROR: ${String(r.error).slice(0, 80)}`, '', '', '', '', '', '', '', '', '', '', '']
            : [
                String(r.model), String(r.dataset), String(r.backend), `${String(r.ours_threads)}/${String(r.pytorch_threads)}`,
                r.ours_train_img_s as number, r.pytorch_train_img_s as number, r.train_ratio as number,
                r.ours_infer_img_s as number, r.pytorch_infer_img_s as number, r.infer_ratio as number,
                `${String(r.train_ratio_vs_fastest_peer)} / ${String(r.infer_ratio_vs_fastest_peer)}`,
                r.ours_train_gflops as number, r.pytorch_train_gflops as number, round(100 * (r.ours_train_peak_frac as number), 1),
                r.ours_accuracy === undefined ? '' : (r.ours_accuracy as number), r.pytorch_accuracy === undefined ? '' : (r.pytorch_accuracy as number),
              ],
        ),
      ),
    );
    out.push('');
    out.push('images/s; ratio = ours / PyTorch; GFLOP/s = training images/s x 3 x forward FLOPs per image (analytic, from layer shapes).');
    process.stdout.write(out.join('\n') + '\n');
  }
  if (rows.some((r) => r.error)) process.exit(1);
}

function rates(values: unknown): number[] | undefined {
  return Array.isArray(values) ? (values as number[]).map((v) => round(v, 1)) : undefined;
}

/** A side's fastest process (its only figure when it ran one). */
function fastest(side: Json, kind: 'train' | 'infer'): number {
  const each = side[`process_${kind}_img_s`];
  return Array.isArray(each) && each.length > 0 ? Math.max(...(each as number[])) : (side[`${kind}_img_s`] as number);
}

function row(model: ModelName, backend: string, dataset: string, ours: Json, pt: Json, pt2: Json | undefined, peak: ReturnType<typeof machinePeak>): Json {
  if (ours.trainable_params !== pt.trainable_params) {
    fail(`${model}: engine has ${ours.trainable_params} trainable parameters, PyTorch ${pt.trainable_params}: the architectures differ, no comparison`);
  }
  const fwd = ours.flops_forward as number;
  const ot = ours.train_img_s as number;
  const pTrain = pt.train_img_s as number;
  const r: Json = {
    model,
    backend: String(ours.backend),
    ours_train_img_s: round(ot, 2),
    pytorch_train_img_s: round(pTrain, 2),
    ours_infer_img_s: round(ours.infer_img_s as number, 2),
    pytorch_infer_img_s: round(pt.infer_img_s as number, 2),
    train_ratio: round(ot / pTrain, 3),
    infer_ratio: round((ours.infer_img_s as number) / (pt.infer_img_s as number), 3),
    // Against PyTorch's fastest process rather than its median: on a VM where PyTorch's speed
    // changes up to 8x from one process to the next, the ratio its best run allows.
    train_ratio_vs_fastest_peer: round(ot / fastest(pt, 'train'), 3),
    infer_ratio_vs_fastest_peer: round((ours.infer_img_s as number) / fastest(pt, 'infer'), 3),
    dataset,
    input: ours.input,
    batch: ours.batch,
    trainable_params: ours.trainable_params,
    mflops_forward_per_image: round(fwd / 1e6, 1),
    ours_train_gflops: round((ot * 3 * fwd) / 1e9, 2),
    pytorch_train_gflops: round((pTrain * 3 * fwd) / 1e9, 2),
    ours_infer_gflops: round(((ours.infer_img_s as number) * fwd) / 1e9, 2),
    pytorch_infer_gflops: round(((pt.infer_img_s as number) * fwd) / 1e9, 2),
    ours_train_peak_frac: round((ot * 3 * fwd) / 1e9 / peak.perCoreGflops, 4),
    pytorch_train_peak_frac: round((pTrain * 3 * fwd) / 1e9 / peak.perCoreGflops, 4),
    peak_gflops_per_core: round(peak.perCoreGflops, 1),
    peak_gflops_machine: round(peak.machineGflops, 1),
    pytorch_threads: pt.threads,
    ours_threads: ours.threads ?? 1,
    ours_train_steps: ours.train_steps ?? undefined,
    peak_rss_mb_ours: typeof ours.peak_rss_mb === 'number' ? round(ours.peak_rss_mb, 1) : undefined,
    peak_rss_mb_torch: typeof pt.peak_rss_mb === 'number' ? round(pt.peak_rss_mb, 1) : undefined,
    // Each process's speeds (images/s), the median of which is *_img_s; with one process, its
    // timed inference passes instead.
    ours_train_process_img_s: rates(ours.process_train_img_s),
    pytorch_train_process_img_s: rates(pt.process_train_img_s),
    ours_infer_process_img_s: rates(ours.process_infer_img_s),
    pytorch_infer_process_img_s: rates(pt.process_infer_img_s),
    ours_infer_pass_img_s: rates(ours.infer_pass_img_s),
    pytorch_infer_pass_img_s: rates(pt.infer_pass_img_s),
  };
  if (ours.accuracy !== undefined) {
    Object.assign(r, { ours_accuracy: round(ours.accuracy as number, 4), pytorch_accuracy: round(pt.accuracy as number, 4), train_images: ours.train_images, eval_images: ours.eval_images });
  }
  if (pt2) Object.assign(r, { pytorch_threads_n: pt2.threads, pytorch_train_img_s_n: round(pt2.train_img_s as number, 2), pytorch_infer_img_s_n: round(pt2.infer_img_s as number, 2) });
  return r;
}

main().catch((err) => fail((err as Error).stack ?? String(err)));
