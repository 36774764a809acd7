// `npm run pretrain:detect`: trains the DetectNet_v2 model the detection demo starts from, the
// way NVIDIA ships PeopleNet and friends for fine-tuning: a ResNet-10 detector on generated
// scenes of all ten Fashion-MNIST item classes (Debian's dataset-fashion-mnist, offline),
// stored in engine/pretrained/<name>/ with float16 weights and its validation mAP.
//   npm run pretrain:detect -- [--scenes 1200] [--epochs 8] [--size 96]
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../cli/args';
import { fashionMnistAvailable, FASHION_MNIST_DIR } from '../data/idx';
import { writeDetectionScenes } from '../data/scenes';
import { chooseBackend } from '../backend';
import { loadModel, saveModel } from '../io/model-io';
import { engine, repoRoot } from './run-cli';
import { datasetConvertSpec, detectTrainSpec } from './detect-specs';

export const DETECT_PRETRAINED = 'detectnet_v2_resnet10_scenes';

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  const count = Number(flags.scenes ?? 1200);
  const epochs = Number(flags.epochs ?? 8);
  const size = Number(flags.size ?? 96);
  if (!fashionMnistAvailable()) {
    process.stderr.write(`Fashion-MNIST not found in ${FASHION_MNIST_DIR}; install it with: apt-get install dataset-fashion-mnist\n`);
    process.exit(1);
  }
  const work = join(repoRoot, '.cache', 'pretrain-detect');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const kitti = join(work, 'scenes');
  // A seed the demo does not use, so the demo's scenes are new to the model.
  const scenes = writeDetectionScenes(kitti, { count, width: size, height: size, seed: 1001, minObjects: 1, maxObjects: 4, minSize: 16, maxSize: 64 });
  writeFileSync(join(work, 'convert.txt'), datasetConvertSpec({ root: kitti, valSplit: 10, shards: 4 }));
  engine(['detectnet_v2', 'dataset_convert', '-d', join(work, 'convert.txt'), '-o', join(work, 'tfrecords', 'scenes'), '--quiet']);
  const spec = join(work, 'train.txt');
  writeFileSync(spec, detectTrainSpec({ classes: scenes.classNames, width: size, height: size, layers: 10, epochs, batch: 16, maxLr: 1e-3, minLr: 1e-5, tfrecords: join(work, 'tfrecords', '*'), images: kitti, firstValidationEpoch: epochs, validationPeriod: epochs, checkpointInterval: 1, foregroundWeight: 0.25 }));
  const results = join(work, 'results');
  engine(['detectnet_v2', 'train', '-e', spec, '-r', results]);
  engine(['detectnet_v2', 'evaluate', '-e', spec, '-m', join(results, 'weights', 'final'), '-r', results, '--quiet']);
  const report = JSON.parse(readFileSync(join(results, 'evaluation.json'), 'utf8')) as { mAP: number };
  const { tf } = await chooseBackend('auto');
  const loaded = await loadModel(tf, join(results, 'weights', 'final'));
  const outDir = join(repoRoot, 'engine', 'pretrained', DETECT_PRETRAINED);
  const metadata = {
    ...loaded.metadata,
    pretrainedOn: `${count} generated scenes of ${size}x${size} with Fashion-MNIST items of all ten classes (seed 1001), ${epochs} epochs`,
    validationMAP: report.mAP,
  };
  await saveModel(tf, loaded.model, outDir, metadata, {}, { float16: true });
  process.stdout.write(`\npretrained detector: ${outDir} (validation mAP ${(report.mAP * 100).toFixed(1)}%)\n`);
}

main().catch((err) => {
  process.stderr.write(`pretrain:detect failed: ${(err as Error).message}\n`);
  process.exit(1);
});
