// `dataset_convert`: produces the folder-per-class layout TAO classification reads, from
// Fashion-MNIST / MNIST IDX files, from a folder of class sub-folders (any image format we
// decode; re-encoded as PNG and split), or from the engine's generator.
import type { ClassificationConfig } from '../config';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, basename, extname } from 'node:path';
import { EngineError, type EngineTask, type TaskContext } from '../../../tasks/types';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, findIdxPair, readIdx } from '../../../data/idx';
import { decodeImage, encodePng, toChannels } from '../../../data/images';
import { indexDataset } from '../../../data/folder';
import { writeSyntheticDataset, SYNTHETIC_CLASSES } from '../../../data/synthetic';
import { mixSeed, mulberry32, shuffleInPlace } from '../../../util/rng';
import { Progress } from '../../../util/progress';

function num(ctx: TaskContext<ClassificationConfig>, name: string, fallback: number): number {
  const v = ctx.flags[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new EngineError(`--${name} needs a non-negative number, got ${String(v)}`);
  return n;
}

function outputDir(ctx: TaskContext<ClassificationConfig>): string {
  const o = ctx.flags.output;
  if (typeof o !== 'string' || !o) throw new EngineError('dataset_convert needs -o OUTPUT_DIR');
  return o;
}

function parseClassList(value: string | boolean | undefined, total: number): number[] {
  if (typeof value !== 'string' || !value) return Array.from({ length: total }, (_, i) => i);
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 0 || n >= total)) throw new EngineError(`--classes takes indices 0..${total - 1}, got "${value}"`);
  return list;
}

/** Writes `take` images per class (all when 0) of an IDX pair under dir/<class>/. */
function writeIdxSplit(images: string, labels: string, dir: string, classes: number[], names: string[], take: number, skip: number, ctx: TaskContext<ClassificationConfig>): number {
  const img = readIdx(images);
  const lab = readIdx(labels);
  const [n, h, w] = img.dims;
  const counts = new Map<number, number>();
  const seen = new Map<number, number>();
  let written = 0;
  const bar = new Progress(ctx.log, `writing ${basename(dir)}`, n);
  for (let i = 0; i < n; i++) {
    const label = lab.data[i];
    if (!classes.includes(label)) continue;
    const s = (seen.get(label) ?? 0) + 1;
    seen.set(label, s);
    if (s <= skip) continue;
    const c = counts.get(label) ?? 0;
    if (take > 0 && c >= take) continue;
    counts.set(label, c + 1);
    const classDir = join(dir, names[label]);
    if (c === 0) mkdirSync(classDir, { recursive: true });
    const data = img.data.subarray(i * h * w, (i + 1) * h * w);
    writeFileSync(join(classDir, `${String(i).padStart(5, '0')}.png`), encodePng({ width: w, height: h, channels: 1, data }));
    written++;
    bar.update(i + 1, written);
  }
  bar.finish();
  return written;
}

export const datasetConvertTask: EngineTask<ClassificationConfig> = {
  name: 'dataset_convert',
  summary: 'convert Fashion-MNIST/MNIST idx files or image folders to the class-folder layout',
  needsSpec: false,
  needsTf: false,
  usage: `Usage: tao-engine classification_tf1 dataset_convert --format FORMAT -o OUTPUT_DIR -r RESULTS_DIR [options]

Writes OUTPUT_DIR/train/<class>/*.png, OUTPUT_DIR/val/<class>/*.png and OUTPUT_DIR/test/<class>/*.png.

Formats:
  idx          Fashion-MNIST or MNIST IDX files (.gz or not) in --source (default
               ${FASHION_MNIST_DIR}, Debian package dataset-fashion-mnist).
               train/val come from the training file, test from the t10k file.
  folder       --source holds one sub-folder per class (PNG/JPEG, any size); images are
               re-encoded as PNG and split into train/val/test by --val/--test fractions.
  synthetic    generated patterns (${SYNTHETIC_CLASSES.length} classes max), for tests and machines without data.

Options:
  -o, --output DIR        output root (created)
  -r, --results_dir DIR   where status.json goes
  --source PATH           input folder (idx, folder)
  --classes LIST          idx: class indices to keep, e.g. 0,1,2,3,4 (default all)
  --names LIST            idx: class folder names (default Fashion-MNIST names)
  --per-class N           idx/synthetic: training images per class (default all / 100)
  --val-per-class N       idx/synthetic: validation images per class (default 10% of per-class, idx: taken from the training file after the train images)
  --test-per-class N      idx/synthetic: test images per class (default all / 20)
  --val F, --test F       folder: fractions for val and test (default 0.1 and 0.1)
  --size N                synthetic: image size (default 32)
  --channels C            synthetic: 1 or 3 (default 1)
  --num-classes K         synthetic: number of classes (default 4)
  --seed S                split / generator seed (default 42)
`,
  async run(ctx) {
    const out = outputDir(ctx);
    const format = String(ctx.flags.format ?? '');
    ctx.status.write({ status: 'STARTED', message: `Starting dataset conversion (${format}).` });
    const seed = num(ctx, 'seed', 42);
    const counts: Record<string, number> = {};
    if (format === 'idx' || format === 'fashion-mnist' || format === 'mnist') {
      const source = typeof ctx.flags.source === 'string' ? ctx.flags.source : FASHION_MNIST_DIR;
      const trainPair = findIdxPair(source, 'train');
      const testPair = findIdxPair(source, 't10k');
      if (!trainPair || !testPair) throw new EngineError(`no IDX files (train-images-idx3-ubyte[.gz], t10k-...) in ${source}; on Debian: apt-get install dataset-fashion-mnist`);
      const names = typeof ctx.flags.names === 'string' ? ctx.flags.names.split(',') : format === 'mnist' ? Array.from({ length: 10 }, (_, i) => String(i)) : FASHION_MNIST_CLASSES;
      const classes = parseClassList(ctx.flags.classes, names.length);
      const per = num(ctx, 'per-class', 0);
      const valPer = num(ctx, 'val-per-class', per > 0 ? Math.max(1, Math.round(per * 0.1)) : 600);
      const testPer = num(ctx, 'test-per-class', 0);
      // val: images after the train images in the training file; train: the first ones.
      const trainTake = per > 0 ? per : 6000 - valPer;
      counts.train = writeIdxSplit(trainPair.images, trainPair.labels, join(out, 'train'), classes, names, trainTake, 0, ctx);
      counts.val = writeIdxSplit(trainPair.images, trainPair.labels, join(out, 'val'), classes, names, valPer, trainTake, ctx);
      counts.test = writeIdxSplit(testPair.images, testPair.labels, join(out, 'test'), classes, names, testPer, 0, ctx);
    } else if (format === 'folder') {
      const source = ctx.flags.source;
      if (typeof source !== 'string') throw new EngineError('--format folder needs --source DIR');
      const index = indexDataset(source, 'source');
      const valF = num(ctx, 'val', 0.1);
      const testF = num(ctx, 'test', 0.1);
      const rand = mulberry32(mixSeed(seed, 99));
      const byClass = index.classes.map((_, c) => index.files.filter((__, i) => index.labels[i] === c));
      counts.train = counts.val = counts.test = 0;
      const bar = new Progress(ctx.log, 'converting', index.files.length);
      let done = 0;
      byClass.forEach((files, c) => {
        const order = files.slice();
        shuffleInPlace(order, rand);
        const nVal = Math.round(order.length * valF);
        const nTest = Math.round(order.length * testF);
        order.forEach((file, i) => {
          const split = i < nVal ? 'val' : i < nVal + nTest ? 'test' : 'train';
          const dir = join(out, split, index.classes[c]);
          if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
          const img = decodeImage(file);
          const gray = img.data.every((v, k) => k % 3 !== 0 || (v === img.data[k + 1] && v === img.data[k + 2]));
          const name = basename(file, extname(file));
          writeFileSync(join(dir, `${name}.png`), encodePng(gray ? toChannels(img, 1) : img));
          counts[split]++;
          bar.update(++done, done);
        });
      });
      bar.finish();
    } else if (format === 'synthetic') {
      const k = num(ctx, 'num-classes', 4);
      if (k < 2 || k > SYNTHETIC_CLASSES.length) throw new EngineError(`--num-classes must be 2..${SYNTHETIC_CLASSES.length}`);
      const per = num(ctx, 'per-class', 100);
      const perClass = { train: per, val: num(ctx, 'val-per-class', Math.max(2, Math.round(per / 5))), test: num(ctx, 'test-per-class', 20) };
      writeSyntheticDataset(out, { classes: k, size: num(ctx, 'size', 32), channels: num(ctx, 'channels', 1), perClass, seed });
      for (const [split, n] of Object.entries(perClass)) counts[split] = n * k;
    } else {
      throw new EngineError('--format must be idx, fashion-mnist, mnist, folder or synthetic');
    }
    ctx.log.info(`dataset written to ${out}: ${Object.entries(counts).map(([s, n]) => `${s} ${n}`).join(', ')} images`);
    ctx.status.write({ status: 'SUCCESS', message: 'Dataset conversion finished successfully.', kpi: counts });
  },
};
