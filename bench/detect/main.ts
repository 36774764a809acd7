// `npm run bench:detect [-- --quick] [-- --json]`: DetectNet_v2 (ResNet-10 at stride 16) trained
// by the engine and by a PyTorch 1.13 implementation of the same network and recipe, on the same
// records, in the same run; mAP and images/s side by side.
//
// 1. Scenes of Fashion-MNIST items on varied backgrounds (engine/src/data/scenes.ts, fixed seed,
//    several classes, overlaps, small objects) written as KITTI, converted to TFRecords with the
//    engine's `dataset_convert` CLI; a training spec with augmentation off.
// 2. The engine's data path (the spec's records and frame split, the trainer's input scaling, the
//    engine's rasterizer and its per-epoch shuffle) exported as raw float32 tensors (data.ts), on
//    which bench/detect/pytorch_detectnet.py trains the same network with the same loss,
//    optimizer, schedule, batch order and thread count, then writes its raw validation outputs.
// 2b. Both start from the same weights: the network the engine's trainer builds for the spec
//    (./engine-init.ts), named as the spec's pretrained_model_file and loaded by the PyTorch
//    script; both networks first run the validation images through them, and the run stops
//    unless the outputs agree (and unless the trainable parameter counts are equal).
// 3. The engine trains with its CLI (`train --backend wasm`), is scored with its `evaluate` CLI,
//    and its inference is timed by ./engine-infer.ts, which also writes the raw outputs.
// 4. Both sides' raw outputs are scored here by the engine's post-processing and mAP code with the
//    spec's settings, so the two mAPs come from identical code (ours is also checked against the
//    evaluate CLI's figure).
// Exits non-zero when PyTorch cannot run: never reports the engine's side alone.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeDetectionScenes } from '../../engine/src/data/scenes';
import { datasetConvertSpec, detectTrainSpec } from '../../engine/src/tools/detect-specs';
import type { DetectionMetrics } from '../../engine/src/networks/detectnet_v2/metrics';
import { describeMachine, fail, lastJsonLine, log, machineInfo, parseArgs, repoRoot, round, runStep, table } from '../common/util';
import { assertNoAugmentation, clusteringSummary, exportForPytorch, loadSpec, readF32, scoreRaw } from './data';

/** Debian's interpreter (python3-torch installs for it); TAO_BENCH_PYTHON points elsewhere. */
const PYTHON = process.env.TAO_BENCH_PYTHON ?? '/usr/bin/python3';

type Json = Record<string, unknown>;

/** Fashion-MNIST label ids: trouser, sneaker, bag (tall, wide and square silhouettes). */
const SCENE_CLASSES = [1, 7, 8];

interface Setup {
  count: number;
  width: number;
  height: number;
  epochs: number;
  batch: number;
  layers: number;
  maxLr: number;
  minLr: number;
  minSize: number;
  maxSize: number;
  minObjects: number;
  maxObjects: number;
  valSplit: number;
  foregroundWeight: number;
  bboxWeight: number;
  autoweighting: boolean;
}

function setupFrom(args: ReturnType<typeof parseArgs>): Setup {
  const quick = args.quick;
  const num = (key: string, fallback: number): number => {
    const v = args.extra.get(key);
    return v === undefined || v === true ? fallback : Number(v);
  };
  const size = String(args.extra.get('size') ?? '96x96').split('x').map(Number);
  return {
    count: num('count', quick ? 500 : 1200),
    width: size[0],
    height: size[1] ?? size[0],
    epochs: num('epochs', quick ? 6 : 16),
    batch: num('batch', 4),
    layers: num('layers', 10),
    maxLr: num('max-lr', 1e-2),
    minLr: num('min-lr', 1e-5),
    minSize: num('min-size', 20),
    maxSize: num('max-size', 56),
    minObjects: num('min-objects', 1),
    maxObjects: num('max-objects', 4),
    valSplit: num('val-split', 20),
    foregroundWeight: num('fg-weight', 0.5),
    bboxWeight: num('bbox-weight', 10),
    autoweighting: String(args.extra.get('autoweighting') ?? 'true') !== 'false',
  };
}

function checkPeer(): string {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) {
    fail(`PyTorch cannot run (${PYTHON} -c "import torch"): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}\n` + 'install it with: apt-get install -y python3-torch (Debian, for /usr/bin/python3)');
  }
  return r.stdout.trim();
}

function engineCli(label: string, args: string[], timeoutS: number): string {
  return runStep(`engine ${label}`, process.execPath, [join(repoRoot(), 'bin', 'tao-engine.js'), 'detectnet_v2', ...args], timeoutS);
}

interface CsvEpoch {
  epoch: number;
  loss: number;
  seconds: number;
  imagesPerSecond: number;
}

function readTrainingCsv(path: string): CsvEpoch[] {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = header.split(',');
  const at = (name: string) => cols.indexOf(name);
  return rows.map((line) => {
    const v = line.split(',');
    return { epoch: Number(v[at('epoch')]), loss: Number(v[at('loss')]), seconds: Number(v[at('seconds')]), imagesPerSecond: Number(v[at('images_per_second')]) };
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function perClass(m: DetectionMetrics): Record<string, number> {
  return Object.fromEntries(m.perClass.map((p) => [p.class, round(p.ap, 4)]));
}

async function main(): Promise<void> {
  const args = parseArgs();
  const quick = args.quick;
  const s = setupFrom(args);
  const backend = String(args.extra.get('backend') ?? 'wasm');
  const extraThreads = Number(args.extra.get('threads') ?? 0);
  const machine = machineInfo();
  const torchVersion = checkPeer();
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'tao-bench-detect-'));
  log(`detect: ${describeMachine(machine)}; PyTorch ${torchVersion}; work in ${dir}`);
  // fail() exits at once: the work folder (a few hundred MB of tensors) goes on any exit.
  const keep = args.extra.has('keep');
  process.on('exit', () => {
    if (keep) log(`detect: kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  // --- data -------------------------------------------------------------------------------
  const scenes = join(dir, 'scenes');
  const summary = writeDetectionScenes(scenes, {
    count: s.count,
    width: s.width,
    height: s.height,
    seed: 2024,
    classes: SCENE_CLASSES,
    minObjects: s.minObjects,
    maxObjects: s.maxObjects,
    minSize: s.minSize,
    maxSize: s.maxSize,
    source: 'fashion-mnist',
  });
  const classes = summary.classNames;
  log(`detect: ${s.count} scenes ${s.width}x${s.height}, objects ${JSON.stringify(summary.objectsPerClass)}`);
  writeFileSync(join(dir, 'convert.txt'), datasetConvertSpec({ root: scenes, valSplit: s.valSplit, shards: 2 }));
  engineCli('dataset_convert', ['dataset_convert', '-d', join(dir, 'convert.txt'), '-o', join(dir, 'tfrecords', 'kitti'), '-r', join(dir, 'convert')], 300);
  const specPath = join(dir, 'train.txt');
  writeFileSync(
    specPath,
    detectTrainSpec({
      classes,
      width: s.width,
      height: s.height,
      layers: s.layers,
      epochs: s.epochs,
      batch: s.batch,
      maxLr: s.maxLr,
      minLr: s.minLr,
      tfrecords: join(dir, 'tfrecords', '*'),
      images: scenes,
      validationFold: 0,
      // Validation happens once, after training, through the evaluate CLI: none during training.
      firstValidationEpoch: s.epochs + 1,
      checkpointInterval: s.epochs,
      seed: 42,
      augment: false,
      // Both sides start from these weights (written below by engine-init.js).
      pretrained: join(dir, 'init'),
      foregroundWeight: s.foregroundWeight,
      bboxWeight: s.bboxWeight,
      autoweighting: s.autoweighting,
    }),
  );
  const spec = loadSpec(specPath);
  assertNoAugmentation(spec.cfg);
  const exportDir = join(dir, 'export');
  mkdirSync(exportDir);
  const exported = exportForPytorch(spec, exportDir);
  log(`detect: ${exported.trainImages} training frames (${exported.objects} objects), ${exported.valImages} validation frames; exported to ${exportDir}`);

  // --- the shared starting point, and a check that both networks compute the same function --
  const outDir = join(dir, 'outputs');
  mkdirSync(outDir);
  const script = join(repoRoot(), 'bench', 'detect', 'pytorch_detectnet.py');
  const initDir = join(dir, 'init');
  const init = lastJsonLine('engine init', runStep('engine init', process.execPath, [join(repoRoot(), 'out', 'bench', 'detect', 'engine-init.js'), '--spec', specPath, '--out', initDir, '--backend', backend], 300));
  runStep('engine forward check', process.execPath, [join(repoRoot(), 'out', 'bench', 'detect', 'engine-infer.js'), '--spec', specPath, '--model', initDir, '--backend', backend, '--batch', String(s.batch), '--out', outDir, '--prefix', 'engine_init'], 600);
  const ptInit = lastJsonLine('PyTorch forward check', runStep('PyTorch forward check', PYTHON, [script, '--data', exportDir, '--out', outDir, '--init', initDir, '--forward-only'], 600));
  if (init.trainable_params !== ptInit.trainable_params) {
    fail(`the engine's model has ${init.trainable_params} trainable parameters, PyTorch's ${ptInit.trainable_params}: the architectures differ, no comparison`);
  }
  const forwardDiff = Math.max(
    maxAbsDiff(readF32(join(outDir, 'engine_init_val_cov.f32')), readF32(join(outDir, 'pytorch_init_val_cov.f32'))),
    maxAbsDiff(readF32(join(outDir, 'engine_init_val_bbox.f32')), readF32(join(outDir, 'pytorch_init_val_bbox.f32'))),
  );
  log(`detect: same initial weights on both sides; largest output difference on the validation images ${forwardDiff.toExponential(2)}`);
  if (!(forwardDiff < 1e-3)) fail(`the engine's and PyTorch's networks disagree on the same weights (largest output difference ${forwardDiff}): the architectures differ, no comparison`);

  // --- PyTorch (first: a failure here stops the run before the long engine training) ------
  log(`detect: training PyTorch (${s.epochs} epochs, 1 thread)`);
  const pt = lastJsonLine('PyTorch', runStep('PyTorch', PYTHON, [script, '--data', exportDir, '--out', outDir, '--init', initDir, '--threads', '1'], 3600));
  const ptMetrics = scoreRaw(spec, readF32(join(outDir, 'pytorch_val_cov.f32')), readF32(join(outDir, 'pytorch_val_bbox.f32')));
  log(`detect: PyTorch mAP ${(ptMetrics.mAP * 100).toFixed(2)}%, ${(pt.train_img_s as number).toFixed(1)} train img/s`);
  // With --threads N, PyTorch trains again with N threads: the same recipe with other float
  // rounding, so its mAP also shows how far two runs of one implementation drift apart.
  let ptN: Json | undefined;
  let ptNMap: number | undefined;
  if (extraThreads > 1) {
    const nDir = join(dir, 'outputs-threads');
    mkdirSync(nDir);
    log(`detect: training PyTorch again with ${extraThreads} threads`);
    ptN = lastJsonLine('PyTorch', runStep('PyTorch', PYTHON, [script, '--data', exportDir, '--out', nDir, '--init', initDir, '--threads', String(extraThreads)], 3600));
    ptNMap = scoreRaw(spec, readF32(join(nDir, 'pytorch_val_cov.f32')), readF32(join(nDir, 'pytorch_val_bbox.f32'))).mAP;
    log(`detect: PyTorch with ${extraThreads} threads: mAP ${(ptNMap * 100).toFixed(2)}%`);
  }

  // --- engine ------------------------------------------------------------------------------
  const results = join(dir, 'results');
  log(`detect: training the engine (${backend}, ${s.epochs} epochs)`);
  const t0 = performance.now();
  engineCli('train', ['train', '-e', specPath, '-r', results, '--backend', backend, '--fresh'], 7200);
  const oursTrainWall = (performance.now() - t0) / 1000;
  const csv = readTrainingCsv(join(results, 'training.csv'));
  engineCli('evaluate', ['evaluate', '-e', specPath, '-m', join(results, 'weights', 'final'), '-r', join(dir, 'evaluate'), '--backend', backend, '--quiet'], 600);
  const evaluation = JSON.parse(readFileSync(join(dir, 'evaluate', 'evaluation.json'), 'utf8')) as { mAP: number };
  const ours = lastJsonLine(
    'engine inference',
    runStep('engine inference', process.execPath, [join(repoRoot(), 'out', 'bench', 'detect', 'engine-infer.js'), '--spec', specPath, '--model', join(results, 'weights', 'final'), '--backend', backend, '--batch', String(s.batch), '--out', outDir], 600),
  );
  const oursMetrics = scoreRaw(spec, readF32(join(outDir, 'ours_val_cov.f32')), readF32(join(outDir, 'ours_val_bbox.f32')));
  if (Math.abs(oursMetrics.mAP - evaluation.mAP) > 1e-3) {
    log(`detect: warning: the bench's scoring of the engine's outputs gives mAP ${oursMetrics.mAP}, the evaluate CLI ${evaluation.mAP}`);
  }
  if (ours.trainable_params !== pt.trainable_params) {
    fail(`the engine's model has ${ours.trainable_params} trainable parameters, PyTorch's ${pt.trainable_params}: the architectures differ, no comparison`);
  }

  // Training speed: images / seconds over the epochs after the first (both sides), from
  // the engine's training.csv and PyTorch's per-epoch timer.
  const timed = csv.length > 1 ? csv.slice(1) : csv;
  const oursTrain = (exported.trainImages * timed.length) / timed.reduce((a, e) => a + e.seconds, 0);
  const ptTrain = pt.train_img_s as number;
  const oursInfer = ours.infer_img_s as number;
  const ptInfer = pt.infer_img_s as number;
  const row: Json = {
    model: `detectnet_v2_resnet${s.layers}`,
    backend: String(ours.backend),
    ours_map: round(evaluation.mAP, 4),
    pytorch_map: round(ptMetrics.mAP, 4),
    map_diff_points: round((evaluation.mAP - ptMetrics.mAP) * 100, 2),
    within_2_points: Math.abs(evaluation.mAP - ptMetrics.mAP) * 100 <= 2,
    ours_train_img_s: round(oursTrain, 2),
    pytorch_train_img_s: round(ptTrain, 2),
    train_ratio: round(oursTrain / ptTrain, 3),
    ours_infer_img_s: round(oursInfer, 2),
    pytorch_infer_img_s: round(ptInfer, 2),
    infer_ratio: round(oursInfer / ptInfer, 3),
    epochs: s.epochs,
    batch: s.batch,
    train_images: exported.trainImages,
    val_images: exported.valImages,
    train_objects: exported.objects,
    input: `3x${s.height}x${s.width}`,
    classes,
    trainable_params: ours.trainable_params,
    init_forward_max_abs_diff: Number(forwardDiff.toExponential(2)),
    fg_weight: s.foregroundWeight,
    bbox_weight: s.bboxWeight,
    autoweighting: s.autoweighting,
    clustering: clusteringSummary(spec),
    ours_ap: perClass(oursMetrics),
    pytorch_ap: perClass(ptMetrics),
    ours_map_bench_scoring: round(oursMetrics.mAP, 4),
    ours_final_loss: csv.length ? csv[csv.length - 1].loss : null,
    pytorch_final_loss: (pt.epoch_losses as number[]).slice(-1)[0],
    ours_train_seconds: round(csv.reduce((a, e) => a + e.seconds, 0), 1),
    pytorch_train_seconds: round(pt.train_seconds as number, 1),
    ours_train_wall_seconds: round(oursTrainWall, 1),
    max_lr: s.maxLr,
    pytorch_threads: pt.threads,
    torch: torchVersion,
  };
  if (ptN) Object.assign(row, { pytorch_threads_n: ptN.threads, pytorch_train_img_s_n: round(ptN.train_img_s as number, 2), pytorch_infer_img_s_n: round(ptN.infer_img_s as number, 2), pytorch_map_n: round(ptNMap ?? NaN, 4) });
  const seconds = (performance.now() - started) / 1000;
  row.bench_seconds = round(seconds, 0);

  if (args.json) {
    process.stdout.write(JSON.stringify({ ...row, quick, load: machine.load, date: machine.date }) + '\n');
  } else {
    const r = row;
    const out: string[] = [];
    out.push(`Detection benchmark: DetectNet_v2 engine vs PyTorch ${torchVersion} (CPU, 1 thread each; ${quick ? 'quick' : 'full'}; ${round(seconds, 0)} s)`);
    out.push(describeMachine(machine));
    out.push(`${r.train_images} training / ${r.val_images} validation scenes ${r.input}, classes ${(r.classes as string[]).join(', ')}, ${r.epochs} epochs, batch ${r.batch}, ${r.trainable_params} trainable parameters`);
    out.push('');
    out.push(
      table(
        ['model', 'backend', 'mAP ours', 'mAP torch', 'diff (points)', 'train ours', 'train torch', 'ratio', 'infer ours', 'infer torch', 'ratio'],
        [[String(r.model), String(r.backend), r.ours_map as number, r.pytorch_map as number, r.map_diff_points as number, r.ours_train_img_s as number, r.pytorch_train_img_s as number, r.train_ratio as number, r.ours_infer_img_s as number, r.pytorch_infer_img_s as number, r.infer_ratio as number]],
      ),
    );
    out.push('');
    out.push(`AP per class: ours ${JSON.stringify(r.ours_ap)}; PyTorch ${JSON.stringify(r.pytorch_ap)}`);
    out.push('images/s; ratio = ours / PyTorch; training speed over the epochs after the first; mAP from the same post-processing and matching code for both sides.');
    process.stdout.write(out.join('\n') + '\n');
  }
}

main().catch((err) => fail((err as Error).stack ?? String(err)));
