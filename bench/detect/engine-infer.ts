// The engine's inference measurement for the detection benchmark, in its own process (one
// backend per process): loads the trained model with the engine's loadModel, decodes the
// validation frames up front, runs one warm-up batch, then times the engine's predictRaw over
// every validation frame (forward pass, reading the outputs back and the byte -> [0, 1]
// scaling; model loading and image decoding excluded). Writes the raw outputs (NHWC float32,
// frame order of the spec's validation split) so main.ts scores them with the same code as
// PyTorch's, and prints one JSON line.
//
//   node out/bench/detect/engine-infer.js --spec SPEC --model DIR --backend wasm --batch 16 --out DIR [--prefix ours]
// (writes DIR/PREFIX_val_cov.f32 and DIR/PREFIX_val_bbox.f32)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chooseBackend, isBackendChoice } from '../../engine/src/backend';
import { loadModel } from '../../engine/src/io/model-io';
import { FrameImages } from '../../engine/src/networks/detectnet_v2/frames';
import { predictRaw } from '../../engine/src/networks/detectnet_v2/predict';
import { parseArgs } from '../common/util';
import { loadSpec } from './data';

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function main(): Promise<void> {
  const { extra: a } = parseArgs();
  const backend = String(a.get('backend') ?? 'wasm');
  if (!isBackendChoice(backend)) throw new Error(`unknown backend ${backend}`);
  const batch = Number(a.get('batch') ?? 16);
  const outDir = String(a.get('out'));
  const prefix = String(a.get('prefix') ?? 'ours');
  const s = loadSpec(String(a.get('spec')));
  const chosen = await chooseBackend(backend);
  const tf = chosen.tf;
  const { model } = await loadModel(tf, String(a.get('model')));
  const trainable = model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((p, d) => p * d, 1), 0);
  const images = new FrameImages(s.shape);
  const decoded = s.val.map((f) => images.load(f));
  const load = (i: number) => decoded[i];

  // Warm-up: the first call compiles kernels and allocates the backend's buffers.
  await predictRaw(tf, model, Math.min(batch, decoded.length), load, s.shape, batch);
  const t0 = performance.now();
  const raw = await predictRaw(tf, model, decoded.length, load, s.shape, batch);
  const seconds = (performance.now() - t0) / 1000;

  writeFileSync(join(outDir, `${prefix}_val_cov.f32`), concat(raw.map((r) => r.cov)));
  writeFileSync(join(outDir, `${prefix}_val_bbox.f32`), concat(raw.map((r) => r.bbox)));
  model.dispose();
  process.stdout.write(
    JSON.stringify({
      side: 'engine',
      backend: chosen.name,
      backend_description: chosen.description,
      trainable_params: trainable,
      infer_images: decoded.length,
      infer_seconds: seconds,
      infer_img_s: decoded.length / seconds,
      batch,
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
