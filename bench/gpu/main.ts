// `npm run bench:gpu [-- --json] [-- --quick] [-- --allow-software]`: training throughput on the
// local GPU. Where a GPU is present, trains resnet18 and mobilenet_v2 at 3x224x224, batch 32, on
// each GPU backend of the engine that loads here (webgpu on a hardware adapter; tfjs-node-gpu
// where it installs), and the same model, data and step in PyTorch on the same card when
// PyTorch sees CUDA. One JSON line per (model, backend): model, backend, device,
// ours_train_img_s, pytorch_train_img_s, train_ratio (ours / PyTorch), card.
//
// Where no GPU is present it says so, names what each GPU backend lacks (from
// `tao-engine doctor`), and exits 0 without rows. `--allow-software` also measures a software
// WebGPU adapter (llvmpipe): no figure worth recording, but it runs the whole script on a
// machine without a GPU, so the script itself can be checked anywhere.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine, fail, lastJsonLine, log, machineInfo, parseArgs, repoRoot, round, runStep, table } from '../common/util';
import { writeSynthetic } from '../train/data';

const PYTHON = process.env.TAO_BENCH_PYTHON ?? '/usr/bin/python3';
const MODELS = ['resnet18', 'mobilenet_v2'] as const;

type Json = Record<string, unknown>;

interface DoctorBackend {
  backend: string;
  loads: boolean;
  device?: string;
  software?: boolean;
  problem?: string;
  fixes: string[];
}

function doctor(): DoctorBackend[] {
  const r = spawnSync(process.execPath, [join(repoRoot(), 'bin', 'tao-engine.js'), 'doctor', '--json'], { encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 24 });
  try {
    return (JSON.parse(r.stdout) as { backends: DoctorBackend[] }).backends;
  } catch {
    fail(`tao-engine doctor --json gave no report (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/** PyTorch's view of CUDA: the card's name, or why there is none. */
function torchCuda(): { card?: string; why?: string } {
  const code = 'import json, torch\nok = torch.cuda.is_available()\nprint(json.dumps({"card": torch.cuda.get_device_name(0) if ok else None, "version": torch.__version__, "cuda": torch.version.cuda}))';
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) return { why: `PyTorch does not run (${PYTHON}): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
  const info = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { card: string | null; version: string; cuda: string | null };
  if (!info.card) return { why: `PyTorch ${info.version} sees no CUDA device (built for CUDA ${info.cuda ?? 'none'})` };
  return { card: info.card };
}

/** The card's marketing name from the NVIDIA driver, when it is there. */
function nvidiaCard(): string | undefined {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim().split('\n')[0] || undefined : undefined;
}

/** One measurement in a child process: its progress on our stderr, its JSON line as the result. */
function runJson(label: string, command: string, args: string[], timeoutS: number): Json {
  return lastJsonLine(label, runStep(label, command, args, timeoutS));
}

async function main(): Promise<void> {
  const args = parseArgs();
  const allowSoftware = args.extra.has('allow-software');
  const size = args.quick ? 64 : 224;
  const batch = args.quick ? 8 : 32;
  const steps = args.quick ? 2 : 10;
  log(`gpu: ${describeMachine(machineInfo())}`);

  const backends = doctor().filter((b) => b.backend === 'tensorflow-gpu' || b.backend === 'webgpu');
  const usable = backends.filter((b) => b.loads && (!b.software || allowSoftware));
  const cuda = torchCuda();
  if (usable.length === 0 && !cuda.card) {
    log('gpu: no GPU present here; nothing measured.');
    for (const b of backends) {
      const why = b.loads ? `loads, but on a software adapter (${b.device ?? 'unknown'}): not a GPU` : (b.problem ?? 'does not load');
      log(`  ${b.backend}: ${why}${b.fixes.length ? ` (fix: ${b.fixes.join(' && ')})` : ''}`);
    }
    log(`  PyTorch: ${cuda.why}`);
    log('Run `tao-engine doctor` for the details; `--allow-software` measures a software adapter anyway.');
    return;
  }
  const card = nvidiaCard() ?? cuda.card ?? usable.find((b) => !b.software)?.device ?? usable[0]?.device ?? 'unknown';
  log(`gpu: card ${card}; engine backends ${usable.map((b) => `${b.backend} (${b.device ?? '?'})`).join(', ') || 'none'}; PyTorch ${cuda.card ? `CUDA on ${cuda.card}` : `not measured: ${cuda.why}`}`);

  const dir = mkdtempSync(join(tmpdir(), 'tao-bench-gpu-'));
  const data = writeSynthetic(dir, batch * 4, size, 3, 10);
  const dataArgs = ['--images', data.images, '--labels', data.labels, '--n', String(data.n), '--size', String(size), '--channels', '3', '--classes', '10', '--batch', String(batch)];
  const rows: Json[] = [];
  try {
    for (const model of MODELS) {
      let pt: Json | undefined;
      if (cuda.card) {
        log(`gpu: ${model} in PyTorch on ${cuda.card}`);
        pt = runJson(`PyTorch ${model}`, PYTHON, [join(repoRoot(), 'bench', 'train', 'pytorch_bench.py'), '--model', model, ...dataArgs, '--device', 'cuda', '--warmup', '2', '--steps', String(steps), '--infer-batches', '1'], 900);
      }
      for (const b of usable) {
        log(`gpu: ${model} on ${b.backend}`);
        const ours = runJson(`engine ${b.backend} ${model}`, process.execPath, [join(repoRoot(), 'out', 'bench', 'gpu', 'engine-gpu-worker.js'), '--backend', b.backend, '--model', model, ...dataArgs, '--warmup', '2', '--steps', String(steps)], 1800);
        if (pt && pt.trainable_params !== ours.trainable_params) fail(`${model}: parameter counts differ (ours ${String(ours.trainable_params)}, PyTorch ${String(pt.trainable_params)})`);
        const oursRate = Number(ours.train_img_s);
        const ptRate = pt ? Number(pt.train_img_s) : undefined;
        rows.push({
          model,
          backend: b.backend,
          device: ours.device || b.device || '',
          software: ours.software === true,
          card,
          input: `3x${size}x${size}`,
          batch,
          ours_train_img_s: round(oursRate),
          pytorch_train_img_s: ptRate === undefined ? null : round(ptRate),
          train_ratio: ptRate === undefined ? null : round(oursRate / ptRate),
          pytorch_device: pt ? String(pt.device) : null,
          last_loss_ours: round(Number(ours.last_loss), 4),
          last_loss_pytorch: pt ? round(Number(pt.last_loss), 4) : null,
        });
      }
      if (pt && usable.length === 0) rows.push({ model, backend: 'none', device: '', card, input: `3x${size}x${size}`, batch, ours_train_img_s: null, pytorch_train_img_s: round(Number(pt.train_img_s)), train_ratio: null, pytorch_device: String(pt.device) });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (args.json) {
    for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const fmt = (v: unknown): string | number => (v === null || v === undefined ? '-' : (v as string | number));
  process.stdout.write(table(['model', 'backend', 'device', 'ours img/s', 'PyTorch img/s', 'ratio'], rows.map((r) => [String(r.model), String(r.backend), String(r.device), fmt(r.ours_train_img_s), fmt(r.pytorch_train_img_s), fmt(r.train_ratio)])) + '\n');
}

main().catch((err) => {
  process.stderr.write(`bench:gpu: ${(err as Error).message}\n`);
  process.exit(1);
});
