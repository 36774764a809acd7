// `tao-spec check --data` as a process, on small datasets written to a temp folder: each
// planted mistake comes out on the line that causes it, and without --data nothing is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBin } from '../support/run';
import { JPEG_BYTES, PNG_BYTES, kittiLine, writeTree } from '../support/datasets';

const dir = mkdtempSync(join(tmpdir(), 'tao-spec-data-'));
writeTree(dir, {
  'kitti/label_2/000001.txt': kittiLine('Car') + kittiLine('Pedestrian'),
  'kitti/label_2/000002.txt': kittiLine('Car'),
  'kitti/image_2/000001.jpg': JPEG_BYTES,
  'kitti/image_2/000002.jpg': JPEG_BYTES,
  'split/train/cat/1.jpg': JPEG_BYTES,
  'split/train/dog/1.png': PNG_BYTES,
  'split/val/cat/1.jpg': JPEG_BYTES,
  'coco/annotations/train.json': JSON.stringify({ images: [], annotations: [], categories: Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: `c${i}` })) }),
  'coco/train/1.jpg': JPEG_BYTES,
  'tfrecords/readme.txt': 'records not converted yet',
});

function spec(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const yolo = spec('yolo.txt', `# tao: network=yolo_v4
dataset_config {
  data_sources {
    label_directory_path: "kitti/label_2"
    image_directory_path: "kitti/image_2"
  }
  image_extension: "png"
  target_class_mapping {
    key: "car"
    value: "car"
  }
  target_class_mapping {
    key: "truck"
    value: "truck"
  }
}
`);

const classification = spec('classification.yaml', `# tao: network=classification_tf2
dataset:
  train_dataset_path: split/train
  val_dataset_path: split/val
evaluate:
  dataset_path: split/val
`);

const dino = spec('dino.yaml', `# tao: network=dino
dataset:
  train_data_sources:
    - image_dir: coco/train
      json_file: coco/annotations/train.json
  num_classes: 5
`);

const detectnet = spec('detectnet.txt', `# tao: network=detectnet_v2
dataset_config {
  data_sources {
    tfrecords_path: "tfrecords/kitti-*"
    image_directory_path: "kitti"
  }
  image_extension: "png"
  target_class_mapping {
    key: "car"
    value: "car"
  }
}
`);

interface Row {
  file: string;
  diagnostics: Array<{ severity: string; code: string; message: string; range: { start: { line: number } } }>;
}

function checkJson(args: string[]): { status: number | null; rows: Row[] } {
  const r = runBin('tao-spec.js', ['check', '--format', 'json', ...args]);
  assert.ok(r.stdout.trim().startsWith('['), r.stderr);
  return { status: r.status, rows: JSON.parse(r.stdout) as Row[] };
}

/** `code@line` (1-based) of the data findings of one file. */
function dataFindings(row: Row): string[] {
  return row.diagnostics.filter((d) => d.code.startsWith('data-')).map((d) => `${d.code}@${d.range.start.line + 1}`).sort();
}

test('--data reports each planted mistake on its line', () => {
  const { rows } = checkJson(['--data', yolo, classification, dino]);
  const [y, c, d] = rows;
  assert.deepEqual(dataFindings(y), ['data-class-case@9', 'data-class-unused@13', 'data-image-extension@7', 'data-unmapped-class@4']);
  assert.deepEqual(dataFindings(c), ['data-class-split@4', 'data-class-split@6']);
  assert.match(c.diagnostics.find((x) => x.code === 'data-class-split')!.message, /'dog'/);
  assert.deepEqual(dataFindings(d), ['data-num-classes@6']);
  assert.match(d.diagnostics.find((x) => x.code === 'data-num-classes')!.message, /at least 11/);
});

test('without --data the CLI reads no dataset', () => {
  const { rows } = checkJson([yolo, classification, dino, detectnet]);
  for (const row of rows) assert.deepEqual(dataFindings(row), [], row.file);
});

test('an empty tfrecords glob fails detectnet_v2 (exit 1) in text output, on the pattern line', () => {
  const r = runBin('tao-spec.js', ['check', '--data', detectnet]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /detectnet\.txt:4:\d+ error data-glob-empty No file matches 'tfrecords\/kitti-\*'/);
  assert.match(runBin('tao-spec.js', ['--help']).stdout, /--data/);
});
