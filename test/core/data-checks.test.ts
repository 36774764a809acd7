// The dataset checks of the core (server/src/core/data), run over an in-memory file system
// through the same FileProbe interface the CLI and server give them: each planted mistake is
// reported on the spec line that names it, and large folders are sampled and cached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataRun, MemoryDataCache, runDataChecks } from '../../server/src/core/data';
import type { DataCheckOptions } from '../../server/src/core/data';
import { parseSpec } from '../../server/src/core/parse';
import type { SpecDiagnostic } from '../../server/src/core/tree';
import { FakeFs, JPEG_BYTES, PNG_BYTES, kittiLine, tfExample, tfRecordFile } from '../support/datasets';

function check(text: string, network: string, fs: FakeFs, extra: Partial<DataCheckOptions> = {}): SpecDiagnostic[] {
  const dialect = /^\s*\w+:\s/m.test(text) && !/\{/.test(text) ? 'hydra-yaml' : 'prototext';
  const spec = parseSpec(text, dialect);
  return runDataChecks({ spec, network, filePath: '/work/specs/spec.txt', probe: fs, ...extra });
}

/** 1-based line of a diagnostic, and the text it covers. */
function at(text: string, d: SpecDiagnostic): { line: number; covers: string } {
  return { line: text.slice(0, d.span.start).split('\n').length, covers: text.slice(d.span.start, d.span.end) };
}

function only(found: SpecDiagnostic[], code: string): SpecDiagnostic[] {
  return found.filter((d) => d.code === code);
}

function applyFix(text: string, d: SpecDiagnostic): string {
  const edit = d.fixes![0].edits[0];
  return text.slice(0, edit.span.start) + edit.newText + text.slice(edit.span.end);
}

const yoloSpec = `dataset_config {
  data_sources {
    label_directory_path: "/data/kitti/label_2"
    image_directory_path: "/data/kitti/image_2"
  }
  target_class_mapping {
    key: "car"
    value: "car"
  }
  target_class_mapping {
    key: "cyclist"
    value: "cyclist"
  }
}
`;

function kittiFs(): FakeFs {
  const fs = new FakeFs();
  fs.file('/data/kitti/label_2/000001.txt', kittiLine('Car') + kittiLine('DontCare'));
  fs.file('/data/kitti/label_2/000002.txt', kittiLine('Car') + kittiLine('Pedestrian'));
  fs.file('/data/kitti/image_2/000001.png', PNG_BYTES);
  fs.file('/data/kitti/image_2/000002.png', PNG_BYTES);
  return fs;
}

test('KITTI labels: a case-only difference is called out on the mapping key, with a fix to the labels spelling', () => {
  const found = check(yoloSpec, 'yolo_v4', kittiFs());
  const [cased] = only(found, 'data-class-case');
  assert.ok(cased, JSON.stringify(found, null, 1));
  assert.deepEqual(at(yoloSpec, cased), { line: 7, covers: '"car"' });
  assert.match(cased.message, /'Car'/);
  assert.equal(applyFix(yoloSpec, cased).split('\n')[6], '    key: "Car"');
});

test('KITTI labels: a mapped class no label uses is a warning on its key; unmapped label classes are listed on the label folder', () => {
  const found = check(yoloSpec, 'yolo_v4', kittiFs());
  const [unused] = only(found, 'data-class-unused');
  assert.equal(unused.severity, 'warning');
  assert.deepEqual(at(yoloSpec, unused), { line: 11, covers: '"cyclist"' });
  const [unmapped] = only(found, 'data-unmapped-class');
  assert.equal(at(yoloSpec, unmapped).line, 3);
  assert.match(unmapped.message, /DontCare \(1\), Pedestrian \(1\)/);
  assert.equal(found.filter((d) => d.severity === 'error').length, 0);
});

test('KITTI labels: a spec whose mapping matches the labels exactly gets no class findings', () => {
  const fs = kittiFs();
  const exact = yoloSpec.replace('key: "car"', 'key: "Car"').replace('key: "cyclist"', 'key: "Pedestrian"');
  const found = check(exact, 'yolo_v4', fs);
  assert.deepEqual(found.filter((d) => d.code.startsWith('data-class')), []);
});

test('paths that do not exist here are silent', () => {
  const found = check(yoloSpec, 'yolo_v4', new FakeFs());
  assert.deepEqual(found, []);
});

test('label folders are found through the mounts file, as the path rule finds them', () => {
  const fs = new FakeFs();
  fs.file('/host/kitti/label_2/000001.txt', kittiLine('Truck'));
  fs.file('/home/user/.tao_mounts.json', JSON.stringify({ Mounts: [{ source: '/host', destination: '/data' }] }));
  const found = check(yoloSpec, 'yolo_v4', fs);
  assert.equal(only(found, 'data-class-unused').length, 2);
  assert.match(only(found, 'data-unmapped-class')[0].message, /Truck/);
});

test('label-folder images: upper-case extensions TAO skips, and image_extension against the files', () => {
  const fs = new FakeFs();
  fs.file('/data/kitti/label_2/000001.txt', kittiLine('car'));
  fs.file('/data/kitti/image_2/000001.JPG', JPEG_BYTES);
  const text = yoloSpec.replace('  target_class_mapping {', '  image_extension: "png"\n  target_class_mapping {');
  const found = only(check(text, 'yolo_v4', fs), 'data-image-extension');
  const byLine = found.map((d) => at(text, d).line).sort();
  assert.deepEqual(byLine, [4, 6]);
  const onExtension = found.find((d) => at(text, d).line === 6)!;
  assert.equal(applyFix(text, onExtension).split('\n')[5], '  image_extension: "JPG"');
});

test('images and labels that share no file name are reported on the image folder', () => {
  const fs = new FakeFs();
  fs.file('/data/kitti/label_2/a.txt', kittiLine('car'));
  fs.file('/data/kitti/image_2/b.png', PNG_BYTES);
  const [unpaired] = only(check(yoloSpec, 'yolo_v4', fs), 'data-unpaired');
  assert.equal(at(yoloSpec, unpaired).line, 4);
});

const detectnetSpec = `dataset_config {
  data_sources {
    tfrecords_path: "/data/tfrecords/kitti_trainval/*"
    image_directory_path: "/data/kitti/training"
  }
  image_extension: "png"
  target_class_mapping {
    key: "Car"
    value: "car"
  }
  validation_data_source {
    tfrecords_path: "/data/tfrecords/kitti_val/val-*"
    image_directory_path: "/data/kitti/training"
  }
}
`;

function recordsFs(): FakeFs {
  const fs = new FakeFs();
  fs.file('/data/tfrecords/kitti_trainval/kitti_trainval-fold-000-of-002', tfRecordFile([
    tfExample({ 'frame/id': ['image_2/000001'], 'target/object_class': ['car', 'pedestrian'] }),
    tfExample({ 'frame/id': ['image_2/000002'], 'target/object_class': ['car'] }),
  ]));
  fs.dir('/data/tfrecords/kitti_val');
  fs.file('/data/tfrecords/kitti_val/readme.txt', 'no records here');
  fs.file('/data/kitti/training/image_2/000001.jpg', JPEG_BYTES);
  fs.file('/data/kitti/training/image_2/000002.jpg', JPEG_BYTES);
  return fs;
}

test('TFRecords: a mapping key with capitals matches no record (dataset_convert lowercases); the fix lowercases it', () => {
  const found = check(detectnetSpec, 'detectnet_v2', recordsFs());
  const [cased] = only(found, 'data-class-case');
  assert.equal(cased.severity, 'warning');
  assert.deepEqual(at(detectnetSpec, cased), { line: 8, covers: '"Car"' });
  assert.equal(applyFix(detectnetSpec, cased).split('\n')[7], '    key: "car"');
  assert.match(only(found, 'data-unmapped-class')[0].message, /pedestrian \(1\)/);
});

test('TFRecords: frames whose images have another extension than image_extension', () => {
  const found = check(detectnetSpec, 'detectnet_v2', recordsFs());
  const [ext] = only(found, 'data-image-extension');
  assert.deepEqual(at(detectnetSpec, ext), { line: 6, covers: '"png"' });
  assert.match(ext.message, /image_2\/000001\.jpg/);
  assert.equal(applyFix(detectnetSpec, ext).split('\n')[5], '  image_extension: "jpg"');
});

test('a tfrecords_path glob that matches nothing is an error for detectnet_v2 and faster_rcnn (TAO asserts) and a warning elsewhere', () => {
  const found = only(check(detectnetSpec, 'detectnet_v2', recordsFs()), 'data-glob-empty');
  assert.equal(found.length, 1);
  assert.equal(found[0].severity, 'error');
  assert.equal(at(detectnetSpec, found[0]).line, 12);
  assert.equal(only(check(detectnetSpec, 'faster_rcnn', recordsFs()), 'data-glob-empty')[0].severity, 'error');
  const elsewhere = only(check(detectnetSpec, 'yolo_v4', recordsFs()), 'data-glob-empty');
  assert.equal(elsewhere[0].severity, 'warning');
});

const classificationSpec = `model_config {
  arch: "resnet"
}
train_config {
  train_dataset_path: "/data/split/train"
  val_dataset_path: "/data/split/val"
}
eval_config {
  eval_dataset_path: "/data/split/test"
}
`;

function classesFs(): FakeFs {
  const fs = new FakeFs();
  for (const c of ['bird', 'cat', 'dog']) fs.file(`/data/split/train/${c}/1.jpg`, JPEG_BYTES);
  fs.file('/data/split/val/cat/1.jpg', JPEG_BYTES);
  fs.dir('/data/split/val/dog');
  fs.file('/data/split/test/bird/1.jpg', 'not an image at all');
  fs.file('/data/split/test/cat/1.jpg', JPEG_BYTES);
  fs.file('/data/split/test/dog/1.jpg', JPEG_BYTES);
  fs.file('/data/split/test/fish/1.jpg', JPEG_BYTES);
  return fs;
}

test('classification: a class missing from validation, an empty class folder, an extra eval class, unreadable images', () => {
  const found = check(classificationSpec, 'classification_tf1', classesFs());
  const split = only(found, 'data-class-split').map((d) => ({ line: at(classificationSpec, d).line, message: d.message, severity: d.severity }));
  // classification_tf1 stops when train and val differ in class count: an error.
  assert.ok(split.some((s) => s.line === 6 && /'bird'/.test(s.message) && s.severity === 'error'), JSON.stringify(split));
  assert.ok(split.some((s) => s.line === 9 && /'fish'/.test(s.message)), JSON.stringify(split));
  const [empty] = only(found, 'data-class-empty');
  assert.equal(at(classificationSpec, empty).line, 6);
  assert.match(empty.message, /'dog'/);
  const [unreadable] = only(found, 'data-class-unreadable');
  assert.equal(at(classificationSpec, unreadable).line, 9);
  assert.match(unreadable.message, /'bird'/);
});

test('classification_tf2 and classification_pyt: their own field names, and num_classes against the class folders', () => {
  const tf2 = `dataset:\n  train_dataset_path: /data/split/train\n  val_dataset_path: /data/split/val\n  num_classes: 5\nevaluate:\n  dataset_path: /data/split/test\n`;
  const found = check(tf2, 'classification_tf2', classesFs());
  assert.ok(only(found, 'data-class-split').some((d) => at(tf2, d).line === 3));
  const [num] = only(found, 'data-num-classes');
  assert.equal(at(tf2, num).line, 4);
  assert.match(num.message, /3 class folders/);
  const pyt = `dataset:\n  num_classes: 3\n  train_dataset:\n    images_dir: /data/split/train\n  val_dataset:\n    images_dir: /data/split/val\n`;
  const pytFound = check(pyt, 'classification_pyt', classesFs());
  assert.deepEqual(only(pytFound, 'data-num-classes'), []);
  assert.ok(only(pytFound, 'data-class-split').some((d) => at(pyt, d).line === 6));
});

test('classification_tf1: one training class is an error (TAO needs two); same count, other names a warning', () => {
  const fs = new FakeFs();
  fs.file('/data/split/train/cat/1.jpg', JPEG_BYTES);
  fs.file('/data/split/val/cat/1.jpg', JPEG_BYTES);
  const [one] = only(check(classificationSpec, 'classification_tf1', fs), 'data-class-folders');
  assert.equal(one.severity, 'error');
  assert.equal(at(classificationSpec, one).line, 5);
  fs.file('/data/split/train/dog/1.jpg', JPEG_BYTES);
  fs.file('/data/split/val/cow/1.jpg', JPEG_BYTES);
  const renamed = only(check(classificationSpec, 'classification_tf1', fs), 'data-class-split');
  assert.ok(renamed.length > 0 && renamed.every((d) => d.severity === 'warning' && at(classificationSpec, d).line === 6));
});

test('classification: a split of loose images and no class folders', () => {
  const fs = new FakeFs();
  fs.file('/data/split/train/1.jpg', JPEG_BYTES);
  const [d] = only(check(classificationSpec, 'classification_tf1', fs), 'data-class-folders');
  assert.equal(at(classificationSpec, d).line, 5);
});

const dinoSpec = `dataset:
  train_data_sources:
    - image_dir: /data/coco/train2017
      json_file: /data/coco/annotations/train.json
  val_data_sources:
    image_dir: /data/coco/val2017
    json_file: /data/coco/annotations/val.json
  num_classes: 80
`;

function cocoFs(ids: number[]): FakeFs {
  const fs = new FakeFs();
  const categories = ids.map((id) => ({ id, name: `c${id}` }));
  fs.file('/data/coco/annotations/train.json', JSON.stringify({ images: [], annotations: [], categories }));
  fs.file('/data/coco/annotations/val.json', '{"images": [');
  fs.file('/data/coco/train2017/1.jpg', JPEG_BYTES);
  fs.dir('/data/coco/val2017');
  return fs;
}

test('COCO: category ids beyond num_classes for DINO, an unreadable annotation file, an empty image folder', () => {
  const ids = Array.from({ length: 80 }, (_, i) => i + 1);
  const found = check(dinoSpec, 'dino', cocoFs(ids));
  const [num] = only(found, 'data-num-classes');
  assert.deepEqual(at(dinoSpec, num), { line: 8, covers: '80' });
  assert.match(num.message, /at least 81/);
  assert.equal(at(dinoSpec, only(found, 'data-coco')[0]).line, 7);
  assert.equal(at(dinoSpec, only(found, 'data-no-images')[0]).line, 6);
  const fits = check(dinoSpec.replace('num_classes: 80', 'num_classes: 81'), 'dino', cocoFs(ids));
  assert.deepEqual(only(fits, 'data-num-classes'), []);
});

test('COCO: RT-DETR with remap_mscoco_category counts categories instead of ids', () => {
  const ids = Array.from({ length: 80 }, (_, i) => i + 1);
  const remapped = dinoSpec.replace('  num_classes: 80', '  num_classes: 80\n  remap_mscoco_category: true');
  assert.deepEqual(only(check(remapped, 'rtdetr', cocoFs(ids)), 'data-num-classes'), []);
  assert.equal(only(check(dinoSpec, 'rtdetr', cocoFs(ids)), 'data-num-classes').length, 1);
});

test('COCO: a large annotation file is searched for its categories at the end, not parsed whole', () => {
  const fs = cocoFs([]);
  const categories = JSON.stringify([{ id: 1, name: 'a' }, { id: 95, name: 'b' }]);
  fs.file('/data/coco/annotations/train.json', `{"images": [${'{"id": 1},'.repeat(5000)}{"id": 2}], "categories": ${categories}}`);
  const found = check(dinoSpec, 'dino', fs, { limits: { cocoWholeBytes: 1000, cocoEndBytes: 200 } });
  assert.match(only(found, 'data-num-classes')[0].message, /ids up to 95/);
});

test('grounding_dino: validation category ids must run 0..n-1', () => {
  const spec = dinoSpec.replace('  num_classes: 80\n', '');
  const fs = cocoFs([1, 2]);
  fs.file('/data/coco/annotations/val.json', JSON.stringify({ categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }] }));
  const [ids] = only(check(spec, 'grounding_dino', fs), 'data-coco-ids');
  assert.equal(at(spec, ids).line, 7);
});

test('a large label folder is sampled (first 5,000 files), says so, and is read once while its mtime holds', () => {
  const fs = new FakeFs();
  for (let i = 0; i < 6000; i++) fs.file(`/data/kitti/label_2/${String(i).padStart(6, '0')}.txt`, kittiLine(i === 5500 ? 'cyclist' : 'car'));
  const cache = new MemoryDataCache();
  const found = check(yoloSpec, 'yolo_v4', fs, { cache });
  const [sampled] = only(found, 'data-sampled');
  assert.equal(at(yoloSpec, sampled).line, 3);
  assert.match(sampled.message, /first 5,000 label files/);
  assert.equal(fs.reads, 5000);
  // 'cyclist' only appears in file 5,500, past the sample: reported unused, with the sample named.
  assert.match(only(found, 'data-class-unused')[0].message, /first 5,000 label files/);

  const again = check(yoloSpec, 'yolo_v4', fs, { cache });
  assert.equal(fs.reads, 5000, 'an unchanged folder is not read again');
  assert.deepEqual(again, found);
  fs.touch('/data/kitti/label_2');
  check(yoloSpec, 'yolo_v4', fs, { cache });
  assert.equal(fs.reads, 10000, 'a folder with a new mtime is read again');
});

test('a run advances in steps and stops at its budget with a note, keeping what it found', () => {
  const fs = new FakeFs();
  for (let i = 0; i < 50; i++) fs.file(`/data/kitti/label_2/${i}.txt`, kittiLine('car'));
  const spec = parseSpec(yoloSpec, 'prototext');
  let clock = 0;
  const run = new DataRun({ spec, network: 'yolo_v4', filePath: '/w/s.txt', probe: fs });
  // Every step of the fake clock is one file-system call: 10 calls, then out of time.
  assert.equal(run.step(10, () => ++clock), false);
  assert.ok(fs.reads > 0 && fs.reads < 50);
  run.stop(1234);
  assert.equal(run.done, true);
  const [partial] = only(run.diagnostics, 'data-partial');
  assert.match(partial.message, /1234 ms/);
  assert.equal(at(yoloSpec, partial).line, 3);
});
