// Folder-per-class datasets (Keras flow_from_directory layout, as TAO classification reads
// them): DIR/<class>/<image>. Classes are sorted by name, so two folders with the same class
// names get the same indices. Loading decodes every image once into one Uint8 block.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../tasks/types';
import { isImageFile, loadForModel } from './images';

export interface DatasetIndex {
  root: string;
  classes: string[];
  files: string[];
  labels: Int32Array;
}

export interface ImageSet {
  classes: string[];
  files: string[];
  labels: Int32Array;
  height: number;
  width: number;
  channels: number;
  /** N x H x W x C, 0..255. */
  pixels: Uint8Array;
}

function listImages(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) out.push(...listImages(full));
    else if (isImageFile(name)) out.push(full);
  }
  return out;
}

/** Lists classes and image files; every class folder must hold at least one image. */
export function indexDataset(root: string, what = 'dataset'): DatasetIndex {
  if (!root) throw new EngineError(`${what}: no path given in the spec`);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new EngineError(`${what} folder not found: ${root}`);
  const classes = readdirSync(root)
    .filter((n) => !n.startsWith('.') && statSync(join(root, n)).isDirectory())
    .sort();
  if (classes.length === 0) throw new EngineError(`${what} ${root} has no class sub-folders (expected ${root}/<class>/<image>.png)`);
  const files: string[] = [];
  const labels: number[] = [];
  classes.forEach((cls, index) => {
    const images = listImages(join(root, cls));
    if (images.length === 0) throw new EngineError(`${what}: class folder ${join(root, cls)} has no images (.png, .jpg, .jpeg)`);
    for (const f of images) {
      files.push(f);
      labels.push(index);
    }
  });
  return { root, classes, files, labels: Int32Array.from(labels) };
}

/** Lists images of a folder (recursively) or a single file, for inference. */
export function listImageInputs(path: string): string[] {
  if (!existsSync(path)) throw new EngineError(`image path not found: ${path}`);
  if (statSync(path).isDirectory()) {
    const files = listImages(path);
    if (files.length === 0) throw new EngineError(`no images (.png, .jpg, .jpeg) under ${path}`);
    return files;
  }
  if (!isImageFile(path)) throw new EngineError(`not an image file (.png, .jpg, .jpeg): ${path}`);
  return [path];
}

export function loadImages(
  files: string[],
  height: number,
  width: number,
  channels: number,
  centerCrop = false,
  onProgress?: (done: number, total: number) => void,
): Uint8Array {
  const per = height * width * channels;
  const pixels = new Uint8Array(files.length * per);
  files.forEach((file, i) => {
    let img: Uint8Array;
    try {
      img = loadForModel(file, width, height, channels, centerCrop);
    } catch (err) {
      throw new EngineError((err as Error).message);
    }
    pixels.set(img, i * per);
    if (onProgress && (i % 256 === 0 || i === files.length - 1)) onProgress(i + 1, files.length);
  });
  return pixels;
}

export function loadDataset(
  index: DatasetIndex,
  height: number,
  width: number,
  channels: number,
  centerCrop = false,
  onProgress?: (done: number, total: number) => void,
): ImageSet {
  const pixels = loadImages(index.files, height, width, channels, centerCrop, onProgress);
  return { classes: index.classes, files: index.files, labels: index.labels, height, width, channels, pixels };
}
