// `npm run bench:detect-prune [-- --quick] [-- --json]`: TAO's detection workflow measured end
// to end through the engine's CLIs: train DetectNet_v2 -> prune to at most a target share of its
// parameters (1/3 by default) -> re-train the pruned graph (load_graph) -> evaluate, and the
// inference speed of the unpruned and the pruned model, in the engine (wasm, one thread) and in
// onnxruntime (CPU, one intra-op thread) on the models the export CLI writes.
//
// The threshold: after a short training run the filters' L2 norms sit close to each layer's
// largest, so TAO's default -pth 0.1 prunes almost nothing. The bench tries thresholds in
// ascending order and keeps the first whose pruned model holds <= the target share of the
// parameters, as a TAO user tunes -pth by looking at the pruned size.
// The peer is the unpruned model itself: the figures are mAP difference (points) and speed-up.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeDetectionScenes } from '../../engine/src/data/scenes';
import { datasetConvertSpec, detectTrainSpec, type DetectSpecOptions } from '../../engine/src/tools/detect-specs';
import { describeMachine, fail, lastJsonLine, log, machineInfo, parseArgs, repoRoot, round, runStep, table } from '../common/util';

type Json = Record<string, unknown>;

/** Fashion-MNIST label ids: trouser, sneaker, bag (tall, wide and square silhouettes). */
const SCENE_CLASSES = [1, 7, 8];
const THRESHOLDS = [0.1, 0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98];

function engine(label: string, args: string[], timeoutS: number): string {
  return runStep(`engine ${label}`, process.execPath, [join(repoRoot(), 'bin', 'tao-engine.js'), 'detectnet_v2', ...args, '--quiet'], timeoutS);
}

function script(name: string, args: string[], timeoutS: number): Json {
  return lastJsonLine(name, runStep(name, process.execPath, [join(repoRoot(), 'out', 'bench', ...name.split('/')) + '.js', ...args], timeoutS));
}

function readJson(path: string): Json {
  return JSON.parse(readFileSync(path, 'utf8')) as Json;
}

async function main(): Promise<void> {
  const args = parseArgs();
  const quick = args.quick;
  const num = (key: string, fallback: number): number => {
    const v = args.extra.get(key);
    return v === undefined || v === true ? fallback : Number(v);
  };
  const size = String(args.extra.get('size') ?? (quick ? '64x64' : '96x96')).split('x').map(Number);
  const s = {
    count: num('count', quick ? 300 : 600),
    width: size[0],
    height: size[1] ?? size[0],
    epochs: num('epochs', quick ? 12 : 20),
    retrainEpochs: num('retrain-epochs', quick ? 12 : 20),
    batch: num('batch', 4),
    layers: num('layers', 10),
    target: num('target', 1 / 3),
    inferBatch: num('infer-batch', 8),
  };
  const backend = String(args.extra.get('backend') ?? 'wasm');
  const machine = machineInfo();
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'tao-bench-detect-prune-'));
  const keep = args.extra.has('keep');
  process.on('exit', () => {
    if (keep) log(`detect-prune: kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  log(`detect-prune: ${describeMachine(machine)}; work in ${dir}`);

  // --- data and the training spec -----------------------------------------------------------
  const scenes = join(dir, 'scenes');
  const summary = writeDetectionScenes(scenes, {
    count: s.count, width: s.width, height: s.height, seed: 2024, classes: SCENE_CLASSES,
    minObjects: 1, maxObjects: 3, minSize: Math.round(s.width * 0.3), maxSize: Math.round(s.width * 0.6), source: 'fashion-mnist',
  });
  const classes = summary.classNames;
  writeFileSync(join(dir, 'convert.txt'), datasetConvertSpec({ root: scenes, valSplit: 20, shards: 2 }));
  engine('dataset_convert', ['dataset_convert', '-d', join(dir, 'convert.txt'), '-o', join(dir, 'tfrecords', 'kitti'), '-r', join(dir, 'convert')], 300);
  const base: DetectSpecOptions = {
    classes, width: s.width, height: s.height, layers: s.layers, epochs: s.epochs, batch: s.batch,
    maxLr: 1e-2, minLr: 1e-5, tfrecords: join(dir, 'tfrecords', '*'), images: scenes, validationFold: 0,
    firstValidationEpoch: s.epochs + 1, checkpointInterval: s.epochs, seed: 42, augment: false,
    foregroundWeight: 0.5, bboxWeight: 10, clustering: 'NMS',
  };
  const trainSpec = join(dir, 'train.txt');
  writeFileSync(trainSpec, detectTrainSpec(base));

  // --- unpruned: train, evaluate ------------------------------------------------------------
  log(`detect-prune: training the unpruned model (${s.count} scenes ${s.width}x${s.height}, ${s.epochs} epochs)`);
  const t0 = performance.now();
  engine('train', ['train', '-e', trainSpec, '-r', join(dir, 'unpruned'), '--backend', backend, '--fresh'], 7200);
  const trainSeconds = (performance.now() - t0) / 1000;
  const unprunedModel = join(dir, 'unpruned', 'weights', 'final');
  engine('evaluate', ['evaluate', '-e', trainSpec, '-m', unprunedModel, '-r', join(dir, 'unpruned-eval'), '--backend', backend], 600);
  const mapUnpruned = readJson(join(dir, 'unpruned-eval', 'evaluation.json')).mAP as number;
  log(`detect-prune: unpruned mAP ${(mapUnpruned * 100).toFixed(2)}%`);

  // --- prune to the target share ------------------------------------------------------------
  // Coarse thresholds first, then bisection between the last one that kept too much and the
  // first that kept little enough, so the pruned model lands just under the target (pruning far
  // past it would cost accuracy the comparison should not be charged with).
  const tried: { threshold: number; ratio: number }[] = [];
  // A holder, not a `let`: the closures below assign it, which TypeScript's narrowing cannot see.
  const best: { chosen?: { threshold: number; dir: string; report: Json } } = {};
  const pruneAt = (threshold: number): { dir: string; report: Json } => {
    const out = join(dir, `pruned-${threshold.toFixed(4)}`);
    engine('prune', ['prune', '-e', trainSpec, '-m', unprunedModel, '-o', out, '-pth', String(threshold), '-r', join(dir, `prune-${threshold.toFixed(4)}`)], 600);
    const report = readJson(join(out, 'prune_report.json'));
    tried.push({ threshold: round(threshold, 4), ratio: round(report.params_ratio as number, 4) });
    log(`detect-prune: -pth ${threshold.toFixed(4)}: ${report.params_before} -> ${report.params_after} parameters (${((report.params_ratio as number) * 100).toFixed(1)}%)`);
    return { dir: out, report };
  };
  const choose = (threshold: number, p: { dir: string; report: Json }): void => {
    if (best.chosen) rmSync(best.chosen.dir, { recursive: true, force: true });
    best.chosen = { threshold, ...p };
  };
  let low = 0;
  for (const threshold of THRESHOLDS) {
    const p = pruneAt(threshold);
    if ((p.report.params_ratio as number) <= s.target) {
      choose(threshold, p);
      break;
    }
    rmSync(p.dir, { recursive: true, force: true });
    low = threshold;
  }
  if (!best.chosen) fail(`no threshold up to ${THRESHOLDS[THRESHOLDS.length - 1]} pruned the model to ${(s.target * 100).toFixed(0)}% of its parameters: ${JSON.stringify(tried)}`);
  let high = best.chosen.threshold;
  for (let i = 0; i < 6 && (best.chosen.report.params_ratio as number) < s.target - 0.03; i++) {
    const mid = (low + high) / 2;
    const p = pruneAt(mid);
    if ((p.report.params_ratio as number) <= s.target) {
      choose(mid, p);
      high = mid;
    } else {
      rmSync(p.dir, { recursive: true, force: true });
      low = mid;
    }
  }
  const picked = best.chosen;
  engine('evaluate', ['evaluate', '-e', trainSpec, '-m', picked.dir, '-r', join(dir, 'pruned-eval'), '--backend', backend], 600);
  const mapPruned = readJson(join(dir, 'pruned-eval', 'evaluation.json')).mAP as number;
  log(`detect-prune: right after pruning mAP ${(mapPruned * 100).toFixed(2)}%`);

  // --- re-train the pruned graph, as TAO's retrain spec does ----------------------------------
  const retrainSpec = join(dir, 'retrain.txt');
  writeFileSync(retrainSpec, detectTrainSpec({ ...base, epochs: s.retrainEpochs, firstValidationEpoch: s.retrainEpochs + 1, checkpointInterval: s.retrainEpochs, pretrained: picked.dir, loadGraph: true }));
  log(`detect-prune: re-training the pruned model (${s.retrainEpochs} epochs)`);
  const t1 = performance.now();
  engine('train', ['train', '-e', retrainSpec, '-r', join(dir, 'retrained'), '--backend', backend, '--fresh'], 7200);
  const retrainSeconds = (performance.now() - t1) / 1000;
  const retrainedModel = join(dir, 'retrained', 'weights', 'final');
  engine('evaluate', ['evaluate', '-e', retrainSpec, '-m', retrainedModel, '-r', join(dir, 'retrained-eval'), '--backend', backend], 600);
  const mapRetrained = readJson(join(dir, 'retrained-eval', 'evaluation.json')).mAP as number;
  log(`detect-prune: re-trained mAP ${(mapRetrained * 100).toFixed(2)}%`);

  // --- control: the unpruned model trained for the same extra epochs ------------------------
  // Re-training gives the pruned model more epochs than the unpruned one had; the unpruned
  // model continued for as many epochs (its own graph, load_graph) separates what pruning costs
  // from what the extra epochs add.
  const continueSpec = join(dir, 'continue.txt');
  writeFileSync(continueSpec, detectTrainSpec({ ...base, epochs: s.retrainEpochs, firstValidationEpoch: s.retrainEpochs + 1, checkpointInterval: s.retrainEpochs, pretrained: unprunedModel, loadGraph: true }));
  log(`detect-prune: control: the unpruned model trained ${s.retrainEpochs} more epochs`);
  engine('train', ['train', '-e', continueSpec, '-r', join(dir, 'continued'), '--backend', backend, '--fresh'], 7200);
  engine('evaluate', ['evaluate', '-e', continueSpec, '-m', join(dir, 'continued', 'weights', 'final'), '-r', join(dir, 'continued-eval'), '--backend', backend], 600);
  const mapContinued = readJson(join(dir, 'continued-eval', 'evaluation.json')).mAP as number;
  log(`detect-prune: unpruned after ${s.epochs + s.retrainEpochs} epochs: mAP ${(mapContinued * 100).toFixed(2)}%`);

  // --- inference speed: engine and onnxruntime ----------------------------------------------
  const speeds: Record<string, { engine: number; ort: number; params: number }> = {};
  for (const [name, model] of [['unpruned', unprunedModel], ['retrained', retrainedModel]] as const) {
    const onnx = join(dir, `${name}.onnx`);
    engine('export', ['export', '-e', trainSpec, '-m', model, '-o', onnx, '-r', join(dir, `export-${name}`)], 600);
    const ours = script('detect/engine-infer', ['--spec', trainSpec, '--model', model, '--backend', backend, '--batch', String(s.inferBatch), '--out', dir, '--prefix', name], 600);
    const ort = script('detect-prune/ort-infer', ['--spec', trainSpec, '--onnx', onnx, '--batch', String(s.inferBatch)], 600);
    speeds[name] = { engine: ours.infer_img_s as number, ort: ort.infer_img_s as number, params: ours.trainable_params as number };
    log(`detect-prune: ${name}: engine ${(ours.infer_img_s as number).toFixed(1)} img/s, onnxruntime ${(ort.infer_img_s as number).toFixed(1)} img/s`);
  }

  const u = speeds.unpruned;
  const r = speeds.retrained;
  const row: Json = {
    model: `detectnet_v2_resnet${s.layers}`,
    backend,
    input: `3x${s.height}x${s.width}`,
    classes,
    scenes: s.count,
    epochs: s.epochs,
    retrain_epochs: s.retrainEpochs,
    pruning_threshold: picked.threshold,
    params_before: picked.report.params_before,
    params_after: picked.report.params_after,
    params_ratio: round(picked.report.params_ratio as number, 4),
    map_unpruned: round(mapUnpruned, 4),
    map_pruned: round(mapPruned, 4),
    map_retrained: round(mapRetrained, 4),
    map_diff_points: round((mapRetrained - mapUnpruned) * 100, 2),
    within_1_point: (mapUnpruned - mapRetrained) * 100 <= 1,
    map_unpruned_same_epochs: round(mapContinued, 4),
    map_diff_points_same_epochs: round((mapRetrained - mapContinued) * 100, 2),
    within_1_point_same_epochs: (mapContinued - mapRetrained) * 100 <= 1,
    engine_img_s_unpruned: round(u.engine, 2),
    engine_img_s_pruned: round(r.engine, 2),
    engine_speedup: round(r.engine / u.engine, 2),
    ort_img_s_unpruned: round(u.ort, 2),
    ort_img_s_pruned: round(r.ort, 2),
    ort_speedup: round(r.ort / u.ort, 2),
    thresholds_tried: tried,
    train_seconds: round(trainSeconds, 0),
    retrain_seconds: round(retrainSeconds, 0),
    bench_seconds: round((performance.now() - started) / 1000, 0),
  };
  if (args.json) {
    process.stdout.write(JSON.stringify({ ...row, quick, load: machine.load, date: machine.date }) + '\n');
    return;
  }
  const out: string[] = [];
  out.push(`Detection pruning benchmark: train -> prune -> re-train, DetectNet_v2 ${row.model} (${quick ? 'quick' : 'full'}; ${row.bench_seconds} s)`);
  out.push(describeMachine(machine));
  out.push(`${s.count} scenes ${row.input}, classes ${classes.join(', ')}, ${s.epochs} + ${s.retrainEpochs} epochs, batch ${s.batch}; -pth ${picked.threshold}`);
  out.push('');
  out.push(table(
    ['params', 'kept', 'mAP before', 'after prune', 'after retrain', 'diff (points)', 'unpruned, same epochs', 'diff (points)', 'engine img/s', 'speed-up', 'ORT img/s', 'speed-up'],
    [[`${row.params_before} -> ${row.params_after}`, row.params_ratio as number, row.map_unpruned as number, row.map_pruned as number, row.map_retrained as number, row.map_diff_points as number,
      row.map_unpruned_same_epochs as number, row.map_diff_points_same_epochs as number,
      `${row.engine_img_s_unpruned} -> ${row.engine_img_s_pruned}`, row.engine_speedup as number, `${row.ort_img_s_unpruned} -> ${row.ort_img_s_pruned}`, row.ort_speedup as number]],
  ));
  out.push('');
  out.push(`engine: ${backend} backend; onnxruntime: CPU, one intra-op thread; images/s over the validation frames, batch ${s.inferBatch}.`);
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((err) => fail((err as Error).stack ?? String(err)));
