// DetectNet_v2 data layer: TFRecord framing, tf.train.Example wire format, KITTI labels,
// TAO's KITTI -> TFRecord conversion (partitions, shards, feature keys, frame order) and
// reading the records back for training, including the errors for corrupt or missing data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as jpeg from 'jpeg-js';
import { runEngine, tempDir } from './helpers';
import { encodePng } from '../../engine/src/data/images';
import { crc32c, encodeTfRecords, iterateTfRecords, maskCrc, readTfRecordFile, writeTfRecordFile } from '../../engine/src/data/tfrecord';
import { decodeExample, encodeExample, getFloats, type Features } from '../../engine/src/data/example';
import { formatKittiLine, formatPyFixed, kittiBox, parseKittiLabels } from '../../engine/src/data/kitti';
import { convertKitti, formatObjectCounts, type KittiConvertOptions } from '../../engine/src/data/kitti-convert';
import { PyRandom } from '../../engine/src/util/py-random';
import { imageSize } from '../../engine/src/data/image-size';
import { readDetectionFrames, readExamples } from '../../engine/src/data/detection-records';

const work = tempDir('detect-data');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// ---------------------------------------------------------------------------------------------
// TFRecord

test('crc32c matches the Castagnoli check value and records round-trip', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  // The mask is a 15-bit rotation plus a constant, mod 2^32.
  assert.equal(maskCrc(0), 0xa282ead8);
  assert.equal(maskCrc(0xe3069283), ((((0xe3069283 >>> 15) | (0xe3069283 << 17)) >>> 0) + 0xa282ead8) % 2 ** 32);

  const records = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new TextEncoder().encode('hello')];
  const bytes = encodeTfRecords(records);
  assert.equal(bytes.length, records.reduce((n, r) => n + 16 + r.length, 0));
  // uint64 little-endian length first.
  assert.deepEqual([...bytes.subarray(0, 8)], [3, 0, 0, 0, 0, 0, 0, 0]);
  const view = new DataView(bytes.buffer);
  assert.equal(view.getUint32(8, true), maskCrc(crc32c(bytes, 0, 8)));
  assert.equal(view.getUint32(15, true), maskCrc(crc32c(records[0])));

  const file = join(work, 'rt.tfrecord');
  writeTfRecordFile(file, records);
  assert.deepEqual(readTfRecordFile(file).map(hex), records.map(hex));
  assert.deepEqual(readdirSync(work).filter((f) => f.includes('.tmp-')), [], 'no temp file left behind');
});

test('TFRecord reader names file, record and byte for corrupt and truncated input', () => {
  const bytes = encodeTfRecords([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6, 7])]);
  const dataFlip = bytes.slice();
  dataFlip[19 + 12 + 1] ^= 0xff; // inside the second record's data
  assert.throws(() => [...iterateTfRecords(dataFlip, 'x.tfrecord')], /^Error: x\.tfrecord: record 1 at byte 19: data CRC mismatch \(file is corrupt or not a TFRecord\)$/);
  const lenFlip = bytes.slice();
  lenFlip[0] = 9;
  assert.throws(() => [...iterateTfRecords(lenFlip, 'x.tfrecord')], /record 0 at byte 0: length CRC mismatch/);
  assert.throws(() => [...iterateTfRecords(bytes.subarray(0, bytes.length - 2), 'x.tfrecord')], /record 1 at byte 19: truncated record/);
  assert.throws(() => [...iterateTfRecords(bytes.subarray(0, 25), 'x.tfrecord')], /record 1 at byte 19: truncated header/);
  assert.throws(() => readTfRecordFile(join(work, 'nope.tfrecord')), /nope\.tfrecord: cannot read TFRecord file: ENOENT/);
});

// ---------------------------------------------------------------------------------------------
// tf.train.Example

test('Example encoding matches the protobuf wire format byte for byte', () => {
  // Example{features{feature{key:"a" value{int64_list{value:[1]}}}}}, packed.
  assert.equal(hex(encodeExample({ a: { int64: [1] } })), '0a0c0a0a0a016112051a030a0101');
  assert.equal(hex(encodeExample({ a: { int64: [-1] } })), '0a150a130a0161120e1a0c0a0affffffffffffffffff01');
  assert.equal(hex(encodeExample({ b: { bytes: [new Uint8Array([0x41])] } })), '0a0c0a0a0a016212050a030a0141');
  assert.equal(hex(encodeExample({ f: { float: [1] } })), '0a0f0a0d0a016612081206' + '0a040000803f');
  // An empty list keeps its type (float_list present, no packed field inside, as protobuf writes it).
  assert.equal(hex(encodeExample({ e: { float: [] } })), '0a090a070a016512021200');
  assert.deepEqual(decodeExample(encodeExample({ e: { float: [] } })), { e: { float: [] } });
});

test('Example round trip: bytes, float32, int64 including negatives and large values', () => {
  const features: Features = {
    'frame/id': { bytes: [new TextEncoder().encode('image_2/000007')] },
    'frame/width': { int64: [1242] },
    ints: { int64: [0, 1, -1, 127, 128, 300, -300, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1)] },
    floats: { float: [0.1, -2.5, 1e30, 0] },
    empty: { bytes: [] },
  };
  const back = decodeExample(encodeExample(features));
  assert.deepEqual(Object.keys(back), Object.keys(features));
  assert.deepEqual(back.ints, features.ints);
  assert.deepEqual(back['frame/width'], { int64: [1242] });
  assert.equal(new TextDecoder().decode((back['frame/id'] as { bytes: Uint8Array[] }).bytes[0]), 'image_2/000007');
  assert.deepEqual(back.floats, { float: [Math.fround(0.1), -2.5, Math.fround(1e30), 0] });
  assert.deepEqual(back.empty, { bytes: [] });
  assert.throws(() => encodeExample({ x: { int64: [2 ** 53] } }), /feature "x": int64 value .* not a safe integer/);
});

test('Example decoder reads unpacked lists and refuses malformed input', () => {
  // Feature int64_list with two unpacked varints (tag 0x08): 5, 7; float_list unpacked (tag 0x0d).
  const f32 = (x: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, x, true);
    return [...b];
  };
  const intFeature = [0x1a, 0x04, 0x08, 0x05, 0x08, 0x07];
  const floatFeature = [0x12, 0x0a, 0x0d, ...f32(1.5), 0x0d, ...f32(-2)];
  const entry = (key: number, feature: number[]) => [0x0a, 5 + feature.length, 0x0a, 0x01, key, 0x12, feature.length, ...feature];
  const map = [...entry(0x69, intFeature), ...entry(0x66, floatFeature)];
  const buf = new Uint8Array([0x0a, map.length, ...map]);
  const back = decodeExample(buf);
  assert.deepEqual(back.i, { int64: [5, 7] });
  assert.deepEqual(back.f, { float: [1.5, -2] });
  assert.deepEqual(getFloats(back, 'f', 'here'), [1.5, -2]);
  assert.throws(() => getFloats(back, 'i', 'here'), /here: feature "i" is a int64_list, expected float_list/);
  assert.throws(() => getFloats(back, 'missing', 'here'), /here: missing feature "missing"/);

  const good = encodeExample({ a: { float: [1, 2] } });
  assert.throws(() => decodeExample(good.subarray(0, good.length - 3)), /malformed tf\.train\.Example: length \d+ runs past the end of its message at byte \d+/);
  assert.throws(() => decodeExample(new Uint8Array([0x0a, 0x02, 0x0a, 0x80])), /malformed tf\.train\.Example: truncated varint at byte 3/);
  assert.throws(() => decodeExample(new Uint8Array([0x0b])), /unsupported wire type 3/);
});

// ---------------------------------------------------------------------------------------------
// KITTI labels

test('KITTI label parsing: fields, blank lines, confidence, errors with FILE:LINE', () => {
  const text = 'Car 0.00 0 -1.58 587.01 173.33 614.12 200.12 1.65 1.67 3.64 -0.65 1.71 46.70 -1.59\r\n\n  Pedestrian 0.5 1 0.2 1 2 3 4 1.8 0.6 0.9 1 2 3 0.1 0.875\n';
  const objs = parseKittiLabels(text, 'l.txt');
  assert.equal(objs.length, 2);
  assert.deepEqual([objs[0].cls, objs[0].x1, objs[0].y2, objs[0].rotationY, objs[0].line], ['Car', 587.01, 200.12, -1.59, 1]);
  assert.equal(objs[1].line, 3);
  assert.equal(objs[1].confidence, 0.875);
  assert.equal(objs[0].confidence, undefined);

  assert.throws(() => parseKittiLabels('a 0 0 0 1 2 3 4 0 0 0 0 0 0 0\n\nb 1 2 3 4 5 6 7 8\n', 'l.txt'), /^Error: l\.txt:3: expected 15 fields \(KITTI\) or 16 \(with confidence\), found 9$/);
  assert.throws(() => parseKittiLabels('a 0 0 0 1 2 3 4 0 0 0 0 0 0 0 0.5', 'l.txt', { allowConfidence: false }), /^Error: l\.txt:1: expected 15 fields \(KITTI\), found 16$/);
  assert.throws(() => parseKittiLabels('\na 0 0 0 1x 2 3 4 0 0 0 0 0 0 0', 'l.txt'), /^Error: l\.txt:2: field 5 \(x1\) is not a number: "1x"$/);
  assert.throws(() => parseKittiLabels('a 0 0 0 30 2 10 4 0 0 0 0 0 0 0', 'l.txt'), /l\.txt:1: x2 \(10\) is less than x1 \(30\)/);
  assert.throws(() => parseKittiLabels('a 0 0 0 1 20 10 4 0 0 0 0 0 0 0', 'l.txt'), /l\.txt:1: y2 \(4\) is less than y1 \(20\)/);
  // Python float() syntax: exponents, inf/nan, digit underscores.
  const py = parseKittiLabels('a 1e-1 -0 nan 1_0 2 30 4E1 inf -inf 0 0 0 0 0', 'l.txt', { checkBoxes: false })[0];
  assert.deepEqual([py.truncated, py.alpha, py.x1, py.y2, py.h, py.w], [0.1, NaN, 10, 40, Infinity, -Infinity]);
});

test('KITTI lines are formatted as TAO inference writes them (Python rounding)', () => {
  assert.equal(formatKittiLine(kittiBox('car', 10.125, 20, 30.5004, 40.0005), 0.8755), 'car 0.00 0 0.00 10.125 20.000 30.500 40.001 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.875');
  assert.equal(formatKittiLine(kittiBox('car', 1, 2, 3, 4)).split(' ').length, 15);
  // Exact halves round to even like Python's format(), unlike toFixed.
  assert.deepEqual([0.125, 0.375, 2.5, -0.0001].map((x) => formatPyFixed(x, 2)), ['0.12', '0.38', '2.50', '-0.00']);
  assert.equal(formatPyFixed(2.5, 0), '2');
  assert.equal(formatPyFixed(NaN, 3), 'nan');
});

// ---------------------------------------------------------------------------------------------
// Python's random, which fixes TAO's frame order

test("PyRandom reproduces Python's random.seed(42) stream and shuffle", () => {
  assert.equal(new PyRandom(42).random(), 0.6394267984578837);
  const l = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  new PyRandom(42).shuffle(l);
  assert.deepEqual(l, [7, 3, 2, 8, 5, 6, 9, 4, 0, 1]);
  // TAO's own converter test expects this record order for these three frames.
  const frames = ['000000', '000001', '000012'];
  new PyRandom(42).shuffle(frames);
  assert.deepEqual(frames, ['000001', '000000', '000012']);
});

// ---------------------------------------------------------------------------------------------
// Conversion

function png(path: string, width: number, height: number): void {
  writeFileSync(path, encodePng({ width, height, channels: 3, data: new Uint8Array(width * height * 3).fill(90) }));
}

/** KITTI folder: images 000000..N-1 (width 20+i, height 10+i), one car per frame, pedestrians on even frames. */
function kittiFolder(name: string, n: number): string {
  const root = join(work, name);
  mkdirSync(join(root, 'image_2'), { recursive: true });
  mkdirSync(join(root, 'label_2'), { recursive: true });
  for (let i = 0; i < n; i++) {
    const id = String(i).padStart(6, '0');
    png(join(root, 'image_2', `${id}.png`), 20 + i, 10 + i);
    const lines = [`Car 0.00 0 -1.58 1.5 2 ${10 + i} 8.25 1.65 1.67 3.64 -0.65 1.71 46.70 -1.59`];
    if (i % 2 === 0) lines.push('', `Pedestrian 0.5 2 0.2 3 1 6 9 1.8 0.6 0.9 1 2 3 0.1`);
    writeFileSync(join(root, 'label_2', `${id}.txt`), lines.join('\n') + '\n');
  }
  writeFileSync(join(root, 'image_2', 'notes.txt'), 'not an image');
  return root;
}

function options(root: string, prefix: string, extra: Partial<KittiConvertOptions> = {}): KittiConvertOptions {
  return {
    rootDirectory: root,
    imageDirName: 'image_2',
    labelDirName: 'label_2',
    imageExtension: '.png',
    partitionMode: 'random',
    numPartitions: 2,
    valSplit: 30,
    numShards: 2,
    outputPrefix: prefix,
    ...extra,
  };
}

const TAO_KEYS = [
  'frame/id', 'frame/height', 'frame/width',
  'target/object_class', 'target/truncation', 'target/occlusion', 'target/observation_angle',
  'target/coordinates_x1', 'target/coordinates_y1', 'target/coordinates_x2', 'target/coordinates_y2',
  'target/world_bbox_h', 'target/world_bbox_w', 'target/world_bbox_l',
  'target/world_bbox_x', 'target/world_bbox_y', 'target/world_bbox_z', 'target/world_bbox_rot_y',
];

test('random partitions: TAO file names, fold sizes, frame order, feature keys and types', () => {
  const root = kittiFolder('kitti-random', 10);
  // One inverted box: TAO skips the object and lists it in the warning file.
  writeFileSync(join(root, 'label_2', '000003.txt'), 'Car 0 0 0 1 2 10 8 0 0 0 0 0 0 0\nVan 0 0 0 9.9 2 9.2 8 0 0 0 0 0 0 0\n');
  const prefix = join(work, 'out-random', 'kitti_trainval');
  const logs: string[] = [];
  const result = convertKitti({ ...options(root, prefix), log: (m) => logs.push(m) });

  const names = readdirSync(join(work, 'out-random')).sort();
  assert.deepEqual(names, [
    'kitti_trainval-fold-000-of-002-shard-00000-of-00002',
    'kitti_trainval-fold-000-of-002-shard-00001-of-00002',
    'kitti_trainval-fold-001-of-002-shard-00000-of-00002',
    'kitti_trainval-fold-001-of-002-shard-00001-of-00002',
    'kitti_trainval_warning.json',
  ]);
  assert.equal(result.numImages, 10);
  assert.ok(logs.includes('Num images in\nTrain: 7\tVal: 3'), logs.join('|'));
  // Validation = first 30% of the sorted names; order inside shards = Python's shuffle (seed 42).
  const ids = (shard: string) => readExamples(join(work, 'out-random', `kitti_trainval-${shard}`)).map((f) => new TextDecoder().decode((f['frame/id'] as { bytes: Uint8Array[] }).bytes[0]));
  assert.deepEqual(ids('fold-000-of-002-shard-00000-of-00002'), ['image_2/000000']);
  assert.deepEqual(ids('fold-000-of-002-shard-00001-of-00002'), ['image_2/000001', 'image_2/000002']);
  assert.deepEqual(ids('fold-001-of-002-shard-00000-of-00002'), ['image_2/000004', 'image_2/000007', 'image_2/000009']);
  assert.deepEqual(ids('fold-001-of-002-shard-00001-of-00002'), ['image_2/000006', 'image_2/000005', 'image_2/000003', 'image_2/000008']);

  // Keys and list types as TAO's kitti_converter_lib writes them.
  const ex = readExamples(join(work, 'out-random', 'kitti_trainval-fold-000-of-002-shard-00000-of-00002'))[0];
  assert.deepEqual(Object.keys(ex).sort(), [...TAO_KEYS].sort());
  const kinds = Object.fromEntries(Object.entries(ex).map(([k, v]) => [k, Object.keys(v)[0]]));
  for (const k of TAO_KEYS) {
    const want = k === 'frame/id' || k === 'target/object_class' ? 'bytes' : k === 'frame/height' || k === 'frame/width' || k === 'target/occlusion' ? 'int64' : 'float';
    assert.equal(kinds[k], want, k);
  }
  assert.deepEqual(ex['frame/width'], { int64: [20] });
  assert.deepEqual(ex['frame/height'], { int64: [10] });
  assert.deepEqual(ex['target/occlusion'], { int64: [0, 2] });
  assert.deepEqual(ex['target/coordinates_y2'], { float: [8.25, 9] });
  assert.deepEqual(ex['target/world_bbox_z'], { float: [Math.fround(46.7), 3] });

  // Counts per fold as TAO logs them (bytes repr, first seen first).
  assert.deepEqual(result.folds.map((f) => [f.fold, f.frames, f.counts]), [
    [0, 3, [['car', 3], ['pedestrian', 2]]],
    [1, 7, [['car', 7], ['pedestrian', 3]]],
  ]);
  assert.equal(formatObjectCounts(result.folds[0].counts), "\nWrote the following numbers of objects:\nb'car': 3\nb'pedestrian': 2\n");
  assert.deepEqual(result.classMap, [['Car', 'car'], ['Pedestrian', 'pedestrian']]);
  const warnings = JSON.parse(readFileSync(`${prefix}_warning.json`, 'utf8'));
  assert.deepEqual(warnings, { [`${join(root, 'label_2', '000003.txt')}_1`]: [9, 2, 9, 8] });

  // Read back for training: folds from the names, sizes from the PNG headers, lower-cased classes.
  const { frames, files } = readDetectionFrames(join(work, 'out-random', '*'), root, 'png');
  assert.equal(files.length, 4, 'the warning JSON is not read as records');
  assert.equal(frames.length, 10);
  assert.deepEqual(frames.filter((f) => f.fold === 0).map((f) => f.id).sort(), ['image_2/000000', 'image_2/000001', 'image_2/000002']);
  const f5 = frames.find((f) => f.id === 'image_2/000005')!;
  assert.deepEqual([f5.width, f5.height, f5.fold, f5.imagePath], [25, 15, 1, join(root, 'image_2', '000005.png')]);
  assert.deepEqual(f5.objects, [{ cls: 'car', x1: 1.5, y1: 2, x2: 15, y2: 8.25, truncation: 0, occlusion: 0 }]);
  assert.equal(frames.find((f) => f.id === 'image_2/000003')!.objects.length, 1);
});

test('sequence partitions: longest sequences dealt first, list reversed, no shard suffix with num_shards 0', () => {
  const root = join(work, 'kitti-seq');
  mkdirSync(join(root, 'img'), { recursive: true });
  mkdirSync(join(root, 'lab'), { recursive: true });
  const seq = { a: ['a0', 'a1', 'a2'], b: ['b0', 'b1'], c: ['c0', 'c1', 'c2', 'c3'] };
  for (const id of Object.values(seq).flat()) {
    png(join(root, 'img', `${id}.png`), 4, 3);
    writeFileSync(join(root, 'lab', `${id}.txt`), '');
  }
  writeFileSync(join(root, 'seq.json'), JSON.stringify(seq));
  const prefix = join(work, 'out-seq', 'seq');
  const result = convertKitti(options(root, prefix, { imageDirName: 'img', labelDirName: 'lab', partitionMode: 'sequence', sequenceToFramesFile: 'seq.json', numShards: 0 }));
  assert.deepEqual(result.files.map((f) => basename(f)), ['seq-fold-000-of-002', 'seq-fold-001-of-002']);
  const order = (f: string) => readExamples(f).map((e) => new TextDecoder().decode((e['frame/id'] as { bytes: Uint8Array[] }).bytes[0]));
  // Same order as TAO's Python (seed 42) produces for this map.
  assert.deepEqual(order(result.files[0]), ['img/a1', 'img/a0', 'img/a2']);
  assert.deepEqual(order(result.files[1]), ['img/c3', 'img/b0', 'img/b1', 'img/c1', 'img/c2', 'img/c0']);
  // Frames without objects still carry every target key, with empty lists.
  assert.deepEqual(readExamples(result.files[0])[0]['target/object_class'], { bytes: [] });
});

test("TAO's converter fixture: one partition, one shard, point clouds and calibration matrices", () => {
  const root = join(work, 'kitti-tao');
  for (const d of ['image_2', 'label_2', 'calib']) mkdirSync(join(root, d), { recursive: true });
  const sizes: Record<string, [number, number]> = { '000012': [1242, 375], '000000': [1224, 370], '000001': [1242, 375] };
  for (const [id, [w, h]] of Object.entries(sizes)) {
    // A header-only PNG is enough: sizes come from IHDR, not from decoding.
    const ihdr = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(ihdr);
    ihdr.writeUInt32BE(13, 8);
    ihdr.write('IHDR', 12, 'latin1');
    ihdr.writeUInt32BE(w, 16);
    ihdr.writeUInt32BE(h, 20);
    writeFileSync(join(root, 'image_2', `${id}.png`), ihdr);
    writeFileSync(join(root, 'label_2', `${id}.txt`), 'Car 0 0 0 1 2 3 4 0 0 0 0 0 0 0\n');
    const identity12 = '1.0 0.0 0.0 0.0 0.0 1.0 0.0 0.0 0.0 0.0 1.0 0.0';
    const calib = id === '000001'
      ? ['P0: 0', 'P1: 0', 'P2: 2.0 0.0 0.0 3.0 0.0 2.0 0.0 0.0 0.0 0.0 1.0 0.0', 'P3: 0', 'R0_rect: 0.0 0.0 1.0 0.0 1.0 0.0 -1.0 0.0 0.0', 'Tr_velo_to_cam: 1.0 0.0 0.0 4.0 0.0 1.0 0.0 6.0 0.0 0.0 1.0 0.0', 'Tr_imu_to_velo: 0']
      : ['P0: 0', 'P1: 0', `P2: ${identity12}`, 'P3: 0', 'R0_rect: 1 0 0 0 1 0 0 0 1', `Tr_velo_to_cam: ${identity12}`, 'Tr_imu_to_velo: 0'];
    writeFileSync(join(root, 'calib', `${id}.txt`), calib.join('\n') + '\n');
  }
  writeFileSync(join(root, 'map.json'), JSON.stringify({ '0': ['000000', '000001', '000012'] }));
  const prefix = join(work, 'out-tao', 'kitti_test.tfrecords');
  const result = convertKitti(options(root, prefix, { partitionMode: 'sequence', numPartitions: 0, numShards: 0, sequenceToFramesFile: 'map.json', pointCloudsDir: 'velodyne', calibrationsDir: 'calib' }));
  assert.deepEqual(result.files, [prefix]);
  const ex = readExamples(prefix);
  const id = (e: Features) => new TextDecoder().decode((e['frame/id'] as { bytes: Uint8Array[] }).bytes[0]);
  assert.deepEqual(ex.map(id), ['image_2/000001', 'image_2/000000', 'image_2/000012']);
  assert.deepEqual(ex.map((e) => (e['frame/width'] as { int64: number[] }).int64[0]), [1242, 1224, 1242]);
  assert.equal(new TextDecoder().decode((ex[0]['point_cloud/id'] as { bytes: Uint8Array[] }).bytes[0]), 'velodyne/000001');
  assert.deepEqual(ex[0]['point_cloud/num_input_channels'], { int64: [4] });
  assert.deepEqual(ex[0]['calibration/T_lidar_to_camera'], { float: [0, 0, 1, 0, 0, 1, 0, 6, -1, 0, 0, -4, 0, 0, 0, 1] });
  assert.deepEqual(ex[0]['calibration/P_lidar_to_image'], { float: [0, 0, 2, 3, 0, 2, 0, 12, -1, 0, 0, -4] });
  assert.deepEqual(imageSize(join(root, 'image_2', '000000.png')), { width: 1224, height: 370 });
  const jpg = join(root, 'x.jpg');
  writeFileSync(jpg, jpeg.encode({ data: Buffer.alloc(7 * 5 * 4, 128), width: 7, height: 5 }, 90).data);
  assert.deepEqual(imageSize(jpg), { width: 7, height: 5 });
  assert.throws(() => imageSize(join(root, 'map.json')), /map\.json: not a PNG, JPEG or BMP image/);
});

test('sample modifier filters and duplicates training frames only; stale shards are reported', () => {
  const root = kittiFolder('kitti-mod', 6);
  const prefix = join(work, 'out-mod', 'm');
  const sampleModifier = {
    filterSamplesContainingOnly: ['car'],
    dominantTargetClasses: ['car'],
    minimumTargetClassImbalance: { pedestrian: 0.5 },
    numDuplicates: 1,
    maxTrainingSamples: 0,
    sourceToTargetClassMapping: { car: 'car', pedestrian: 'pedestrian' },
  };
  // Validation = 000000, 000001 (unchanged). Training: car-only frames 3 and 5 are dropped,
  // frames 2 and 4 (1 pedestrian > 0.5 x 1 car) are written twice.
  const result = convertKitti(options(root, prefix, { valSplit: 34, numShards: 0, sampleModifier, validationFold: 0 }));
  assert.deepEqual(result.folds.map((f) => [f.frames, f.examples, f.counts]), [
    [2, 2, [['car', 2], ['pedestrian', 1]]],
    [4, 4, [['car', 4], ['pedestrian', 4]]],
  ]);
  const ids = readDetectionFrames(`${prefix}-fold-001-of-002`, root, 'png').frames.map((f) => f.id).sort();
  assert.deepEqual(ids, ['image_2/000002', 'image_2/000002', 'image_2/000004', 'image_2/000004']);
  assert.throws(() => convertKitti(options(root, prefix, { sampleModifier: { ...sampleModifier, dominantTargetClasses: ['truck'] } })), /dominant_target_classes: truck not among/);

  const again = convertKitti(options(root, prefix, { valSplit: 34, numShards: 1 }));
  assert.deepEqual(again.staleFiles.map((f) => basename(f)), ['m-fold-000-of-002', 'm-fold-001-of-002']);
});

test('bad labels stop the conversion before any file is written', () => {
  const root = kittiFolder('kitti-bad', 4);
  writeFileSync(join(root, 'label_2', '000002.txt'), 'Car 0 0 0 1 2 3 4 0 0 0 0 0 0 0\nCar 0 0 0 1 2 3\n');
  const out = join(work, 'out-bad');
  assert.throws(() => convertKitti(options(root, join(out, 'p'), { valSplit: 25 })), new RegExp(`${join(root, 'label_2', '000002.txt').replace(/[.\\/]/g, '\\$&')}:2: expected 15 fields \\(KITTI\\), found 7`));
  assert.equal(existsSync(out), false);
  assert.throws(() => convertKitti(options(root, join(out, 'p'), { numPartitions: 3 })), /num_partitions must be 2 in random partition mode/);
  assert.throws(() => convertKitti(options(root, join(out, 'p'), { imageExtension: '.jpg' })), /no images ending in "\.jpg"/);
});

test('reader errors: glob without matches, corrupt record, missing image', () => {
  const root = kittiFolder('kitti-read', 3);
  const outDir = join(work, 'out-read');
  convertKitti(options(root, join(outDir, 'r'), { valSplit: 0, numShards: 0 }));
  // val_split 0: the empty validation partition is dropped, so training is written as fold 000 (as TAO does).
  assert.deepEqual(readdirSync(outDir), ['r-fold-000-of-002']);
  assert.throws(() => readDetectionFrames(join(outDir, 'x*'), root, 'png'), /No files match pattern .*x\*/);
  assert.throws(() => readDetectionFrames(join(work, 'nowhere', '*'), root, 'png'), /No files match pattern/);
  assert.throws(() => readDetectionFrames(join(work, '*', 'r*'), root, 'png'), /wildcards are supported in the file name only/);

  const file = join(outDir, 'r-fold-000-of-002');
  const bytes = readFileSync(file);
  const first = Number(bytes.readBigUInt64LE(0));
  const corrupt = Buffer.from(bytes);
  const secondData = 16 + first + 12 + 5;
  corrupt[secondData] ^= 0x01;
  writeFileSync(join(outDir, 'corrupt-fold-000-of-002'), corrupt);
  assert.throws(
    () => readDetectionFrames(join(outDir, 'corrupt*'), root, '.png'),
    new RegExp(`corrupt-fold-000-of-002: record 1 at byte ${16 + first}: data CRC mismatch \\(file is corrupt or not a TFRecord\\)`),
  );

  const img = join(root, 'image_2', '000001.png');
  writeFileSync(img + '.bak', readFileSync(img));
  rmSync(img);
  assert.throws(() => readDetectionFrames(file, root, 'png'), /r-fold-000-of-002: record \d+ \(frame "image_2\/000001"\): image not found: .*000001\.png/);
  assert.equal(readDetectionFrames(file, root, 'png', { checkImages: false }).frames.length, 3);
});

// ---------------------------------------------------------------------------------------------
// CLI (needs dataset_convert in detectnet_v2's task table)

test('tao-engine detectnet_v2 dataset_convert -d SPEC -o PREFIX', () => {
  const root = kittiFolder('kitti-cli', 6);
  const specDir = join(work, 'cli-specs');
  mkdirSync(specDir, { recursive: true });
  const spec = join(specDir, 'convert.txt');
  writeFileSync(
    spec,
    `kitti_config {
  root_directory_path: "../kitti-cli"
  image_dir_name: "image_2"
  label_dir_name: "label_2"
  image_extension: ".png"
  partition_mode: "random"
  num_partitions: 2
  val_split: 34
  num_shards: 2
}
image_directory_path: "../kitti-cli"
`,
  );
  const prefix = join(work, 'cli-out', 'tfrecords', 'kitti_trainval');
  const results = join(work, 'cli-out', 'results');
  const r = runEngine(['detectnet_v2', 'dataset_convert', '-d', spec, '-o', prefix, '-r', results]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readdirSync(join(work, 'cli-out', 'tfrecords')).length, 4);
  assert.match(r.stdout, /Wrote the following numbers of objects:\nb'car': 2\nb'pedestrian': 1\n/);
  assert.match(r.stdout, /For the dataset_config in the experiment_spec, please use labels in the tfrecords file/);
  const status = readFileSync(join(results, 'status.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(status[0].status, 'STARTED');
  assert.equal(status[status.length - 1].status, 'SUCCESS');
  assert.ok(status.some((s) => s.categorical?.num_objects?.car === 6));
  const back = readDetectionFrames(join(work, 'cli-out', 'tfrecords', '*'), root, 'png');
  assert.equal(back.frames.filter((f) => f.fold === 0).length, 2);

  // A spec problem is reported with its line, and nothing is written.
  writeFileSync(spec, 'kitti_config {\n  root_directory_path: "../kitti-cli"\n  partition_mode: "shuffled"\n}\n');
  const bad = runEngine(['detectnet_v2', 'dataset_convert', '-d', spec, '-o', join(work, 'cli-bad', 'x'), '-r', join(work, 'cli-bad-r')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /convert\.txt:3:\d+: partition_mode must be "random" or "sequence"/);
  assert.equal(existsSync(join(work, 'cli-bad')), false);
});
