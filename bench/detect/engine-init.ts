// The starting point both sides of the detection benchmark train from: the network the
// engine's trainer builds for the spec (buildDetectnet with the spec's random_seed, the
// engine's seeded initializers), saved as a tfjs model folder. The training spec names it as
// pretrained_model_file, so the engine copies it layer by layer into its fresh model, and the
// PyTorch side reads the same file, so the two runs begin from identical weights.
//
//   node out/bench/detect/engine-init.js --spec SPEC --out DIR [--backend wasm]
// Prints one JSON line: trainable parameter count and the saved layers' weight names.
import { chooseBackend, isBackendChoice } from '../../engine/src/backend';
import { saveModel } from '../../engine/src/io/model-io';
import { buildDetectnet } from '../../engine/src/networks/detectnet_v2/model';
import { detectnetMetadata } from '../../engine/src/networks/detectnet_v2/metadata';
import { parseArgs } from '../common/util';
import { loadSpec } from './data';

async function main(): Promise<void> {
  const { extra: a } = parseArgs();
  const backend = String(a.get('backend') ?? 'wasm');
  if (!isBackendChoice(backend)) throw new Error(`unknown backend ${backend}`);
  const s = loadSpec(String(a.get('spec')));
  const { tf } = await chooseBackend(backend);
  const { cfg } = s;
  const model = buildDetectnet(tf, cfg.model, cfg.classes.length, cfg.randomSeed);
  const trainable = model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((p, d) => p * d, 1), 0);
  await saveModel(tf, model, String(a.get('out')), detectnetMetadata(cfg, cfg.classes));
  const layers = model.layers.filter((l) => l.weights.length > 0).length;
  model.dispose();
  process.stdout.write(JSON.stringify({ side: 'engine', trainable_params: trainable, layers_with_weights: layers }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
