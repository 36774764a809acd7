// What the backbone structure tests share: a model config with TAO's proto defaults, building
// with zero kernels (counts, names and shapes need no random weights, and drawing tens of
// millions of He-normal samples per model would make these checks the slowest in the suite),
// the parameter-count tests against a reference table, and the trunk's output shape.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import type { ModelConfig } from '../../engine/src/networks/classification_tf1/config';
import { buildBackbone, BuildContext } from '../../engine/src/backbones';

/** Runs `fn` with every kernel initialised to zeros; the builders themselves are unchanged. */
export function withZeroKernels<T>(fn: () => T): T {
  const real = BuildContext.prototype.kernelInit;
  BuildContext.prototype.kernelInit = function zeros(this: BuildContext) {
    return this.tf.initializers.zeros() as never;
  };
  try {
    return fn();
  } finally {
    BuildContext.prototype.kernelInit = real;
  }
}

/** classification_tf1's model config for a square 3-channel input, TAO's defaults unless `o` says otherwise. */
export function backboneConfig(arch: string, nLayers: number, size: number, o: Partial<ModelConfig> = {}): ModelConfig {
  return {
    arch, nLayers, channels: 3, height: size, width: size, resizeInterpolation: 'BILINEAR', retainHead: false,
    useBatchNorm: true, useBias: false, usePooling: false, allProjections: false, freezeBn: false, freezeBlocks: [],
    dropout: 0, bnMomentum: 0.9, bnEpsilon: 1e-3, activation: 'relu', activationParams: {}, ...o,
  };
}

/**
 * One test per row: the 1000-class model's parameter count equals the reference. Returns the
 * layer name -> class map of every model built, filled as the tests run, for name checks.
 */
export function describeParameterCounts(title: string, reference: Array<[string, ModelConfig, number]>): Map<string, Map<string, string>> {
  const built = new Map<string, Map<string, string>>();
  describe(title, () => {
    for (const [label, cfg, want] of reference) {
      test(label, () => {
        const { model } = withZeroKernels(() => buildClassifier(tf, cfg, 1000, 1));
        try {
          built.set(label, new Map(model.layers.map((l) => [l.name, l.getClassName()])));
          assert.equal(model.countParams(), want);
        } finally {
          model.dispose();
        }
      });
    }
  });
  return built;
}

/** Output shape (without the batch axis) of the backbone alone. */
export function trunkShape(cfg: ModelConfig, stride16 = false): number[] {
  return withZeroKernels(() => {
    const c = new BuildContext(tf, cfg, 1);
    const input = tf.input({ shape: [cfg.height, cfg.width, cfg.channels] });
    const model = tf.model({ inputs: input, outputs: buildBackbone(c, input, { stride16 }) });
    const shape = (model.outputs[0].shape as number[]).slice(1);
    model.dispose();
    return shape;
  });
}

/** One SGD step on two random 32x32 images of a 3-class model: the loss is finite and the first conv's kernel changes. */
export async function assertOneStepLearns(cfg: ModelConfig): Promise<void> {
  const { model } = buildClassifier(tf, cfg, 3, 5);
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 3);
  const y = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
  const first = model.layers.find((l) => l.getClassName() === 'Conv2D')!;
  const before = first.getWeights()[0].dataSync().slice();
  const loss = (await model.trainOnBatch(x, y)) as number;
  assert.ok(Number.isFinite(loss), `loss ${loss}`);
  const after = first.getWeights()[0].dataSync();
  assert.ok(after.some((v, i) => v !== before[i]), 'the first conv learned');
  tf.dispose([x, y]);
  model.dispose();
}
