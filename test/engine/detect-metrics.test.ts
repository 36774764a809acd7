// DetectNet_v2 post-processing (DBSCAN / NMS clustering of the coverage and bbox grids) and
// TAO's detection mAP, on cases small enough to work out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clusterConfigFromPlain,
  clusterConfigsForClasses,
  dbscanLabels,
  postprocessImage,
  rescaleDetections,
  type BoxDecoding,
  type ClusterConfig,
  type GridOutput,
} from '../../engine/src/networks/detectnet_v2/postprocess';
import {
  averagePrecision,
  computeDetectionMetrics,
  evaluationOptionsFromPlain,
  formatApTable,
  pythonFixed,
  pythonFloatRepr,
  roundHalfEven,
  type MetricFrame,
} from '../../engine/src/networks/detectnet_v2/metrics';
import { parseProtoText } from '../../server/src/core/parse/prototext';
import { toPlain, type Plain } from '../../engine/src/spec/plain';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tol ${tol})`);

// ---------------------------------------------------------------------------------------------
// Metrics

const SAMPLE = { iouThreshold: [0.5], boxFilters: [undefined], mode: 'SAMPLE' as const };
const INTEGRATE = { ...SAMPLE, mode: 'INTEGRATE' as const };

test('perfect detections: SAMPLE AP is 1, INTEGRATE is TAO\'s 1 - 1/n', () => {
  const gt = [
    [{ cls: 0, x1: 10, y1: 10, x2: 50, y2: 50 }, { cls: 0, x1: 100, y1: 10, x2: 150, y2: 60 }],
    [{ cls: 0, x1: 0, y1: 0, x2: 30, y2: 30 }, { cls: 0, x1: 60, y1: 60, x2: 90, y2: 100 }],
  ];
  const frames: MetricFrame[] = gt.map((g, f) => ({ groundTruth: g, detections: g.map((b, i) => ({ ...b, confidence: 0.9 - 0.1 * i - 0.01 * f })) }));
  const s = computeDetectionMetrics(frames, ['car'], SAMPLE);
  assert.equal(s.mAP, 1);
  assert.deepEqual(
    { ap: s.perClass[0].ap, precision: s.perClass[0].precision, recall: s.perClass[0].recall, n: s.perClass[0].num_ground_truth },
    { ap: 1, precision: 1, recall: 1, n: 4 },
  );
  assert.deepEqual(s.perClass[0].pr_curve, [[0.25, 1], [0.5, 1], [0.75, 1], [1, 1]]);
  // compute_average_precisions' integral starts at the first recall level and ignores the
  // precision reached at the last one: 3 strips of width 1/4.
  close(computeDetectionMetrics(frames, ['car'], INTEGRATE).mAP, 0.75);
});

test('a false positive ranked above the only true positive', () => {
  const frames: MetricFrame[] = [{
    groundTruth: [{ cls: 0, x1: 10, y1: 10, x2: 50, y2: 50 }],
    detections: [
      { cls: 0, x1: 10, y1: 10, x2: 50, y2: 50, confidence: 0.8 },
      { cls: 0, x1: 200, y1: 200, x2: 240, y2: 240, confidence: 0.9 },
    ],
  }];
  const r = computeDetectionMetrics(frames, ['car'], SAMPLE).perClass[0];
  // precision [0, 1/2], recall [0, 1]: the best precision at any recall >= t is 1/2.
  assert.equal(r.ap, 0.5);
  assert.equal(r.precision, 0.5);
  assert.equal(r.recall, 1);
  // TAO's INTEGRATE: one strip from recall 0 to 1 with the precision seen at recall 0.
  assert.equal(computeDetectionMetrics(frames, ['car'], INTEGRATE).perClass[0].ap, 0);
});

test('duplicates and low-IoU detections are false positives; matching is per class', () => {
  const frames: MetricFrame[] = [{
    groundTruth: [{ cls: 0, x1: 0, y1: 0, x2: 99, y2: 99 }, { cls: 1, x1: 0, y1: 0, x2: 99, y2: 99 }],
    detections: [
      { cls: 0, x1: 0, y1: 0, x2: 99, y2: 99, confidence: 0.9 },
      { cls: 0, x1: 1, y1: 1, x2: 99, y2: 99, confidence: 0.8 }, // duplicate of the same object
      { cls: 1, x1: 0, y1: 0, x2: 99, y2: 49, confidence: 0.7 }, // IoU exactly 0.5 (border pixels counted)
    ],
  }];
  const opts = { iouThreshold: [0.5, 0.51], boxFilters: [undefined, undefined], mode: 'SAMPLE' as const };
  const r = computeDetectionMetrics(frames, ['car', 'bus'], opts);
  assert.equal(r.perClass[0].precision, 0.5);
  assert.equal(r.perClass[0].ap, 1);
  assert.equal(r.perClass[1].ap, 0, 'IoU 0.5 is below the 0.51 threshold');
  assert.equal(computeDetectionMetrics(frames, ['car', 'bus'], { ...opts, iouThreshold: [0.5, 0.5] }).perClass[1].ap, 1, 'IoU >= threshold matches');
  assert.equal(r.mAP, 0.5);
});

test('SAMPLE and INTEGRATE on a known precision / recall curve', () => {
  // 5 objects, ranked detections TP FP TP TP FP: precision 1, 1/2, 2/3, 3/4, 3/5 at recall
  // .2, .2, .4, .6, .6.
  const precision = [1, 0.5, 2 / 3, 0.75, 0.6];
  const recall = [0.2, 0.2, 0.4, 0.6, 0.6];
  // SAMPLE: t = 0, .1, .2 -> 1; t = .3(0000000000000004), .4, .5 -> .75; t >= .6(000000000000001) -> 0,
  // since numpy's linspace puts those sample points just above the recall of 3/5.
  close(averagePrecision(precision, recall, 'SAMPLE'), (3 * 1 + 3 * 0.75) / 11);
  // INTEGRATE: (.4 - .2) * 1 + (.6 - .4) * 2/3.
  close(averagePrecision(precision, recall, 'INTEGRATE'), 0.2 + 0.2 * (2 / 3), 1e-12);

  // The same through matching, to tie the two together.
  const gt = [0, 1, 2, 3, 4].map((i) => ({ cls: 0, x1: i * 100, y1: 0, x2: i * 100 + 50, y2: 50 }));
  const hit = (i: number, confidence: number) => ({ ...gt[i], confidence });
  const miss = (confidence: number) => ({ cls: 0, x1: 900, y1: 900, x2: 950, y2: 950, confidence });
  const frames: MetricFrame[] = [{ groundTruth: gt, detections: [hit(0, 0.9), miss(0.8), hit(1, 0.7), hit(2, 0.6), miss(0.5)] }];
  const r = computeDetectionMetrics(frames, ['car'], SAMPLE).perClass[0];
  close(r.ap, 5.25 / 11);
  close(r.precision, 0.6);
  close(r.recall, 0.6);
  assert.equal(r.pr_curve.length, 5);
});

test('evaluation_box_config: out-of-range boxes are dropped on both sides, not "don\'t care"', () => {
  const filter = { minimumHeight: 20, maximumHeight: 100, minimumWidth: 10, maximumWidth: 100 };
  const frames: MetricFrame[] = [{
    groundTruth: [
      { cls: 0, x1: 0, y1: 0, x2: 50, y2: 50 }, // kept
      { cls: 0, x1: 200, y1: 0, x2: 250, y2: 15 }, // too short: ignored entirely
      { cls: 0, x1: 300, y1: 0, x2: 350, y2: 150 }, // too tall: ignored entirely
    ],
    detections: [
      { cls: 0, x1: 0, y1: 0, x2: 50, y2: 50, confidence: 0.9 }, // TP
      { cls: 0, x1: 200, y1: 0, x2: 250, y2: 21, confidence: 0.8 }, // passes the filter, its object does not: FP
      { cls: 0, x1: 300, y1: 0, x2: 350, y2: 150, confidence: 0.95 }, // fails the filter: not counted
      { cls: 0, x1: 400, y1: 0, x2: 405, y2: 50, confidence: 0.99 }, // too narrow: not counted
    ],
  }];
  const r = computeDetectionMetrics(frames, ['car'], { iouThreshold: [0.5], boxFilters: [filter], mode: 'SAMPLE' }).perClass[0];
  assert.equal(r.num_ground_truth, 1);
  assert.equal(r.precision, 0.5);
  assert.equal(r.recall, 1);
  assert.equal(r.ap, 1);
  assert.equal(computeDetectionMetrics(frames, ['car'], SAMPLE).perClass[0].num_ground_truth, 3, 'no filter: all count');
});

test('boxes are rounded like Python before matching; no ground truth gives AP 0', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, 2.4999, 2.5001].map(roundHalfEven), [0, 2, 2, 0, 2, 3]);
  const frames: MetricFrame[] = [{ groundTruth: [], detections: [{ cls: 0, x1: 0, y1: 0, x2: 9, y2: 9, confidence: 1 }] }];
  const r = computeDetectionMetrics(frames, ['car', 'bus'], { iouThreshold: [0.5, 0.5], boxFilters: [undefined, undefined], mode: 'INTEGRATE' });
  assert.deepEqual(r.perClass.map((c) => [c.ap, c.precision, c.recall]), [[0, 0, 0], [0, 0, 0]]);
  assert.equal(r.mAP, 0);
});

test('pr_curve is thinned to 101 points, keeping the last', () => {
  const gt = Array.from({ length: 500 }, (_, i) => ({ cls: 0, x1: (i % 50) * 20, y1: Math.floor(i / 50) * 20, x2: (i % 50) * 20 + 10, y2: Math.floor(i / 50) * 20 + 10 }));
  const frames: MetricFrame[] = [{ groundTruth: gt, detections: gt.map((g, i) => ({ ...g, confidence: 1 - i / 1000 })) }];
  const r = computeDetectionMetrics(frames, ['car'], SAMPLE).perClass[0];
  assert.equal(r.pr_curve.length, 101);
  assert.deepEqual(r.pr_curve[100], [1, 1]);
});

test('formatApTable prints what Evaluator.print_metrics prints', () => {
  const result = {
    mAP: 0.5,
    perClass: [
      { class: 'pedestrian', ap: 0, precision: 0, recall: 0, num_ground_truth: 1, pr_curve: [] },
      { class: 'car', ap: 0.5, precision: 0, recall: 0, num_ground_truth: 1, pr_curve: [] },
      { class: 'cyclist', ap: 1, precision: 0, recall: 0, num_ground_truth: 1, pr_curve: [] },
    ],
  };
  // Reference output of tabulate 0.8.10 with the same rows (tablefmt="pretty").
  assert.equal(formatApTable(result), [
    '',
    'Mean average_precision (in %): 50.0000',
    '',
    '+------------+--------------------------+',
    '| class name | average precision (in %) |',
    '+------------+--------------------------+',
    '|    car     |           50.0           |',
    '|  cyclist   |          100.0           |',
    '| pedestrian |           0.0            |',
    '+------------+--------------------------+',
  ].join('\n'));
  assert.equal(pythonFloatRepr(12.3456789), '12.3456789');
  assert.equal(pythonFloatRepr(0.00005), '5e-05');
  assert.equal(pythonFixed(0.03125, 4), '0.0312', 'exact ties go to even, as in Python');
  assert.equal(pythonFixed(0.03126, 4), '0.0313');
  assert.match(formatApTable(result, { validationCost: 0.25, medianInferenceTime: 0.0123 }), /^\nValidation cost: 0\.250000\n[^]*\n\nMedian Inference Time: 0\.012300$/);
});

// ---------------------------------------------------------------------------------------------
// Spec readers

function plainOf(text: string): { [key: string]: Plain } {
  const parsed = parseProtoText(text);
  assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error'), []);
  return toPlain(parsed.root) as { [key: string]: Plain };
}

test('evaluation_config reader: per-class maps, mode, and TAO\'s missing-class errors', () => {
  const spec = plainOf(`
evaluation_config {
  minimum_detection_ground_truth_overlap { key: "car" value: 0.7 }
  minimum_detection_ground_truth_overlap { key: "cyclist" value: 0.5 }
  evaluation_box_config { key: "car" value { minimum_height: 20 maximum_height: 9999 minimum_width: 10 maximum_width: 9999 } }
  evaluation_box_config { key: "cyclist" value { minimum_height: 20 minimum_width: 10 maximum_width: 9999 } }
  average_precision_mode: INTEGRATE
}`);
  const problems: Array<{ path: string; message: string }> = [];
  const o = evaluationOptionsFromPlain(spec.evaluation_config, ['car', 'cyclist', 'pedestrian'], problems);
  assert.deepEqual(o.iouThreshold, [0.7, 0.5, 0.5]);
  assert.equal(o.mode, 'INTEGRATE');
  assert.deepEqual(o.boxFilters[0], { minimumHeight: 20, maximumHeight: 9999, minimumWidth: 10, maximumWidth: 9999 });
  assert.equal(o.boxFilters[2], undefined);
  const messages = problems.map((p) => p.message).join('\n');
  assert.match(messages, /minimum_detection_ground_truth_overlap has no entry for class "pedestrian"/);
  assert.match(messages, /evaluation_box_config has no entry for class "pedestrian"/);
  assert.match(messages, /maximum_height for "cyclist" is 0/);
  assert.equal(problems.length, 3);
  assert.equal(evaluationOptionsFromPlain({}, [], []).mode, 'SAMPLE', 'enum zero');
});

test('clustering reader: TAO\'s defaults on each path, the evaluate path\'s threshold swap, bad values', () => {
  const spec = plainOf(`
postprocessing_config {
  target_class_config { key: "car" value { clustering_config {
    clustering_algorithm: DBSCAN dbscan_confidence_threshold: 0.9 coverage_threshold: 0.005
    dbscan_eps: 0.2 dbscan_min_samples: 0 minimum_bounding_box_height: 20 } } }
}
bbox_handler_config {
  classwise_bbox_handler_config { key: "default" value { confidence_model: "mean_cov" clustering_config {
    clustering_algorithm: NMS coverage_threshold: 0.005 } } }
}`);
  const problems: Array<{ path: string; message: string }> = [];
  const [car] = clusterConfigsForClasses((spec.postprocessing_config as { [k: string]: Plain }).target_class_config, ['car'], 'postprocessing_config.target_class_config', problems, 'evaluate');
  assert.equal(problems.length, 0);
  assert.deepEqual(car, {
    algorithm: 'DBSCAN', pipeline: 'evaluate', coverageThreshold: 0.005, confidenceModel: 'aggregate_cov',
    dbscanEps: 0.2, dbscanMinSamples: 1, minimumBoundingBoxHeight: 20,
    // build_clustering_config hands nms_confidence_threshold (unset) to the DBSCAN filter.
    dbscanConfidenceThreshold: 0, nmsConfidenceThreshold: 0.9, nmsIouThreshold: 0,
  });
  const handler = (spec.bbox_handler_config as { [k: string]: Plain }).classwise_bbox_handler_config;
  const [, bus] = clusterConfigsForClasses(handler, ['car', 'bus'], 'bbox_handler_config.classwise_bbox_handler_config', problems, 'inference');
  assert.equal(problems.length, 0);
  assert.equal(bus?.algorithm, 'NMS');
  assert.equal(bus?.nmsIouThreshold, 0.3);
  assert.equal(bus?.nmsConfidenceThreshold, 0.1);
  assert.equal(bus?.confidenceModel, 'mean_cov');

  // Pipeline inferred from bbox_handler-only keys; bad values become problems with paths.
  const inf = clusterConfigFromPlain({ confidence_model: 'aggregate_cov', clustering_config: { dbscan_eps: 0.3, dbscan_confidence_threshold: 0.9 } }, 'x', problems);
  assert.equal(inf.pipeline, 'inference');
  close(inf.dbscanEps, 0.3 + 1e-12, 0);
  assert.equal(inf.dbscanConfidenceThreshold, 0.9);
  clusterConfigFromPlain({ clustering_algorithm: 'HYBRID', coverage_threshold: 2, dbscan_eps: 0.3 }, 'y.clustering_config', problems);
  clusterConfigFromPlain({ clustering_config: { dbscan_eps: 0.3 } }, 'z', problems, 'inference');
  assert.deepEqual(problems.map((p) => p.path), [
    'y.clustering_config.coverage_threshold',
    'y.clustering_config.clustering_algorithm',
    'z.confidence_model',
  ]);
  const missing: Array<{ path: string; message: string }> = [];
  clusterConfigsForClasses(handler, ['car'], 'p', missing, 'evaluate');
  assert.equal(missing.length, 1, 'no "default" fallback outside inference');
});

// ---------------------------------------------------------------------------------------------
// Post-processing

const DECODING: BoxDecoding = { stride: 16, offset: 0.5, scale: 35, imageWidth: 160, imageHeight: 128 };
const OBJECTS = [
  { box: [20, 16, 60, 56], peak: 0.9 }, // cells c = 2, 3 and r = 1..3: 6 cells
  { box: [100, 64, 150, 120], peak: 0.9 }, // cells c = 7..9 and r = 4..7: 12 cells
];

/**
 * A 8 x 10 grid (one class) where each cell whose centre lies inside an object predicts exactly
 * that object's box, with coverage 0.6 except one cell at 0.9; everything else sits at 0.003,
 * below the coverage threshold.
 */
function syntheticGrid(): GridOutput {
  const rows = 8;
  const cols = 10;
  const cov = new Float32Array(rows * cols).fill(0.003);
  const bbox = new Float32Array(rows * cols * 4);
  for (const { box, peak } of OBJECTS) {
    let first = true;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const gx = c * 16 + 0.5;
        const gy = r * 16 + 0.5;
        if (gx < box[0] || gx > box[2] || gy < box[1] || gy > box[3]) continue;
        const cell = r * cols + c;
        cov[cell] = first ? peak : 0.6;
        first = false;
        bbox.set([(gx - box[0]) / 35, (gy - box[1]) / 35, (box[2] - gx) / 35, (box[3] - gy) / 35], cell * 4);
      }
    }
  }
  return { cov, bbox, rows, cols, numClasses: 1 };
}

const BASE: ClusterConfig = {
  algorithm: 'DBSCAN', pipeline: 'evaluate', coverageThreshold: 0.005, dbscanEps: 0.2, dbscanMinSamples: 1,
  dbscanConfidenceThreshold: 0, minimumBoundingBoxHeight: 20, nmsIouThreshold: 0.5, nmsConfidenceThreshold: 0.1,
  confidenceModel: 'aggregate_cov',
};

function assertBoxes(dets: Array<{ x1: number; y1: number; x2: number; y2: number }>, expected: number[][]) {
  assert.equal(dets.length, expected.length, JSON.stringify(dets));
  dets.forEach((d, i) => [d.x1, d.y1, d.x2, d.y2].forEach((v, j) => close(v, expected[i][j], 1)));
}

test('DBSCAN finds the two objects; confidence is the summed coverage', () => {
  const dets = postprocessImage(syntheticGrid(), DECODING, [BASE]);
  // Sorted by confidence: the bigger object (12 cells) first.
  assertBoxes(dets, [OBJECTS[1].box, OBJECTS[0].box]);
  close(dets[0].confidence, 11 * 0.6 + 0.9, 1e-5);
  close(dets[1].confidence, 5 * 0.6 + 0.9, 1e-5);
  close(dets[1].coverage, (5 * 0.6 + 0.9) / 6, 1e-6);
  assert.deepEqual(dets.map((d) => d.cls), [0, 0]);
  // The inference path finds the same boxes.
  assertBoxes(postprocessImage(syntheticGrid(), DECODING, [{ ...BASE, pipeline: 'inference' }]), [OBJECTS[1].box, OBJECTS[0].box]);
});

test('NMS keeps the best cell of each object, its coverage as confidence', () => {
  const dets = postprocessImage(syntheticGrid(), DECODING, [{ ...BASE, algorithm: 'NMS' }]);
  assertBoxes(dets, [OBJECTS[0].box, OBJECTS[1].box]);
  assert.deepEqual(dets.map((d) => Math.fround(d.confidence)), [Math.fround(0.9), Math.fround(0.9)]);
  // TAO's NMS does not apply minimum_bounding_box_height.
  assert.equal(postprocessImage(syntheticGrid(), DECODING, [{ ...BASE, algorithm: 'NMS', minimumBoundingBoxHeight: 100 }]).length, 2);
  // Boxes at or below the NMS confidence threshold go.
  assert.equal(postprocessImage(syntheticGrid(), DECODING, [{ ...BASE, algorithm: 'NMS', nmsConfidenceThreshold: 0.95 }]).length, 0);
});

test('HYBRID (inference): NMS over the surviving DBSCAN clusters\' cells', () => {
  const dets = postprocessImage(syntheticGrid(), DECODING, [{ ...BASE, pipeline: 'inference', algorithm: 'HYBRID', minimumBoundingBoxHeight: 45 }]);
  // The 40 px tall object's cluster is dropped by DBSCAN's height filter before NMS.
  assertBoxes(dets, [OBJECTS[1].box]);
});

test('aggregate_cov vs mean_cov confidence and the confidence threshold', () => {
  const inference: ClusterConfig = { ...BASE, pipeline: 'inference', dbscanConfidenceThreshold: 0.1 };
  const agg = postprocessImage(syntheticGrid(), DECODING, [inference]);
  assert.deepEqual(agg.map((d) => Number(d.confidence.toFixed(4))), [7.5, 3.9]);
  // mean_cov = (mean - min) / (max - min): small object (3.9/6 - .6) / .3 = 1/6, big one
  // (7.5/12 - .6) / .3 = 1/12, below the 0.1 threshold.
  const mean = postprocessImage(syntheticGrid(), DECODING, [{ ...inference, confidenceModel: 'mean_cov' }]);
  assertBoxes(mean, [OBJECTS[0].box]);
  close(mean[0].confidence, 1 / 6, 1e-6);
  // The evaluate path always uses the sum and drops only confidence < threshold.
  assert.equal(postprocessImage(syntheticGrid(), DECODING, [{ ...BASE, dbscanConfidenceThreshold: 5 }]).length, 1);
});

test('minimum_bounding_box_height drops clusters at or below it', () => {
  assertBoxes(postprocessImage(syntheticGrid(), DECODING, [{ ...BASE, minimumBoundingBoxHeight: 45 }]), [OBJECTS[1].box]);
  assert.equal(postprocessImage(syntheticGrid(), DECODING, [{ ...BASE, minimumBoundingBoxHeight: 60 }]).length, 0);
});

test('DBSCAN weights: a lone cell is noise unless its coverage reaches min_samples', () => {
  const box = Float64Array.from([0, 0, 10, 10]);
  assert.deepEqual(Array.from(dbscanLabels(box, Float64Array.from([0.5]), 1, 0.2, 1, 1e-5)), [-1]);
  assert.deepEqual(Array.from(dbscanLabels(box, Float64Array.from([1]), 1, 0.2, 1, 1e-5)), [0]);
  // Chain: a-b and b-c overlap enough, a-c do not; b is core, so all three join one cluster.
  const boxes = Float64Array.from([0, 0, 10, 10, 1, 0, 11, 10, 2, 0, 12, 10, 100, 100, 110, 110]);
  assert.deepEqual(Array.from(dbscanLabels(boxes, Float64Array.from([0.3, 0.5, 0.3, 1]), 4, 0.2, 1, 1e-5)), [0, 0, 0, 1]);
});

test('rescaling clips to the network frame, then scales per axis', () => {
  const d = { cls: 0, x1: -5, y1: 10, x2: 170, y2: 60, confidence: 1, coverage: 1 };
  const [r] = rescaleDetections([d], { width: 160, height: 128 }, { width: 320, height: 64 });
  assert.deepEqual([r.x1, r.y1, r.x2, r.y2], [0, 5, 320, 30]);
});

test('DBSCAN stays fast on a few thousand candidates', () => {
  // 60 x 80 grid, every cell a candidate with jittered boxes around 40 objects.
  const rows = 60;
  const cols = 80;
  const cov = new Float32Array(rows * cols);
  const bbox = new Float32Array(rows * cols * 4);
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let cell = 0; cell < rows * cols; cell++) {
    cov[cell] = 0.2 + 0.8 * rand();
    for (let j = 0; j < 4; j++) bbox[cell * 4 + j] = 0.5 + rand();
  }
  const start = performance.now();
  const dets = postprocessImage({ cov, bbox, rows, cols, numClasses: 1 }, { ...DECODING, imageWidth: 1280, imageHeight: 960 }, [BASE]);
  const ms = performance.now() - start;
  assert.ok(dets.length > 0);
  assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
});
