// Checks the hover descriptions in tools/schema-gen/descriptions: every file parses, every entry
// is well-formed, and every key path that NVIDIA's real spec files use is described for the
// networks we declare complete. Coverage of the other networks is reported, not asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { realSpecPaths, effectiveDescriptions, prototextPaths, yamlPaths, networkName } from '../../tools/schema-gen/list-params';

/** Networks whose every real-spec key path has a description (own file or _common.json). */
const COMPLETE = [
  'faster_rcnn', 'classification_pyt', 'dino', 'ml_recog', 'ocdnet', 'action_recognition',
  'detectnet_v2', 'classification_tf2', 'ocrnet', 'bpnet', 'yolo_v4', 'classification_tf1',
  'segformer', 'centerpose', 'data_services', 'efficientdet_tf2', 'grounding_dino',
  'mask_grounding_dino', 'retinanet', 'visual_changenet', 'deformable_detr', 'fpenet', 'yolo_v3',
  'rtdetr', 'efficientdet_tf1', 'ssd', 'stylegan_xl', 'nvdinov2', 'pointpillars', 'unet',
  'yolo_v4_tiny', 'dssd', 'cosmos_embed1', 'depth_net', 'mask2former', 're_identification',
  'bevfusion', 'mal', 'lprnet', 'mae', 'mask_rcnn', 'pose_classification', 'odise',
  'optical_inspection', 'sparse4d', 'clip', 'emotionnet', 'gazenet', 'heartratenet', 'oneformer',
  'multitask_classification', 'deploy_misc',
];

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const sharedDir = path.resolve(repoRoot, '..', 'shared');
const descDir = path.join(repoRoot, 'tools', 'schema-gen', 'descriptions');
const jsonFiles = readdirSync(descDir).filter((f) => f.endsWith('.json')).sort();

test('every descriptions file parses to an object of well-formed entries', () => {
  assert.ok(jsonFiles.includes('_common.json'), '_common.json is missing');
  for (const file of jsonFiles) {
    const data: unknown = JSON.parse(readFileSync(path.join(descDir, file), 'utf8'));
    assert.ok(data !== null && typeof data === 'object' && !Array.isArray(data), `${file}: not an object`);
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
      const where = `${file}: ${key}`;
      // Paths are dotted names only; list positions are never part of a path.
      assert.ok(key.length > 0 && !key.split('.').some((s) => s === ''), `${where}: empty path segment`);
      assert.ok(!/[[\]]/.test(key), `${where}: array index in path`);
      assert.ok(value !== null && typeof value === 'object', `${where}: entry is not an object`);
      const entry = value as Record<string, unknown>;
      const extra = Object.keys(entry).filter((k) => k !== 'description' && k !== 'unit');
      assert.deepEqual(extra, [], `${where}: unexpected fields`);
      assert.equal(typeof entry.description, 'string', `${where}: description is not a string`);
      const text = (entry.description as string).trim();
      assert.ok(text.length > 0, `${where}: empty description`);
      assert.ok(text.length < 400, `${where}: description has ${text.length} characters (limit 399)`);
      assert.ok(!/^the value of\b/i.test(text), `${where}: filler description`);
      if ('unit' in entry) {
        assert.equal(typeof entry.unit, 'string', `${where}: unit is not a string`);
        assert.ok((entry.unit as string).trim().length > 0, `${where}: empty unit`);
      }
    }
  }
});

test('real-spec key paths are described (complete networks at 100%)', (t) => {
  const real = realSpecPaths(sharedDir);
  assert.ok(real.size > 20, `found only ${real.size} networks in ${sharedDir}`);
  for (const file of jsonFiles) {
    const network = file.replace(/\.json$/, '');
    if (network !== '_common') assert.ok(real.has(network), `${file}: no real spec uses network "${network}"`);
  }
  const failures: string[] = [];
  const rows = [...real.entries()].sort((a, b) => b[1].files - a[1].files);
  for (const [network, { files, paths }] of rows) {
    const desc = effectiveDescriptions(descDir, network);
    const missing = [...paths.keys()].filter((p) => !desc[p]).sort();
    const done = paths.size - missing.length;
    t.diagnostic(`${network}: ${done}/${paths.size} paths described (${files} spec files)`);
    if (COMPLETE.includes(network) && missing.length > 0) {
      failures.push(`${network} is declared complete but lacks: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ' ...' : ''}`);
    }
  }
  for (const network of COMPLETE) assert.ok(real.has(network), `declared complete but unknown: ${network}`);
  assert.deepEqual(failures, []);
});

test('key-path extractors: protobuf text and YAML', () => {
  const proto = [
    'random_seed: 42  # comment with name: {',
    'dataset_config {',
    '  data_sources: { tfrecords_path: "/data/*" image_directory_path: "/img" }',
    '  target_class_mapping { key: "car" value: "car" }',
    '}',
    'model_config <',
    '  arch: "resnet"',
    '  freeze_blocks: 0',
    '  list_field: [1, 2]',
    '>',
  ].join('\n');
  assert.deepEqual([...prototextPaths(proto)].sort(), [
    'dataset_config', 'dataset_config.data_sources', 'dataset_config.data_sources.image_directory_path',
    'dataset_config.data_sources.tfrecords_path', 'dataset_config.target_class_mapping',
    'dataset_config.target_class_mapping.key', 'dataset_config.target_class_mapping.value',
    'model_config', 'model_config.arch', 'model_config.freeze_blocks', 'model_config.list_field', 'random_seed',
  ]);
  const yaml = 'train:\n  optim:\n    lr: 0.1\ndataset:\n  train_data_sources:\n    - image_dir: /a\n      json_file: /b\n    - image_dir: /c\n';
  assert.deepEqual([...yamlPaths(yaml)].sort(), [
    'dataset', 'dataset.train_data_sources', 'dataset.train_data_sources.image_dir',
    'dataset.train_data_sources.json_file', 'train', 'train.optim', 'train.optim.lr',
  ]);
  assert.equal(networkName('dino(retail_od)'), 'dino');
  assert.equal(networkName('triton:clustering_config'), null);
});
