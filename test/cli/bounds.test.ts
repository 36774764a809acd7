// `tao-spec check` as a process on ranges: a bound TAO enforces (protobuf type, TAO's own spec
// checks) is an error and exit 1; a bound only TAO's parameter sheets or dataclass metadata state
// is a warning that names its source, and the check still exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBin } from '../support/run';

const dir = mkdtempSync(join(tmpdir(), 'tao-spec-bounds-'));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

interface Reported { file: string; network: string; diagnostics: Array<{ code: string; severity: string; message: string; range: { start: { line: number } } }> }

function check(file: string, network?: string): { status: number | null; reported: Reported; stderr: string } {
  const r = runBin('tao-spec.js', ['check', '--no-path-check', '--format', 'json', ...(network ? ['--network', network] : []), file]);
  const parsed = JSON.parse(r.stdout) as Reported[];
  return { status: r.status, reported: parsed[0], stderr: r.stderr };
}

// The example: a small DetectNet_v2 input (160x96, a multiple of the stride 16) that the
// parameter sheet's UI minimum (480 x 272) used to reject, plus two values past sheet-only limits.
const detectnet = `random_seed: 42
model_config {
  arch: "resnet"
  num_layers: 18
  dropout_rate: 1.5
  objective_set {
    bbox {
      scale: 35.0
      offset: 0.5
    }
    cov {
    }
  }
}
augmentation_config {
  preprocessing {
    output_image_width: 160
    output_image_height: 96
    output_image_channel: 3
    min_bbox_width: 1.0
    min_bbox_height: 1.0
  }
  color_augmentation {
    hue_rotation_max: 400.0
  }
}
`;

test('DetectNet_v2: values outside sheet-only ranges are warnings naming the sheet; exit 0', () => {
  const { status, reported, stderr } = check(write('dnv2.txt', detectnet), 'detectnet_v2');
  assert.equal(status, 0, stderr);
  const ds = reported.diagnostics;
  assert.deepEqual(ds.filter((d) => d.severity === 'error'), []);
  const warned = ds.filter((d) => d.code === 'outside-recommended-range');
  assert.deepEqual(warned.map((d) => d.range.start.line + 1), [5, 24]);
  for (const d of warned) {
    assert.equal(d.severity, 'warning');
    assert.match(d.message, /outside TAO's recommended range \(from the parameter sheet\)/);
  }
  assert.match(warned[1].message, /'hue_rotation_max' is 400\.0.*at most 360 degrees/);
  // 160 x 96 passes: nothing is said about the output size.
  assert.ok(!ds.some((d) => /output_image/.test(d.message)), JSON.stringify(ds));
});

test('DetectNet_v2: a negative unsigned field and a size off the stride are errors; exit 1', () => {
  const bad = detectnet.replace('random_seed: 42', 'random_seed: -1').replace('output_image_width: 160', 'output_image_width: 100');
  const { status, reported } = check(write('dnv2-bad.txt', bad), 'detectnet_v2');
  assert.equal(status, 1);
  const ranges = reported.diagnostics.filter((d) => d.code === 'out-of-range');
  assert.deepEqual(ranges.map((d) => [d.severity, d.range.start.line + 1]), [['error', 1], ['error', 17]]);
  assert.match(ranges[0].message, /'random_seed' must be at least 0; got -1/);
  assert.match(ranges[1].message, /'output_image_width' must be a multiple of 16/);
});

test('DetectNet_v2: a value breaking TAO\'s spec validator (> 0) is an error even under a sheet range', () => {
  const spec = `${detectnet}training_config {\n  batch_size_per_gpu: 0\n  num_epochs: 10\n}\n`;
  const { status, reported } = check(write('dnv2-batch.txt', spec), 'detectnet_v2');
  assert.equal(status, 1);
  const d = reported.diagnostics.find((x) => x.range.start.line + 1 === 28)!;
  assert.equal(d.code, 'out-of-range');
  assert.match(d.message, /'batch_size_per_gpu' must be greater than 0/);
});

const dino = `results_dir: /results
train:
  num_epochs: 0
  optim:
    lr: 2e-4
    optimizer: AdamW
    lr_steps: [11]
  precision: fp32
dataset:
  num_classes: 91
  batch_size: -1
  train_data_sources:
    - image_dir: /data/images
      json_file: /data/ann.json
`;

test('Hydra (dino): a value below a dataclass valid_min is a warning naming the dataclass; exit 0', () => {
  const { status, reported, stderr } = check(write('dino.yaml', dino));
  assert.equal(reported.network, 'dino');
  assert.equal(status, 0, stderr);
  assert.equal(reported.diagnostics.length, 1, JSON.stringify(reported.diagnostics));
  const [d] = reported.diagnostics;
  assert.equal(d.code, 'outside-recommended-range');
  assert.equal(d.severity, 'warning');
  assert.equal(d.range.start.line + 1, 3);
  assert.match(d.message, /'num_epochs' is 0, outside TAO's recommended range \(from the config dataclass/);
});

test('Hydra (dino): a wrong type is still an error next to a recommended-range warning', () => {
  const { status, reported } = check(write('dino-bad.yaml', dino.replace('num_classes: 91', 'num_classes: many')));
  assert.equal(status, 1);
  assert.deepEqual(reported.diagnostics.map((d) => `${d.severity} ${d.code}`).sort(), ['error wrong-type', 'warning outside-recommended-range']);
});
