// DetectNet_v2 in the engine: ground-truth rasterization against decoding, the spec reader on
// NVIDIA's tutorial specs, and the tasks end to end through the CLI (dataset_convert -> train,
// stopped and resumed -> evaluate -> inference), with the bad inputs users hit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync, unlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runEngine, tempDir } from './helpers';
import { rasterize } from '../../engine/src/networks/detectnet_v2/targets';
import { clusterConfigsForClasses, postprocessImage } from '../../engine/src/networks/detectnet_v2/postprocess';
import { buildDetectnetConfig } from '../../engine/src/networks/detectnet_v2/config';
import { network } from '../../engine/src/networks/detectnet_v2/index';
import { readSpecFile } from '../../engine/src/spec/load';
import { learningRateAt } from '../../engine/src/train/schedule';
import { writeDetectionScenes } from '../../engine/src/data/scenes';
import { datasetConvertSpec, detectInferenceSpec, detectTrainSpec } from '../../engine/src/tools/detect-specs';

const TUTORIAL = join(__dirname, '..', '..', '..', '..', 'shared', 'tao-specs', 'NVIDIA__tao_tutorials', 'notebooks', 'tao_launcher_starter_kit', 'detectnet_v2', 'specs');
const work = tempDir('detect');

const raster = (classes: string[]) => ({
  grid: { rows: 6, cols: 8 },
  classes,
  rasterizer: { perClass: {}, deadzoneRadius: 0.4 },
  bboxScale: 35,
  bboxOffset: 0.5,
});

test('rasterized targets decode back to the ground-truth boxes (NMS and DBSCAN)', () => {
  const boxes = [
    { cls: 0, x1: 10, y1: 12, x2: 50, y2: 70 },
    { cls: 1, x1: 70, y1: 20, x2: 120, y2: 60 },
  ];
  const t = rasterize(boxes, raster(['a', 'b']));
  // Coverage lies inside each box's cells only, one class per box.
  let covered = 0;
  for (let cell = 0; cell < 48; cell++) covered += t.cov[cell * 2] + t.cov[cell * 2 + 1];
  assert.ok(covered >= 4, `expected coverage cells, got ${covered}`);
  for (const algorithm of ['NMS', 'DBSCAN']) {
    const block = (name: string) => ({ key: name, value: { clustering_config: { clustering_algorithm: algorithm, coverage_threshold: 0.5, dbscan_eps: 0.3, dbscan_min_samples: 1, nms_iou_threshold: 0.5, nms_confidence_threshold: 0.1, minimum_bounding_box_height: 2 } } });
    const problems: Array<{ path: string; message: string }> = [];
    const configs = clusterConfigsForClasses([block('a'), block('b')], ['a', 'b'], 'postprocessing_config.target_class_config', problems, 'evaluate');
    assert.deepEqual(problems, []);
    const found = postprocessImage({ cov: t.cov, bbox: t.bbox, rows: 6, cols: 8, numClasses: 2 }, { stride: 16, offset: 0.5, scale: 35, imageWidth: 128, imageHeight: 96 }, configs);
    assert.equal(found.length, 2, `${algorithm}: ${JSON.stringify(found)}`);
    for (const gt of boxes) {
      const d = found.find((f) => f.cls === gt.cls)!;
      for (const k of ['x1', 'y1', 'x2', 'y2'] as const) assert.ok(Math.abs(d[k] - gt[k]) < 1e-3, `${algorithm} ${k}: ${d[k]} vs ${gt[k]}`);
    }
  }
});

test('a nearer object carves its deadzone out of the one behind it', () => {
  // Coverage at half the box: the deadzone ring lies between that ellipse and the box's own.
  const half = { ...raster(['a']), rasterizer: { perClass: { a: { covCenterX: 0.5, covCenterY: 0.5, covRadiusX: 0.5, covRadiusY: 0.5, bboxMinRadius: 0.5 } }, deadzoneRadius: 1 } };
  const far = { cls: 0, x1: 0, y1: 0, x2: 128, y2: 80 };
  const near = { cls: 0, x1: 56, y1: 40, x2: 120, y2: 96 };
  const both = rasterize([near, far], half);
  const alone = rasterize([far], half);
  // Sorting by the bottom edge draws `near` last whatever the input order.
  const nearOnly = rasterize([near], half);
  const nearCells = [...nearOnly.cov.keys()].filter((i) => nearOnly.cov[i] === 1);
  assert.ok(nearCells.length > 0);
  for (const i of nearCells) assert.equal(both.cov[i], 1);
  const lost = [...alone.cov.keys()].filter((i) => alone.cov[i] === 1 && both.cov[i] === 0);
  assert.ok(lost.length > 0, 'the deadzone of the nearer box should clear some of the far box');
  for (const i of lost) assert.equal(both.covNorm[i], 0);
});

test('soft_start_annealing_schedule ramps from min to max, holds, and anneals back', () => {
  const cfg = { type: 'soft_start_annealing' as const, learningRate: 1e-3, minLr: 1e-5, softStart: 0.1, annealing: 0.7 };
  assert.ok(Math.abs(learningRateAt(cfg, 0, 0, 10, 100) - 1e-5) < 1e-12);
  assert.ok(Math.abs(learningRateAt(cfg, 0, 5, 10, 100) - 1e-4) < 1e-9, 'halfway up the ramp is the geometric mean');
  assert.equal(learningRateAt(cfg, 0, 50, 10, 100), 1e-3);
  assert.ok(Math.abs(learningRateAt(cfg, 0, 100, 10, 100) - 1e-5) < 1e-12);
});

test("NVIDIA's tutorial specs read cleanly as detectnet_v2", () => {
  for (const name of ['detectnet_v2_train_resnet18_kitti.txt', 'detectnet_v2_retrain_resnet18_kitti.txt', 'detectnet_v2_inference_kitti_tlt.txt', 'detectnet_v2_tfrecords_kitti_trainval.txt']) {
    const spec = readSpecFile(join(TUTORIAL, name), 'detectnet_v2');
    const config = network.readConfig(spec);
    if (name.includes('train_resnet18')) {
      assert.deepEqual(config.classes, ['car', 'cyclist', 'pedestrian']);
      assert.equal(config.model.width, 1248);
      assert.equal(config.model.nLayers, 18);
      assert.equal(config.training.lr.type, 'soft_start_annealing');
      assert.equal(config.dataset?.targetClassMapping.van, 'car');
    }
    if (name.includes('inference')) assert.deepEqual(config.inferencer?.targetClasses, ['car', 'cyclist', 'pedestrian']);
  }
});

test('input sizes: any multiple of 16 is accepted, others are refused with the line', () => {
  const ok = buildDetectnetConfig({ augmentation_config: { preprocessing: { output_image_width: 160, output_image_height: 96, output_image_channel: 3 } } });
  assert.deepEqual(ok.problems, []);
  const spec = join(work, 'bad-size.txt');
  writeFileSync(spec, detectTrainSpec({ classes: ['a'], width: 100, height: 64, epochs: 1, batch: 2, tfrecords: 'x/*', images: 'x' }));
  const r = runEngine(['detectnet_v2', 'train', '-e', spec, '-r', join(work, 'bad-size')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad-size\.txt:\d+:\d+: .*output_image_width.*multiple of 16/);
});

test('dataset_convert -> train (stopped, resumed) -> evaluate -> inference, through the CLI', () => {
  const root = join(work, 'kitti');
  const scenes = writeDetectionScenes(root, { count: 24, width: 64, height: 64, seed: 5, classes: [1, 8], minObjects: 1, maxObjects: 2, minSize: 20, maxSize: 40 });
  const classes = scenes.classNames;
  writeFileSync(join(work, 'convert.txt'), datasetConvertSpec({ root, valSplit: 25, shards: 2 }));
  // A box past the image's right edge is kept (as TAO keeps it) and named with its line.
  writeFileSync(join(root, 'label_2', '000005.txt'), `${classes[0]} 0.00 0 0.00 40.00 10.00 70.00 50.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00\n`);
  const prefix = join(work, 'tfrecords', 'scenes');
  let r = runEngine(['detectnet_v2', 'dataset_convert', '-d', join(work, 'convert.txt'), '-o', prefix]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /000005\.txt:1: box 40,10,70,50 reaches outside the 64x64 image/);
  assert.ok(existsSync(`${prefix}-fold-000-of-002-shard-00000-of-00002`));
  assert.match(r.stdout, /Wrote the following numbers of objects/);

  const spec = join(work, 'train.txt');
  writeFileSync(spec, detectTrainSpec({ classes, width: 64, height: 64, layers: 10, epochs: 2, batch: 6, tfrecords: join(work, 'tfrecords', '*'), images: root, firstValidationEpoch: 1, validationPeriod: 1 }));
  const results = join(work, 'results');
  r = runEngine(['detectnet_v2', 'train', '-e', spec, '-r', results, '--stop-after', '1', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(results, 'weights', 'epoch_001', 'model.json')));
  assert.ok(!existsSync(join(results, 'weights', 'final')));
  r = runEngine(['detectnet_v2', 'train', '-e', spec, '-r', results]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /resuming from .*epoch_001/);
  const model = join(results, 'weights', 'final');
  const meta = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
  assert.deepEqual(meta.userDefinedMetadata.classes, classes);
  assert.deepEqual(meta.modelTopology.config.output_layers.map((o: unknown[]) => o[0]), ['output_cov', 'output_bbox']);
  const lines = readFileSync(join(results, 'status.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const validated = lines.filter((l) => l.kpi && typeof l.kpi.mAP === 'number');
  assert.equal(validated.length, 2, 'a validation KPI after each epoch');
  for (const c of classes) assert.equal(typeof validated[0].kpi[`AP_${c}`], 'number');
  assert.equal(lines[lines.length - 1].status, 'SUCCESS');

  r = runEngine(['detectnet_v2', 'evaluate', '-e', spec, '-m', model, '-r', results]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Mean average_precision \(in %\)/);
  const report = JSON.parse(readFileSync(join(results, 'evaluation.json'), 'utf8'));
  assert.ok(report.mAP >= 0 && report.mAP <= 1);
  assert.equal(report.images, 6);
  assert.deepEqual(report.per_class.map((p: { class: string }) => p.class), classes);
  for (const p of report.per_class) {
    for (const key of ['ap', 'precision', 'recall', 'num_ground_truth']) assert.equal(typeof p[key], 'number', key);
    assert.ok(Array.isArray(p.pr_curve));
  }

  const inferSpec = join(work, 'infer.txt');
  writeFileSync(inferSpec, detectInferenceSpec({ classes, width: 64, height: 64 }));
  const out = join(work, 'inferred');
  r = runEngine(['detectnet_v2', 'inference', '-e', inferSpec, '-m', model, '-i', join(root, 'image_2'), '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readdirSync(join(out, 'labels')).length, 24);
  assert.equal(readdirSync(join(out, 'images_annotated')).length, 24);
  for (const f of readdirSync(join(out, 'labels'))) {
    for (const line of readFileSync(join(out, 'labels', f), 'utf8').split('\n').filter(Boolean)) assert.equal(line.split(' ').length, 16, line);
  }

  // The editor's Run Inference passes the training spec and -r only: postprocessing_config clusters.
  const fromTraining = join(work, 'inferred-train-spec');
  r = runEngine(['detectnet_v2', 'inference', '-e', spec, '-m', model, '-i', join(root, 'image_2', '000001.png'), '-r', fromTraining]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no bbox_handler_config in the spec/);
  assert.ok(existsSync(join(fromTraining, 'labels', '000001.txt')));

  // Starting from that model with one class it knew and one it did not: the shared class keeps its head channels.
  const spec2 = join(work, 'train-pretrained.txt');
  writeFileSync(spec2, detectTrainSpec({ classes: [classes[0], 'newthing'], width: 64, height: 64, layers: 10, epochs: 1, batch: 6, tfrecords: join(work, 'tfrecords', '*'), images: root, pretrained: model }));
  r = runEngine(['detectnet_v2', 'train', '-e', spec2, '-r', join(work, 'results-pretrained')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`layers loaded, head channels kept for ${classes[0]}; new classes start fresh: newthing`));

  // Bad input: a frame whose image is gone is named in one error, and nothing is trained.
  unlinkSync(join(root, 'image_2', '000003.png'));
  r = runEngine(['detectnet_v2', 'train', '-e', spec, '-r', join(work, 'results-missing')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /000003/);
  assert.ok(!existsSync(join(work, 'results-missing', 'weights')));
});

test('label classes outside target_class_mapping are reported, not silently lost', () => {
  const root = join(work, 'kitti-case');
  writeDetectionScenes(root, { count: 8, width: 64, height: 64, seed: 9, classes: [1], minObjects: 1, maxObjects: 1, minSize: 24, maxSize: 32 });
  mkdirSync(join(work, 'tf-case'), { recursive: true });
  writeFileSync(join(work, 'convert-case.txt'), datasetConvertSpec({ root, valSplit: 25, shards: 1 }));
  let r = runEngine(['detectnet_v2', 'dataset_convert', '-d', join(work, 'convert-case.txt'), '-o', join(work, 'tf-case', 'x')]);
  assert.equal(r.code, 0, r.stderr);
  const spec = join(work, 'train-case.txt');
  // The labels say "trouser"; the spec maps "Trouser", as a user might type it.
  writeFileSync(spec, detectTrainSpec({ classes: ['Trouser'], width: 64, height: 64, layers: 10, epochs: 1, batch: 4, tfrecords: join(work, 'tf-case', '*'), images: root }));
  r = runEngine(['detectnet_v2', 'train', '-e', spec, '-r', join(work, 'results-case'), '--quiet']);
  assert.match(r.stderr, /not in dataset_config\.target_class_mapping are ignored: trouser \(\d+\)/);
});
