// DetectNet_v2 prune, re-train and export through the CLI, on a model trained for one epoch on
// generated 64x64 scenes: the prune report and the heads, the pruned folder in every other
// task, a load_graph re-train that keeps the pruned shapes, the ONNX graph (TAO's tensor
// names, shapes, onnxruntime against tfjs), the INT8 cache, the DeepStream files, bad input.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { onnx } from 'onnx-proto';
import { runEngine, tempDir } from './helpers';
import { writeDetectionScenes } from '../../engine/src/data/scenes';
import { decodeImage, toChannels } from '../../engine/src/data/images';
import { datasetConvertSpec, detectInferenceSpec, detectTrainSpec } from '../../engine/src/tools/detect-specs';
import { loadModel } from '../../engine/src/io/model-io';
import { writeKerasModel } from '../../engine/src/io/hdf5/keras-model';
import { loadOrt } from '../../engine/src/export/ort';
import { hwcToNchw } from '../../engine/src/export/cal-images';
import { parseCalibrationCache } from '../../engine/src/export/cal-cache';
import { FrameImages } from '../../engine/src/networks/detectnet_v2/frames';
import { toInputBatch } from '../../engine/src/networks/detectnet_v2/predict';

const work = tempDir('detect-prune');
const SIZE = 64;
let root = '';
let classes: string[] = [];
let spec = '';
let trained = '';
let pruned = '';
let report: { params_before: number; params_after: number; output_layers: string[]; layers: Array<{ name: string; kept: number; total: number }> };

function ok(args: string[]): string {
  const r = runEngine(args);
  assert.equal(r.code, 0, `${args.slice(0, 2).join(' ')} failed:\n${r.stderr}`);
  return r.stderr;
}

function paramCount(modelDir: string): number {
  const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ weights: Array<{ shape: number[] }> }> };
  let total = 0;
  for (const group of json.weightsManifest) for (const w of group.weights) total += w.shape.reduce((a, b) => a * b, 1);
  return total;
}

/** Layer name -> kernel shape, read from model.json's weights manifest. */
function kernelShapes(modelDir: string): Map<string, number[]> {
  const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ weights: Array<{ name: string; shape: number[] }> }> };
  const out = new Map<string, number[]>();
  for (const g of json.weightsManifest) for (const w of g.weights) if (w.name.endsWith('/kernel')) out.set(w.name.split('/')[0], w.shape);
  return out;
}

before(async () => {
  await tf.setBackend('cpu');
  root = join(work, 'kitti');
  classes = writeDetectionScenes(root, { count: 16, width: SIZE, height: SIZE, seed: 11, classes: [1, 8], minObjects: 1, maxObjects: 2, minSize: 20, maxSize: 40 }).classNames;
  writeFileSync(join(work, 'convert.txt'), datasetConvertSpec({ root, valSplit: 25, shards: 1 }));
  ok(['detectnet_v2', 'dataset_convert', '-d', join(work, 'convert.txt'), '-o', join(work, 'tfrecords', 'scenes'), '--quiet']);
  spec = join(work, 'train.txt');
  writeFileSync(spec, detectTrainSpec({ classes, width: SIZE, height: SIZE, layers: 10, epochs: 1, batch: 4, tfrecords: join(work, 'tfrecords', '*'), images: root, augment: false }));
  ok(['detectnet_v2', 'train', '-e', spec, '-r', join(work, 'results'), '--quiet']);
  trained = join(work, 'results', 'weights', 'final');
  // A high threshold: after one epoch the filters' norms are still within a few percent of each
  // other (0.9 cuts nothing next to the heads), and this test needs cuts there.
  pruned = join(work, 'pruned');
  ok(['detectnet_v2', 'prune', '-m', trained, '-o', pruned, '-pth', '0.97', '-nf', '8', '--quiet']);
  report = JSON.parse(readFileSync(join(pruned, 'prune_report.json'), 'utf8'));
});

test('prune: report, fewer parameters, heads whole, both heads read the same kept channels', async () => {
  assert.deepEqual(readdirSync(pruned).sort(), ['detectnet_v2_resnet10_pruned.hdf5', 'model.json', 'prune_report.json', 'prune_report.txt', 'weights.bin']);
  assert.ok(report.params_after < report.params_before, `${report.params_after} < ${report.params_before}`);
  assert.equal(report.params_before, paramCount(trained));
  assert.equal(report.params_after, paramCount(pruned));
  assert.deepEqual(report.output_layers, ['output_cov', 'output_bbox']);
  assert.match(readFileSync(join(pruned, 'prune_report.txt'), 'utf8'), /parameters: \d+ -> \d+/);
  // -r left out: status.json goes next to the output folder.
  const status = readFileSync(join(work, 'status.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(status[status.length - 1].status, 'SUCCESS');
  assert.equal(status[status.length - 1].kpi.params_after, report.params_after);

  const before = kernelShapes(trained);
  const after = kernelShapes(pruned);
  const [cov0, bbox0, cov1, bbox1] = [before.get('output_cov')!, before.get('output_bbox')!, after.get('output_cov')!, after.get('output_bbox')!];
  assert.equal(cov1[3], classes.length, 'output_cov keeps one map per class');
  assert.equal(bbox1[3], 4 * classes.length, 'output_bbox keeps 4 maps per class');
  assert.ok(cov1[2] < cov0[2], `the heads' shared input is pruned (${cov0[2]} -> ${cov1[2]})`);
  assert.equal(cov1[2], bbox1[2]);
  assert.equal(bbox0[2], cov0[2]);

  // Which input channels each head kept, found by matching kernel rows to the original's:
  // both heads must keep the same ones, in the same order.
  const src = await loadModel(tf, trained);
  const dst = await loadModel(tf, pruned);
  const keptRows = (layer: string): number[] => {
    const a = src.model.getLayer(layer).getWeights()[0].arraySync() as number[][][][];
    const b = dst.model.getLayer(layer).getWeights()[0].arraySync() as number[][][][];
    return b[0][0].map((row) => a[0][0].findIndex((orig) => orig.every((v, k) => v === row[k])));
  };
  const covRows = keptRows('output_cov');
  assert.ok(covRows.every((i) => i >= 0), 'every pruned cov row is a row of the original');
  assert.deepEqual(keptRows('output_bbox'), covRows);
  assert.deepEqual(covRows, [...covRows].sort((x, y) => x - y));

  // The folder still describes itself: classes, input size, decoding.
  for (const key of ['network', 'classes', 'inputImageSize', 'bbox_scale', 'bbox_offset', 'input_fit']) assert.deepEqual(dst.metadata[key], src.metadata[key], key);
  assert.equal((dst.metadata.pruned as { params_after: number }).params_after, report.params_after);
  src.model.dispose();
  dst.model.dispose();
});

test('evaluate and inference run on the pruned folder', () => {
  const results = join(work, 'eval-pruned');
  ok(['detectnet_v2', 'evaluate', '-e', spec, '-m', pruned, '-r', results, '--quiet']);
  const ev = JSON.parse(readFileSync(join(results, 'evaluation.json'), 'utf8'));
  assert.ok(ev.mAP >= 0 && ev.mAP <= 1);
  assert.deepEqual(ev.per_class.map((p: { class: string }) => p.class), classes);
  const inferSpec = join(work, 'infer.txt');
  writeFileSync(inferSpec, detectInferenceSpec({ classes, width: SIZE, height: SIZE }));
  const out = join(work, 'inferred-pruned');
  ok(['detectnet_v2', 'inference', '-e', inferSpec, '-m', pruned, '-i', join(root, 'image_2'), '-o', out, '--quiet']);
  assert.equal(readdirSync(join(out, 'labels')).length, 16);
});

test('prune -> re-train with load_graph trains the pruned shapes, and the result evaluates', () => {
  const retrain = join(work, 'retrain.txt');
  writeFileSync(retrain, detectTrainSpec({ classes, width: SIZE, height: SIZE, layers: 10, epochs: 1, batch: 4, tfrecords: join(work, 'tfrecords', '*'), images: root, augment: false, pretrained: pruned, loadGraph: true }));
  const results = join(work, 'retrained');
  const log = ok(['detectnet_v2', 'train', '-e', retrain, '-r', results]);
  assert.match(log, /as it is \(load_graph\)/);
  const final = join(results, 'weights', 'final');
  assert.equal(paramCount(final), report.params_after);
  assert.deepEqual([...kernelShapes(final)], [...kernelShapes(pruned)]);
  ok(['detectnet_v2', 'evaluate', '-e', retrain, '-m', final, '-r', results, '--quiet']);
  assert.ok(existsSync(join(results, 'evaluation.json')));

  // The spec's input size must be the pruned graph's: a mismatch is one clear error.
  const wrong = join(work, 'retrain-wrong.txt');
  writeFileSync(wrong, detectTrainSpec({ classes, width: 2 * SIZE, height: SIZE, layers: 10, epochs: 1, batch: 4, tfrecords: join(work, 'tfrecords', '*'), images: root, pretrained: pruned, loadGraph: true }));
  const r = runEngine(['detectnet_v2', 'train', '-e', wrong, '-r', join(work, 'retrained-wrong')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /load_graph: .* takes 64x64x3 input, the spec's preprocessing is 128x64x3/);
});

test('.hdf5: the pruned Keras file re-trains (load_graph) as TAO reads it; a TAO file without our metadata evaluates with -e', async () => {
  const hdf5 = join(pruned, 'detectnet_v2_resnet10_pruned.hdf5');
  const retrain = join(work, 'retrain-hdf5.txt');
  writeFileSync(retrain, detectTrainSpec({ classes, width: SIZE, height: SIZE, layers: 10, epochs: 1, batch: 4, tfrecords: join(work, 'tfrecords', '*'), images: root, augment: false, pretrained: hdf5, loadGraph: true }));
  const results = join(work, 'retrained-hdf5');
  ok(['detectnet_v2', 'train', '-e', retrain, '-r', results, '--quiet']);
  assert.equal(paramCount(join(results, 'weights', 'final')), report.params_after);

  // A file as TAO writes it: the graph and weights, none of the engine's metadata.
  const { model } = await loadModel(tf, trained);
  const taoFile = join(work, 'tao-style.hdf5');
  await writeKerasModel(model, taoFile);
  model.dispose();
  const evalDir = join(work, 'eval-tao-style');
  ok(['detectnet_v2', 'evaluate', '-e', spec, '-m', taoFile, '-r', evalDir, '--quiet']);
  const fromFile = JSON.parse(readFileSync(join(evalDir, 'evaluation.json'), 'utf8'));
  const refDir = join(work, 'eval-trained');
  ok(['detectnet_v2', 'evaluate', '-e', spec, '-m', trained, '-r', refDir, '--quiet']);
  assert.equal(fromFile.mAP, JSON.parse(readFileSync(join(refDir, 'evaluation.json'), 'utf8')).mAP);
  // Without a spec nothing says what its channels mean: prune asks for -e.
  const r = runEngine(['detectnet_v2', 'prune', '-m', taoFile, '-o', join(work, 'pruned-tao-style'), '--quiet']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /carries no class list .*give -e SPEC/);
  ok(['detectnet_v2', 'prune', '-e', spec, '-m', taoFile, '-o', join(work, 'pruned-tao-style'), '-pth', '0.5', '--quiet']);
});

/** The first n scene images as training prepares them (top-left fit, / 255), NHWC. */
function sceneBatch(n: number): Float32Array {
  const files = readdirSync(join(root, 'image_2')).sort().slice(0, n).map((f) => join(root, 'image_2', f));
  const images = new FrameImages({ width: SIZE, height: SIZE, channels: 3, fit: 'pad' });
  return toInputBatch(files.map((imagePath) => images.load({ imagePath })), { width: SIZE, height: SIZE, channels: 3 });
}

test('export fp32: TAO tensor names and shapes; onnxruntime equals tfjs within 1e-4 on both outputs', async () => {
  const onnxPath = join(work, 'export', 'model.onnx');
  ok(['detectnet_v2', 'export', '-m', pruned, '-o', onnxPath, '--quiet']);
  assert.ok(existsSync(join(work, 'export', 'status.json')), 'status.json next to the .onnx without -r');
  const graph = onnx.ModelProto.decode(readFileSync(onnxPath)).graph!;
  const dims = (v: onnx.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
  assert.deepEqual(graph.input!.map((v) => v.name), ['input_1']);
  assert.deepEqual(dims(graph.input![0]), ['N', 3, SIZE, SIZE]);
  assert.deepEqual(graph.output!.map((v) => v.name), ['output_cov/Sigmoid', 'output_bbox/BiasAdd']);
  assert.deepEqual(dims(graph.output![0]), ['N', classes.length, SIZE / 16, SIZE / 16]);
  assert.deepEqual(dims(graph.output![1]), ['N', 4 * classes.length, SIZE / 16, SIZE / 16]);
  // The sigmoid is the node producing output_cov/Sigmoid itself, not a copy of it.
  assert.equal(graph.node!.find((n) => n.output![0] === 'output_cov/Sigmoid')!.opType, 'Sigmoid');

  const n = 4;
  const x = sceneBatch(n);
  const loaded = await loadModel(tf, pruned);
  const [cov, bbox] = loaded.model.predict(tf.tensor4d(x, [n, SIZE, SIZE, 3])) as tf.Tensor4D[];
  const nchw = (t: tf.Tensor4D) => t.transpose([0, 3, 1, 2]).dataSync() as Float32Array;
  const expected = [nchw(cov), nchw(bbox)];
  loaded.model.dispose();
  const ort = loadOrt();
  const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1 });
  const out = await session.run({ input_1: new ort.Tensor('float32', hwcToNchw(x, n, SIZE, SIZE, 3), [n, 3, SIZE, SIZE]) });
  const diffs = ['output_cov/Sigmoid', 'output_bbox/BiasAdd'].map((name, i) => {
    const got = out[name].data as Float32Array;
    assert.equal(got.length, expected[i].length, name);
    let max = 0;
    for (let k = 0; k < got.length; k++) max = Math.max(max, Math.abs(got[k] - expected[i][k]));
    return max;
  });
  await session.release();
  process.stdout.write(`# ORT vs tfjs max abs diff: cov ${diffs[0].toExponential(2)}, bbox ${diffs[1].toExponential(2)}\n`);
  for (const d of diffs) assert.ok(d <= 1e-4, `max abs diff ${d}`);
});

test('export int8: the cache names only tensors of the graph; the input range is that of training input (/255)', () => {
  const dir = join(work, 'export-int8');
  const onnxPath = join(dir, 'model.onnx');
  ok(['detectnet_v2', 'export', '-m', pruned, '-o', onnxPath, '--data_type', 'int8', '--cal_image_dir', join(root, 'image_2'), '--batches', '2', '--batch_size', '3', '--cal_algorithm', 'minmax', '--quiet']);
  const graph = onnx.ModelProto.decode(readFileSync(onnxPath)).graph!;
  const tensors = new Set([...graph.input!.map((v) => v.name!), ...graph.node!.flatMap((nd) => nd.output!)]);
  const { header, scales } = parseCalibrationCache(readFileSync(join(dir, 'cal.bin'), 'utf8'));
  assert.match(header, /^TRT-\d+-MinMaxCalibration$/);
  for (const name of scales.keys()) assert.ok(tensors.has(name), `${name} is not a tensor of the graph`);
  for (const name of ['input_1', 'output_cov/Sigmoid', 'output_bbox/BiasAdd']) assert.ok(scales.has(name), name);
  // The graph itself stays fp32: no weight is stored in half precision.
  assert.ok(graph.initializer!.every((t) => t.dataType === onnx.TensorProto.DataType.FLOAT || t.dataType === onnx.TensorProto.DataType.INT64));
  // minmax: the input's scale is max |x| / 127 over the 6 images used; pixels / 255 as in training.
  let max = 0;
  for (const f of readdirSync(join(root, 'image_2')).sort().slice(0, 6)) for (const v of toChannels(decodeImage(join(root, 'image_2', f)), 3).data) max = Math.max(max, v / 255);
  assert.ok(Math.abs(scales.get('input_1')! - Math.fround(max / 127)) < 1e-9, `${scales.get('input_1')} vs ${max / 127}`);
});

test('export --gen_ds_config writes nvinfer_config.txt (TAO keys first) and labels.txt in channel order', () => {
  const dir = join(work, 'export-ds');
  ok(['detectnet_v2', 'export', '-m', pruned, '-o', join(dir, 'detector.onnx'), '--gen_ds_config', '--data_type', 'int8', '--cal_image_dir', join(root, 'image_2'), '--batches', '1', '--batch_size', '2', '-e', spec, '--quiet']);
  assert.equal(readFileSync(join(dir, 'labels.txt'), 'utf8'), classes.join('\n') + '\n');
  assert.equal(
    readFileSync(join(dir, 'nvinfer_config.txt'), 'utf8'),
    [
      'net-scale-factor=0.00392156862745098',
      'offsets=0.0;0.0;0.0',
      `infer-dims=3;${SIZE};${SIZE}`,
      'tlt-model-key=',
      'network-type=0',
      `num-detected-classes=${classes.length}`,
      'model-color-format=0',
      'maintain-aspect-ratio=0',
      'output-tensor-meta=0',
      'onnx-file=detector.onnx',
      'labelfile-path=labels.txt',
      'output-blob-names=output_cov/Sigmoid;output_bbox/BiasAdd',
      'network-mode=1',
      'int8-calib-file=cal.bin',
    ].join('\n') + '\n',
  );
  // Without the flag, neither file is written.
  const plain = join(work, 'export-plain');
  ok(['detectnet_v2', 'export', '-m', pruned, '-o', join(plain, 'm.onnx'), '--data_type', 'fp16', '--quiet']);
  assert.deepEqual(readdirSync(plain).sort(), ['m.onnx', 'status.json']);
});

test('bad input: one clear error each, nothing written', () => {
  let r = runEngine(['detectnet_v2', 'prune', '-m', join(work, 'nope'), '-o', join(work, 'p2')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /model not found: .*nope/);
  assert.ok(!existsSync(join(work, 'p2')));

  r = runEngine(['detectnet_v2', 'prune', '-m', pruned, '-o', pruned]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /-o must differ from -m/);
  r = runEngine(['detectnet_v2', 'prune', '-m', join(pruned, 'model.json'), '-o', pruned]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /-o must differ from -m/);
  assert.equal(paramCount(pruned), report.params_after, 'the input folder is untouched');

  r = runEngine(['detectnet_v2', 'prune', '-m', pruned, '-o', join(work, 'p3'), '-pth', 'lots']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /-pth must be a number, got "lots"/);

  r = runEngine(['detectnet_v2', 'export', '-m', join(work, 'nope'), '-o', join(work, 'e2', 'm.onnx')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /model not found: .*nope/);
  r = runEngine(['detectnet_v2', 'export', '-m', pruned, '-o', join(work, 'e2', 'm.onnx'), '--data_type', 'int8']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--data_type int8 needs --cal_image_dir/);
  r = runEngine(['detectnet_v2', 'export', '-m', pruned, '-o', join(work, 'e2', 'm.onnx'), '--data_type', 'int8', '--cal_image_dir', join(work, 'tfrecords')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--cal_image_dir: no images/);
  assert.ok(!existsSync(join(work, 'e2', 'm.onnx')));

  // A folder with DetectNet_v2's heads but no metadata (as a TAO file): its classes must come from -e.
  const foreign = join(work, 'foreign');
  const json = JSON.parse(readFileSync(join(pruned, 'model.json'), 'utf8'));
  json.userDefinedMetadata = {};
  ok(['detectnet_v2', 'prune', '-m', pruned, '-o', foreign, '-pth', '0', '--quiet']);
  writeFileSync(join(foreign, 'model.json'), JSON.stringify(json));
  r = runEngine(['detectnet_v2', 'export', '-m', foreign, '-o', join(work, 'e3', 'm.onnx')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /foreign carries no class list .*give -e SPEC/);
});
