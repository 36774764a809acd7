// The engine's own architectures (full width, tiny 3x32x32 input): prune them, check the
// pruned shapes run, and check ONNX export against tfjs on Fashion-MNIST images, pruned and
// unpruned. This is the heaviest prune/export test (~1 minute on two cores).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import type { ModelConfig } from '../../engine/src/networks/classification_tf1/config';
import { pruneModel } from '../../engine/src/prune/index';
import { randomizeStats } from '../prune/models';
import { fashionImages } from './images';
import { onnxMaxDiff } from './onnx-compare';

before(async () => {
  // wasm runs these full-width networks ~20x faster than the pure-JS cpu backend; inference only.
  assert.ok(await tf.setBackend('wasm'), 'wasm backend initialises');
});

/**
 * Untrained He-initialised filters all have about the same norm, so nothing would fall under
 * a threshold. Scaling each filter by a fixed factor in [0.1, 1] gives a trained-like spread.
 */
function spreadFilterNorms(model: tf.LayersModel): void {
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'Dense') continue;
    const ws = layer.getWeights();
    const n = ws[0].shape[ws[0].rank - 1];
    const factors = tf.tensor1d(Array.from({ length: n }, (_, j) => 0.1 + (0.9 * ((j * 37) % n)) / n));
    layer.setWeights([ws[0].mul(factors), ...ws.slice(1)]);
  }
}

function config(arch: string, nLayers: number, allProjections: boolean, o: Partial<ModelConfig> = {}): ModelConfig {
  return {
    arch, nLayers, channels: 3, height: 32, width: 32, resizeInterpolation: 'BILINEAR', retainHead: false,
    useBatchNorm: true, useBias: false, usePooling: true, allProjections, freezeBn: false, freezeBlocks: [],
    dropout: 0.1, bnMomentum: 0.9, bnEpsilon: 1e-3, activation: 'relu', activationParams: {}, ...o,
  };
}

const ARCHS: [string, ModelConfig][] = [
  ['resnet10', config('resnet', 10, false)],
  ['resnet10 all_projections', config('resnet', 10, true)],
  ['resnet18', config('resnet', 18, false)],
  ['resnet18 all_projections', config('resnet', 18, true)],
  ['mobilenet_v1', config('mobilenet_v1', 0, false)],
  ['mobilenet_v2', config('mobilenet_v2', 0, false)],
  ['vgg16', config('vgg', 16, false)],
  // TAO's templates (issue 19): v2's projected_inputs shortcuts and ReLU(6) layers (ONNX Clip),
  // VGG without use_pooling (strided first convs, no pools).
  ['mobilenet_v2 all_projections relu6', config('mobilenet_v2', 0, true, { activation: 'relu6' })],
  ['vgg16 no pooling', config('vgg', 16, false, { usePooling: false })],
];

describe('engine architectures: prune + ONNX export', () => {
  const x = () => fashionImages(2, 32, 3, 10);
  for (const [label, cfg] of ARCHS) {
    test(label, async () => {
      const { model } = buildClassifier(tf, cfg, 10, 42);
      randomizeStats(model, 3);
      spreadFilterNorms(model);
      const images = x();
      const d0 = await onnxMaxDiff(model, images);
      assert.ok(d0 < 1e-4, `unpruned: max |onnx - tfjs| = ${d0}`);

      const { model: pruned, report } = await pruneModel(model, { threshold: 0.5 });
      assert.ok(report.params_after < report.params_before, `${label}: ${report.params_after} < ${report.params_before}`);
      assert.deepEqual((pruned.predict(images) as tf.Tensor).shape, [2, 10]);
      for (const l of report.layers) assert.ok(l.kept === l.total || (l.kept % 8 === 0 && l.kept >= 16), `${l.name} ${l.kept}/${l.total}`);
      const d1 = await onnxMaxDiff(pruned, images);
      assert.ok(d1 < 1e-4, `pruned: max |onnx - tfjs| = ${d1}`);
      if (cfg.arch === 'resnet' && !cfg.allProjections) {
        // As in TAO's CNNBlock, a stage's first block always projects its shortcut, and the
        // identity shortcuts after it tie the stage's blocks to it: one equalization group.
        const stage1 = cfg.nLayers === 10 ? ['block_1a_conv_2', 'block_1a_conv_shortcut'] : ['block_1a_conv_2', 'block_1a_conv_shortcut', 'block_1b_conv_2'];
        assert.ok(report.equalization_groups.some((g) => stage1.every((n) => g.layers.includes(n))), JSON.stringify(report.equalization_groups));
        assert.ok(!report.equalization_groups.some((g) => g.layers.includes('conv1')), 'the stem is not tied to stage 1');
      }
      tf.dispose([images]);
      model.dispose();
      pruned.dispose();
    });
  }
});
