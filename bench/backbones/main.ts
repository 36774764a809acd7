// `npm run bench:backbones [-- --quick] [-- --json]`: every backbone TAO's classification
// offers (issue 19) at 3x224x224, batch 32 (--quick: 3x64x64, batch 8, one timed step):
// parameters ours vs TAO's reference, training and inference images/s on the fastest CPU
// backend the engine has, torchvision's equivalent on PyTorch where one exists (resnet50/101,
// efficientnet_b0, googlenet, squeezenet, alexnet), and ONNX inference images/s in
// onnxruntime for our exported model. Every measurement runs in its own process, one thread
// each unless --threads says otherwise.
//   --backends onednn,wasm   engine backends to try (the fastest that loads is reported)
//   --only a,b               only these backbones (names as in the table)
// TAO's reference counts come from two independent scripts that restate NVIDIA's Keras
// templates: bench/backbones/tao_reference.py (EfficientNet, GoogLeNet, SqueezeNet, AlexNet)
// and tools/backbone-params.py (ResNet, DarkNet, CSPDarkNet).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine, log, machineInfo, parseArgs, repoRoot, round } from '../common/util';
import { writeSynthetic } from '../train/data';

const PYTHON = process.env.TAO_BENCH_PYTHON ?? '/usr/bin/python3';

type Json = Record<string, unknown>;

interface Backbone {
  name: string;
  arch: string;
  layers?: number;
  /** torchvision's model of the same name exists. */
  torchvision?: boolean;
  /**
   * model_config use_pooling: true. TAO's ResNet without it (the default, for detection
   * trunks) downsamples in stage 1 and keeps stage 4 at 1/16, 1.6x the convolution work of an
   * ImageNet ResNet; NVIDIA's ImageNet classification spec sets it
   * (makenet/experiment_specs/resnet101_imagenet2012.txt), which gives torchvision's strides.
   */
  usePooling?: boolean;
}

const BACKBONES: Backbone[] = [
  { name: 'resnet50', arch: 'resnet', layers: 50, torchvision: true, usePooling: true },
  { name: 'resnet101', arch: 'resnet', layers: 101, torchvision: true, usePooling: true },
  { name: 'darknet19', arch: 'darknet', layers: 19 },
  { name: 'darknet53', arch: 'darknet', layers: 53 },
  { name: 'cspdarknet19', arch: 'cspdarknet', layers: 19 },
  { name: 'cspdarknet53', arch: 'cspdarknet', layers: 53 },
  { name: 'cspdarknet_tiny', arch: 'cspdarknet_tiny' },
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ name: `efficientnet_b${i}`, arch: `efficientnet_b${i}`, torchvision: i === 0 })),
  { name: 'googlenet', arch: 'googlenet', torchvision: true },
  { name: 'squeezenet', arch: 'squeezenet', torchvision: true },
  { name: 'alexnet', arch: 'alexnet', torchvision: true },
];

function runJson(label: string, command: string, args: string[], timeoutS: number): Json {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 1 << 24 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) {
    // The error's own line, not the stack frames under it.
    const lines = (r.stderr ?? '').trim().split('\n').filter((l) => !/^\s+at /.test(l));
    throw new Error(`${label} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${lines.slice(-2).join(' / ')} ${line}`.trim());
  }
  const j = JSON.parse(line) as Json;
  if (j.error) throw new Error(`${label}: ${String(j.error)}`);
  return j;
}

/** TAO's parameter counts (1000 classes, use_batch_norm true, use_bias false) by backbone name. */
function references(): Map<string, { params: number; source: string }> {
  const out = new Map<string, { params: number; source: string }>();
  const ours = spawnSync(PYTHON, [join(repoRoot(), 'bench', 'backbones', 'tao_reference.py')], { encoding: 'utf8' });
  if (ours.status === 0) {
    for (const line of ours.stdout.trim().split('\n')) {
      const j = JSON.parse(line) as { arch: string; params: number };
      out.set(j.arch, { params: j.params, source: 'bench/backbones/tao_reference.py' });
    }
  } else {
    log(`backbones: tao_reference.py failed: ${ours.stderr.trim().split('\n').pop()}`);
  }
  const script = join(repoRoot(), 'tools', 'backbone-params.py');
  if (existsSync(script)) {
    const theirs = spawnSync(PYTHON, [script, '--json'], { encoding: 'utf8' });
    if (theirs.status === 0) {
      for (const [k, v] of Object.entries(JSON.parse(theirs.stdout) as Record<string, number>)) {
        if (!k.includes(' ')) out.set(k, { params: v, source: 'tools/backbone-params.py' });
      }
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs();
  const quick = args.quick;
  const machine = machineInfo();
  const size = Number(args.extra.get('size') ?? (quick ? 64 : 224));
  const batch = Number(args.extra.get('batch') ?? (quick ? 8 : 32));
  const steps = quick ? 1 : 3;
  const inferBatches = quick ? 2 : 3;
  const threads = Number(args.extra.get('threads') ?? 1);
  const backends = String(args.extra.get('backends') ?? (quick ? 'wasm' : 'onednn,wasm')).split(',');
  const only = args.extra.get('only');
  const chosen = typeof only === 'string' ? BACKBONES.filter((b) => only.split(',').includes(b.name)) : BACKBONES;
  const refs = references();
  const dir = mkdtempSync(join(tmpdir(), 'tao-bench-backbones-'));
  log(`backbones: ${describeMachine(machine)}; 3x${size}x${size}, batch ${batch}, ${threads} thread(s); data in ${dir}`);
  const rows: Json[] = [];
  try {
    const n = 2 * batch;
    const data = writeSynthetic(dir, n, size, 3, 10);
    const common = ['--images', data.images, '--labels', data.labels, '--n', String(n), '--size', String(size), '--batch', String(batch),
      '--warmup', '1', '--steps', String(steps), '--infer-batches', String(inferBatches), '--threads', String(threads)];
    for (const b of chosen) {
      const ref = refs.get(b.name);
      const row: Json = { backbone: b.name, input: `3x${size}x${size}`, batch, tao_params: ref?.params ?? null, tao_params_source: ref?.source ?? null };
      // The fastest engine backend that loads: each is measured, the best training figure kept.
      let best: Json | undefined;
      const errors: string[] = [];
      for (const backend of backends) {
        log(`backbones: ${b.name} (engine, ${backend})`);
        try {
          const layers = b.layers === undefined ? [] : ['--layers', String(b.layers)];
          const pooling = b.usePooling ? ['--use-pooling'] : [];
          const r = runJson(`engine ${backend} ${b.name}`, process.execPath,
            [join(repoRoot(), 'out', 'bench', 'backbones', 'engine-worker.js'), '--backend', backend, '--arch', b.arch, ...layers, ...pooling, ...common], quick ? 900 : 3600);
          if (r.engine_error) errors.push(`${backend}: ${String(r.engine_error).slice(0, 200)}`);
          if (!best || ((r.train_img_s as number) ?? 0) > ((best.train_img_s as number) ?? 0)) best = r;
        } catch (err) {
          errors.push((err as Error).message.slice(0, 300));
        }
      }
      if (best) {
        if (best.train_img_s === undefined) row.error = errors.join(' || ');
        Object.assign(row, {
          params: best.params,
          params_match: ref ? best.params === ref.params : null,
          backend: best.backend,
          ours_train_img_s: best.train_img_s === undefined ? null : round(best.train_img_s as number, 2),
          ours_infer_img_s: best.infer_img_s === undefined ? null : round(best.infer_img_s as number, 2),
          onnx_infer_img_s: round(best.onnx_infer_img_s as number, 2),
          mflops_forward_per_image: round((best.flops_forward as number) / 1e6, 1),
          mflops_conv_dense_per_image: round((best.conv_dense_flops_forward as number) / 1e6, 1),
          use_pooling: b.usePooling === true,
        });
      } else {
        row.error = errors.join(' || ');
      }
      if (b.torchvision) {
        log(`backbones: ${b.name} (torchvision)`);
        try {
          const pt = runJson(`torchvision ${b.name}`, PYTHON, [join(repoRoot(), 'bench', 'backbones', 'torchvision_bench.py'), '--model', b.name,
            '--size', String(size), '--batch', String(batch), '--steps', String(steps), '--warmup', '1', '--infer-batches', String(inferBatches), '--threads', String(threads)], 3600);
          Object.assign(row, {
            torchvision_params: pt.params,
            torchvision_mflops_conv_dense_per_image: round((pt.conv_dense_flops as number) / 1e6, 1),
            torch_train_img_s: round(pt.train_img_s as number, 2),
            torch_infer_img_s: round(pt.infer_img_s as number, 2),
          });
          if (best && best.train_img_s !== undefined) {
            row.train_ratio = round((best.train_img_s as number) / (pt.train_img_s as number), 3);
            row.infer_ratio = round((best.infer_img_s as number) / (pt.infer_img_s as number), 3);
            row.onnx_infer_ratio = round((best.onnx_infer_img_s as number) / (pt.infer_img_s as number), 3);
          }
        } catch (err) {
          row.torch_error = (err as Error).message.slice(0, 300);
        }
      }
      rows.push(row);
      // Each row as soon as it is measured: a full run takes over an hour, and one stopped
      // part-way keeps what it measured.
      if (args.json) process.stdout.write(JSON.stringify({ ...row, quick, threads, load: machine.load, date: machine.date }) + '\n');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // --json: JSON lines on stdout (written above, one per backbone) and the table on stderr
  // (both go into bench/RESULTS.md).
  {
    const cell = (v: unknown): string => (v === undefined || v === null ? '' : String(v).replace(/\|/g, '/'));
    const out = [
      `Backbones (${quick ? 'quick' : 'full'}): 3x${size}x${size}, batch ${batch}, ${threads} thread(s) everywhere; ${describeMachine(machine)}`,
      '',
      '| backbone | params ours | params TAO | equal | backend | MFLOP conv+dense ours / torchvision | train ours | train torchvision | ratio | infer ours | infer torchvision | ratio | ONNX infer (ORT) | ONNX / torchvision |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows.map((r) => `| ${[`${r.backbone}${r.use_pooling ? ' (use_pooling)' : ''}`, r.params, r.tao_params, typeof r.params_match !== 'boolean' ? '' : r.params_match ? 'yes' : 'NO', r.error ? `${cell(r.backend)} ERROR: ${cell(r.error)}` : r.backend,
        r.mflops_conv_dense_per_image === undefined ? '' : `${r.mflops_conv_dense_per_image}${r.torchvision_mflops_conv_dense_per_image === undefined ? '' : ` / ${r.torchvision_mflops_conv_dense_per_image}`}`,
        r.ours_train_img_s, r.torch_train_img_s, r.train_ratio, r.ours_infer_img_s, r.torch_infer_img_s, r.infer_ratio, r.onnx_infer_img_s, r.onnx_infer_ratio].map(cell).join(' | ')} |`),
      '',
      'images/s; ratio = ours / torchvision (torchvision models are the usual reference implementations, not layer-for-layer TAO twins; the MFLOP column shows how much convolution and dense work each side does per image).',
    ];
    (args.json ? process.stderr : process.stdout).write(out.join('\n') + '\n');
  }
  if (rows.some((r) => r.error || r.params_match === false)) process.exit(1);
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(2);
});
