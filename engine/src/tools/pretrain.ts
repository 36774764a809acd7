// `npm run pretrain`: trains a backbone on Fashion-MNIST classes 0-4 (Debian package
// dataset-fashion-mnist, real images, offline), stores it in engine/pretrained/<name>/ with
// float16 weights, then measures what it is worth: fine-tuning on 50 images per class of
// classes 5-9 (never seen in pre-training) against training from scratch on the same images.
//   npm run pretrain -- [--arch mobilenet_v2] [--per-class 1200] [--epochs 3] [--compare-epochs 10] [--compare-only]
import { mkdirSync, writeFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../cli/args';
import { fashionMnistAvailable, FASHION_MNIST_DIR } from '../data/idx';
import { chooseBackend } from '../backend';
import { loadModel, saveModel } from '../io/model-io';
import { engine, repoRoot } from './run-cli';
import { classificationSpec } from './specs';

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  const arch = String(flags.arch ?? 'mobilenet_v2');
  const perClass = Number(flags['per-class'] ?? 1200);
  const epochs = Number(flags.epochs ?? 3);
  const compareEpochs = Number(flags['compare-epochs'] ?? 10);
  const name = `${arch}_fmnist_0-4`;
  const outDir = join(repoRoot, 'engine', 'pretrained', name);
  const work = join(repoRoot, '.cache', 'pretrain');
  if (!fashionMnistAvailable()) {
    process.stderr.write(`Fashion-MNIST not found in ${FASHION_MNIST_DIR}; install it with: apt-get install dataset-fashion-mnist\n`);
    process.exit(1);
  }
  mkdirSync(work, { recursive: true });
  const data04 = join(work, 'fmnist-0-4');
  const data59 = join(work, 'fmnist-5-9-50');

  if (!flags['compare-only']) {
    if (!existsSync(join(data04, 'train'))) {
      engine(['classification_tf1', 'dataset_convert', '--format', 'idx', '-o', data04, '-r', join(work, 'convert-0-4'), '--classes', '0,1,2,3,4', '--per-class', String(perClass), '--val-per-class', '100', '--test-per-class', '0', '--quiet']);
    }
    const spec = join(work, `pretrain-${arch}.txt`);
    writeFileSync(spec, classificationSpec({ arch, size: '1,28,28', train: join(data04, 'train'), val: join(data04, 'val'), test: join(data04, 'test'), epochs, batch: 64, lr: 0.002, flip: true }));
    const results = join(work, `pretrain-${arch}`);
    rmSync(results, { recursive: true, force: true });
    engine(['classification_tf1', 'train', '-e', spec, '-r', results]);
    engine(['classification_tf1', 'evaluate', '-e', spec, '-r', results, '--quiet']);
    const report = JSON.parse(readFileSync(join(results, 'evaluation.json'), 'utf8'));
    // Ship with float16 weights: half the bytes, same predictions to ~1e-3.
    const { tf } = await chooseBackend('auto');
    const loaded = await loadModel(tf, join(results, 'weights', 'final'));
    const metadata = {
      ...loaded.metadata,
      pretrainedOn: `Fashion-MNIST classes 0-4 (${Object.keys(loaded.metadata.classmap ?? {}).join(', ')}), ${perClass} training images per class, ${epochs} epochs`,
      testTop1: report.top1_accuracy,
    };
    await saveModel(tf, loaded.model, outDir, metadata, {}, { float16: true });
    process.stdout.write(`\npretrained model: ${outDir} (test top-1 on classes 0-4: ${report.top1_accuracy.toFixed(4)})\n`);
  }

  // Value of the pretrained model: 50 images per class of classes never seen in pre-training.
  if (!existsSync(join(data59, 'train'))) {
    engine(['classification_tf1', 'dataset_convert', '--format', 'idx', '-o', data59, '-r', join(work, 'convert-5-9'), '--classes', '5,6,7,8,9', '--per-class', '50', '--val-per-class', '10', '--test-per-class', '0', '--quiet']);
  }
  const rows: Array<{ run: string; top1: number; seconds: number }> = [];
  for (const run of ['scratch', 'finetune']) {
    const spec = join(work, `compare-${run}.txt`);
    writeFileSync(spec, classificationSpec({
      arch, size: '1,28,28', train: join(data59, 'train'), val: join(data59, 'val'), test: join(data59, 'test'),
      pretrained: run === 'finetune' ? outDir : undefined, epochs: compareEpochs, batch: 25, lr: 0.001, flip: true,
    }));
    const results = join(work, `compare-${run}`);
    rmSync(results, { recursive: true, force: true });
    const started = Date.now();
    engine(['classification_tf1', 'train', '-e', spec, '-r', results, '--quiet']);
    const seconds = (Date.now() - started) / 1000;
    engine(['classification_tf1', 'evaluate', '-e', spec, '-r', results, '--quiet']);
    const report = JSON.parse(readFileSync(join(results, 'evaluation.json'), 'utf8'));
    rows.push({ run, top1: report.top1_accuracy, seconds });
  }
  const summary = {
    arch,
    task: 'Fashion-MNIST classes 5-9, 50 training images per class, evaluated on the full test set of classes 5-9 (5000 images)',
    epochs: compareEpochs,
    results: rows,
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'comparison.json'), JSON.stringify(summary, null, 2) + '\n');
  process.stdout.write('\nfine-tune vs scratch (classes 5-9, 50 images per class):\n');
  for (const r of rows) process.stdout.write(`  ${r.run.padEnd(9)} top-1 ${r.top1.toFixed(4)}  (${r.seconds.toFixed(0)} s training)\n`);
}

main().catch((err) => {
  process.stderr.write(`pretrain failed: ${(err as Error).message}\n`);
  process.exit(1);
});
