// onnxruntime's side of the pruning benchmark, in its own process: decodes the spec's
// validation frames exactly as the engine feeds them (bytes -> [0, 1], no mean), lays them out
// NCHW as the exported graph expects, runs one warm-up batch, then times the session over every
// validation frame with one intra-op thread (the engine's wasm backend also uses one).
//
//   node out/bench/detect-prune/ort-infer.js --spec SPEC --onnx FILE --batch 4
import { performance } from 'node:perf_hooks';
import { loadOrt } from '../../engine/src/export/ort';
import { FrameImages } from '../../engine/src/networks/detectnet_v2/frames';
import { parseArgs } from '../common/util';
import { loadSpec } from '../detect/data';

function nchwBatch(images: Uint8Array[], h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(images.length * c * h * w);
  const plane = h * w;
  images.forEach((img, n) => {
    const base = n * c * plane;
    for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) out[base + k * plane + p] = img[p * c + k] / 255;
  });
  return out;
}

async function main(): Promise<void> {
  const { extra: a } = parseArgs();
  const batch = Number(a.get('batch') ?? 4);
  const s = loadSpec(String(a.get('spec')));
  const ort = loadOrt();
  const session = await ort.InferenceSession.create(String(a.get('onnx')), { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
  const images = new FrameImages(s.shape);
  const decoded = s.val.map((f) => images.load(f));
  const { height: h, width: w, channels: c } = s.shape;
  // Batches are laid out before the clock starts: the figure is the session's own time.
  const batches: Float32Array[] = [];
  for (let i = 0; i < decoded.length; i += batch) batches.push(nchwBatch(decoded.slice(i, i + batch), h, w, c));
  const inputName = session.inputNames[0];
  const feed = (x: Float32Array) => ({ [inputName]: new ort.Tensor('float32', x, [x.length / (c * h * w), c, h, w]) });
  await session.run(feed(batches[0]));
  const t0 = performance.now();
  for (const x of batches) await session.run(feed(x));
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ side: 'onnxruntime', infer_images: decoded.length, infer_seconds: seconds, infer_img_s: decoded.length / seconds, batch, outputs: session.outputNames }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
