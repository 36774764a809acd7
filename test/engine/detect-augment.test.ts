// Detection data: the generated KITTI scenes, the box-preserving augmentations, and the
// detectnet_v2 augment task run in-process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tempDir } from './helpers';
import { generateScene, prepareScenes, writeDetectionScenes, FASHION_DETECTION_CLASSES, type SceneOptions } from '../../engine/src/data/scenes';
import {
  applyColor,
  augmentationConfigFromPlain,
  colorMatrix,
  flipMatrix,
  identityColorParams,
  preprocessMatrix,
  sampleColor,
  sampleSpatial,
  transformBoxes,
  warpImage,
  type DetectionAugmentConfig,
  type PathProblem,
} from '../../engine/src/data/detection-augment';
import { decodeImage, type RawImage } from '../../engine/src/data/images';
import { augmentTask } from '../../engine/src/networks/detectnet_v2/tasks/augment';
import type { TaskContext, Tf } from '../../engine/src/tasks/types';
import { buildDetectnetConfig, type DetectnetConfig } from '../../engine/src/networks/detectnet_v2/config';
import { EngineError } from '../../engine/src/tasks/types';
import { createLogger } from '../../engine/src/util/log';
import { createStatusWriter } from '../../engine/src/util/status';
import { mixSeed, mulberry32 } from '../../engine/src/util/rng';

const work = tempDir('detect-augment');

function config(plain: Record<string, unknown>): DetectionAugmentConfig {
  const problems: PathProblem[] = [];
  const cfg = augmentationConfigFromPlain({ preprocessing: { output_image_width: 100, output_image_height: 100 }, ...plain }, problems);
  assert.deepEqual(problems, []);
  return cfg;
}

function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + dims.length * 4);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + i * 4));
  return gzipSync(Buffer.concat([header, Buffer.from(data)]));
}

/** Every pixel that differs from the background lies in a box, and each box edge touches one. */
function checkSceneBoxes(opts: SceneOptions, scenes: number): number {
  const { sprites, classes } = prepareScenes(opts);
  let objects = 0;
  for (let s = 0; s < scenes; s++) {
    const { image, background, objects: objs } = generateScene(s, opts, sprites, classes);
    const W = image.width;
    const changed = (x: number, y: number) => {
      const o = (y * W + x) * 3;
      return image.data[o] !== background.data[o] || image.data[o + 1] !== background.data[o + 1] || image.data[o + 2] !== background.data[o + 2];
    };
    for (const { box, className } of objs) {
      assert.ok(sprites.classNames.includes(className));
      const [x1, y1, x2, y2] = box;
      assert.ok(x1 >= 0 && y1 >= 0 && x2 <= W && y2 <= image.height && x2 > x1 && y2 > y1, `box ${box} inside ${W}x${image.height}`);
      const rowHit = (y: number) => Array.from({ length: x2 - x1 }, (_, k) => x1 + k).some((x) => changed(x, y));
      const colHit = (x: number) => Array.from({ length: y2 - y1 }, (_, k) => y1 + k).some((y) => changed(x, y));
      assert.ok(rowHit(y1) && rowHit(y2 - 1) && colHit(x1) && colHit(x2 - 1), `box ${box} is tight`);
    }
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < W; x++) {
        if (changed(x, y)) assert.ok(objs.some(({ box: b }) => x >= b[0] && x < b[2] && y >= b[1] && y < b[3]), `pixel ${x},${y} outside every box`);
      }
    }
    objects += objs.length;
  }
  return objects;
}

test('scenes: deterministic per seed, KITTI files, boxes inside the image and tight around the object', () => {
  const opts = { count: 6, width: 96, height: 80, seed: 11, minObjects: 2, maxObjects: 5, minSize: 8, maxSize: 40 };
  const a = writeDetectionScenes(join(work, 'scenes-a'), opts);
  const b = writeDetectionScenes(join(work, 'scenes-b'), opts);
  const c = writeDetectionScenes(join(work, 'scenes-c'), { ...opts, seed: 12 });
  assert.deepEqual(a, b);
  assert.equal(a.images, 6);
  assert.ok(['fashion-mnist', 'shapes'].includes(a.source));
  const files = readdirSync(join(work, 'scenes-a', 'image_2')).sort();
  assert.deepEqual(files.slice(0, 2), ['000000.png', '000001.png']);
  assert.deepEqual(readdirSync(join(work, 'scenes-a', 'label_2')).sort(), files.map((f) => f.replace('.png', '.txt')));
  let sameAsOtherSeed = 0;
  for (const f of files) {
    assert.deepEqual(readFileSync(join(work, 'scenes-a', 'image_2', f)), readFileSync(join(work, 'scenes-b', 'image_2', f)));
    const label = f.replace('.png', '.txt');
    const text = readFileSync(join(work, 'scenes-a', 'label_2', label), 'utf8');
    assert.equal(text, readFileSync(join(work, 'scenes-b', 'label_2', label), 'utf8'));
    if (text === readFileSync(join(work, 'scenes-c', 'label_2', label), 'utf8')) sameAsOtherSeed++;
    for (const line of text.trim().split('\n')) {
      const fields = line.split(' ');
      assert.equal(fields.length, 15);
      assert.match(line, /^[a-z]+ 0\.00 0 0\.00 \d+\.\d\d \d+\.\d\d \d+\.\d\d \d+\.\d\d( 0\.00){7}$/);
      assert.ok(a.classNames.includes(fields[0]));
    }
  }
  assert.ok(sameAsOtherSeed < files.length, 'another seed gives other scenes');
  const img = decodeImage(join(work, 'scenes-a', 'image_2', files[0]));
  assert.deepEqual([img.width, img.height], [96, 80]);
  const total = Object.values(a.objectsPerClass).reduce((s, n) => s + n, 0);
  assert.ok(total >= 6 * 2 - 2, `enough objects placed (${total})`);

  assert.ok(checkSceneBoxes({ ...opts, source: 'shapes' }, 12) > 20);
  // Whichever source this machine has (Fashion-MNIST when Debian's package is installed).
  assert.ok(checkSceneBoxes(opts, 12) > 20);
});

test('scenes: Fashion-MNIST items when the test split is present, with their class names', () => {
  const dir = join(work, 'fake-fashion');
  mkdirSync(dir);
  const n = 20;
  const images = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) {
    // A filled rectangle per item, a different size each, standing in for a garment.
    for (let y = 4; y < 10 + (i % 15); y++) for (let x = 6; x < 12 + (i % 12); x++) images[i * 784 + y * 28 + x] = 180 + (i % 60);
  }
  writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), idx([n, 28, 28], images));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), idx([n], Uint8Array.from({ length: n }, (_, i) => i % 10)));
  const opts: SceneOptions = { count: 3, width: 64, height: 64, seed: 5, classes: [0, 8, 9], minObjects: 2, maxObjects: 4, minSize: 10, maxSize: 30, fashionMnistDir: dir };
  const summary = writeDetectionScenes(join(work, 'fashion-scenes'), opts);
  assert.equal(summary.source, 'fashion-mnist');
  assert.deepEqual(summary.classNames, ['tshirt', 'bag', 'boot']);
  assert.deepEqual(FASHION_DETECTION_CLASSES.length, 10);
  assert.ok(checkSceneBoxes(opts, 6) > 8);
  assert.throws(() => prepareScenes({ ...opts, source: 'fashion-mnist', fashionMnistDir: join(work, 'nowhere') }), /Fashion-MNIST/);
  assert.equal(prepareScenes({ ...opts, fashionMnistDir: join(work, 'nowhere') }).sprites.source, 'shapes');
});

test('scenes: 200 scenes of 128x128 are written in a few seconds', (t) => {
  const started = Date.now();
  const summary = writeDetectionScenes(join(work, 'bench'), { count: 200, width: 128, height: 128, seed: 1, minObjects: 1, maxObjects: 6, minSize: 8, maxSize: 64 });
  const seconds = (Date.now() - started) / 1000;
  t.diagnostic(`200 scenes (${summary.source}) in ${seconds.toFixed(2)} s, objects ${JSON.stringify(summary.objectsPerClass)}`);
  assert.equal(readdirSync(join(work, 'bench', 'image_2')).length, 200);
  assert.ok(seconds < 15, `took ${seconds} s`);
});

test('augmentation config: TAO defaults for unset fields, problems for bad values', () => {
  const problems: PathProblem[] = [];
  const cfg = augmentationConfigFromPlain({ preprocessing: { output_image_width: 960, output_image_height: 544 } }, problems);
  assert.deepEqual(problems, []);
  assert.equal(cfg.spatial_augmentation.zoom_min, 1);
  assert.equal(cfg.spatial_augmentation.zoom_max, 1);
  assert.equal(cfg.spatial_augmentation.rotate_probability, 1);
  assert.equal(cfg.preprocessing.scale_width, 1);
  assert.equal(cfg.preprocessing.output_image_channel, 3);
  assert.equal(cfg.color_augmentation.contrast_center, 0);

  const bad: PathProblem[] = [];
  augmentationConfigFromPlain(
    {
      preprocessing: { output_image_height: 100, crop_left: 50, crop_right: 10, crop_bottom: 20 },
      spatial_augmentation: { hflip_probability: 1.5, zoom_min: 2, zoom_max: 1.5, translate_max_x: -1 },
      color_augmentation: { hue_rotation_max: 400, saturation_shift_max: 'lots' },
    },
    bad,
  );
  const paths = bad.map((p) => p.path);
  for (const p of ['preprocessing.output_image_width', 'preprocessing.crop_right', 'spatial_augmentation.hflip_probability', 'spatial_augmentation.zoom_min', 'spatial_augmentation.translate_max_x', 'color_augmentation.hue_rotation_max', 'color_augmentation.saturation_shift_max']) {
    assert.ok(paths.includes(`augmentation_config.${p}`), `${p} reported in ${JSON.stringify(paths)}`);
  }
});

test('spatial: hflip maps [10,20,30,40] to [70,20,90,40] in a 100-wide image', () => {
  const cfg = config({ spatial_augmentation: { hflip_probability: 1 } });
  const m = sampleSpatial(cfg, mulberry32(1), 100, 60);
  assert.deepEqual(transformBoxes([[10, 20, 30, 40]], m, 100, 60).boxes, [[70, 20, 90, 40]]);
  assert.deepEqual(transformBoxes([[10, 20, 30, 40]], flipMatrix(true, false, 100, 60), 100, 60).boxes, [[70, 20, 90, 40]]);
  // The pixels follow: column 10 lands on column 89.
  const img: RawImage = { width: 100, height: 60, channels: 1, data: new Uint8Array(6000) };
  img.data[5 * 100 + 10] = 255;
  const out = warpImage(img, m, 100, 60);
  assert.equal(out.data[5 * 100 + 89], 255);
  // Probability 0: never flipped.
  const none = sampleSpatial(config({}), mulberry32(1), 100, 60);
  assert.deepEqual(transformBoxes([[10, 20, 30, 40]], none, 100, 60).boxes, [[10, 20, 30, 40]]);
});

/** Bounds of pixels >= 128 in a 1-channel image, as [x1, y1, x2, y2). */
function brightBounds(img: RawImage): number[] {
  let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[y * img.width + x] >= 128) [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x + 1), Math.max(y2, y + 1)];
    }
  }
  return [x1, y1, x2, y2];
}

test('spatial: zoom and translate move the box to where the pixels go (within 1 px)', () => {
  const [W, H] = [80, 60];
  const img: RawImage = { width: W, height: H, channels: 1, data: new Uint8Array(W * H) };
  const block = [30, 20, 42, 30];
  for (let y = block[1]; y < block[3]; y++) for (let x = block[0]; x < block[2]; x++) img.data[y * W + x] = 255;
  for (const zoom of [0.7, 1, 1.6]) {
    for (let seed = 0; seed < 8; seed++) {
      const cfg = config({ spatial_augmentation: { zoom_min: zoom, zoom_max: zoom, translate_max_x: 10, translate_max_y: 6, hflip_probability: 0.5 } });
      const m = sampleSpatial(cfg, mulberry32(mixSeed(seed, 3)), W, H);
      const { boxes } = transformBoxes([block], m, W, H);
      const seen = brightBounds(warpImage(img, m, W, H));
      if (boxes.length === 0) {
        assert.equal(seen[0], Infinity, 'a dropped box has no pixels left either');
        continue;
      }
      boxes[0].forEach((v, k) => assert.ok(Math.abs(v - seen[k]) <= 1, `zoom ${zoom} seed ${seed}: box ${boxes[0]} vs pixels ${seen}`));
    }
  }
  // Rotation: the box is the bounds of the turned corners, so it holds every turned pixel.
  const cfg = config({ spatial_augmentation: { rotate_rad_max: 0.5 } });
  const m = sampleSpatial(cfg, mulberry32(9), W, H);
  const [box] = transformBoxes([block], m, W, H).boxes;
  const seen = brightBounds(warpImage(img, m, W, H));
  assert.ok(seen[0] >= box[0] - 1 && seen[1] >= box[1] - 1 && seen[2] <= box[2] + 1 && seen[3] <= box[3] + 1, `${seen} within ${box}`);
});

test('spatial: boxes are clipped, dropped off-image, and filtered by min size', () => {
  const shift = [1, 0, 50, 0, 1, 0, 0, 0, 1];
  const r = transformBoxes([[10, 10, 40, 20], [60, 10, 90, 30], [0, 0, 5, 5], [30, 40, 48, 41]], shift, 100, 100, 4, 2);
  assert.deepEqual(r.boxes, [[60, 10, 90, 20], [50, 0, 55, 5]]);
  assert.deepEqual(r.indices, [0, 2]);
  // Preprocessing: stretch to the output size (aspect ratio not kept) when enable_auto_resize is set.
  const pre = preprocessMatrix(config({ preprocessing: { output_image_width: 100, output_image_height: 50, enable_auto_resize: true } }), 200, 200);
  assert.deepEqual([pre.width, pre.height], [100, 50]);
  assert.deepEqual(transformBoxes([[20, 20, 60, 100]], pre.matrix, pre.width, pre.height).boxes, [[10, 5, 30, 25]]);
  const padded = preprocessMatrix(config({ preprocessing: { output_image_width: 100, output_image_height: 50 } }), 200, 200);
  assert.deepEqual(transformBoxes([[20, 20, 60, 100]], padded.matrix, padded.width, padded.height).boxes, [[20, 20, 60, 50]]);
});

test('colour: identity is identity, values stay in range, hue matches TAO', () => {
  const rand = mulberry32(4);
  const bytes = Uint8Array.from({ length: 30 * 3 }, () => Math.floor(rand() * 256));
  const img = { width: 30, height: 1, channels: 3, data: bytes };
  assert.deepEqual(applyColor(img, identityColorParams()), bytes);
  const floats = Float32Array.from(bytes, (v) => v / 255);
  const same = applyColor({ ...img, data: floats }, identityColorParams());
  same.forEach((v, i) => assert.ok(Math.abs(v - floats[i]) < 1e-6));

  const cfg = config({ color_augmentation: { hue_rotation_max: 180, saturation_shift_max: 1, contrast_scale_max: 2, contrast_center: 0.5, color_shift_stddev: 0.5 } });
  for (let s = 0; s < 20; s++) {
    const p = sampleColor(cfg, mulberry32(s));
    assert.ok(Math.abs(p.hueDegrees) <= 180 && p.saturation >= 0 && p.saturation <= 2);
    for (const v of applyColor(img, p)) assert.ok(Number.isInteger(v) && v >= 0 && v <= 255);
    for (const v of applyColor({ ...img, data: floats }, p)) assert.ok(v >= 0 && v <= 1);
  }
  // TAO's hue_saturation_matrix at 90 degrees: output red = .467 R + .917 G - .383 B.
  const row = colorMatrix({ ...identityColorParams(), hueDegrees: 90 }).slice(0, 3);
  [0.467, 0.917, -0.383].forEach((v, k) => assert.ok(Math.abs(row[k] - v) < 0.01, `${row}`));
  // Saturation 0 is gray; contrast scales about the centre; brightness adds.
  const gray = applyColor({ width: 1, height: 1, channels: 3, data: Uint8Array.of(200, 40, 90) }, { ...identityColorParams(), saturation: 0 });
  assert.ok(gray[0] === gray[1] && gray[1] === gray[2]);
  const contrast = applyColor({ width: 1, height: 1, channels: 3, data: Float32Array.of(0.5, 0.75, 0.25) }, { ...identityColorParams(), contrast: 1 });
  [0.5, 1, 0].forEach((v, k) => assert.ok(Math.abs(contrast[k] - v) < 1e-6));
  const brighter = applyColor({ width: 1, height: 1, channels: 3, data: Uint8Array.of(10, 100, 250) }, { ...identityColorParams(), brightness: [0.2, 0.2, 0.2] });
  assert.deepEqual([...brighter], [61, 151, 255]);
  // Gray images are left alone, as TAO colour-augments 3-channel inputs only.
  assert.deepEqual(applyColor({ width: 2, height: 1, channels: 1, data: Uint8Array.of(5, 6) }, { ...identityColorParams(), brightness: [0.5, 0.5, 0.5] }), Uint8Array.of(5, 6));
});

function context(flags: Record<string, string>, spec: Record<string, unknown>, name: string): TaskContext<DetectnetConfig> {
  const resultsDir = join(work, `results-${name}`);
  return {
    network: 'detectnet_v2',
    task: 'augment',
    flags,
    specPath: join(work, 'spec.txt'),
    spec,
    config: buildDetectnetConfig(spec as Parameters<typeof buildDetectnetConfig>[0]).config,
    resultsDir,
    status: createStatusWriter(join(resultsDir, 'status.json')),
    log: createLogger(true),
    tf: {} as Tf,
    backend: 'none',
  };
}

const AUG_SPEC = {
  random_seed: 3,
  augmentation_config: {
    preprocessing: { output_image_width: 64, output_image_height: 48, min_bbox_width: 2, min_bbox_height: 2 },
    spatial_augmentation: { hflip_probability: 0.5, zoom_min: 0.8, zoom_max: 1.2, translate_max_x: 8, translate_max_y: 8 },
    color_augmentation: { hue_rotation_max: 25, saturation_shift_max: 0.2, contrast_scale_max: 0.1, contrast_center: 0.5, color_shift_stddev: 0.05 },
  },
};

test('augment task: originals plus N copies with transformed labels, deterministic', async () => {
  const root = join(work, 'kitti');
  writeDetectionScenes(root, { count: 4, width: 64, height: 48, seed: 2, minObjects: 2, maxObjects: 4, minSize: 8, maxSize: 24, source: 'shapes' });
  const out = join(work, 'kitti-aug');
  const ctx = context({ dataset_spec: root, output: out, copies: '2' }, AUG_SPEC, 'a');
  await augmentTask.run(ctx);
  const images = readdirSync(join(out, 'image_2')).sort();
  assert.equal(images.length, 12);
  assert.ok(images.includes('000003.png') && images.includes('000003_aug1.png') && images.includes('000003_aug2.png'));
  assert.deepEqual(readdirSync(join(out, 'label_2')).sort(), images.map((f) => f.replace('.png', '.txt')));
  assert.equal(readFileSync(join(out, 'label_2', '000001.txt'), 'utf8'), readFileSync(join(root, 'label_2', '000001.txt'), 'utf8'));
  assert.deepEqual(readFileSync(join(out, 'image_2', '000001.png')), readFileSync(join(root, 'image_2', '000001.png')));
  let boxes = 0;
  for (const f of images.filter((n) => n.includes('_aug'))) {
    const img = decodeImage(join(out, 'image_2', f));
    assert.deepEqual([img.width, img.height], [64, 48]);
    for (const line of readFileSync(join(out, 'label_2', f.replace('.png', '.txt')), 'utf8').trim().split('\n').filter(Boolean)) {
      const fields = line.split(' ');
      assert.equal(fields.length, 15);
      const [x1, y1, x2, y2] = fields.slice(4, 8).map(Number);
      assert.ok(x1 >= 0 && y1 >= 0 && x2 <= 64 && y2 <= 48 && x2 - x1 >= 2 && y2 - y1 >= 2, line);
      boxes++;
    }
  }
  assert.ok(boxes > 0);
  const status = readFileSync(ctx.status.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: string });
  assert.deepEqual(status.map((s) => s.status), ['STARTED', 'SUCCESS']);

  const again = join(work, 'kitti-aug-2');
  await augmentTask.run(context({ dataset_spec: root, output: again, copies: '2' }, AUG_SPEC, 'b'));
  for (const f of images) assert.deepEqual(readFileSync(join(again, 'image_2', f)), readFileSync(join(out, 'image_2', f)), f);
});

test('augment task: a flip-only spec mirrors every box; bad labels are reported by file and line', async () => {
  const root = join(work, 'kitti-flip');
  writeDetectionScenes(root, { count: 2, width: 50, height: 40, seed: 8, minObjects: 2, maxObjects: 3, minSize: 8, maxSize: 20, source: 'shapes' });
  const spec = { augmentation_config: { preprocessing: { output_image_width: 50, output_image_height: 40 }, spatial_augmentation: { hflip_probability: 1 } } };
  const out = join(work, 'kitti-flip-aug');
  await augmentTask.run(context({ dataset_spec: root, output: out, copies: '1' }, spec, 'flip'));
  for (const stem of ['000000', '000001']) {
    const src = readFileSync(join(root, 'label_2', `${stem}.txt`), 'utf8').trim().split('\n');
    const aug = readFileSync(join(out, 'label_2', `${stem}_aug1.txt`), 'utf8').trim().split('\n');
    assert.equal(aug.length, src.length);
    src.forEach((line, i) => {
      const a = line.split(' ');
      const b = aug[i].split(' ');
      assert.equal(b[0], a[0]);
      assert.deepEqual(b.slice(4, 8).map(Number), [50 - Number(a[6]), Number(a[5]), 50 - Number(a[4]), Number(a[7])]);
      assert.deepEqual(b.slice(8), a.slice(8));
    });
  }

  writeFileSync(join(root, 'label_2', '000001.txt'), 'square 0.00 0 0.00 1 2 3 4 0 0 0 0 0 0 0\nsquare 0.00 0 0.00 1 2 3\n');
  await assert.rejects(
    augmentTask.run(context({ dataset_spec: root, output: join(work, 'never') }, spec, 'bad')),
    (err: Error) => err instanceof EngineError && err.message.includes(`${join(root, 'label_2', '000001.txt')}:2: expected 15 fields`),
  );
  await assert.rejects(augmentTask.run(context({ dataset_spec: root, output: join(work, 'never') }, {}, 'nospec')), /augmentation_config/);
  await assert.rejects(augmentTask.run(context({ output: join(work, 'never') }, spec, 'nod')), /-d KITTI_ROOT/);
});
