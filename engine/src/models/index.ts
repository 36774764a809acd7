// Builds the classifier a spec's model_config describes: backbone + TAO's head
// (global average pool -> dropout -> dense softmax named `predictions`). The head layer
// names are fixed so transfer learning and pruning can find the head by name.
import type * as tfTypes from '@tensorflow/tfjs';
import type { ModelConfig } from '../spec/config';
import { BuildContext, type SymT } from './context';
import { buildResnet } from './resnet';
import { buildVgg } from './vgg';
import { buildMobilenetV1, buildMobilenetV2 } from './mobilenet';

type Tf = typeof tfTypes;

export const HEAD_LAYER = 'predictions';
export const POOL_LAYER = 'avg_pool';

type Builder = (c: BuildContext, input: SymT) => SymT;

const BUILDERS: Record<string, Builder> = {
  resnet: buildResnet,
  vgg: buildVgg,
  mobilenet_v1: buildMobilenetV1,
  mobilenet_v2: buildMobilenetV2,
};

/** Architectures the engine can build (model_config.arch values). */
export function supportedArchs(): string[] {
  return Object.keys(BUILDERS);
}

export interface BuiltModel {
  model: tfTypes.LayersModel;
  /** Layer name -> freeze block index. */
  blockOf: Map<string, number>;
}

export function buildClassifier(tf: Tf, cfg: ModelConfig, numClasses: number, seed: number): BuiltModel {
  const builder = BUILDERS[cfg.arch];
  if (!builder) throw new Error(`arch "${cfg.arch}" is not supported by the local engine (supported: ${supportedArchs().join(', ')})`);
  const c = new BuildContext(tf, cfg, seed);
  const input = tf.input({ shape: [cfg.height, cfg.width, cfg.channels], name: 'input_1' });
  let x = builder(c, input);
  c.block = Number.MAX_SAFE_INTEGER;
  x = tf.layers.globalAveragePooling2d({ name: POOL_LAYER }).apply(x) as SymT;
  if (cfg.dropout > 0) x = tf.layers.dropout({ name: 'dropout', rate: cfg.dropout }).apply(x) as SymT;
  const out = tf.layers
    .dense({
      name: HEAD_LAYER,
      units: numClasses,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: c.nextSeed() }) as never,
    })
    .apply(x) as SymT;
  const model = tf.model({ inputs: input, outputs: out, name: `${cfg.arch}${cfg.arch === 'resnet' || cfg.arch === 'vgg' ? cfg.nLayers : ''}` });
  applyFreezing(model, cfg, c.blockOf);
  return { model, blockOf: c.blockOf };
}

/**
 * freeze_blocks / freeze_bn: frozen layers keep their weights (trainable = false). A frozen
 * BatchNormalization also normalises with its moving statistics while training (and so
 * stops updating them), as Keras does for a non-trainable BN; tfjs-layers would otherwise
 * keep using batch statistics, so we pin `training: false` on those layer instances.
 */
export function applyFreezing(model: tfTypes.LayersModel, cfg: ModelConfig, blockOf: Map<string, number>): void {
  const frozen = new Set(cfg.freezeBlocks);
  for (const layer of model.layers) {
    const block = blockOf.get(layer.name);
    const isBn = layer.getClassName() === 'BatchNormalization';
    if (block !== undefined && frozen.has(block)) layer.trainable = false;
    if (cfg.freezeBn && isBn) layer.trainable = false;
    if (isBn && !layer.trainable) {
      const call = layer.call.bind(layer);
      layer.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
    }
  }
}
