// `augment` for detectnet_v2: offline augmentation of a KITTI dataset. Every image is copied
// with its labels, plus N variants drawn from the spec's augmentation_config (flip, shift,
// zoom, rotation, colour) whose boxes move with the pixels and are dropped when too little of
// them stays in view. Preprocessing (output size, crop, scale) is left to training, which
// applies it to every file it reads; applying it here too would apply it twice.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { EngineError, type EngineTask } from '../../../tasks/types';
import { decodeImage, encodePng, isImageFile } from '../../../data/images';
import {
  applyColor,
  augmentationConfigFromPlain,
  sampleColor,
  sampleSpatial,
  transformBoxes,
  warpImage,
  type Box,
  type DetectionAugmentConfig,
  type PathProblem,
} from '../../../data/detection-augment';
import { writeFileAtomic } from '../../../io/atomic';
import { parseKittiLabels } from '../../../data/kitti';
import type { DetectnetConfig } from '../config';
import { mixSeed, mulberry32 } from '../../../util/rng';
import { Progress } from '../../../util/progress';

// ---------------------------------------------------------------------------------------------
// KITTI labels: checked by the shared parser (data/kitti.ts, TAO's rules, FILE:LINE errors);
// each line's own text is kept, so the fields we do not change are written back as they came.

interface KittiObject {
  /** All fields as written: class, truncation, occlusion, alpha, x1 y1 x2 y2, 7 x 3D (, score). */
  fields: string[];
  box: Box;
}

function readKittiLabels(path: string, errors: string[]): KittiObject[] {
  const text = readFileSync(path, 'utf8');
  try {
    const lines = text.split(/\r\n|\r|\n/);
    return parseKittiLabels(text, path, { checkBoxes: false }).map((o) => ({ fields: lines[o.line - 1].trim().split(/\s+/), box: [o.x1, o.y1, o.x2, o.y2] as Box }));
  } catch (err) {
    errors.push((err as Error).message);
    return [];
  }
}

function kittiText(objects: KittiObject[], boxes?: Box[], indices?: number[]): string {
  if (!boxes || !indices) return objects.map((o) => o.fields.join(' ') + '\n').join('');
  return indices
    .map((src, k) => {
      const fields = objects[src].fields.slice();
      boxes[k].forEach((v, j) => (fields[4 + j] = v.toFixed(2)));
      return fields.join(' ') + '\n';
    })
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Flags and inputs

function stringFlag(value: string | boolean | undefined, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function integerFlag(value: string | boolean | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < min) throw new EngineError(`--${name} needs an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function readConfig(spec: Record<string, unknown>, specPath: string): DetectionAugmentConfig {
  if (spec.augmentation_config === undefined || spec.augmentation_config === null) {
    throw new EngineError(`${specPath}: the spec has no augmentation_config`);
  }
  const problems: PathProblem[] = [];
  const cfg = augmentationConfigFromPlain(spec.augmentation_config, problems);
  if (problems.length > 0) {
    throw new EngineError(`${specPath}: augmentation_config is not usable:\n` + problems.map((p) => `  ${p.path}: ${p.message}`).join('\n'));
  }
  return cfg;
}

/** Image files of the dataset with their labels, all parsed before anything is written. */
function readDataset(imageDir: string, labelDir: string): { images: string[]; labels: KittiObject[][]; missing: number } {
  if (!existsSync(imageDir) || !statSync(imageDir).isDirectory()) throw new EngineError(`image folder not found: ${imageDir}`);
  const images = readdirSync(imageDir).filter(isImageFile).sort();
  if (images.length === 0) throw new EngineError(`no PNG or JPEG images in ${imageDir}`);
  const errors: string[] = [];
  let missing = 0;
  const labels = images.map((name) => {
    const path = join(labelDir, basename(name, extname(name)) + '.txt');
    if (!existsSync(path)) {
      missing++;
      return [];
    }
    return readKittiLabels(path, errors);
  });
  if (errors.length > 0) {
    const shown = errors.slice(0, 20).join('\n');
    throw new EngineError(`invalid KITTI labels:\n${shown}${errors.length > 20 ? `\n... and ${errors.length - 20} more` : ''}`);
  }
  return { images, labels, missing };
}

function colorEnabled(cfg: DetectionAugmentConfig): boolean {
  const c = cfg.color_augmentation;
  return cfg.preprocessing.output_image_channel === 3 && (c.color_shift_stddev > 0 || c.hue_rotation_max > 0 || c.saturation_shift_max > 0 || c.contrast_scale_max > 0);
}

export const augmentTask: EngineTask<DetectnetConfig> = {
  name: 'augment',
  summary: 'write a KITTI dataset with augmented copies of every image and its labels (offline augmentation)',
  needsTf: false,
  usage: `Usage: tao-engine detectnet_v2 augment -e SPEC -d KITTI_ROOT -o OUTPUT_DIR [options]

Reads KITTI_ROOT/<image_dir_name>/* and KITTI_ROOT/<label_dir_name>/<stem>.txt and writes
OUTPUT_DIR/<image_dir_name> and OUTPUT_DIR/<label_dir_name> holding every original image and
label file unchanged plus --copies augmented variants per image (<stem>_aug<k>.png, labels
<stem>_aug<k>.txt). The variants follow the spec's augmentation_config:
  spatial_augmentation  hflip_probability, vflip_probability, translate_max_x/y, zoom_min/max,
                        rotate_rad_max, rotate_probability (in that order; the image size is kept)
  color_augmentation    hue_rotation_max, saturation_shift_max, contrast_scale_max,
                        contrast_center, color_shift_stddev (3-channel specs only)
  preprocessing         min_bbox_width/height: boxes narrower/shorter than this after
                        clipping to the image are dropped
Output size, crop and scale are not applied: training applies them to every file it reads.
Boxes move with the image (corners transformed, bounds clipped); boxes that leave the image
are dropped. Other KITTI fields are copied as written. Point the spec's dataset at
OUTPUT_DIR to train on the result.

Options:
  -e, --experiment_spec FILE  spec file with augmentation_config
  -r, --results_dir DIR       where status.json goes
  -d, --dataset_export_spec DIR
                              KITTI dataset root (input)
  -o, --output_dir DIR        output dataset root (created; must differ from the input)
  --copies N                  augmented variants per image (default 2)
  --seed S                    random seed (default: the spec's random_seed, else 42)
  --image_dir_name NAME       image folder under both roots (default image_2)
  --label_dir_name NAME       label folder under both roots (default label_2)
`,
  async run(ctx) {
    const root = ctx.flags.dataset_spec;
    if (typeof root !== 'string' || !root) throw new EngineError('augment needs -d KITTI_ROOT (the dataset to augment)');
    const out = ctx.flags.output;
    if (typeof out !== 'string' || !out) throw new EngineError('augment needs -o OUTPUT_DIR');
    if (resolve(out) === resolve(root)) throw new EngineError('-o OUTPUT_DIR must differ from -d KITTI_ROOT (the originals are copied there)');
    const imageDirName = stringFlag(ctx.flags.image_dir_name, 'image_2');
    const labelDirName = stringFlag(ctx.flags.label_dir_name, 'label_2');
    const copies = integerFlag(ctx.flags.copies, 'copies', 2, 0);
    const specSeed = Number(ctx.spec.random_seed);
    const seed = integerFlag(ctx.flags.seed, 'seed', Number.isInteger(specSeed) && specSeed !== 0 ? specSeed : 42, 0);

    const cfg = readConfig(ctx.spec, ctx.specPath);
    const withColor = colorEnabled(cfg);
    const { min_bbox_width: minW, min_bbox_height: minH } = cfg.preprocessing;
    const { images, labels, missing } = readDataset(join(root, imageDirName), join(root, labelDirName));
    if (missing > 0) ctx.log.warn(`${missing} image(s) have no label file in ${join(root, labelDirName)}; they are treated as having no objects`);
    if (copies > 0 && images.some((name) => extname(name).toLowerCase() !== '.png')) {
      ctx.log.warn("augmented copies are PNG while some originals are not; TAO's dataset_convert reads one image_extension per folder");
    }

    const outImages = join(out, imageDirName);
    const outLabels = join(out, labelDirName);
    ctx.status.write({ status: 'STARTED', message: 'Starting offline augmentation.' });
    const bar = new Progress(ctx.log, 'augmenting', images.length);
    let written = 0;
    let objectsIn = 0;
    let objectsOut = 0;
    images.forEach((name, i) => {
      const stem = basename(name, extname(name));
      const srcPath = join(root, imageDirName, name);
      const objects = labels[i];
      writeFileAtomic(join(outImages, name), readFileSync(srcPath));
      writeFileAtomic(join(outLabels, `${stem}.txt`), kittiText(objects));
      if (copies > 0) {
        const img = decodeImage(srcPath);
        const boxes = objects.map((o) => o.box);
        for (let k = 1; k <= copies; k++) {
          // One stream per (image, copy): a variant does not change when --copies does.
          const rand = mulberry32(mixSeed(seed, i, k));
          const matrix = sampleSpatial(cfg, rand, img.width, img.height);
          const warped = warpImage(img, matrix, img.width, img.height);
          if (withColor) warped.data = applyColor(warped, sampleColor(cfg, rand));
          const moved = transformBoxes(boxes, matrix, img.width, img.height, minW, minH);
          writeFileAtomic(join(outImages, `${stem}_aug${k}.png`), encodePng(warped));
          writeFileAtomic(join(outLabels, `${stem}_aug${k}.txt`), kittiText(objects, moved.boxes, moved.indices));
          written++;
          objectsIn += boxes.length;
          objectsOut += moved.boxes.length;
        }
      }
      bar.update(i + 1, (i + 1) * (1 + copies));
    });
    bar.finish();
    const dropped = objectsIn - objectsOut;
    ctx.log.info(`augmented dataset: ${out} (${images.length} originals + ${written} variants; ${dropped} of ${objectsIn} boxes dropped off-image or under min_bbox size)`);
    ctx.status.write({
      status: 'SUCCESS',
      message: 'Offline augmentation finished successfully.',
      kpi: { originals: images.length, augmented: written, boxes_kept: objectsOut, boxes_dropped: dropped },
    });
  },
};
