// TAO: New Spec must hand the user a spec that checks clean. Generates one for every
// network in schemas/ and runs the project's own checker (`tao-spec check`) on them all.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { detectnetTemplate, generateSpec, specTemplateChoices } from '../../client/src/core/specTemplate';
import type { DetectnetTemplateTask } from '../../client/src/core/specTemplate';
import { writeDetectionScenes } from '../../engine/src/data/scenes';
import { parseModeline } from '../../client/src/core/modeline';
import type { NetworkSchema } from '../../server/src/core/schema/types';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const schemaDir = path.join(repoRoot, 'schemas');

function schemas(): NetworkSchema[] {
  return fs.readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json')).map((f) => JSON.parse(fs.readFileSync(path.join(schemaDir, f), 'utf8')) as NetworkSchema);
}

test('a generated spec for every network passes `tao-spec check` with no errors or warnings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'new-spec-'));
  try {
    const all = schemas();
    assert.ok(all.length >= 50, `${all.length} schemas`);
    const files = all.map((s) => {
      const file = path.join(dir, `${s['x-tao-network']}${s['x-tao-dialect'] === 'prototext' ? '.txt' : '.yaml'}`);
      fs.writeFileSync(file, generateSpec(s));
      return file;
    });
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'check', '--no-path-check', ...files], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, new RegExp(`${files.length} file\\(s\\) checked: 0 error\\(s\\), 0 warning\\(s\\)`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the template carries the modeline, comments from the schema, and values in the dialect', () => {
  const cls = schemas().find((s) => s['x-tao-network'] === 'classification_tf1');
  assert.ok(cls);
  const text = generateSpec(cls);
  assert.equal(parseModeline(text.split('\n')[0])?.fields.network, 'classification_tf1');
  assert.match(text, /^model_config \{$/m);
  assert.match(text, /^ {2}arch: "resnet"$/m);
  assert.match(text, /^ {2}# .+\n {2}n_epochs: \d+$/m, 'a comment above n_epochs');
  // Exactly one member of each oneof: one optimizer, one learning-rate schedule.
  const optimizer = text.slice(text.indexOf('optimizer {'), text.indexOf('}', text.indexOf('optimizer {')));
  assert.equal((optimizer.match(/^\s+(sgd|adam|rmsprop) \{/gm) ?? []).length, 1);
  const yamlSchema = schemas().find((s) => s['x-tao-dialect'] !== 'prototext');
  assert.ok(yamlSchema);
  assert.doesNotMatch(generateSpec(yamlSchema), /\{$/m, 'YAML output has no protobuf blocks');
});

// ---- DetectNet_v2 task templates: they check clean and they run, one step feeding the next.

const DETECT_TASKS: DetectnetTemplateTask[] = ['dataset_convert', 'train', 'retrain', 'inference'];
const detectSchema = (): NetworkSchema => schemas().find((s) => s['x-tao-network'] === 'detectnet_v2')!;

function check(files: string[], ...flags: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'tao-spec.js'), 'check', ...flags, ...files], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

function engine(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'tao-engine.js'), 'detectnet_v2', ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('New Spec offers the four DetectNet_v2 task templates, then the schema defaults', () => {
  const choices = specTemplateChoices(detectSchema());
  assert.deepEqual(choices.map((c) => c.id), ['train', 'retrain', 'dataset_convert', 'inference', 'defaults']);
  for (const c of choices) assert.equal(parseModeline(c.text.split('\n')[0])?.fields.network, 'detectnet_v2', c.id);
  const text = (id: string) => choices.find((c) => c.id === id)!.text;
  assert.match(text('retrain'), /^ {2}pretrained_model_file: ".+experiment_dir_pruned\/detectnet_v2_resnet18_pruned\.hdf5"\n {2}load_graph: true$/m);
  assert.doesNotMatch(text('train'), /^\s*load_graph/m);
  assert.match(text('dataset_convert'), /^kitti_config \{$/m);
  assert.match(text('inference'), /^inferencer_config \{$[^]*^bbox_handler_config \{$/m);
  // Networks without task templates keep the one generated spec.
  const other = schemas().find((s) => s['x-tao-network'] === 'classification_tf1')!;
  assert.deepEqual(specTemplateChoices(other).map((c) => c.id), ['defaults']);
});

test('each DetectNet_v2 template passes `tao-spec check` with no errors or warnings (paths aside)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'new-spec-detect-'));
  try {
    const files = DETECT_TASKS.map((t) => {
      const file = path.join(dir, `${t}.txt`);
      fs.writeFileSync(file, detectnetTemplate(t));
      return file;
    });
    const r = check(files, '--no-path-check');
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /4 file\(s\) checked: 0 error\(s\), 0 warning\(s\)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the DetectNet_v2 templates run: dataset_convert -> train -> retrain (load_graph) -> inference', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'new-spec-detect-run-'));
  try {
    const dataRoot = path.join(dir, 'data', 'training');
    const scenes = writeDetectionScenes(dataRoot, { count: 14, width: 64, height: 64, seed: 11, classes: [1, 8], minObjects: 1, maxObjects: 2, minSize: 20, maxSize: 36 });
    const tfrecordsPrefix = path.join(dir, 'data', 'tfrecords', 'kitti_trainval');
    const trained = path.join(dir, 'train');
    const retrained = path.join(dir, 'retrain');
    // The same template text New Spec offers, with this run's paths and a CPU-sized model.
    const o = {
      dataRoot, tfrecordsPrefix, classes: scenes.classNames, width: 64, height: 64, epochs: 1, batch: 7,
      // The trained model stands in for a pruned one: load_graph takes any tfjs model folder as it is.
      prunedModel: path.join(trained, 'weights', 'final'),
      model: path.join(retrained, 'weights', 'final'),
    };
    const spec = (t: DetectnetTemplateTask) => {
      const file = path.join(dir, `${t}.txt`);
      fs.writeFileSync(file, detectnetTemplate(t, o));
      return file;
    };
    const files = DETECT_TASKS.map(spec);
    let r = engine(['dataset_convert', '-d', files[0], '-o', tfrecordsPrefix]);
    assert.equal(r.status, 0, r.out);
    // With the data there, the train spec checks clean with the path check on.
    const checked = check([files[0], files[1]]);
    assert.equal(checked.status, 0, checked.out);
    assert.match(checked.out, /0 error\(s\), 0 warning\(s\)/);

    r = engine(['train', '-e', files[1], '-r', trained]);
    assert.equal(r.status, 0, r.out);
    assert.ok(fs.existsSync(path.join(trained, 'weights', 'final', 'model.json')));

    const retrainChecked = check([files[2]]);
    assert.match(retrainChecked.out, /1 file\(s\) checked: 0 error\(s\), 0 warning\(s\)/, 'the pruned model path exists now');
    r = engine(['train', '-e', files[2], '-r', retrained]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /training the graph of .+ as it is \(load_graph\)/, 'retrain keeps the given graph instead of rebuilding it');
    assert.ok(fs.existsSync(path.join(retrained, 'weights', 'final', 'model.json')));

    // No -m: the model comes from the template's tlt_config.
    const out = path.join(dir, 'inferred');
    r = engine(['inference', '-e', files[3], '-i', path.join(dataRoot, 'image_2'), '-o', out]);
    assert.equal(r.status, 0, r.out);
    assert.equal(fs.readdirSync(path.join(out, 'labels')).length, 14);
    assert.equal(fs.readdirSync(path.join(out, 'images_annotated')).length, 14);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Issue 14: New Spec names, next to the pretrained key, the NGC model that fits the template's
// own backbone (resnet 18 in both), as comments, so the spec still checks clean.
test('the classification_tf1 and detectnet_v2 templates name the NGC model and folder for their backbone', () => {
  const cls = generateSpec(schemas().find((s) => s['x-tao-network'] === 'classification_tf1')!);
  assert.match(cls, /^ {2}arch: "resnet"$/m);
  assert.match(cls, /^ {2}n_layers: 18$/m);
  assert.match(cls, /# NGC model for this spec's backbone \(resnet18\): nvidia\/tao\/pretrained_classification:resnet18\n {2}# ngc registry model download-version nvidia\/tao\/pretrained_classification:resnet18 --dest DIR\n {2}# puts DIR\/pretrained_classification_vresnet18\/resnet_18\.hdf5; point this key at that file\.\n {2}pretrained_model_path: /);
  const dnv2 = generateSpec(detectSchema());
  assert.match(dnv2, /# NGC model for this spec's backbone \(resnet18\): nvidia\/tao\/pretrained_detectnet_v2:resnet18\n(.*\n){2} {2}pretrained_model_file: /);
  assert.match(dnv2, /DIR\/pretrained_detectnet_v2_vresnet18\/resnet18\.hdf5/);
  const train = detectnetTemplate('train');
  assert.match(train, /ngc registry model download-version nvidia\/tao\/pretrained_detectnet_v2:resnet18/);
  assert.match(train, /# pretrained_model_file: ".*\/pretrained_detectnet_v2_vresnet18\/resnet18\.hdf5"/);
});
