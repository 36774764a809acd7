// Hand-written corrections where the sheets or upstream facts are wrong or stale for the files TAO
// users actually write. Each entry states why; the generator prints every override it applies.
// (Keys, types, ranges and options that real spec files need are widened automatically by
// crosscheck.ts, which prints the file and line that justified each change.)
import type { SpecSchema } from '../../server/src/core/schema/types';

export interface Override {
  /** A network name, or `*` for every network whose schema has `path` (skipped where it does not). */
  network: string;
  /** Dotted path of the field; array levels take no index. */
  path: string;
  /** One line: why the facts are wrong here. */
  reason: string;
  /** Keywords to set on the field (the field is created when missing). */
  set?: Partial<SpecSchema>;
  /** Keywords to remove from the field. */
  unset?: (keyof SpecSchema)[];
  /** Remove the field itself. */
  remove?: boolean;
  /**
   * Provenance of the bounds in `set` (required when `set` has one): whether TAO refuses a value
   * outside them, where that is stated, and one line for hover.
   */
  bounds?: { enforced: boolean; ref?: string; note: string };
}

const DETR_FAMILY = ['dino', 'deformable_detr', 'grounding_dino', 'mask_grounding_dino', 'rtdetr'];

export const OVERRIDES: Override[] = [
  ...DETR_FAMILY.map((network) => ({
    network,
    path: 'dataset.batch_size',
    reason: '-1 asks export/gen_trt_engine for a dynamic batch dimension (real export and gen_trt_engine specs use it); the facts say minimum 1',
    set: { minimum: -1 },
    bounds: { enforced: false, note: '-1 asks for a dynamic batch dimension at export' },
  })),
  {
    network: '*',
    path: 'gen_trt_engine.tensorrt.data_type',
    reason: 'TAO Deploy upper-cases the precision before use, and NVIDIA\'s own specs write fp32/fp16/int8 in lower case',
    set: { enum: ['FP32', 'FP16', 'INT8', 'fp32', 'fp16', 'int8'] },
  },
  {
    network: 'detectnet_v2',
    path: 'training_config.optimizer.adam.beta2',
    reason: 'beta2 is a decay rate in [0, 1]; the sheet caps it at 0.95, which rejects the usual 0.999',
    set: { minimum: 0, maximum: 1 },
    bounds: { enforced: false, note: 'a decay rate, so between 0 and 1 (TAO itself checks only > 0)' },
  },
  ...['output_image_width', 'output_image_height'].map((k) => ({
    network: 'detectnet_v2',
    path: `augmentation_config.preprocessing.${k}`,
    reason: "DetectNet_v2's code only needs a multiple of the output stride (16); the sheet's UI minimum (480 / 272) rejects the small inputs CPU training uses",
    set: { minimum: 16, multipleOf: 16 },
    bounds: {
      enforced: true,
      ref: 'NVIDIA/tao_tensorflow1_backend@2ec95cb nvidia_tao_tf1/cv/detectnet_v2/spec_handler/constants.py TRAINVAL_VALUE_CHECK_DICT (> 0 and % 16)',
      note: "DetectNet_v2's code needs a multiple of the output stride (16)",
    },
  })),
  ...['vertical_flip', 'horizontal_flip', 'jitter'].map((k) => ({
    network: 'yolo_v3',
    path: `augmentation_config.${k}`,
    reason: 'a probability/fraction in [0, 1]; the sheet gives minimum 1, which rejects 0.5 used by the shipped specs',
    set: { minimum: 0, maximum: 1 },
    bounds: {
      enforced: true,
      ref: 'NVIDIA/tao_tensorflow1_backend@2ec95cb nvidia_tao_tf1/cv/yolo_v3/utils/spec_loader.py load_experiment_spec (asserts)',
      note: 'a probability/fraction; YOLOv3 asserts it lies in [0, 1]',
    },
  })),
  {
    network: 'mask_rcnn',
    path: 'warmup_steps',
    reason: '0 disables learning-rate warm-up (shipped default.txt uses it); the sheet minimum of 1 forbids that',
    set: { minimum: 0 },
    bounds: {
      enforced: true,
      ref: 'uint32 field (protobuf text parser refuses negatives)',
      note: '0 turns learning-rate warm-up off; an unsigned field, so never negative',
    },
  },
  {
    network: 'unet',
    path: 'training_config.regularizer.weight',
    reason: '0 turns regularization off (used by the ISBI tutorial retrain spec); the sheet minimum 3e-9 forbids it',
    set: { minimum: 0 },
    bounds: { enforced: false, note: '0 turns regularization off' },
  },
  ...['train_dataset', 'validate_dataset'].map((d) => ({
    network: 'ocdnet',
    path: `dataset.${d}.args.pre_processes.args`,
    reason: 'keyword arguments of the transform named by the sibling `type` (a mapping, or a list of imgaug steps for IaaAugment); their keys depend on that transform',
    set: { additionalProperties: true },
  })),
  ...['re_identification'].map((network) => ({
    network,
    path: 'train.optim.bias_lr_factor',
    reason: 'a multiplier of the base learning rate for biases; the facts cap it at 1 but the Swin spec uses 2',
    unset: ['maximum'] as (keyof SpecSchema)[],
  })),
];
