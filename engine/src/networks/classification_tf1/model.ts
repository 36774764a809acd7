// Builds the classifier a spec's model_config describes: a shared backbone + TAO's head
// (global average pool -> dropout -> dense softmax named `predictions`). The head layer
// names are fixed so transfer learning and pruning can find the head by name.
import type * as tfTypes from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { BuildContext, applyFreezing, buildBackbone, type SymT } from '../../backbones';
import { backboneDepths } from '../../backbones/depths';

type Tf = typeof tfTypes;

export const HEAD_LAYER = 'predictions';
export const POOL_LAYER = 'avg_pool';

export { supportedArchs } from '../../backbones';

export interface BuiltModel {
  model: tfTypes.LayersModel;
  /** Layer name -> freeze block index. */
  blockOf: Map<string, number>;
}

export function buildClassifier(tf: Tf, cfg: ModelConfig, numClasses: number, seed: number): BuiltModel {
  const c = new BuildContext(tf, cfg, seed);
  const input = tf.input({ shape: [cfg.height, cfg.width, cfg.channels], name: 'input_1' });
  let x = buildBackbone(c, input);
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
  const model = tf.model({ inputs: input, outputs: out, name: `${cfg.arch}${backboneDepths(cfg.arch) ? cfg.nLayers : ''}` });
  applyFreezing(model, cfg, c.blockOf);
  return { model, blockOf: c.blockOf };
}
