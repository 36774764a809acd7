// Learning-rate schedules from lr_config, the evaluation report's arithmetic, and spec defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRateAt } from '../../engine/src/train/schedule';
import { computeReport } from '../../engine/src/networks/classification_tf1/metrics';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';

test('step, soft_anneal and cosine schedules, and Keras decay', () => {
  const step = { type: 'step' as const, learningRate: 0.1, stepSize: 2, gamma: 0.5 };
  assert.equal(learningRateAt(step, 0, 0, 10, 100), 0.1);
  assert.equal(learningRateAt(step, 0, 19, 10, 100), 0.1); // epoch 1.9
  assert.equal(learningRateAt(step, 0, 20, 10, 100), 0.05); // epoch 2
  assert.equal(learningRateAt(step, 0, 45, 10, 100), 0.025);

  const anneal = { type: 'soft_anneal' as const, learningRate: 1, softStart: 0.1, annealingDivider: 10, annealingPoints: [0.5, 0.8] };
  assert.ok(Math.abs(learningRateAt(anneal, 0, 0, 10, 100) - 0.01) < 1e-12, 'soft start begins at 1%');
  assert.equal(learningRateAt(anneal, 0, 20, 10, 100), 1);
  assert.ok(Math.abs(learningRateAt(anneal, 0, 60, 10, 100) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRateAt(anneal, 0, 90, 10, 100) - 0.01) < 1e-12);

  const cosine = { type: 'cosine' as const, learningRate: 1, minLrRatio: 0.1, softStart: 0 };
  assert.equal(learningRateAt(cosine, 0, 0, 10, 100), 1);
  assert.ok(Math.abs(learningRateAt(cosine, 0, 50, 10, 100) - 0.55) < 1e-12);
  assert.ok(learningRateAt(cosine, 0, 99, 10, 100) < 0.11);

  const constant = { type: 'constant' as const, learningRate: 0.2 };
  assert.ok(Math.abs(learningRateAt(constant, 0.01, 100, 10, 1000) - 0.1) < 1e-12, 'lr / (1 + decay * step)');
});

test('evaluation report: top-k, confusion matrix, precision/recall/F1', () => {
  // 4 images, 3 classes. Rows are softmax outputs.
  const probs = Float32Array.from([
    0.7, 0.2, 0.1, // true 0, pred 0
    0.3, 0.6, 0.1, // true 0, pred 1 (0 is 2nd)
    0.1, 0.8, 0.1, // true 1, pred 1
    0.5, 0.3, 0.2, // true 2, pred 0 (2 is 3rd)
  ]);
  const r = computeReport(probs, Int32Array.from([0, 0, 1, 2]), ['a', 'b', 'c'], 2);
  assert.equal(r.top1_accuracy, 0.5);
  assert.equal(r.topk_accuracy, 0.75);
  assert.deepEqual(r.confusion_matrix, [[1, 1, 0], [0, 1, 0], [1, 0, 0]]);
  const a = r.per_class[0];
  assert.equal(a.precision, 0.5);
  assert.equal(a.recall, 0.5);
  assert.equal(a.support, 2);
  assert.equal(r.per_class[1].precision, 0.5);
  assert.equal(r.per_class[1].recall, 1);
  assert.ok(Math.abs(r.per_class[1].f1 - 2 / 3) < 1e-12);
  assert.equal(r.per_class[2].f1, 0);
  const expectedLoss = -(Math.log(0.7) + Math.log(0.3) + Math.log(0.8) + Math.log(0.2)) / 4;
  assert.ok(Math.abs(r.loss - expectedLoss) < 1e-6);
});

test('spec defaults follow TAO and repeated fields become lists', () => {
  const { config, problems } = buildConfig({
    model_config: { arch: 'resnet', input_image_size: '3,32,32', freeze_blocks: [0, 1] },
    train_config: { optimizer: { sgd: { lr: 0.01, momentum: 0.9, nesterov: 'true' } }, reg_config: { type: 'L2', weight_decay: 5e-5 } },
  });
  assert.deepEqual(problems, []);
  assert.equal(config.model.nLayers, 18);
  assert.deepEqual([config.model.channels, config.model.height, config.model.width], [3, 32, 32]);
  assert.deepEqual(config.model.freezeBlocks, [0, 1]);
  assert.deepEqual(config.train.optimizer, { type: 'sgd', lr: 0.01, decay: 0, momentum: 0.9, nesterov: true });
  assert.deepEqual(config.train.lr, { type: 'constant', learningRate: 0.01 });
  assert.deepEqual(config.train.reg, { type: 'L2', scope: ['Conv2D', 'Dense'], weightDecay: 5e-5 });
  assert.equal(config.train.preprocessMode, 'caffe');
  assert.equal(config.eval.topK, 5);
  const bad = buildConfig({ model_config: { arch: 'byom' } });
  assert.equal(bad.problems.length, 1);
  assert.match(bad.problems[0].message, /valid for TAO but not supported by the local engine/);
});
