// DetectNet_v2 post-processing: one image's coverage / bbox grids -> final detections.
//
// TAO has two clustering code paths that differ in small but visible ways, and we mirror both
// (`ClusterPipeline`):
//  - 'evaluate': what `train` (validation) and `evaluate` run (postprocessor/cluster.py, fed by
//    postprocessing_config through postprocessor/clustering_config.py). Boxes are clipped to the
//    input image before clustering (the model's predictions_to_absolute), DBSCAN's confidence is
//    always the summed coverage, and HYBRID is refused.
//  - 'inference': what `inference` runs (postprocessor/bbox_handler.py + utilities.py, fed by
//    bbox_handler_config). Boxes are clustered unclipped and clipped only when scaled back to
//    the image (bbox_handler._scale_bbox), confidence_model picks aggregate_cov or mean_cov, and
//    HYBRID (DBSCAN, then NMS over the surviving clusters' cells) is available.
// Everything here is plain arrays: the caller has already pulled the tensors off the device.
import type { Plain } from '../../spec/plain';

export type ClusterAlgorithm = 'DBSCAN' | 'NMS' | 'HYBRID';
export type ConfidenceModel = 'aggregate_cov' | 'mean_cov';
export type ClusterPipeline = 'evaluate' | 'inference';

/** One class's clustering parameters, already resolved to the values TAO actually uses. */
export interface ClusterConfig {
  algorithm: ClusterAlgorithm;
  pipeline: ClusterPipeline;
  /** Cells with coverage strictly above this become candidates. */
  coverageThreshold: number;
  /** DBSCAN radius on the distance 1 - IoU (already includes the inference path's +1e-12). */
  dbscanEps: number;
  /** Minimum summed coverage of a neighbourhood for a core point (already max(int(v), 1)). */
  dbscanMinSamples: number;
  /** Clusters whose confidence fails this are dropped ('evaluate': < drops, 'inference': <= drops). */
  dbscanConfidenceThreshold: number;
  /** DBSCAN clusters whose mean box is this tall or shorter are dropped (NMS ignores it, as TAO does). */
  minimumBoundingBoxHeight: number;
  /** NMS suppresses a lower box whose overlap (TAO's +1-pixel IoU) is strictly above this. */
  nmsIouThreshold: number;
  /** NMS keeps boxes whose coverage is strictly above this. */
  nmsConfidenceThreshold: number;
  confidenceModel: ConfidenceModel;
}

export interface Detection {
  cls: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** What TAO ranks and reports: see ClusterConfig.confidenceModel; the cell's coverage for NMS. */
  confidence: number;
  /** Mean coverage of the cluster's cells (the cell's own coverage for NMS). */
  coverage: number;
}

/** The network's raw outputs for one image (layouts in the module header of the model code). */
export interface GridOutput {
  /** cov[(r * cols + c) * numClasses + k] */
  cov: Float32Array;
  /** bbox[(r * cols + c) * 4 * numClasses + 4 * k + j], j = L, T, R, B (normalized). */
  bbox: Float32Array;
  rows: number;
  cols: number;
  numClasses: number;
}

/** How normalized LTRB outputs map to pixels: objective_set.bbox {scale, offset} and the input size. */
export interface BoxDecoding {
  stride: number;
  offset: number;
  scale: number;
  imageWidth: number;
  imageHeight: number;
}

/** Cells of one class above the coverage threshold, in grid (row-major) order as TAO flattens them. */
export interface Candidates {
  n: number;
  /** x1, y1, x2, y2 per candidate. */
  boxes: Float64Array;
  cov: Float64Array;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Candidate boxes of class `cls`. `clip` reproduces predictions_to_absolute's clipping to the
 * input image (x1 in [0, W], x2 in [x1, W], same for y); the inference path clusters unclipped.
 */
export function decodeCandidates(out: GridOutput, cls: number, d: BoxDecoding, coverageThreshold: number, clip: boolean): Candidates {
  const { rows, cols, numClasses: k } = out;
  let n = 0;
  const cells = rows * cols;
  for (let i = 0; i < cells; i++) if (out.cov[i * k + cls] > coverageThreshold) n++;
  const boxes = new Float64Array(n * 4);
  const cov = new Float64Array(n);
  let m = 0;
  for (let r = 0; r < rows; r++) {
    const gy = r * d.stride + d.offset;
    for (let c = 0; c < cols; c++) {
      const cell = r * cols + c;
      const v = out.cov[cell * k + cls];
      if (!(v > coverageThreshold)) continue;
      const gx = c * d.stride + d.offset;
      const b = cell * 4 * k + 4 * cls;
      let x1 = gx - out.bbox[b] * d.scale;
      let y1 = gy - out.bbox[b + 1] * d.scale;
      let x2 = gx + out.bbox[b + 2] * d.scale;
      let y2 = gy + out.bbox[b + 3] * d.scale;
      if (clip) {
        x1 = Math.min(Math.max(x1, 0), d.imageWidth);
        y1 = Math.min(Math.max(y1, 0), d.imageHeight);
        x2 = Math.min(Math.max(x2, x1), d.imageWidth);
        y2 = Math.min(Math.max(y2, y1), d.imageHeight);
      }
      boxes[m * 4] = x1;
      boxes[m * 4 + 1] = y1;
      boxes[m * 4 + 2] = x2;
      boxes[m * 4 + 3] = y2;
      cov[m] = v;
      m++;
    }
  }
  return { n, boxes, cov };
}

// ---------------------------------------------------------------------------------------------
// DBSCAN (scikit-learn's, with a precomputed 1 - IoU distance and coverage as sample weight)

/**
 * The candidates sorted by x1, with their coordinates laid out per field for a tight inner
 * loop. Distance <= eps needs IoU >= 1 - eps, and a 2-D IoU never exceeds the 1-D IoU of the x
 * intervals, which for boxes sorted by x1 bounds x1_j - x1_i <= eps * w_i (`reach`). So each
 * box is only compared with the boxes that start within that reach of it: no n x n matrix,
 * and far fewer than n^2 comparisons unless everything overlaps everything.
 */
interface SortedBoxes {
  n: number;
  /** Sorted position -> candidate index. */
  index: Int32Array;
  x1: Float64Array;
  y1: Float64Array;
  x2: Float64Array;
  y2: Float64Array;
  area: Float64Array;
  reach: Float64Array;
}

function sortBoxes(boxes: Float64Array, n: number, eps: number): SortedBoxes {
  const index = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => boxes[a * 4] - boxes[b * 4] || a - b);
  const s: SortedBoxes = {
    n, index,
    x1: new Float64Array(n), y1: new Float64Array(n), x2: new Float64Array(n), y2: new Float64Array(n),
    area: new Float64Array(n), reach: new Float64Array(n),
  };
  for (let a = 0; a < n; a++) {
    const i = index[a];
    s.x1[a] = boxes[i * 4];
    s.y1[a] = boxes[i * 4 + 1];
    s.x2[a] = boxes[i * 4 + 2];
    s.y2[a] = boxes[i * 4 + 3];
    s.area[a] = (s.x2[a] - s.x1[a]) * (s.y2[a] - s.y1[a]);
    // A hair of slack so rounding in the bound never hides a pair the exact test accepts.
    s.reach[a] = s.x1[a] + eps * (s.x2[a] - s.x1[a]) + 1e-6;
  }
  return s;
}

/**
 * Whether sorted boxes a and b are neighbours, 1 - IoU <= eps, with IoU as TAO computes it for
 * clustering: the union gets a small constant (1e-5 in cluster.compute_iou on the evaluate
 * path, 0.01 in utilities.iou_vectorized on the inference path) so degenerate boxes give IoU 0
 * instead of NaN.
 */
function near(s: SortedBoxes, a: number, b: number, eps: number, unionPad: number): boolean {
  const ix = Math.max(0, Math.min(s.x2[a], s.x2[b]) - Math.max(s.x1[a], s.x1[b]));
  const iy = Math.max(0, Math.min(s.y2[a], s.y2[b]) - Math.max(s.y1[a], s.y1[b]));
  const inter = ix * iy;
  return 1 - inter / (s.area[a] + s.area[b] - inter + unionPad) <= eps;
}

function findRoot(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

/**
 * Cluster labels (-1 = noise) exactly as sklearn.cluster.DBSCAN(metric='precomputed') with
 * sample_weight: a point's neighbourhood is every point at distance <= eps (itself included
 * when its self-distance qualifies), it is a core point when the neighbourhood's summed weight
 * reaches minSamples, and clusters grow from core points taken in index order. That makes a
 * cluster a connected set of core points plus their non-core neighbours, numbered by its
 * lowest core index, and a non-core point next to two clusters joins the lower-numbered one.
 * We build exactly that in three sweeps over the neighbour pairs (weights; unions of core
 * points; border points), skipping the IoU wherever the answer cannot change anything, so
 * memory stays O(n) and a big object's thousand overlapping cells stay cheap.
 */
export function dbscanLabels(boxes: Float64Array, weights: Float64Array, n: number, eps: number, minSamples: number, unionPad: number): Int32Array {
  const labels = new Int32Array(n).fill(-1);
  if (n === 0) return labels;
  if (eps >= 1) {
    // Every distance is at most 1, so every point neighbours every other: one cluster or none.
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i];
    if (total >= minSamples) labels.fill(0);
    return labels;
  }
  const s = sortBoxes(boxes, n, eps);
  const w = Float64Array.from(s.index, (i) => weights[i]);

  // Sweep 1: summed weight of each neighbourhood, self included when within eps of itself.
  // This is the one sweep that needs every IoU, so `near` is spelled out with a's box hoisted.
  const mass = new Float64Array(n);
  const { x1, y1, x2, y2, area } = s;
  for (let a = 0; a < n; a++) {
    if (near(s, a, a, eps, unionPad)) mass[a] += w[a];
    const ax2 = x2[a];
    const ay1 = y1[a];
    const ay2 = y2[a];
    const aArea = area[a];
    const reach = s.reach[a];
    let own = 0;
    for (let b = a + 1; b < n && x1[b] <= reach; b++) {
      // x1[b] >= x1[a] in sorted order, so the x overlap starts at x1[b].
      const ix = Math.min(ax2, x2[b]) - x1[b];
      if (ix <= 0) continue;
      const iy = Math.min(ay2, y2[b]) - Math.max(ay1, y1[b]);
      if (iy <= 0) continue;
      const inter = ix * iy;
      // Same operation order as `near`, so every sweep agrees on every pair.
      if (1 - inter / (aArea + area[b] - inter + unionPad) <= eps) {
        own += w[b];
        mass[b] += w[a];
      }
    }
    mass[a] += own;
  }
  const core = Uint8Array.from(mass, (m) => (m >= minSamples ? 1 : 0));

  // Sweep 2: connect neighbouring core points; pairs already connected need no IoU.
  const parent = Int32Array.from({ length: n }, (_, a) => a);
  for (let a = 0; a < n; a++) {
    if (!core[a]) continue;
    for (let b = a + 1; b < n && s.x1[b] <= s.reach[a]; b++) {
      if (!core[b]) continue;
      const ra = findRoot(parent, a);
      const rb = findRoot(parent, b);
      if (ra !== rb && near(s, a, b, eps, unionPad)) parent[Math.max(ra, rb)] = Math.min(ra, rb);
    }
  }
  // Number the clusters by their lowest candidate index, as sklearn's seed order does.
  const rootLabel = new Int32Array(n).fill(-1);
  const sortedLabel = new Int32Array(n).fill(-1);
  const positionOf = new Int32Array(n);
  for (let a = 0; a < n; a++) positionOf[s.index[a]] = a;
  let next = 0;
  let borders = false;
  for (let i = 0; i < n; i++) {
    const a = positionOf[i];
    if (!core[a]) {
      borders = true;
      continue;
    }
    const r = findRoot(parent, a);
    if (rootLabel[r] < 0) rootLabel[r] = next++;
    sortedLabel[a] = rootLabel[r];
  }

  // Sweep 3: a non-core point takes the lowest label among its core neighbours.
  if (borders && next > 0) {
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n && s.x1[b] <= s.reach[a]; b++) {
        if (core[a] === core[b]) continue;
        const [border, seed] = core[a] ? [b, a] : [a, b];
        const current = sortedLabel[border];
        if (current >= 0 && current <= sortedLabel[seed]) continue;
        if (near(s, a, b, eps, unionPad)) sortedLabel[border] = sortedLabel[seed];
      }
    }
  }
  for (let a = 0; a < n; a++) labels[s.index[a]] = sortedLabel[a];
  return labels;
}

interface Cluster {
  members: number[];
  box: [number, number, number, number];
  sumCov: number;
  meanCov: number;
  minCov: number;
  maxCov: number;
}

/** Clusters in label order; each box is the coverage-weighted mean of its members' boxes. */
function gatherClusters(c: Candidates, labels: Int32Array): Cluster[] {
  let count = 0;
  for (let i = 0; i < c.n; i++) count = Math.max(count, labels[i] + 1);
  const groups: number[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < c.n; i++) if (labels[i] >= 0) groups[labels[i]].push(i);
  return groups.map((members) => {
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const m of members) {
      sum += c.cov[m];
      min = Math.min(min, c.cov[m]);
      max = Math.max(max, c.cov[m]);
    }
    const box: [number, number, number, number] = [0, 0, 0, 0];
    for (const m of members) {
      const w = c.cov[m] / sum;
      for (let j = 0; j < 4; j++) box[j] += c.boxes[m * 4 + j] * w;
    }
    return { members, box, sumCov: sum, meanCov: sum / members.length, minCov: min, maxCov: max };
  });
}

/**
 * DBSCAN clusters that survive TAO's filters. The evaluate path's confidence is the summed
 * coverage and it drops confidence < threshold; the inference path computes aggregate_cov (the
 * sum) or mean_cov ((mean - min) / (max - min), which is NaN and therefore dropped when all of
 * a cluster's coverages are equal, e.g. a single cell) and keeps confidence > threshold. Both
 * drop clusters whose mean box height is <= minimum_bounding_box_height.
 */
function dbscanClusters(c: Candidates, cfg: ClusterConfig): Array<Cluster & { confidence: number }> {
  const unionPad = cfg.pipeline === 'evaluate' ? 1e-5 : 0.01;
  const labels = dbscanLabels(c.boxes, c.cov, c.n, cfg.dbscanEps, cfg.dbscanMinSamples, unionPad);
  const kept: Array<Cluster & { confidence: number }> = [];
  for (const cl of gatherClusters(c, labels)) {
    if (cl.box[3] - cl.box[1] <= cfg.minimumBoundingBoxHeight) continue;
    let confidence = cl.sumCov;
    if (cfg.pipeline === 'inference' && cfg.confidenceModel === 'mean_cov') {
      confidence = (cl.meanCov - cl.minCov) / (cl.maxCov - cl.minCov);
    }
    const pass = cfg.pipeline === 'evaluate' ? !(confidence < cfg.dbscanConfidenceThreshold) : confidence > cfg.dbscanConfidenceThreshold;
    if (pass) kept.push({ ...cl, confidence });
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------
// NMS (TAO's get_keep_indices, method 4 = plain greedy NMS)

/**
 * Indices (into `idx`) that NMS keeps, in TAO's order. TAO walks the list as a selection sort:
 * at step i it swaps the highest remaining score into place (first occurrence wins ties), then
 * zeroes every later box whose overlap with it is above the threshold; boxes at or below the
 * confidence threshold still suppress, and only the survivors scoring above it are kept.
 * Overlap uses the +1-pixel convention (width = x2 - x1 + 1). Once the best remaining score is
 * 0 every remaining score is 0, so the walk stops there: O(kept x n), not O(n^2).
 */
export function nmsKeep(boxes: Float64Array, cov: ArrayLike<number>, idx: readonly number[], iouThreshold: number, confidenceThreshold: number): number[] {
  const n = idx.length;
  const perm = idx.slice();
  const scores = perm.map((i) => cov[i]);
  const area = (i: number) => (boxes[i * 4 + 2] - boxes[i * 4] + 1) * (boxes[i * 4 + 3] - boxes[i * 4 + 1] + 1);
  for (let i = 0; i < n; i++) {
    if (i < n - 1) {
      let maxPos = i + 1;
      for (let j = i + 2; j < n; j++) if (scores[j] > scores[maxPos]) maxPos = j;
      if (scores[i] < scores[maxPos]) {
        [perm[i], perm[maxPos]] = [perm[maxPos], perm[i]];
        [scores[i], scores[maxPos]] = [scores[maxPos], scores[i]];
      }
    }
    if (!(scores[i] > 0)) break;
    const a = perm[i];
    const areaA = area(a);
    for (let j = i + 1; j < n; j++) {
      if (!(scores[j] > 0)) continue;
      const b = perm[j];
      const w = Math.max(0, Math.min(boxes[a * 4 + 2], boxes[b * 4 + 2]) - Math.max(boxes[a * 4], boxes[b * 4]) + 1);
      const h = Math.max(0, Math.min(boxes[a * 4 + 3], boxes[b * 4 + 3]) - Math.max(boxes[a * 4 + 1], boxes[b * 4 + 1]) + 1);
      const inter = w * h;
      if (inter / (areaA + area(b) - inter) > iouThreshold) scores[j] = 0;
    }
  }
  const keep: number[] = [];
  for (let p = 0; p < n; p++) if (scores[p] > confidenceThreshold) keep.push(perm[p]);
  return keep;
}

// ---------------------------------------------------------------------------------------------
// Per class and per image

function boxOf(c: Candidates, i: number): [number, number, number, number] {
  return [c.boxes[i * 4], c.boxes[i * 4 + 1], c.boxes[i * 4 + 2], c.boxes[i * 4 + 3]];
}

/** One class's detections from its candidates, sorted by descending confidence (stable, as TAO). */
export function clusterCandidates(c: Candidates, cls: number, cfg: ClusterConfig): Detection[] {
  const out: Detection[] = [];
  const make = (box: [number, number, number, number], confidence: number, coverage: number): Detection => ({
    cls, x1: box[0], y1: box[1], x2: box[2], y2: box[3], confidence, coverage,
  });
  if (c.n > 0) {
    if (cfg.algorithm === 'DBSCAN') {
      for (const cl of dbscanClusters(c, cfg)) out.push(make(cl.box, cl.confidence, cl.meanCov));
    } else {
      // HYBRID: NMS over the cells of the DBSCAN clusters that survived their filters.
      const idx = cfg.algorithm === 'NMS'
        ? Array.from({ length: c.n }, (_, i) => i)
        : dbscanClusters(c, cfg).flatMap((cl) => cl.members);
      for (const i of nmsKeep(c.boxes, c.cov, idx, cfg.nmsIouThreshold, cfg.nmsConfidenceThreshold)) {
        out.push(make(boxOf(c, i), c.cov[i], c.cov[i]));
      }
    }
  }
  // Array.prototype.sort is stable, like Python's sorted().
  return out.sort((a, b) => b.confidence - a.confidence);
}

/** Clamps a box into a frame the way bbox_handler._scale_bbox does before scaling. */
function clipToFrame(d: Detection, width: number, height: number): Detection {
  const x1 = Math.min(Math.max(0, d.x1), width);
  const y1 = Math.min(Math.max(0, d.y1), height);
  const x2 = Math.max(Math.min(d.x2, width), x1);
  const y2 = Math.max(Math.min(d.y2, height), y1);
  return { ...d, x1, y1, x2, y2 };
}

/**
 * All detections of one image, class by class (configs[k] undefined: class k is skipped), in
 * input-image pixels and clipped to it: before clustering on the evaluate path, after it on the
 * inference path (which is where TAO's _scale_bbox clips).
 */
export function postprocessImage(out: GridOutput, decoding: BoxDecoding, configs: ReadonlyArray<ClusterConfig | undefined>): Detection[] {
  const all: Detection[] = [];
  for (let k = 0; k < out.numClasses; k++) {
    const cfg = configs[k];
    if (!cfg) continue;
    const evaluate = cfg.pipeline === 'evaluate';
    const candidates = decodeCandidates(out, k, decoding, cfg.coverageThreshold, evaluate);
    for (const d of clusterCandidates(candidates, k, cfg)) {
      all.push(evaluate ? d : clipToFrame(d, decoding.imageWidth, decoding.imageHeight));
    }
  }
  return all;
}

/**
 * Boxes from the network's input size to the original image's: clipped to the input frame,
 * then scaled per axis by original / input (bbox_handler._scale_bbox; scaling its centre and
 * size is the same as scaling the corners).
 */
export function rescaleDetections(
  detections: readonly Detection[],
  from: { width: number; height: number },
  to: { width: number; height: number },
): Detection[] {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  return detections.map((d) => {
    const c = clipToFrame(d, from.width, from.height);
    return { ...c, x1: c.x1 * sx, y1: c.y1 * sy, x2: c.x2 * sx, y2: c.y2 * sy };
  });
}

// ---------------------------------------------------------------------------------------------
// Spec reading

export interface SpecProblem {
  path: string;
  message: string;
}

type Obj = { [key: string]: Plain };

function asObj(v: Plain | undefined): Obj | undefined {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** A scalar written twice in protobuf text keeps its last value. */
function lastOf(v: Plain | undefined): Plain | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function readNumber(o: Obj, key: string, path: string, problems: SpecProblem[]): number {
  const v = lastOf(o[key]);
  if (v === undefined || v === null) return 0; // proto3: unset scalars read as zero
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) {
    problems.push({ path: `${path}.${key}`, message: `${key} must be a number, got ${JSON.stringify(v)}` });
    return 0;
  }
  return n;
}

function checkRange(value: number, lo: number, hi: number, key: string, path: string, problems: SpecProblem[]): void {
  if (value < lo || value > hi) {
    const range = hi === Infinity ? `>= ${lo}` : `in [${lo}, ${hi}]`;
    problems.push({ path: `${path}.${key}`, message: `${key} must be ${range}, got ${value}` });
  }
}

const ALGORITHMS: ClusterAlgorithm[] = ['DBSCAN', 'NMS', 'HYBRID'];

function readAlgorithm(o: Obj, path: string, problems: SpecProblem[]): ClusterAlgorithm {
  const v = lastOf(o.clustering_algorithm);
  if (v === undefined || v === null || v === '') return 'DBSCAN'; // enum value 0
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < ALGORITHMS.length) return ALGORITHMS[v];
  const s = String(v).toUpperCase();
  if ((ALGORITHMS as string[]).includes(s)) return s as ClusterAlgorithm;
  problems.push({ path: `${path}.clustering_algorithm`, message: `clustering_algorithm must be DBSCAN, NMS or HYBRID, got ${JSON.stringify(v)}` });
  return 'DBSCAN';
}

/** Fields only a bbox_handler_config class block has; their presence means the inference path. */
const INFERENCE_KEYS = ['confidence_model', 'output_map', 'bbox_color'];

/**
 * One class's clustering parameters from a plain spec block: either a `clustering_config`
 * message itself, or the map value that holds one (postprocessing_config.target_class_config,
 * bbox_handler_config.classwise_bbox_handler_config, the latter with confidence_model).
 * `pipeline` defaults to 'inference' when the block has bbox_handler-only fields, else 'evaluate'.
 *
 * Proto3 zero values and what TAO turns them into (postprocessor/clustering_config.py and
 * cluster.py for 'evaluate'; postprocessor/bbox_handler.py and utilities.py for 'inference'):
 *  - clustering_algorithm: DBSCAN. HYBRID is refused on the evaluate path (ClusteringConfig
 *    raises NotImplementedError there).
 *  - dbscan_min_samples: max(int(v), 1) on both paths.
 *  - dbscan_eps: used as is on the evaluate path; + 1e-12 on the inference path.
 *  - coverage_threshold, minimum_bounding_box_height: used as is (0 keeps every cell / box).
 *  - evaluate path thresholds: build_clustering_config passes nms_confidence_threshold and
 *    dbscan_confidence_threshold positionally into ClusteringConfig's swapped parameters, so
 *    TAO's validation clusters filter DBSCAN results by the spec's nms_confidence_threshold
 *    (0 when unset, i.e. no filter) and NMS results by its dbscan_confidence_threshold. We
 *    reproduce that so mAP matches TAO's. nms_iou_threshold is used as is (0: any overlap).
 *  - inference path thresholds: dbscan_confidence_threshold as is; nms_iou_threshold 0 -> 0.3;
 *    nms_confidence_threshold 0 -> 0.1 (BboxHandler's fallbacks).
 *  - confidence_model (inference only): 'aggregate_cov' or 'mean_cov'; required for DBSCAN and
 *    HYBRID (TAO fails on anything else), 'aggregate_cov' assumed for NMS, which ignores it.
 */
export function clusterConfigFromPlain(block: Plain, path: string, problems: SpecProblem[], pipeline?: ClusterPipeline): ClusterConfig {
  const outer = asObj(block) ?? {};
  const nested = asObj(lastOf(outer.clustering_config));
  const cc = nested ?? outer;
  const ccPath = nested ? `${path}.clustering_config` : path;
  const mode: ClusterPipeline = pipeline ?? (INFERENCE_KEYS.some((k) => k in outer) ? 'inference' : 'evaluate');

  const algorithm = readAlgorithm(cc, ccPath, problems);
  const coverageThreshold = readNumber(cc, 'coverage_threshold', ccPath, problems);
  const eps = readNumber(cc, 'dbscan_eps', ccPath, problems);
  const minSamples = readNumber(cc, 'dbscan_min_samples', ccPath, problems);
  const minHeight = readNumber(cc, 'minimum_bounding_box_height', ccPath, problems);
  const dbscanConf = readNumber(cc, 'dbscan_confidence_threshold', ccPath, problems);
  const nmsIou = readNumber(cc, 'nms_iou_threshold', ccPath, problems);
  const nmsConf = readNumber(cc, 'nms_confidence_threshold', ccPath, problems);

  checkRange(coverageThreshold, 0, 1, 'coverage_threshold', ccPath, problems);
  checkRange(minHeight, 0, Infinity, 'minimum_bounding_box_height', ccPath, problems);
  if (algorithm !== 'NMS') {
    checkRange(eps, 0, 1, 'dbscan_eps', ccPath, problems);
    checkRange(minSamples, 0, Infinity, 'dbscan_min_samples', ccPath, problems);
    checkRange(dbscanConf, 0, Infinity, 'dbscan_confidence_threshold', ccPath, problems);
  }
  if (algorithm !== 'DBSCAN') {
    checkRange(nmsIou, 0, 1, 'nms_iou_threshold', ccPath, problems);
    checkRange(nmsConf, 0, 1, 'nms_confidence_threshold', ccPath, problems);
  }

  let confidenceModel: ConfidenceModel = 'aggregate_cov';
  if (mode === 'inference') {
    const raw = lastOf(outer.confidence_model);
    const s = raw === undefined || raw === null ? '' : String(raw);
    if (s === 'aggregate_cov' || s === 'mean_cov') {
      confidenceModel = s;
    } else if (algorithm !== 'NMS' || s !== '') {
      problems.push({ path: `${path}.confidence_model`, message: `confidence_model must be "aggregate_cov" or "mean_cov", got ${JSON.stringify(s)}` });
    }
  }
  if (mode === 'evaluate' && algorithm === 'HYBRID') {
    problems.push({ path: `${ccPath}.clustering_algorithm`, message: 'HYBRID clustering is only available to inference (bbox_handler_config); TAO\'s training and evaluation support DBSCAN and NMS' });
  }

  const minSamplesUsed = Math.max(Math.trunc(minSamples), 1);
  if (mode === 'evaluate') {
    return {
      algorithm, pipeline: mode, coverageThreshold, confidenceModel,
      dbscanEps: eps,
      dbscanMinSamples: minSamplesUsed,
      minimumBoundingBoxHeight: minHeight,
      dbscanConfidenceThreshold: nmsConf, // TAO's argument swap, see above
      nmsConfidenceThreshold: dbscanConf,
      nmsIouThreshold: nmsIou,
    };
  }
  return {
    algorithm, pipeline: mode, coverageThreshold, confidenceModel,
    dbscanEps: eps + 1e-12,
    dbscanMinSamples: minSamplesUsed,
    minimumBoundingBoxHeight: minHeight,
    dbscanConfidenceThreshold: dbscanConf,
    nmsConfidenceThreshold: nmsConf === 0 ? 0.1 : nmsConf,
    nmsIouThreshold: nmsIou === 0 ? 0.3 : nmsIou,
  };
}

/** Entries of a proto map field as parsed: repeated {key, value} messages, or a plain object. */
export function mapEntries(v: Plain | undefined): Array<{ key: string; value: Plain }> {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  const out: Array<{ key: string; value: Plain }> = [];
  for (const item of list) {
    const o = asObj(item);
    if (!o) continue;
    if ('key' in o) out.push({ key: String(lastOf(o.key)), value: lastOf(o.value) ?? null });
    else for (const [key, value] of Object.entries(o)) out.push({ key, value });
  }
  return out;
}

/**
 * Per-class configs, in class order, from postprocessing_config.target_class_config ('evaluate')
 * or bbox_handler_config.classwise_bbox_handler_config ('inference'). A class without an entry
 * is a problem on the evaluate path (cluster.py asserts it); the inference path falls back to
 * the "default" entry and only then complains (BboxHandler.cluster_detections).
 */
export function clusterConfigsForClasses(
  map: Plain | undefined,
  classNames: readonly string[],
  path: string,
  problems: SpecProblem[],
  pipeline: ClusterPipeline,
): Array<ClusterConfig | undefined> {
  const entries = mapEntries(map);
  return classNames.map((name) => {
    let index = -1;
    for (let i = 0; i < entries.length; i++) if (entries[i].key === name) index = i; // last wins, like a proto map
    if (index < 0 && pipeline === 'inference') {
      for (let i = 0; i < entries.length; i++) if (entries[i].key === 'default') index = i;
    }
    if (index < 0) {
      const fallback = pipeline === 'inference' ? ' and there is no "default" entry' : '';
      problems.push({ path, message: `no clustering parameters for class "${name}"${fallback}` });
      return undefined;
    }
    return clusterConfigFromPlain(entries[index].value, `${path}.value`, problems, pipeline);
  });
}
