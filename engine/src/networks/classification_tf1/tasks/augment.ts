// `augment`: offline augmentation. Reads the spec's training folder and writes a new dataset
// folder holding every original image plus N augmented copies, using the spec's
// augmentation switches (random crop, flip unless disabled, colour), or --ops.
import type { ClassificationConfig } from '../config';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { EngineError, type EngineTask } from '../../../tasks/types';
import { indexDataset } from '../../../data/folder';
import { decodeImage, encodePng, toChannels } from '../../../data/images';
import { augmentImage, type AugmentOptions } from '../../../data/augment';
import { mixSeed, mulberry32 } from '../../../util/rng';
import { resolveSpecPath } from '../../../util/paths';
import { Progress } from '../../../util/progress';

export const augmentTask: EngineTask<ClassificationConfig> = {
  name: 'augment',
  summary: 'write an augmented copy of the training dataset (offline augmentation)',
  needsTf: false,
  usage: `Usage: tao-engine classification_tf1 augment -e SPEC -r RESULTS_DIR -o OUTPUT_DIR [options]

Reads train_config.train_dataset_path and writes OUTPUT_DIR/<class>/ with each original
image and --copies augmented variants (<name>_aug<k>.png). Point train_dataset_path at
OUTPUT_DIR to train on the result.

Options:
  -e, --experiment_spec FILE  spec file
  -r, --results_dir DIR       where status.json goes
  -o, --output DIR            output dataset folder (created)
  --copies N                  augmented variants per image (default 2)
  --ops LIST                  crop,flip,color (default: the spec's enable_random_crop,
                              enable_color_augmentation and !disable_horizontal_flip;
                              crop,flip when the spec enables none)
  --seed S                    default train_config.random_seed
`,
  async run(ctx) {
    const out = ctx.flags.output;
    if (typeof out !== 'string' || !out) throw new EngineError('augment needs -o OUTPUT_DIR');
    const t = ctx.config.train;
    const index = indexDataset(resolveSpecPath(ctx.specPath, t.trainDatasetPath), 'train_dataset_path');
    const copies = ctx.flags.copies === undefined ? 2 : Number(ctx.flags.copies);
    if (!Number.isInteger(copies) || copies < 0) throw new EngineError('--copies needs a non-negative integer');
    let opts: AugmentOptions = { randomCrop: t.enableRandomCrop, flip: !t.disableHorizontalFlip, color: t.enableColorAugmentation };
    if (typeof ctx.flags.ops === 'string') {
      const ops = ctx.flags.ops.split(',').map((s) => s.trim());
      const bad = ops.filter((o) => !['crop', 'flip', 'color'].includes(o));
      if (bad.length) throw new EngineError(`--ops: unknown operation(s) ${bad.join(', ')} (use crop, flip, color)`);
      opts = { randomCrop: ops.includes('crop'), flip: ops.includes('flip'), color: ops.includes('color') };
    } else if (!opts.randomCrop && !opts.color && !opts.flip) {
      opts = { randomCrop: true, flip: true, color: false };
    }
    const seed = ctx.flags.seed !== undefined ? Number(ctx.flags.seed) : t.randomSeed;
    ctx.status.write({ status: 'STARTED', message: 'Starting offline augmentation.' });
    const bar = new Progress(ctx.log, 'augmenting', index.files.length);
    let written = 0;
    index.files.forEach((file, i) => {
      const cls = index.classes[index.labels[i]];
      const dir = join(out, cls);
      mkdirSync(dir, { recursive: true });
      const name = basename(file, extname(file));
      copyFileSync(file, join(dir, basename(file)));
      const decoded = decodeImage(file);
      const gray = decoded.data.every((v, k) => k % 3 !== 0 || (v === decoded.data[k + 1] && v === decoded.data[k + 2]));
      const img = gray ? toChannels(decoded, 1) : decoded;
      for (let k = 1; k <= copies; k++) {
        const rand = mulberry32(mixSeed(seed, i, k));
        const data = augmentImage(img.data, img.height, img.width, img.channels, opts, rand);
        writeFileSync(join(dir, `${name}_aug${k}.png`), encodePng({ ...img, data }));
        written++;
      }
      bar.update(i + 1, i + 1);
    });
    bar.finish();
    const ops = Object.entries({ crop: opts.randomCrop, flip: opts.flip, color: opts.color }).filter(([, on]) => on).map(([n]) => n);
    ctx.log.info(`augmented dataset: ${out} (${index.files.length} originals + ${written} variants; ops ${ops.join(',')})`);
    ctx.status.write({ status: 'SUCCESS', message: 'Offline augmentation finished successfully.', kpi: { originals: index.files.length, augmented: written } });
  },
};
