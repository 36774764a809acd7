// Builds the classifier a spec's model_config describes: a shared backbone + TAO's head
// (global average pool -> dropout -> dense softmax named `predictions`), or with
// retain_head: true the template's own head (backbones/heads.ts), as makenet's model_builder
// does. The head layer names are fixed so transfer learning and pruning find them by name.
import type * as tfTypes from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { BuildContext, applyFreezing, buildBackbone, type SymT } from '../../backbones';
import { backboneDepths } from '../../backbones/depths';
import { buildRetainedHead } from '../../backbones/heads';

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
  const x = buildBackbone(c, input);
  const out = cfg.retainHead ? buildRetainedHead(c, x, numClasses) : denseHead(tf, c, x, cfg.dropout, numClasses);
  const model = tf.model({ inputs: input, outputs: out, name: `${cfg.arch}${backboneDepths(cfg.arch) ? cfg.nLayers : ''}` });
  applyFreezing(model, cfg, c.blockOf);
  return { model, blockOf: c.blockOf };
}

/** classification_tf1's own head (retain_head: false). */
function denseHead(tf: Tf, c: BuildContext, features: SymT, dropout: number, numClasses: number): SymT {
  c.block = Number.MAX_SAFE_INTEGER;
  let x = tf.layers.globalAveragePooling2d({ name: POOL_LAYER }).apply(features) as SymT;
  if (dropout > 0) x = tf.layers.dropout({ name: 'dropout', rate: dropout }).apply(x) as SymT;
  return tf.layers
    .dense({
      name: HEAD_LAYER,
      units: numClasses,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: c.nextSeed() }) as never,
    })
    .apply(x) as SymT;
}
