// DetectNet_v2's network: a shared backbone at output stride 16 and TAO's two 1x1 heads,
// `output_cov` (one sigmoid coverage map per class) and `output_bbox` (4 box-edge distances
// per class, linear). The names are the ones TAO's exporter and DeepStream's parser use.
import type * as tfTypes from '@tensorflow/tfjs';
import { BuildContext, applyFreezing, buildBackbone, type SymT } from '../../backbones';
import type { DetectnetModelConfig } from './config';

type Tf = typeof tfTypes;

export const COV_LAYER = 'output_cov';
export const BBOX_LAYER = 'output_bbox';
export const STRIDE = 16;

export interface GridShape {
  rows: number;
  cols: number;
}

export function gridShape(cfg: { width: number; height: number }): GridShape {
  return { rows: Math.ceil(cfg.height / STRIDE), cols: Math.ceil(cfg.width / STRIDE) };
}

export function buildDetectnet(tf: Tf, cfg: DetectnetModelConfig, numClasses: number, seed: number): tfTypes.LayersModel {
  const c = new BuildContext(tf, cfg, seed);
  const input = tf.input({ shape: [cfg.height, cfg.width, cfg.channels], name: 'input_1' });
  let x = buildBackbone(c, input, { stride16: true });
  c.block = Number.MAX_SAFE_INTEGER;
  if (cfg.dropout > 0) x = tf.layers.dropout({ name: 'dropout', rate: cfg.dropout }).apply(x) as SymT;
  const cov = tf.layers
    .conv2d({ name: COV_LAYER, filters: numClasses, kernelSize: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: c.nextSeed() }) as never })
    .apply(x) as SymT;
  const bbox = tf.layers
    .conv2d({ name: BBOX_LAYER, filters: 4 * numClasses, kernelSize: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: c.nextSeed() }) as never })
    .apply(x) as SymT;
  const model = tf.model({ inputs: input, outputs: [cov, bbox], name: `detectnet_v2_${cfg.arch}${cfg.arch === 'resnet' || cfg.arch === 'vgg' ? cfg.nLayers : ''}` });
  applyFreezing(model, cfg, c.blockOf);
  const [, rows, cols] = model.outputs[0].shape as number[];
  const expected = gridShape(cfg);
  if (rows !== expected.rows || cols !== expected.cols) {
    model.dispose();
    throw new Error(`internal: ${cfg.arch} produced a ${rows}x${cols} grid for ${cfg.height}x${cfg.width}, expected ${expected.rows}x${expected.cols}`);
  }
  return model;
}
