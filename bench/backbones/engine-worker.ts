// One backbone measured in its own process (one backend per process): builds the classifier
// the way a classification_tf1 spec does, counts its parameters, times training steps with the
// engine trainer's step (bench/train/step.ts) and batched inference (predictSet), then exports
// it to ONNX and times the same batches in onnxruntime. Prints one JSON line on stdout.
//
//   node out/bench/backbones/engine-worker.js --backend wasm --arch resnet --layers 50
//     --images F --labels F --n N --size 224 --batch 32 --warmup 1 --steps 3 --infer-batches 3
//     [--threads N]  (onednn's and onnxruntime's intra-op threads; default 1)
//     [--use-pooling]  (model_config use_pooling: true, as TAO's ImageNet ResNet specs set it)
import { performance } from 'node:perf_hooks';
import { chooseBackend, isBackendChoice } from '../../engine/src/backend';
import { predictSet } from '../../engine/src/networks/classification_tf1/predict';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';
import { convertToOnnx } from '../../engine/src/export/convert';
import { loadOrt } from '../../engine/src/export/ort';
import { numArg, parseArgs } from '../common/util';
import { forwardFlops } from '../train/models';
import { makeStepper } from '../train/step';
import { loadSet } from '../train/data';

/** classification_tf1's 1000-class head, the figure TAO's references are quoted for. */
const CLASSES = 1000;

async function onnxInference(bytes: Uint8Array, batch: number, channels: number, size: number, runs: number, threads: number): Promise<number> {
  const ort = loadOrt();
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const data = new Float32Array(batch * channels * size * size);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, [batch, channels, size, size]) };
  await session.run(feeds); // warm-up: allocations and kernel selection
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await session.run(feeds);
  const seconds = (performance.now() - t0) / 1000;
  await session.release();
  return (runs * batch) / seconds;
}

async function main(): Promise<void> {
  const { extra: a } = parseArgs();
  const backend = String(a.get('backend') ?? 'wasm');
  if (!isBackendChoice(backend)) throw new Error(`unknown backend ${backend}`);
  const arch = String(a.get('arch'));
  const layers = a.has('layers') ? numArg(a, 'layers') : undefined;
  const size = numArg(a, 'size');
  const channels = 3;
  const n = numArg(a, 'n');
  const batch = numArg(a, 'batch', 32);
  const threads = numArg(a, 'threads', 1);
  const set = loadSet(String(a.get('images')), String(a.get('labels')), n, size, channels, CLASSES);

  const chosen = await chooseBackend(backend, { threads });
  const tf = chosen.tf;
  const modelConfig: Record<string, unknown> = { arch, input_image_size: `${channels},${size},${size}`, use_batch_norm: true };
  if (layers !== undefined) modelConfig.n_layers = layers;
  if (a.has('use-pooling')) modelConfig.use_pooling = true;
  const { config, problems } = buildConfig({ model_config: modelConfig, train_config: { batch_size_per_gpu: batch, n_epochs: 1 } } as never);
  const serious = problems.filter((p) => p.path.startsWith('model_config'));
  if (serious.length) throw new Error(serious.map((p) => p.message).join('; '));
  const net = buildClassifier(tf, config.model, CLASSES, 42).model;
  const result: Record<string, unknown> = {
    side: 'engine',
    backend: chosen.name,
    backend_description: chosen.description,
    threads: chosen.threads ?? 1,
    batch,
    input: `${channels}x${size}x${size}`,
    params: net.countParams(),
    flops_forward: forwardFlops(net),
    conv_dense_flops_forward: forwardFlops(net, true),
  };

  // ONNX first, from the freshly built weights (their values do not change the timing).
  const t = performance.now();
  const onnx = convertToOnnx(net, { opset: 13, batchSize: null, fp16Weights: false });
  result.onnx_export_s = (performance.now() - t) / 1000;
  result.onnx_infer_img_s = await onnxInference(onnx.bytes, batch, channels, size, numArg(a, 'infer-batches', 3), threads);
  result.onnx_threads = threads;

  try {
    measureEngine(tf, net, set, batch, a, result);
  } catch (err) {
    // Parameters and the ONNX figure stand on their own; say why the engine's figures are missing
    // (wasm's 32-bit memory cannot hold EfficientNet-B7's training state at batch 8).
    result.engine_error = (err as Error).message;
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

function measureEngine(tf: Awaited<ReturnType<typeof chooseBackend>>['tf'], net: ReturnType<typeof buildClassifier>['model'], set: ReturnType<typeof loadSet>,
  batch: number, a: Map<string, string | true>, result: Record<string, unknown>): void {
  const n = set.labels.length;
  const stepper = makeStepper(tf, net, set, CLASSES, batch);
  const warmup = numArg(a, 'warmup', 1);
  const steps = numArg(a, 'steps', 3);
  let pos = 0;
  const next = (): number => {
    const s = pos;
    pos = pos + batch * 2 > n ? 0 : pos + batch;
    return s;
  };
  for (let i = 0; i < warmup; i++) stepper.step(next());
  const t0 = performance.now();
  let loss = NaN;
  for (let i = 0; i < steps; i++) loss = stepper.step(next());
  result.train_img_s = (steps * batch) / ((performance.now() - t0) / 1000);
  result.last_loss = loss;

  const inferN = Math.min(n, numArg(a, 'infer-batches', 3) * batch);
  const inferSet = { ...set, labels: set.labels.subarray(0, inferN) };
  predictSet(tf, net, { ...inferSet, labels: inferSet.labels.subarray(0, batch) }, CLASSES, batch, stepper.pre); // warm-up
  const t1 = performance.now();
  predictSet(tf, net, inferSet, CLASSES, batch, stepper.pre);
  result.infer_img_s = inferN / ((performance.now() - t1) / 1000);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`backbones engine-worker: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
