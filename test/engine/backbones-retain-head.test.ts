// retain_head: true builds each TAO template's own head (engine/src/backbones/heads.ts) the way
// makenet's model_builder asks the templates for it: layer names, shapes and parameter counts,
// freeze_blocks on AlexNet's fc layers, GoogLeNet's pool4, the spec check for MobileNet's 7x7
// pool, and classification_tf1 train / evaluate / inference through the CLI.
//
// Reference counts: the head's parameters are counted here by hand from the template code
// (nvidia_tao_tf1/core/templates/*.py: which Dense/conv layers, their widths, what is flattened
// at which stride) and added to the trunk, which is the engine's retain_head: false count less
// its Dense head; those trunk counts are checked against TAO's figures in
// backbones-tao.test.ts and backbones-darknet-resnet.test.ts. At 3x224x224 with 1000 classes
// the ImageNet-sized figures are also checked against independent ones (torchvision, Keras).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';
import { runEngine, tempDir, tinyDataset, writeSpec } from './helpers';

function build(arch: string, model: Record<string, unknown>, classes: number): tf.LayersModel {
  const { config, problems } = buildConfig({ model_config: { arch, use_batch_norm: true, ...model } } as never);
  assert.deepEqual(problems.filter((p) => p.path.startsWith('model_config')), [], arch);
  return buildClassifier(tf, config.model, classes, 1).model;
}

const dense = (inputs: number, units: number): number => inputs * units + units;

/**
 * Trunk parameters: the retain_head: false classifier less its `predictions` Dense (the
 * trunk's output channels times classes, plus biases).
 */
function trunkParams(arch: string, model: Record<string, unknown>, classes: number): number {
  const m = build(arch, { ...model, retain_head: false }, classes);
  const head = m.getLayer('predictions').countParams();
  const total = m.countParams();
  m.dispose();
  return total - head;
}

/** (label, arch, model_config, classes, the head's parameters counted from the template). */
const K = 3;
const CASES: Array<[string, string, Record<string, unknown>, number]> = [
  // add_dense_head: Flatten + Dense(head_fc3). 32 / 16 = 2: the whole 2x2x512 map is flattened.
  ['resnet18', 'resnet', { n_layers: 18, input_image_size: '3,32,32' }, dense(2 * 2 * 512, K)],
  // use_pooling: 32 / 32 = 1, then the template's 7x7/7 "same" average pool: 1x1x512.
  ['resnet18 use_pooling', 'resnet', { n_layers: 18, use_pooling: true, input_image_size: '3,32,32' }, dense(512, K)],
  ['resnet50 all_projections', 'resnet', { n_layers: 50, all_projections: true, input_image_size: '3,32,32' }, dense(2 * 2 * 2048, K)],
  // use_pooling: block5_pool (1/32) -> flatten 1x1x512 -> fc1 4096 -> fc2 4096 -> output_fc.
  ['vgg16 use_pooling', 'vgg', { n_layers: 16, use_pooling: true, input_image_size: '3,32,32' }, dense(512, 4096) + dense(4096, 4096) + dense(4096, K)],
  // Without use_pooling TAO's VGG downsamples by strided convs and has no block5_pool: the
  // 1/16 map (2x2x512) is flattened as it is.
  ['vgg16', 'vgg', { n_layers: 16, input_image_size: '3,32,32' }, dense(2 * 2 * 512, 4096) + dense(4096, 4096) + dense(4096, K)],
  ['vgg19 dropout', 'vgg', { n_layers: 19, dropout: 0.5, input_image_size: '3,32,32' }, dense(2 * 2 * 512, 4096) + dense(4096, 4096) + dense(4096, K)],
  // conv5 at 1/16, no pool5: flatten 2x2x256 -> fc6, fc7 (4096) -> head_fc8.
  ['alexnet', 'alexnet', { input_image_size: '3,32,32' }, dense(2 * 2 * 256, 4096) + dense(4096, 4096) + dense(4096, K)],
  // conv10: a 1x1 conv 512 -> classes with a bias (the same count as a Dense).
  ['squeezenet', 'squeezenet', { input_image_size: '3,32,32' }, dense(512, K)],
  // pool4 makes it 1/32 (64 -> 2); the 7x7 stride-1 "same" avg_pool keeps 2x2x1024.
  ['googlenet', 'googlenet', { input_image_size: '3,64,64' }, dense(2 * 2 * 1024, K)],
  ['efficientnet_b0', 'efficientnet_b0', { input_image_size: '3,32,32' }, dense(1280, K)],
  ['efficientnet_b2', 'efficientnet_b2', { input_image_size: '3,32,32' }, dense(1408, K)],
  ['darknet19', 'darknet', { n_layers: 19, input_image_size: '3,32,32' }, dense(1024, K)],
  ['cspdarknet53', 'cspdarknet', { n_layers: 53, input_image_size: '3,32,32' }, dense(1024, K)],
  ['cspdarknet_tiny', 'cspdarknet_tiny', { input_image_size: '3,32,32' }, dense(512, K)],
  // 224 / 32 = 7: the 7x7 "valid" pool leaves 1x1.
  ['mobilenet_v1', 'mobilenet_v1', { input_image_size: '3,224,224' }, dense(1024, K)],
  ['mobilenet_v2', 'mobilenet_v2', { input_image_size: '3,224,224' }, dense(1280, K)],
];

for (const [label, arch, model, head] of CASES) {
  test(`retain_head parameter count: ${label}`, () => {
    const want = trunkParams(arch, model, K) + head;
    const m = build(arch, { ...model, retain_head: true }, K);
    assert.equal(m.countParams(), want);
    assert.deepEqual(m.outputs[0].shape, [null, K]);
    m.dispose();
  });
}

test('retain_head at 3x224x224 with 1000 classes equals independent ImageNet figures', () => {
  const cases: Array<[string, Record<string, unknown>, number]> = [
    // torchvision efficientnet_b0 5,288,548 parameters + 42,016 BN running statistics.
    ['efficientnet_b0', {}, 5_330_564],
    // torchvision squeezenet1_0 (its own conv10 1x1 head, 1000 classes).
    ['squeezenet', {}, 1_248_424],
    // TAO's figure (tools/backbone-params.py): the 7x7 map pools to 1x1, so the head_fc1000
    // Dense equals classification_tf1's predictions.
    ['resnet', { n_layers: 18, use_pooling: true }, 11_703_464],
    // GoogLeNet trunk 5,995,392 (tao_reference.py: 7,020,392 less its 1,025,000 Dense) +
    // output_fc on the flattened 7x7x1024 map: 50,176,000 + 1,000.
    ['googlenet', {}, 56_172_392],
  ];
  for (const [arch, extra, want] of cases) {
    const m = build(arch, { input_image_size: '3,224,224', retain_head: true, ...extra }, 1000);
    assert.equal(m.countParams(), want, arch);
    m.dispose();
  }
});

test("retain_head layer names, activations and freeze rules are the templates'", () => {
  const names = (m: tf.LayersModel): string[] => m.layers.map((l) => l.name);
  const tail = (m: tf.LayersModel, n: number): string[] => names(m).slice(-n);
  const act = (m: tf.LayersModel, name: string): string => (m.getLayer(name).getConfig() as { activation: string }).activation;

  const r = build('resnet', { n_layers: 10, input_image_size: '3,32,32' , retain_head: true }, 5);
  assert.deepEqual(tail(r, 2), ['flatten', 'head_fc5']);
  assert.equal(act(r, 'head_fc5'), 'softmax');
  r.dispose();

  const v = build('vgg', { n_layers: 16, dropout: 0.3, use_pooling: true, input_image_size: '3,32,32', retain_head: true }, K);
  assert.deepEqual(tail(v, 8), ['block_5c_relu', 'block5_pool', 'flatten', 'fc1', 'dropout_1', 'fc2', 'dropout_2', 'output_fc']);
  assert.equal(act(v, 'fc1'), 'relu');
  assert.equal((v.getLayer('dropout_2').getConfig() as { rate: number }).rate, 0.3);
  v.dispose();
  // No dropout layers when the spec's dropout is 0, as TAO's `if dropout > 0`.
  // (and no block5_pool without use_pooling: the trunk's last activation feeds the flatten).
  const v0 = build('vgg', { n_layers: 16, input_image_size: '3,32,32', retain_head: true }, K);
  assert.deepEqual(tail(v0, 5), ['block_5c_relu', 'flatten', 'fc1', 'fc2', 'output_fc']);
  v0.dispose();

  const a = build('alexnet', { input_image_size: '3,32,32', retain_head: true, freeze_blocks: [1, 7] }, K);
  assert.deepEqual(tail(a, 4), ['flatten', 'fc6', 'fc7', 'head_fc8']);
  assert.equal(a.getLayer('conv1').trainable, false);
  assert.equal(a.getLayer('fc6').trainable, true);
  assert.equal(a.getLayer('fc7').trainable, false, 'TAO freezes fc7 with freeze block 7');
  assert.equal(a.getLayer('head_fc8').trainable, true);
  a.dispose();

  const s = build('squeezenet', { input_image_size: '3,32,32', retain_head: true, dropout: 0.5 }, K);
  assert.deepEqual(tail(s, 5), ['fire9_dropout', 'conv10', 'conv10_relu', 'pool10', 'output']);
  // makenet hands SqueezeNet a fixed 1e-3 whatever the spec says.
  assert.equal((s.getLayer('fire9_dropout').getConfig() as { rate: number }).rate, 1e-3);
  assert.equal(act(s, 'output'), 'softmax');
  s.dispose();

  const g = build('googlenet', { input_image_size: '3,64,64', retain_head: true }, K);
  assert.deepEqual(tail(g, 4), ['avg_pool', 'flatten', 'dropout', 'output_fc']);
  assert.ok(names(g).indexOf('pool4') === names(g).indexOf('inception_4e_output') + 1, 'pool4 follows inception 4e');
  assert.equal((g.getLayer('dropout').getConfig() as { rate: number }).rate, 0.4);
  assert.deepEqual(g.getLayer('avg_pool').outputShape, [null, 2, 2, 1024]);
  g.dispose();

  const e = build('efficientnet_b4', { input_image_size: '3,32,32', retain_head: true }, K);
  assert.deepEqual(tail(e, 4), ['avg_pool', 'flatten', 'top_dropout', 'predictions']);
  assert.equal((e.getLayer('top_dropout').getConfig() as { rate: number }).rate, 0.4);
  e.dispose();

  const m1 = build('mobilenet_v1', { input_image_size: '3,224,224', retain_head: true }, K);
  assert.deepEqual(tail(m1, 4), ['avg_pool', 'flatten_1', 'dropout', 'predictions']);
  m1.dispose();
  const m2 = build('mobilenet_v2', { input_image_size: '3,224,224', retain_head: true }, K);
  assert.deepEqual(tail(m2, 3), ['avg_pool', 'flatten_1', 'predictions']);
  m2.dispose();

  for (const arch of ['darknet', 'cspdarknet', 'cspdarknet_tiny']) {
    const d = build(arch, { n_layers: 19, input_image_size: '3,32,32', retain_head: true }, K);
    assert.deepEqual(tail(d, 2), ['avgpool', 'predictions'], arch);
    d.dispose();
  }
});

test('MobileNet with retain_head needs an input its 7x7 pool fits (a spec problem, not a build error)', () => {
  const { problems } = buildConfig({ model_config: { arch: 'mobilenet_v2', input_image_size: '3,64,64', retain_head: true } } as never);
  const p = problems.find((x) => x.path === 'model_config.retain_head');
  assert.ok(p, JSON.stringify(problems));
  assert.match(p.message, /at least 193/);
  const ok = buildConfig({ model_config: { arch: 'mobilenet_v2', input_image_size: '3,64,64' } } as never);
  assert.ok(!ok.problems.some((x) => x.path === 'model_config.retain_head'));
});

function paramCount(modelDir: string): number {
  const manifest = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ weights: Array<{ shape: number[] }> }> };
  let total = 0;
  for (const group of manifest.weightsManifest) for (const w of group.weights) total += w.shape.reduce((a, b) => a * b, 1);
  return total;
}

// The CLI dataset: 3 classes of 1x16x16 images. resnet10 flattens its 1x1x512 map into
// head_fc3; squeezenet's conv10 head ends in a softmax Activation, not a Dense.
const CLI: Array<[string, string, number]> = [
  ['resnet', 'retain_head: true\n', 4_911_171],
  ['squeezenet', 'retain_head: true\n', 727_555],
];

for (const [arch, extraModel, params] of CLI) {
  test(`classification_tf1 train / evaluate / inference with ${arch} and retain_head`, () => {
    const work = tempDir(`tao-rh-${arch}`);
    const data = tinyDataset(join(work, 'data'));
    const spec = writeSpec(join(work, 'spec.txt'), { arch, train: data.train, val: data.val, test: data.test, epochs: 1, extraModel });
    const results = join(work, 'results');
    const t = runEngine(['classification_tf1', 'train', '-e', spec, '-r', results, '--backend', 'wasm']);
    assert.equal(t.code, 0, t.stderr);
    assert.equal(paramCount(join(results, 'weights', 'final')), params);
    const e = runEngine(['classification_tf1', 'evaluate', '-e', spec, '-r', results, '-m', join(results, 'weights', 'final'), '--backend', 'wasm']);
    assert.equal(e.code, 0, e.stderr);
    const report = JSON.parse(readFileSync(join(results, 'evaluation.json'), 'utf8'));
    assert.equal(report.images, 12);
    const i = runEngine(['classification_tf1', 'inference', '-e', spec, '-r', results, '-m', join(results, 'weights', 'final'), '-i', data.test, '--backend', 'wasm']);
    assert.equal(i.code, 0, i.stderr);
    assert.equal(readFileSync(join(results, 'result.csv'), 'utf8').trim().split('\n').length, 12);
  });
}
