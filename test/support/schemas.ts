// Small schemas written for the core tests, so rule and validator tests do not depend on the
// generated catalogue (which has its own tests).
import { MemorySchemaCatalog } from '../../server/src/core/schema/catalog';
import type { NetworkSchema } from '../../server/src/core/schema/types';

export const classificationSchema: NetworkSchema = {
  'x-tao-network': 'classification_tf1',
  'x-tao-dialect': 'prototext',
  type: 'object',
  additionalProperties: false,
  'x-tao-signature-keys': ['model_config.arch', 'train_config.preprocess_mode'],
  properties: {
    random_seed: { type: 'integer', minimum: 0 },
    model_config: {
      type: 'object',
      additionalProperties: false,
      required: ['arch'],
      properties: {
        arch: { type: 'string', description: 'Backbone family.' },
        n_layers: { type: 'integer', minimum: 0 },
        input_image_size: { type: 'string' },
        use_batch_norm: { type: 'boolean' },
        freeze_blocks: { type: 'array', items: { type: 'integer', minimum: 0 } },
        resize_interpolation_method: { type: 'string', enum: ['BILINEAR', 'BICUBIC'], 'x-tao-proto-enum': true, 'x-tao-enum-numbers': { BILINEAR: 0, BICUBIC: 1 } },
        dropout: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
    train_config: {
      type: 'object',
      additionalProperties: false,
      properties: {
        train_dataset_path: { type: 'string', 'x-tao-path': 'dir' },
        preprocess_mode: { type: 'string' },
        batch_size_per_gpu: { type: 'integer', minimum: 1 },
        optimizer: {
          type: 'object',
          additionalProperties: false,
          properties: {
            sgd: { type: 'object', 'x-tao-oneof': 'optim', additionalProperties: false, properties: { lr: { type: 'number' }, momentum: { type: 'number' } } },
            adam: { type: 'object', 'x-tao-oneof': 'optim', additionalProperties: false, properties: { lr: { type: 'number' } } },
          },
        },
        lr_config: {
          type: 'object',
          additionalProperties: false,
          properties: {
            soft_anneal: {
              type: 'object',
              'x-tao-oneof': 'lr',
              additionalProperties: false,
              properties: {
                learning_rate: { type: 'number' },
                soft_start: { type: 'number' },
                annealing_points: { type: 'array', items: { type: 'number' } },
              },
            },
          },
        },
        image_mean: {
          type: 'array',
          'x-tao-proto-map': true,
          items: { type: 'object', additionalProperties: false, properties: { key: { type: 'string' }, value: { type: 'number' } } },
        },
      },
    },
  },
};

export const dinoSchema: NetworkSchema = {
  'x-tao-network': 'dino',
  'x-tao-dialect': 'hydra-yaml',
  type: 'object',
  additionalProperties: false,
  properties: {
    results_dir: { type: 'string' },
    encryption_key: { type: 'string' },
    train: {
      type: 'object',
      additionalProperties: false,
      properties: {
        num_epochs: { type: 'integer', minimum: 1 },
        checkpoint_interval: { type: 'integer', minimum: 1 },
        results_dir: { type: 'string' },
        optim: {
          type: 'object',
          additionalProperties: false,
          properties: {
            lr: { type: 'number', exclusiveMinimum: 0 },
            optimizer: { type: 'string', enum: ['AdamW', 'SGD'] },
            lr_steps: { type: 'array', items: { type: 'integer' } },
          },
        },
        precision: { type: 'string', enum: ['fp16', 'fp32', 'bf16'] },
        use_amp: { type: 'boolean' },
      },
    },
    dataset: {
      type: 'object',
      additionalProperties: false,
      required: ['num_classes'],
      properties: {
        num_classes: { type: 'integer', minimum: 1 },
        batch_size: { type: 'integer', minimum: -1 },
        train_data_sources: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { image_dir: { type: 'string' }, json_file: { type: 'string' } } } },
      },
    },
  },
};

export const bpnetSchema: NetworkSchema = {
  'x-tao-network': 'bpnet',
  'x-tao-dialect': 'pyyaml',
  type: 'object',
  additionalProperties: false,
  properties: {
    __class_name__: { type: 'string' },
    optimizer: {
      type: 'object',
      additionalProperties: false,
      properties: { __class_name__: { type: 'string' }, learning_rate: { type: 'number' }, weight_decay: { type: 'number' } },
    },
  },
};

export function testCatalog(): MemorySchemaCatalog {
  return new MemorySchemaCatalog({ classification_tf1: classificationSchema, dino: dinoSchema, bpnet: bpnetSchema });
}
