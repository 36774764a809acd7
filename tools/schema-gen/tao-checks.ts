// Numeric checks that TAO's own TF1 code runs on a spec after parsing it, as facts: a value that
// fails one stops the task, so these bounds are errors in our schemas (every other bound is a
// recommendation). Transcribed by hand from NVIDIA/tao_tensorflow1_backend at 2ec95cb (TAO 5.0):
//
// - `SpecValidator` (nvidia_tao_tf1/cv/common/spec_validator.py) walks every message of the parsed
//   spec and checks each scalar field whose *name* is in a network's value-checker table (repeated
//   fields item by item); a failure is an AssertionError and the task exits. detectnet_v2,
//   classification_tf1 (makenet), lprnet and ssd/dssd use it.
// - yolo_v3, yolo_v4 (and yolo_v4_tiny, same code) and retinanet assert on fixed paths in
//   `load_experiment_spec`.
//
// Checks with a transform (SSD's `len(eval(s))` on string fields), "!=" and "in" are left out:
// they are not numeric bounds ("in" on an integer is written as its range where it is one).
import type { SpecSchema, BoundKeyword } from '../../server/src/core/schema/types';
import type { ProtoFacts } from './extract-proto';
import { parseFieldLine } from './extract-proto';
import { resolve, typesOf, container } from './schema-util';
import { enforceBound } from './bounds';

const REPO = 'NVIDIA/tao_tensorflow1_backend@2ec95cb';

interface CheckSet {
  networks: string[];
  /** File and table/function in REPO. */
  ref: string;
  /** By field name anywhere under the top-level keys of this root message (SpecValidator). */
  byName?: { root: string; checks: Record<string, string> };
  /** By dotted path (asserts on `experiment_spec.a.b`). */
  byPath?: Record<string, string>;
}

const DETECTNET_TRAINVAL: Record<string, string> = {
  num_layers: '>= 0', scale: '> 0', offset: '>= 0',
  cov_center_x: '>= 0, <= 1', cov_center_y: '>= 0, <= 1', cov_radius_x: '>= 0, <= 1', cov_radius_y: '>= 0, <= 1',
  bbox_min_radius: '>= 0, <= 1', deadzone_radius: '>= 0, <= 1',
  batch_size_per_gpu: '> 0', num_epochs: '> 0', min_learning_rate: '> 0', max_learning_rate: '> 0',
  soft_start: '>= 0, < 1', annealing: '>= 0, < 1',
  validation_period_during_training: '> 0', first_validation_epoch: '> 0',
  minimum_height: '>= 0', minimum_width: '>= 0', maximum_height: '> 0', maximum_width: '> 0', batch_size: '> 0',
  weight: '>= 0',
  coverage_threshold: '>= 0, <= 1', minimum_bounding_box_height: '>= 0', confidence_threshold: '>= 0, <= 1',
  nms_iou_threshold: '>= 0, <= 1', nms_confidence_threshold: '>= 0, <= 1', dbscan_eps: '>= 0, <= 1',
  dbscan_min_samples: '>= 0, <= 1', neighborhood_size: '>= 0, <= 1', dbscan_confidence_threshold: '>= 0, <= 1',
  min_bbox_width: '>= 0', min_bbox_height: '>= 0',
  output_image_width: '> 0, % 16', output_image_height: '> 0, % 16',
  hflip_probability: '>= 0, <= 1', vflip_probability: '>= 0, <= 1', zoom_min: '>= 0', zoom_max: '>= 0',
  translate_max_x: '>= 0', translate_max_y: '>= 0',
  color_shift_stddev: '>= 0, <= 1', hue_rotation_max: '>= 0', saturation_shift_max: '>= 0, <= 1',
  contrast_scale_max: '>= 0, <= 1', contrast_center: '>= 0, <= 1',
  initial_exponent: '> 0', increment: '> 0', decrement: '> 0',
  epsilon: '> 0', beta1: '> 0', beta2: '> 0',
  class_weight: '>= 0', coverage_foreground_weight: '>= 0', initial_weight: '>= 0', weight_target: '>= 0',
};

const DETECTNET_INFERENCE: Record<string, string> = {
  batch_size: '> 0', image_height: '> 0', image_width: '> 0',
  coverage_threshold: '>= 0, <= 1', minimum_bounding_box_height: '>= 0',
};

const MAKENET_TRAINVAL: Record<string, string> = {
  n_workers: '> 0', label_smoothing: '>= 0', mixup_alpha: '>= 0', n_epochs: '> 0', batch_size_per_gpu: '> 0',
  learning_rate: '> 0', momentum: '>= 0', epsilon: '>= 0', rho: '>= 0', beta_1: '>= 0', beta_2: '>= 0',
  decay: '>= 0', dropout: '>= 0', step_size: '>= 0', gamma: '>= 0', soft_start: '>= 0',
  annealing_divider: '>= 0', annealing_points: '>= 0', min_lr_ratio: '>= 0', lr: '> 0', weight_decay: '> 0',
};

const LPRNET: Record<string, string> = {
  hidden_units: '> 0', max_label_length: '> 0', nlayers: '> 0', checkpoint_interval: '>= 0',
  batch_size_per_gpu: '> 0', num_epochs: '> 0', min_learning_rate: '> 0', max_learning_rate: '> 0',
  soft_start: '> 0, < 1', annealing: '> 0, < 1', validation_period_during_training: '> 0', batch_size: '> 0',
  output_width: '> 32', output_height: '> 32', max_rotate_degree: '>= 0, < 90', rotate_prob: '>= 0, <= 1',
  gaussian_kernel_size: '> 0', blur_prob: '>= 0, <= 1', reverse_color_prob: '>= 0, <= 1',
  keep_original_prob: '>= 0, <= 1', min_delta: '>= 0', patience: '>= 0',
};

const SSD: Record<string, string> = {
  nlayers: '>= 0', batch_size_per_gpu: '> 0', num_epochs: '> 0', min_learning_rate: '> 0', max_learning_rate: '> 0',
  soft_start: '> 0, < 1', annealing: '> 0, < 1', validation_period_during_training: '> 0', batch_size: '> 0',
  matching_iou_threshold: '> 0, < 1', confidence_threshold: '> 0, < 1', clustering_iou_threshold: '> 0, < 1',
  top_k: '> 0', output_width: '> 32', output_height: '> 32', min_delta: '>= 0', patience: '>= 0',
  checkpoint_interval: '>= 0',
};

const YOLO_COMMON: Record<string, string> = {
  'augmentation_config.hue': '>= 0, <= 1',
  'augmentation_config.saturation': '>= 1',
  'augmentation_config.exposure': '>= 1',
  'augmentation_config.vertical_flip': '>= 0, <= 1',
  'augmentation_config.horizontal_flip': '>= 0, <= 1',
  'augmentation_config.jitter': '>= 0, <= 1',
  'augmentation_config.output_width': '>= 32, % 32',
  'augmentation_config.output_height': '>= 32, % 32',
  'augmentation_config.randomize_input_shape_period': '>= 0',
  'training_config.batch_size_per_gpu': '> 0',
  'training_config.num_epochs': '> 0',
  'training_config.checkpoint_interval': '> 0',
  'eval_config.batch_size': '> 0',
  'eval_config.matching_iou_threshold': '> 0, <= 1',
  'nms_config.clustering_iou_threshold': '> 0, <= 1',
};

const YOLO_V4: Record<string, string> = {
  ...YOLO_COMMON,
  'augmentation_config.mosaic_prob': '>= 0, <= 1',
  'augmentation_config.mosaic_min_ratio': '> 0, < 0.5',
  'yolov4_config.box_matching_iou': '> 0, <= 1',
  'yolov4_config.matching_neutral_box_iou': '> 0.25, <= 1',
  'yolov4_config.loss_loc_weight': '>= 0',
  'yolov4_config.loss_neg_obj_weights': '>= 0',
  'yolov4_config.loss_class_weights': '>= 0',
  'yolov4_config.label_smoothing': '>= 0, <= 0.3',
  'yolov4_config.focal_loss_alpha': '>= 0, < 1',
  'yolov4_config.focal_loss_gamma': '>= 0',
  'yolov4_config.big_grid_xy_extend': '>= 0, <= 0.3',
  'yolov4_config.mid_grid_xy_extend': '>= 0, <= 0.3',
  // small_grid_xy_extend: [0, 0.3], but exactly 0 for cspdarknet_tiny; a path check cannot say that.
};

export const TAO_CHECKS: CheckSet[] = [
  { networks: ['detectnet_v2'], ref: 'nvidia_tao_tf1/cv/detectnet_v2/spec_handler/constants.py TRAINVAL_VALUE_CHECK_DICT (SpecValidator)', byName: { root: 'Experiment', checks: DETECTNET_TRAINVAL } },
  { networks: ['detectnet_v2'], ref: 'nvidia_tao_tf1/cv/detectnet_v2/spec_handler/constants.py INFERENCE_VALUE_CHECK_DICT (SpecValidator)', byName: { root: 'Inference', checks: DETECTNET_INFERENCE } },
  { networks: ['classification_tf1'], ref: 'nvidia_tao_tf1/cv/makenet/spec_handling/constants.py TRAINVAL_VALUE_CHECK_DICT (SpecValidator)', byName: { root: 'Experiment', checks: MAKENET_TRAINVAL } },
  { networks: ['lprnet'], ref: 'nvidia_tao_tf1/cv/lprnet/utils/spec_loader.py _LPRNet_VALUE_CHECKER_ (SpecValidator)', byName: { root: 'Experiment', checks: LPRNET } },
  { networks: ['ssd', 'dssd'], ref: 'nvidia_tao_tf1/cv/ssd/utils/spec_loader.py _SSD_VALUE_CHECKER_ (SpecValidator)', byName: { root: 'Experiment', checks: SSD } },
  {
    networks: ['yolo_v3'], ref: 'nvidia_tao_tf1/cv/yolo_v3/utils/spec_loader.py load_experiment_spec (asserts)',
    byPath: {
      ...YOLO_COMMON,
      'yolov3_config.matching_neutral_box_iou': '> 0, < 1',
      'yolov3_config.arch_conv_blocks': '>= 0, <= 2',
      'yolov3_config.loss_loc_weight': '>= 0',
      'yolov3_config.loss_neg_obj_weights': '>= 0',
      'yolov3_config.loss_class_weights': '>= 0',
    },
  },
  { networks: ['yolo_v4', 'yolo_v4_tiny'], ref: 'nvidia_tao_tf1/cv/yolo_v4/utils/spec_loader.py load_experiment_spec (asserts)', byPath: YOLO_V4 },
  {
    networks: ['retinanet'], ref: 'nvidia_tao_tf1/cv/retinanet/utils/spec_loader.py load_experiment_spec (asserts)',
    byPath: {
      'training_config.batch_size_per_gpu': '> 0',
      'training_config.num_epochs': '> 0',
      // `(checkpoint_interval or 1) > 0`: 0 means the default, negatives fail.
      'training_config.checkpoint_interval': '>= 0',
      'eval_config.batch_size': '> 0',
      'eval_config.matching_iou_threshold': '> 0, <= 1',
      'nms_config.clustering_iou_threshold': '> 0, <= 1',
      'retinanet_config.focal_loss_alpha': '> 0, < 1',
      'retinanet_config.focal_loss_gamma': '> 0',
      'retinanet_config.n_kernels': '> 0',
      'retinanet_config.feature_size': '> 1',
      'retinanet_config.n_anchor_levels': '> 0',
    },
  },
];

const OPS: Record<string, BoundKeyword> = { '>': 'exclusiveMinimum', '>=': 'minimum', '<': 'exclusiveMaximum', '<=': 'maximum', '%': 'multipleOf' };

function parseChecks(text: string): { kw: BoundKeyword; limit: number }[] {
  return text.split(',').map((part) => {
    const m = /^\s*(>=|<=|>|<|%)\s*(-?[\d.]+)\s*$/.exec(part);
    if (!m) throw new Error(`tao-checks: cannot read '${part}'`);
    return { kw: OPS[m[1]], limit: Number(m[2]) };
  });
}

/** The numeric node a check lands on: the field, or the items of a repeated numeric field. */
function numericTarget(node: SpecSchema): SpecSchema | undefined {
  const t = typesOf(node);
  if (t.includes('integer') || t.includes('number')) return node;
  if (t.includes('array') && node.items) {
    const it = typesOf(node.items);
    if (it.includes('integer') || it.includes('number')) return node.items;
  }
  return undefined;
}

/** Applies TAO's own checks for `network`; returns one line per bound set, for the generator's log. */
export function applyTaoChecks(root: SpecSchema, network: string, proto: ProtoFacts | undefined): string[] {
  const log: string[] = [];
  for (const set of TAO_CHECKS.filter((s) => s.networks.includes(network))) {
    const origin = { source: 'tao-validator' as const, enforced: true, ref: `${REPO} ${set.ref}` };
    const apply = (node: SpecSchema, path: string, checks: string) => {
      const target = numericTarget(node);
      if (!target) return;
      for (const c of parseChecks(checks)) enforceBound(target, c.kw, c.limit, origin);
      log.push(`${path}: ${checks}`);
    };
    for (const [path, checks] of Object.entries(set.byPath ?? {})) {
      const node = resolve(root, path);
      if (!node) throw new Error(`tao-checks: ${network} has no field ${path}`);
      apply(node, path, checks);
    }
    if (set.byName) {
      const { root: message, checks } = set.byName;
      const tops = (proto?.messages[message] ?? []).map((l) => parseFieldLine(l).name);
      if (tops.length === 0) throw new Error(`tao-checks: ${network} has no root message ${message}`);
      const visit = (node: SpecSchema, path: string, depth: number) => {
        const c = container(node);
        for (const [k, child] of Object.entries(c.properties ?? {})) {
          const p = `${path}.${k}`;
          if (checks[k] !== undefined) apply(child, p, checks[k]);
          if (depth < 12) visit(child, p, depth + 1);
        }
      };
      const rootProps = container(root).properties ?? {};
      for (const top of tops) {
        const node = rootProps[top];
        if (!node) continue;
        if (checks[top] !== undefined) apply(node, top, checks[top]);
        visit(node, top, 1);
      }
    }
  }
  return log;
}
