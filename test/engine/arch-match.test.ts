// A pretrained Keras file for another backbone is refused before training (issue 14): TAO
// loads layers by name and would silently train from a partial backbone. The names tell the
// backbone (resnet 10/18/34/50/101, vgg 16/19, mobilenet); the CLI refuses a resnet18 file
// under a resnet10 classification spec and a resnet10 file under a resnet18 DetectNet_v2 spec,
// naming both and the NGC folder that fits, before any epoch. A file for the same backbone
// with another head (new classes) still trains (test/engine/hdf5.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';
import { buildDetectnet } from '../../engine/src/networks/detectnet_v2/model';
import { writeKerasModel } from '../../engine/src/io/hdf5/keras-model';
import { archMismatch, backboneLabel, describeBackbone } from '../../engine/src/train/arch-match';
import { writeDetectionScenes } from '../../engine/src/data/scenes';
import { datasetConvertSpec, detectTrainSpec } from '../../engine/src/tools/detect-specs';
import { runEngine, tempDir, tinyDataset, writeSpec } from './helpers';

/** TAO's ResNet layer names for a blocks-per-stage layout (conv layers only; enough to tell). */
function resnetNames(layout: number[], bottleneck = false): string[] {
  const names = ['conv1', 'bn_conv1'];
  layout.forEach((count, s) => {
    for (let b = 0; b < count; b++) {
      for (let k = 1; k <= (bottleneck ? 3 : 2); k++) names.push(`block_${s + 1}${String.fromCharCode(97 + b)}_conv_${k}`, `block_${s + 1}${String.fromCharCode(97 + b)}_bn_${k}`);
    }
  });
  return [...names, 'predictions'];
}

test('the backbone is told from TAO layer names: resnet depth by blocks per stage, vgg, mobilenet', () => {
  const label = (names: string[]): string => backboneLabel(describeBackbone(names)!);
  assert.equal(label(resnetNames([1, 1, 1, 1])), 'resnet 10');
  assert.equal(label(resnetNames([2, 2, 2, 2])), 'resnet 18');
  assert.equal(label(resnetNames([3, 4, 6, 3])), 'resnet 34');
  assert.equal(label(resnetNames([3, 4, 6, 3], true)), 'resnet 50');
  assert.equal(label(resnetNames([3, 4, 23, 3], true)), 'resnet 101');
  assert.equal(label(resnetNames([2, 3, 2, 2])), 'a resnet with 2-3-2-2 basic blocks per stage');
  // TAO's VGG uses CNNBlock names like ResNet, one conv per repeat (`block_1a_conv_1`,
  // `block_1b_conv_1`, ...) and no shortcuts: that structure, not the prefix, says vgg.
  const vgg = (layout: number[]): string[] => layout.flatMap((n, s) => Array.from({ length: n }, (_, i) => [`block_${s + 1}${String.fromCharCode(97 + i)}_conv_1`, `block_${s + 1}${String.fromCharCode(97 + i)}_bn_1`]).flat());
  assert.equal(label(vgg([2, 2, 3, 3, 3])), 'vgg 16');
  assert.equal(label(vgg([2, 2, 4, 4, 4])), 'vgg 19');
  // A resnet is still a resnet when only its first convs and shortcuts are listed.
  assert.equal(describeBackbone(['conv1', 'block_1a_conv_1', 'block_1a_conv_shortcut'])?.family, 'resnet');
  // Keras applications' VGG names (the engine's before issue 19) are no TAO backbone.
  assert.equal(describeBackbone(['block1_conv1', 'block1_conv2']), undefined);
  assert.equal(describeBackbone(['conv1', 'conv_dw_1', 'conv_pw_1', 'conv_dw_2'])?.family, 'mobilenet_v1');
  assert.equal(describeBackbone(['conv1', 'bn_conv1', 'expanded_conv_project', 'block_1_project', 'block_1_expand'])?.family, 'mobilenet_v2');
  assert.equal(describeBackbone(['dense_1']), undefined);
});

test('MobileNet: a classification file fills DetectNet_v2\'s stride-16 trunk; a shorter file does not fill a longer trunk', () => {
  // TAO's stride-16 MobileNets are the stride-32 ones without their last blocks (v2: 13 of 17).
  const v2 = (blocks: number): string[] => ['conv1', 'expanded_conv_project', ...Array.from({ length: blocks - 1 }, (_, i) => `block_${i + 1}_project`)];
  const check = (fileLayers: string[], specLayers: string[]): string | undefined =>
    archMismatch({ network: 'detectnet_v2', specKey: 'pretrained_model_file', file: 'm.hdf5', fileLayers, specLayers, arch: 'mobilenet_v2', nLayers: 0 });
  assert.equal(check(v2(17), v2(13)), undefined);
  assert.equal(check(v2(17), v2(17)), undefined);
  assert.match(check(v2(13), v2(17))!, /holds mobilenet_v2 \(13 blocks\), but the spec builds mobilenet_v2 \(17 blocks\)/);
});

test('archMismatch: resnet34 file under a resnet18 spec names both, the extra blocks and the fix', () => {
  const why = archMismatch({ network: 'classification_tf1', specKey: 'pretrained_model_path', file: '/p/resnet_34.hdf5', fileLayers: resnetNames([3, 4, 6, 3]), specLayers: resnetNames([2, 2, 2, 2]), arch: 'resnet', nLayers: 18 })!;
  assert.match(why, /resnet_34\.hdf5 holds resnet 34, but the spec builds resnet 18/);
  assert.match(why, /the file has block_1c_conv_1, .*which the spec's model lacks/);
  assert.match(why, /pretrained_classification_vresnet18\/resnet_18\.hdf5 \(ngc registry model download-version nvidia\/tao\/pretrained_classification:resnet18\)/);
  assert.match(why, /arch: "resnet", n_layers: 34/);
  // Same backbone (heads may differ: new classes): no objection. Unknown families: no guess.
  assert.equal(archMismatch({ network: 'classification_tf1', specKey: 'k', file: 'f.hdf5', fileLayers: resnetNames([2, 2, 2, 2]).concat('other_head'), specLayers: resnetNames([2, 2, 2, 2]), arch: 'resnet', nLayers: 18 }), undefined);
  assert.equal(archMismatch({ network: 'classification_tf1', specKey: 'k', file: 'f.hdf5', fileLayers: ['conv1', 'b1_conv', 'b2_conv'], specLayers: resnetNames([2, 2, 2, 2]), arch: 'resnet', nLayers: 18 }), undefined);
});

async function cpu(): Promise<void> {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
}

test('classification_tf1 train: a resnet18 .hdf5 under a resnet10 spec is refused before the first epoch', async () => {
  await cpu();
  const work = tempDir('arch-cls');
  const data = tinyDataset(join(work, 'data'), 3);
  const file = join(work, 'resnet_18.hdf5');
  const cfg = buildConfig({ model_config: { arch: 'resnet', n_layers: 18, use_batch_norm: true, input_image_size: '1,16,16' } }).config.model;
  const model = buildClassifier(tf, cfg, 3, 9).model;
  await writeKerasModel(model, file);
  model.dispose();
  const spec = writeSpec(join(work, 'spec.txt'), { train: data.train, val: data.val, nLayers: 10, epochs: 1, extraTrain: `  pretrained_model_path: "${file}"\n` });
  const results = join(work, 'results');
  const r = runEngine(['classification_tf1', 'train', '-e', spec, '-r', results]);
  const out = r.stdout + r.stderr;
  assert.notEqual(r.code, 0, out);
  assert.match(out, /pretrained_model_path .*resnet_18\.hdf5 holds resnet 18, but the spec builds resnet 10/);
  assert.match(out, /the file has block_1b_conv_1, .*which the spec's model lacks/);
  assert.match(out, /pretrained_classification_vresnet10\/resnet_10\.hdf5/);
  assert.match(out, /n_layers: 18/);
  // JavaScript frames only: Dawn prints its own native warnings (`at InitializeImpl (...cpp:257)`)
  // when `auto` probes WebGPU on a machine with a Vulkan software driver.
  assert.doesNotMatch(out, /Traceback|\n\s+at .*\.[cm]?js:\d+/, 'an EngineError, not a stack trace');
  assert.ok(!existsSync(join(results, 'training.csv')), 'no epoch ran');
});

test('detectnet_v2 train: a resnet10 .hdf5 under a resnet18 spec is refused before the first epoch', async () => {
  await cpu();
  const work = tempDir('arch-dnv2');
  const root = join(work, 'kitti');
  writeDetectionScenes(root, { count: 8, width: 64, height: 64, seed: 9, classes: [1], minObjects: 1, maxObjects: 1, minSize: 24, maxSize: 32 });
  mkdirSync(join(work, 'tf'), { recursive: true });
  writeFileSync(join(work, 'convert.txt'), datasetConvertSpec({ root, valSplit: 25, shards: 1 }));
  let r = runEngine(['detectnet_v2', 'dataset_convert', '-d', join(work, 'convert.txt'), '-o', join(work, 'tf', 'x')]);
  assert.equal(r.code, 0, r.stderr);

  const base = buildConfig({ model_config: { arch: 'resnet', n_layers: 10, use_batch_norm: true, input_image_size: '3,64,64' } }).config.model;
  const dcfg = { ...base, bboxScale: 35, bboxOffset: 0.5, loadGraph: false, pretrainedModelFile: '' } as unknown as Parameters<typeof buildDetectnet>[1];
  const model = buildDetectnet(tf, dcfg, 1, 5);
  const file = join(work, 'resnet10.hdf5');
  await writeKerasModel(model, file);
  model.dispose();
  const spec = join(work, 'train.txt');
  writeFileSync(spec, detectTrainSpec({ classes: ['trouser'], width: 64, height: 64, layers: 18, epochs: 1, batch: 4, tfrecords: join(work, 'tf', '*'), images: root, pretrained: file }));
  const results = join(work, 'results');
  r = runEngine(['detectnet_v2', 'train', '-e', spec, '-r', results, '--quiet']);
  const out = r.stdout + r.stderr;
  assert.notEqual(r.code, 0, out);
  assert.match(out, /model_config\.pretrained_model_file .*resnet10\.hdf5 holds resnet 10, but the spec builds resnet 18/);
  assert.match(out, /the spec's model has block_1b_conv_1, .*which the file lacks/);
  assert.match(out, /pretrained_detectnet_v2_vresnet18\/resnet18\.hdf5 \(ngc registry model download-version nvidia\/tao\/pretrained_detectnet_v2:resnet18\)/);
  assert.match(out, /num_layers: 10/);
  assert.ok(!existsSync(join(results, 'weights', 'model.hdf5')), 'no training ran');
});
