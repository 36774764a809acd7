// A generated object-detection dataset in KITTI layout (ROOT/image_2/NNNNNN.png and
// ROOT/label_2/NNNNNN.txt) for tests, the demo and benchmarks, which anyone can regenerate
// offline. Objects are Fashion-MNIST items (test split) when Debian's dataset-fashion-mnist is
// installed, else drawn shapes; each is tinted, alpha-blended by its own intensity onto a
// cluttered background, and labelled with the tight box of the pixels it actually changed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng, resizeRegion, type RawImage } from './images';
import { FASHION_MNIST_DIR, findIdxPair, readIdx } from './idx';
import type { Box } from './detection-augment';
import { mixSeed, mulberry32 } from '../util/rng';

/** Fashion-MNIST label ids 0..9 as detection class names (lower-case, no spaces). */
export const FASHION_DETECTION_CLASSES = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];
/** The fallback's classes; ids in `classes` index this list when Fashion-MNIST is absent. */
export const SHAPE_CLASSES = ['circle', 'square', 'triangle', 'cross', 'ring', 'diamond', 'star', 'hexagon', 'frame', 'arrow'];

export type SceneSource = 'fashion-mnist' | 'shapes';

export interface SceneOptions {
  count: number;
  width: number;
  height: number;
  seed: number;
  /** Class ids (Fashion-MNIST labels, or SHAPE_CLASSES indices); default all ten. */
  classes?: number[];
  minObjects?: number;
  maxObjects?: number;
  /** Side of the pasted item in pixels before its box is tightened; drawn log-uniformly. */
  minSize?: number;
  maxSize?: number;
  imageDirName?: string;
  labelDirName?: string;
  /** `auto` (default) uses Fashion-MNIST when its t10k files exist, else shapes. */
  source?: 'auto' | SceneSource;
  fashionMnistDir?: string;
  /** A new object is re-placed while its IoU with an earlier one is at least this. */
  maxOverlapIou?: number;
}

export interface SceneSummary {
  images: number;
  objectsPerClass: Record<string, number>;
  classNames: string[];
  /** Which objects were drawn, so a caller can say so instead of silently using shapes. */
  source: SceneSource;
}

export interface SceneObject {
  className: string;
  box: Box;
}

export interface Scene {
  image: RawImage;
  /** The same scene before objects were pasted: everything outside the boxes equals it. */
  background: RawImage;
  objects: SceneObject[];
}

/** Draws the alpha mask (values 0..1, size x size) of one item of a class. */
export interface SpriteSource {
  source: SceneSource;
  classNames: string[];
  draw(classId: number, size: number, rand: () => number): Float32Array;
}

// Pixels fainter than this count as background: zeroing them makes each box exactly the
// bounds of the pixels its object changed.
const ALPHA_FLOOR = 0.1;

// ---------------------------------------------------------------------------------------------
// Object sources

const fashionCache = new Map<string, { images: Uint8Array; byClass: number[][] }>();

function loadFashion(dir: string): { images: Uint8Array; byClass: number[][] } | undefined {
  const cached = fashionCache.get(dir);
  if (cached) return cached;
  const pair = findIdxPair(dir, 't10k');
  if (!pair) return undefined;
  const images = readIdx(pair.images);
  const labels = readIdx(pair.labels);
  if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28 || labels.dims[0] !== images.dims[0]) {
    throw new Error(`${pair.images}: expected N x 28 x 28 images with N labels`);
  }
  const byClass: number[][] = Array.from({ length: 10 }, () => []);
  labels.data.forEach((label, i) => byClass[label]?.push(i));
  const loaded = { images: images.data, byClass };
  fashionCache.set(dir, loaded);
  return loaded;
}

function fashionSprites(data: { images: Uint8Array; byClass: number[][] }, classes: number[]): SpriteSource {
  for (const c of classes) if (!data.byClass[c]?.length) throw new Error(`Fashion-MNIST test split has no items of class ${c}`);
  return {
    source: 'fashion-mnist',
    classNames: classes.map((c) => FASHION_DETECTION_CLASSES[c]),
    draw(classId, size, rand) {
      const items = data.byClass[classId];
      const item = items[Math.floor(rand() * items.length)];
      const src: RawImage = { width: 28, height: 28, channels: 1, data: data.images.subarray(item * 784, item * 784 + 784) };
      const scaled = resizeRegion(src, { x: 0, y: 0, w: 28, h: 28 }, size, size);
      return Float32Array.from(scaled, (v) => v / 255);
    },
  };
}

/** Inside-tests on u, v in [-1, 1] (v down), one per SHAPE_CLASSES entry. */
const SHAPES: Array<(u: number, v: number) => boolean> = [
  (u, v) => u * u + v * v < 0.81,
  (u, v) => Math.max(Math.abs(u), Math.abs(v)) < 0.8,
  (u, v) => v > -0.85 && v < 0.85 && Math.abs(u) < ((v + 0.85) / 1.7) * 0.95,
  (u, v) => (Math.abs(u) < 0.25 && Math.abs(v) < 0.9) || (Math.abs(v) < 0.25 && Math.abs(u) < 0.9),
  (u, v) => {
    const r2 = u * u + v * v;
    return r2 < 0.81 && r2 > 0.3;
  },
  (u, v) => Math.abs(u) + Math.abs(v) < 0.9,
  (u, v) => {
    // Five points: the allowed radius swings from 0.4 between points to 0.95 at each tip.
    const period = (2 * Math.PI) / 5;
    const t = ((((Math.atan2(v, u) + Math.PI / 2) % period) + period) % period) / period;
    return Math.hypot(u, v) < 0.4 + 0.55 * Math.abs(2 * t - 1);
  },
  (u, v) => Math.abs(v) < 0.78 && Math.sqrt(3) * Math.abs(u) + Math.abs(v) < 0.9 * Math.sqrt(3),
  (u, v) => {
    const m = Math.max(Math.abs(u), Math.abs(v));
    return m < 0.85 && m > 0.5;
  },
  (u, v) => (u > -0.9 && u < 0.2 && Math.abs(v) < 0.2) || (u >= 0.2 && u < 0.9 && Math.abs(v) < 0.9 - u),
];

function shapeSprites(classes: number[]): SpriteSource {
  for (const c of classes) if (!SHAPES[c]) throw new Error(`no shape for class id ${c} (0..${SHAPES.length - 1})`);
  return {
    source: 'shapes',
    classNames: classes.map((c) => SHAPE_CLASSES[c]),
    draw(classId, size) {
      // 3x3 supersampling gives anti-aliased edges, like a scaled Fashion-MNIST item has.
      const inside = SHAPES[classId];
      const alpha = new Float32Array(size * size);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          let hits = 0;
          for (let sy = 0; sy < 3; sy++) {
            for (let sx = 0; sx < 3; sx++) {
              if (inside(((x + (sx + 0.5) / 3) / size) * 2 - 1, ((y + (sy + 0.5) / 3) / size) * 2 - 1)) hits++;
            }
          }
          alpha[y * size + x] = hits / 9;
        }
      }
      return alpha;
    },
  };
}

function openSprites(opts: SceneOptions, classes: number[]): SpriteSource {
  const want = opts.source ?? 'auto';
  if (want === 'shapes') return shapeSprites(classes);
  const data = loadFashion(opts.fashionMnistDir ?? FASHION_MNIST_DIR);
  if (data) return fashionSprites(data, classes);
  if (want === 'fashion-mnist') {
    throw new Error(`Fashion-MNIST test split (t10k-*-idx*-ubyte[.gz]) not found in ${opts.fashionMnistDir ?? FASHION_MNIST_DIR}; on Debian: apt-get install dataset-fashion-mnist`);
  }
  return shapeSprites(classes);
}

// ---------------------------------------------------------------------------------------------
// Drawing

function clamp255(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

function randomColor(rand: () => number): [number, number, number] {
  return [rand() * 255, rand() * 255, rand() * 255];
}

/** Gradient (linear, radial or four-corner), per-channel noise, then lines and faint blobs as clutter. */
function drawBackground(width: number, height: number, rand: () => number): RawImage {
  const data = new Uint8Array(width * height * 3);
  const kind = Math.floor(rand() * 3);
  const corners = [randomColor(rand), randomColor(rand), randomColor(rand), randomColor(rand)];
  const angle = rand() * 2 * Math.PI;
  const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
  const [cx, cy] = [rand() * width, rand() * height];
  const span = Math.hypot(width, height);
  const noise = 4 + rand() * 16;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / Math.max(1, width - 1);
      const v = y / Math.max(1, height - 1);
      let w: [number, number, number, number];
      if (kind === 0) {
        const t = Math.min(1, Math.max(0, 0.5 + ((x - width / 2) * dx + (y - height / 2) * dy) / span));
        w = [1 - t, t, 0, 0];
      } else if (kind === 1) {
        const t = Math.min(1, Math.hypot(x - cx, y - cy) / (0.7 * span));
        w = [1 - t, t, 0, 0];
      } else {
        w = [(1 - u) * (1 - v), u * (1 - v), (1 - u) * v, u * v];
      }
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) {
        const base = w[0] * corners[0][k] + w[1] * corners[1][k] + w[2] * corners[2][k] + w[3] * corners[3][k];
        data[o + k] = clamp255(base + (rand() - 0.5) * 2 * noise);
      }
    }
  }
  const img: RawImage = { width, height, channels: 3, data };
  const clutter = 2 + Math.floor(rand() * 4);
  for (let i = 0; i < clutter; i++) {
    if (rand() < 0.5) drawLine(img, rand);
    else drawBlob(img, rand);
  }
  return img;
}

function blend(img: RawImage, x: number, y: number, color: readonly number[], alpha: number, shade = 1): void {
  const o = (y * img.width + x) * 3;
  for (let k = 0; k < 3; k++) img.data[o + k] = clamp255(img.data[o + k] * (1 - alpha) + color[k] * shade * alpha);
}

function drawLine(img: RawImage, rand: () => number): void {
  const [x0, y0, x1, y1] = [rand() * img.width, rand() * img.height, rand() * img.width, rand() * img.height];
  const half = 0.5 + rand();
  const color = randomColor(rand);
  const alpha = 0.5 + 0.4 * rand();
  const len2 = Math.max(1e-6, (x1 - x0) ** 2 + (y1 - y0) ** 2);
  const [minX, maxX] = [Math.max(0, Math.floor(Math.min(x0, x1) - half)), Math.min(img.width - 1, Math.ceil(Math.max(x0, x1) + half))];
  const [minY, maxY] = [Math.max(0, Math.floor(Math.min(y0, y1) - half)), Math.min(img.height - 1, Math.ceil(Math.max(y0, y1) + half))];
  for (let y = minY; y <= maxY; y++) {
    for (let x = minX; x <= maxX; x++) {
      const t = Math.min(1, Math.max(0, ((x + 0.5 - x0) * (x1 - x0) + (y + 0.5 - y0) * (y1 - y0)) / len2));
      if (Math.hypot(x + 0.5 - (x0 + t * (x1 - x0)), y + 0.5 - (y0 + t * (y1 - y0))) <= half) blend(img, x, y, color, alpha);
    }
  }
}

function drawBlob(img: RawImage, rand: () => number): void {
  const [cx, cy] = [rand() * img.width, rand() * img.height];
  const [rx, ry] = [4 + rand() * img.width * 0.25, 4 + rand() * img.height * 0.25];
  const color = randomColor(rand);
  const alpha = 0.15 + 0.2 * rand();
  for (let y = Math.max(0, Math.floor(cy - ry)); y <= Math.min(img.height - 1, Math.ceil(cy + ry)); y++) {
    for (let x = Math.max(0, Math.floor(cx - rx)); x <= Math.min(img.width - 1, Math.ceil(cx + rx)); x++) {
      const d = ((x + 0.5 - cx) / rx) ** 2 + ((y + 0.5 - cy) / ry) ** 2;
      // Soft edge, so blobs read as lighting rather than as objects.
      if (d < 1) blend(img, x, y, color, alpha * (1 - d));
    }
  }
}

function iou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

/** Bounds of the mask's non-zero pixels as [x1, y1, x2, y2) in sprite pixels, or undefined if empty. */
function maskBounds(alpha: Float32Array, size: number): Box | undefined {
  let [x1, y1, x2, y2] = [size, size, -1, -1];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (alpha[y * size + x] > 0) {
        if (x < x1) x1 = x;
        if (x > x2) x2 = x;
        if (y < y1) y1 = y;
        if (y > y2) y2 = y;
      }
    }
  }
  return x2 < 0 ? undefined : [x1, y1, x2 + 1, y2 + 1];
}

/** A colour that stands out from the background under the object: dark on light, light on dark. */
function tintFor(background: RawImage, cx: number, cy: number, rand: () => number): [number, number, number] {
  const o = (Math.min(background.height - 1, cy) * background.width + Math.min(background.width - 1, cx)) * 3;
  const luma = 0.299 * background.data[o] + 0.587 * background.data[o + 1] + 0.114 * background.data[o + 2];
  const value = luma > 128 ? 0.1 + 0.3 * rand() : 0.7 + 0.3 * rand();
  const hue = rand() * 6;
  const sat = 0.4 + 0.6 * rand();
  // HSV -> RGB on a hexagon: one channel full, one at zero saturation floor, one in between.
  const f = hue - Math.floor(hue);
  const [p, q, t] = [1 - sat, 1 - sat * f, 1 - sat * (1 - f)];
  const rgb = [[1, t, p], [q, 1, p], [p, 1, t], [p, q, 1], [t, p, 1], [1, p, q]][Math.floor(hue) % 6];
  return [rgb[0] * value * 255, rgb[1] * value * 255, rgb[2] * value * 255];
}

/** Scene `index` of a dataset: deterministic for (seed, index), whatever `count` is. */
export function generateScene(index: number, opts: SceneOptions, sprites: SpriteSource, classes: number[]): Scene {
  const rand = mulberry32(mixSeed(opts.seed, index));
  const { width, height } = opts;
  const background = drawBackground(width, height, rand);
  const image: RawImage = { ...background, data: background.data.slice() };
  const minObjects = opts.minObjects ?? 1;
  const maxObjects = Math.max(minObjects, opts.maxObjects ?? 4);
  const maxSide = Math.min(width, height);
  const minSize = Math.max(4, Math.min(maxSide, opts.minSize ?? 12));
  const maxSize = Math.max(minSize, Math.min(maxSide, opts.maxSize ?? 48));
  const maxIou = opts.maxOverlapIou ?? 0.3;
  const wanted = minObjects + Math.floor(rand() * (maxObjects - minObjects + 1));
  const objects: SceneObject[] = [];
  for (let n = 0; n < wanted; n++) {
    const slot = Math.floor(rand() * classes.length);
    // Log-uniform sizes: as many small objects as large ones, which detectors find hardest.
    const size = Math.round(Math.exp(Math.log(minSize) + rand() * Math.log(maxSize / minSize)));
    const alpha = sprites.draw(classes[slot], size, rand);
    for (let i = 0; i < alpha.length; i++) if (alpha[i] < ALPHA_FLOOR) alpha[i] = 0;
    const local = maskBounds(alpha, size);
    if (!local) continue;
    let placed: Box | undefined;
    let px = 0;
    let py = 0;
    for (let attempt = 0; attempt < 20 && !placed; attempt++) {
      px = Math.floor(rand() * (width - size + 1));
      py = Math.floor(rand() * (height - size + 1));
      const box: Box = [px + local[0], py + local[1], px + local[2], py + local[3]];
      if (objects.every((o) => iou(o.box, box) < maxIou)) placed = box;
    }
    if (!placed) continue;
    const tint = tintFor(background, px + (size >> 1), py + (size >> 1), rand);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const a = alpha[y * size + x];
        // Brighter item pixels get a lighter shade, so texture (seams, straps) survives the tint.
        if (a > 0) blend(image, px + x, py + y, tint, a, 0.6 + 0.4 * a);
      }
    }
    objects.push({ className: sprites.classNames[slot], box: placed });
  }
  return { image, background, objects };
}

/** One KITTI line: class, then truncation, occlusion, alpha, the box, and 7 unused 3D fields. */
export function kittiLine(className: string, box: readonly number[]): string {
  const f = (v: number) => v.toFixed(2);
  return `${className} 0.00 0 0.00 ${f(box[0])} ${f(box[1])} ${f(box[2])} ${f(box[3])} 0.00 0.00 0.00 0.00 0.00 0.00 0.00`;
}

/** Resolves the class ids and the object source the options ask for. */
export function prepareScenes(opts: SceneOptions): { sprites: SpriteSource; classes: number[] } {
  const classes = opts.classes ?? Array.from({ length: 10 }, (_, i) => i);
  if (classes.length === 0 || classes.some((c) => !Number.isInteger(c) || c < 0 || c > 9) || new Set(classes).size !== classes.length) {
    throw new Error(`classes must be distinct ids in 0..9, got [${classes.join(', ')}]`);
  }
  return { sprites: openSprites(opts, classes), classes };
}

/** Writes ROOT/<imageDirName>/NNNNNN.png and ROOT/<labelDirName>/NNNNNN.txt for `count` scenes. */
export function writeDetectionScenes(root: string, opts: SceneOptions): SceneSummary {
  const { sprites, classes } = prepareScenes(opts);
  const imageDir = join(root, opts.imageDirName ?? 'image_2');
  const labelDir = join(root, opts.labelDirName ?? 'label_2');
  mkdirSync(imageDir, { recursive: true });
  mkdirSync(labelDir, { recursive: true });
  const objectsPerClass: Record<string, number> = Object.fromEntries(sprites.classNames.map((n) => [n, 0]));
  for (let i = 0; i < opts.count; i++) {
    const scene = generateScene(i, opts, sprites, classes);
    const stem = String(i).padStart(6, '0');
    writeFileSync(join(imageDir, `${stem}.png`), encodePng(scene.image));
    writeFileSync(join(labelDir, `${stem}.txt`), scene.objects.map((o) => kittiLine(o.className, o.box) + '\n').join(''));
    for (const o of scene.objects) objectsPerClass[o.className]++;
  }
  return { images: opts.count, objectsPerClass, classNames: sprites.classNames, source: sprites.source };
}
