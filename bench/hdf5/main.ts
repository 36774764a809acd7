// Issue 14's measurements for Keras .hdf5 models:
//  1. load time of a ~45 MB Keras file (ResNet-18, 224x224, 1000 classes, written by our
//     writer): h5wasm start-up, reading the file's weights, and building the tfjs model;
//  2. the goal: fine-tuning from a pretrained .hdf5 backbone vs from scratch, measured the way
//     `npm run pretrain` measures the tfjs backbone (Fashion-MNIST classes 5-9, never seen in
//     pre-training, 50 training images per class, the full 5000-image test set of those classes).
//     The .hdf5 is engine/pretrained/mobilenet_v2_fmnist_0-4 converted by writeKerasModel without
//     its metadata, so it is read the way a TAO file is (no class names: matched by name and shape).
// usage: node out/bench/hdf5/main.js [--skip-transfer] [--epochs 10]
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from '../../engine/src/cli/args';
import { loadH5 } from '../../engine/src/io/hdf5/h5';
import { readKerasFile } from '../../engine/src/io/hdf5/keras-file';
import { writeKerasModel } from '../../engine/src/io/hdf5/keras-model';
import { loadModel } from '../../engine/src/io/model-io';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';
import { fashionMnistAvailable } from '../../engine/src/data/idx';
import { engine, repoRoot } from '../../engine/src/tools/run-cli';
import { classificationSpec } from '../../engine/src/tools/specs';

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function loadTime(work: string): Promise<Record<string, number>> {
  await tf.setBackend('cpu');
  let t = process.hrtime.bigint();
  await loadH5();
  const h5Start = ms(t);
  const cfg = buildConfig({ model_config: { arch: 'resnet', n_layers: 18, use_batch_norm: true, input_image_size: '3,224,224' } }).config.model;
  const { model } = buildClassifier(tf, cfg, 1000, 1);
  const file = join(work, 'resnet18_224.hdf5');
  t = process.hrtime.bigint();
  await writeKerasModel(model, file);
  const write = ms(t);
  model.dispose();
  const runs: Array<{ read: number; load: number }> = [];
  for (let i = 0; i < 3; i++) {
    t = process.hrtime.bigint();
    await readKerasFile(file);
    const read = ms(t);
    t = process.hrtime.bigint();
    const loaded = await loadModel(tf, file);
    const load = ms(t);
    loaded.model.dispose();
    runs.push({ read, load });
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    file_mb: statSync(file).size / 1e6,
    h5wasm_start_ms: h5Start,
    write_ms: write,
    read_weights_ms: median(runs.map((r) => r.read)),
    load_model_ms: median(runs.map((r) => r.load)),
  };
}

async function transfer(work: string, epochs: number): Promise<Array<{ run: string; top1: number; seconds: number }>> {
  const arch = 'mobilenet_v2';
  const folder = join(repoRoot, 'engine', 'pretrained', `${arch}_fmnist_0-4`);
  const h5file = join(work, `${arch}_fmnist_0-4.hdf5`);
  const source = await loadModel(tf, folder);
  await writeKerasModel(source.model, h5file);
  source.model.dispose();
  // The same 50-per-class split `npm run pretrain` uses (classes 5-9, Debian's Fashion-MNIST).
  const data59 = join(repoRoot, '.cache', 'pretrain', 'fmnist-5-9-50');
  if (!existsSync(join(data59, 'train'))) {
    engine(['classification_tf1', 'dataset_convert', '--format', 'idx', '-o', data59, '-r', join(work, 'convert-5-9'), '--classes', '5,6,7,8,9', '--per-class', '50', '--val-per-class', '10', '--test-per-class', '0', '--quiet']);
  }
  const rows: Array<{ run: string; top1: number; seconds: number }> = [];
  for (const run of ['scratch', 'finetune-hdf5']) {
    const spec = join(work, `compare-${run}.txt`);
    writeFileSync(spec, classificationSpec({
      arch, size: '1,28,28', train: join(data59, 'train'), val: join(data59, 'val'), test: join(data59, 'test'),
      pretrained: run === 'scratch' ? undefined : h5file, epochs, batch: 25, lr: 0.001, flip: true,
    }));
    const results = join(work, `compare-${run}`);
    rmSync(results, { recursive: true, force: true });
    const started = Date.now();
    engine(['classification_tf1', 'train', '-e', spec, '-r', results]);
    const seconds = (Date.now() - started) / 1000;
    engine(['classification_tf1', 'evaluate', '-e', spec, '-r', results, '--quiet']);
    const report = JSON.parse(readFileSync(join(results, 'evaluation.json'), 'utf8'));
    rows.push({ run, top1: report.top1_accuracy, seconds });
  }
  return rows;
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  const work = join(repoRoot, '.cache', 'bench-hdf5');
  mkdirSync(work, { recursive: true });
  const load = await loadTime(work);
  process.stdout.write(`load time (ResNet-18 224x224, 1000 classes): ${JSON.stringify(load)}\n`);
  let rows: Awaited<ReturnType<typeof transfer>> = [];
  if (!flags['skip-transfer']) {
    if (!fashionMnistAvailable()) throw new Error('Fashion-MNIST not found; apt-get install dataset-fashion-mnist');
    rows = await transfer(work, Number(flags.epochs ?? 10));
    process.stdout.write('\nfrom a pretrained .hdf5 vs from scratch (classes 5-9, 50 images per class):\n');
    for (const r of rows) process.stdout.write(`  ${r.run.padEnd(14)} top-1 ${r.top1.toFixed(4)}  (${r.seconds.toFixed(0)} s training)\n`);
  }
  writeFileSync(join(work, 'result.json'), JSON.stringify({ load, transfer: rows, loadavg: (await import('node:os')).loadavg() }, null, 2) + '\n');
}

main().catch((err) => {
  process.stderr.write(`bench:hdf5 failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
