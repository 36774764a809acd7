// Object-detection augmentation as pure functions: images and their boxes move through the
// same 3x3 matrix, so a label can never drift from its pixels. Training draws one transform
// per image per epoch (online); the augment task writes several per image to disk (offline).
//
// Semantics follow TAO DetectNet_v2 (NVIDIA/tao_tensorflow1_backend), whose default loader is
// the multi-source one (dataset_config.dataloader_mode 0, cv/detectnet_v2/dataloader/
// drivenet_dataloader.py `_get_augmentation_pipeline`):
//   preprocessing: resize (only with enable_auto_resize; aspect ratio NOT kept), scale by
//     scale_width/height, crop, then a canvas of output_image_width x output_image_height
//     anchored at the top-left (larger frames are cut at right/bottom, smaller ones padded
//     with black);
//   spatial: hflip -> translate -> zoom -> rotate, each on that canvas;
//   colour (3-channel images only): hue rotation + saturation, contrast about
//     contrast_center, then one brightness offset shared by the channels, clipped to [0, 1].
// Boxes: the 4 corners are transformed, their bounds taken, boxes entirely off the canvas
// dropped, the rest clipped, then boxes under min_bbox_width/height dropped (TAO's
// BboxClipper and BboxDimensionsLabelFilter, which keeps width >= min).
import type { RawImage } from './images';
import { Reader, obj, type PathProblem } from '../spec/reader';
import type { Plain } from '../spec/plain';

export type { PathProblem };

// ---------------------------------------------------------------------------------------------
// Config

/**
 * augmentation_config of a DetectNet_v2 spec with TAO's substitutions for proto3 zero values
 * applied. Keys keep the proto's snake_case names so each one greps straight to the spec.
 */
export interface DetectionAugmentConfig {
  preprocessing: {
    output_image_width: number;
    output_image_height: number;
    /** 1 or 3; colour augmentation only runs on 3. */
    output_image_channel: number;
    /** All four 0 means no crop. Pixel coordinates after scaling. */
    crop_left: number;
    crop_top: number;
    crop_right: number;
    crop_bottom: number;
    min_bbox_width: number;
    min_bbox_height: number;
    /** Resize factors; 1 when unset. */
    scale_width: number;
    scale_height: number;
    /** Stretch every frame to the output size first (aspect ratio not kept, as in TAO). */
    enable_auto_resize: boolean;
  };
  spatial_augmentation: {
    hflip_probability: number;
    vflip_probability: number;
    /** Zoom ratio range; > 1 shrinks the content (zoom out), < 1 enlarges it. */
    zoom_min: number;
    zoom_max: number;
    /** Integer pixel shifts, drawn uniformly from [-max, max]. */
    translate_max_x: number;
    translate_max_y: number;
    rotate_rad_max: number;
    rotate_probability: number;
  };
  color_augmentation: {
    color_shift_stddev: number;
    /** Degrees. */
    hue_rotation_max: number;
    saturation_shift_max: number;
    contrast_scale_max: number;
    contrast_center: number;
  };
}

/**
 * Reads a plain `augmentation_config` object. Where TAO substitutes a value for an unset
 * (zero) field, so do we; where TAO refuses a zero value outright we use the neutral value
 * instead, so every spec TAO accepts behaves the same here. Sources, per field:
 * - rotate_probability 0 -> 1.0 (augmentation_config.py SpatialAugmentation).
 * - zoom_min/zoom_max 0 -> 1.0: TAO raises "zoom_min must be > 0.0"; 1.0 is "no zoom".
 * - scale_width/height 0 -> 1.0: TAO's loader skips scaling for 0 (drivenet_dataloader.py).
 * - output_image_channel 0 -> 3: TAO asserts 1 or 3.
 * - contrast_center stays 0 when unset: TAO passes it through unchanged, so contrast then
 *   pivots on black (specs normally set 0.5).
 * Range checks are TAO's own ValueErrors (augmentation_config.py and the core processors).
 */
export function augmentationConfigFromPlain(plain: unknown, problems: PathProblem[], path = 'augmentation_config'): DetectionAugmentConfig {
  const r = new Reader(problems);
  const root = obj(plain as Plain);
  const pp = `${path}.preprocessing`;
  const sp = `${path}.spatial_augmentation`;
  const cp = `${path}.color_augmentation`;
  const p = obj(root.preprocessing);
  const s = obj(root.spatial_augmentation);
  const c = obj(root.color_augmentation);
  const bad = (field: string, message: string) => problems.push({ path: field, message });

  const preprocessing = {
    output_image_width: r.num(p, 'output_image_width', pp, 0),
    output_image_height: r.num(p, 'output_image_height', pp, 0),
    output_image_channel: r.num(p, 'output_image_channel', pp, 3),
    crop_left: r.num(p, 'crop_left', pp, 0),
    crop_top: r.num(p, 'crop_top', pp, 0),
    crop_right: r.num(p, 'crop_right', pp, 0),
    crop_bottom: r.num(p, 'crop_bottom', pp, 0),
    min_bbox_width: r.num(p, 'min_bbox_width', pp, 0),
    min_bbox_height: r.num(p, 'min_bbox_height', pp, 0),
    scale_width: r.num(p, 'scale_width', pp, 1),
    scale_height: r.num(p, 'scale_height', pp, 1),
    enable_auto_resize: r.bool(p, 'enable_auto_resize', pp),
  };
  for (const key of ['output_image_width', 'output_image_height'] as const) {
    const v = preprocessing[key];
    if (!(Number.isInteger(v) && v > 0)) bad(`${pp}.${key}`, `${key} must be a positive integer (TAO requires it)`);
  }
  if (![1, 3].includes(preprocessing.output_image_channel)) bad(`${pp}.output_image_channel`, 'output_image_channel must be 1 or 3');
  if (r.num(p, 'output_image_min', pp, 0) !== 0 || r.num(p, 'output_image_max', pp, 0) !== 0) {
    bad(`${pp}.output_image_min`, 'output_image_min/output_image_max (resizing that keeps the aspect ratio) are not supported by the local engine');
  }
  const { crop_left: cl, crop_top: ct, crop_right: cr, crop_bottom: cb } = preprocessing;
  if ((cl || ct || cr || cb) && (cr <= cl || cb <= ct)) {
    bad(`${pp}.crop_right`, 'crop_right/crop_bottom must be greater than crop_left/crop_top (or all four 0 for no crop)');
  }
  for (const key of ['crop_left', 'crop_top', 'crop_right', 'crop_bottom', 'min_bbox_width', 'min_bbox_height'] as const) {
    if (preprocessing[key] < 0) bad(`${pp}.${key}`, `${key} must not be negative`);
  }
  for (const key of ['scale_width', 'scale_height'] as const) {
    if (preprocessing[key] < 0) bad(`${pp}.${key}`, `${key} must be positive`);
  }

  const spatial = {
    hflip_probability: r.num(s, 'hflip_probability', sp, 0),
    vflip_probability: r.num(s, 'vflip_probability', sp, 0),
    zoom_min: r.num(s, 'zoom_min', sp, 1),
    zoom_max: r.num(s, 'zoom_max', sp, 1),
    // TAO passes int(translate_max_x) to the translation processor.
    translate_max_x: Math.trunc(r.num(s, 'translate_max_x', sp, 0)),
    translate_max_y: Math.trunc(r.num(s, 'translate_max_y', sp, 0)),
    rotate_rad_max: r.num(s, 'rotate_rad_max', sp, 0),
    rotate_probability: r.num(s, 'rotate_probability', sp, 1),
  };
  for (const key of ['hflip_probability', 'vflip_probability', 'rotate_probability'] as const) {
    const v = spatial[key];
    if (v < 0 || v > 1) bad(`${sp}.${key}`, `${key} must be in [0, 1]`);
  }
  if (spatial.zoom_min < 0 || spatial.zoom_max < 0) bad(`${sp}.zoom_min`, 'zoom_min/zoom_max must be > 0');
  else if (spatial.zoom_min > spatial.zoom_max) bad(`${sp}.zoom_min`, `zoom_min (${spatial.zoom_min}) must be <= zoom_max (${spatial.zoom_max})`);
  if (spatial.translate_max_x < 0 || spatial.translate_max_y < 0) bad(`${sp}.translate_max_x`, 'translate_max_x/y must be >= 0');
  if (spatial.rotate_rad_max < 0) bad(`${sp}.rotate_rad_max`, 'rotate_rad_max must be >= 0');

  const color = {
    color_shift_stddev: r.num(c, 'color_shift_stddev', cp, 0),
    hue_rotation_max: r.num(c, 'hue_rotation_max', cp, 0),
    saturation_shift_max: r.num(c, 'saturation_shift_max', cp, 0),
    contrast_scale_max: r.num(c, 'contrast_scale_max', cp, 0),
    contrast_center: r.num(c, 'contrast_center', cp, 0),
  };
  if (color.hue_rotation_max < 0 || color.hue_rotation_max > 360) bad(`${cp}.hue_rotation_max`, 'hue_rotation_max must be in [0, 360] (degrees)');
  if (color.saturation_shift_max < 0 || color.saturation_shift_max > 1) bad(`${cp}.saturation_shift_max`, 'saturation_shift_max must be in [0, 1]');
  if (color.color_shift_stddev < 0) bad(`${cp}.color_shift_stddev`, 'color_shift_stddev must be >= 0');
  if (color.contrast_scale_max < 0) bad(`${cp}.contrast_scale_max`, 'contrast_scale_max must be >= 0');

  return { preprocessing, spatial_augmentation: spatial, color_augmentation: color };
}

// ---------------------------------------------------------------------------------------------
// 3x3 affine matrices

/**
 * Row-major 3x3 acting on column vectors: [x', y', 1] = M [x, y, 1]. (TAO multiplies row
 * vectors, so its matrices are the transpose of these.) Coordinates are continuous pixel
 * units: pixel i spans [i, i + 1), which is also how KITTI boxes are written.
 */
export type Mat3 = number[];

export function identityMatrix(): Mat3 {
  return [1, 0, 0, 0, 1, 0, 0, 0, 1];
}

/** a · b: the transform that applies b first, then a. */
export function multiplyMatrices(a: Mat3, b: Mat3): Mat3 {
  const out = new Array<number>(9);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) out[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
  }
  return out;
}

export function invertMatrix(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = f * g - d * i;
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new Error('spatial transform is not invertible');
  return [
    A / det, (c * h - b * i) / det, (b * f - c * e) / det,
    B / det, (a * i - c * g) / det, (c * d - a * f) / det,
    C / det, (b * g - a * h) / det, (a * e - b * d) / det,
  ];
}

export function transformPoint(m: Mat3, x: number, y: number): [number, number] {
  const w = m[6] * x + m[7] * y + m[8];
  return [(m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w];
}

export function translationMatrix(tx: number, ty: number): Mat3 {
  return [1, 0, tx, 0, 1, ty, 0, 0, 1];
}

export function scaleMatrix(sx: number, sy: number): Mat3 {
  return [sx, 0, 0, 0, sy, 0, 0, 0, 1];
}

/** Mirror inside a canvas: x -> width - x and/or y -> height - y, so the image stays on it. */
export function flipMatrix(horizontal: boolean, vertical: boolean, width: number, height: number): Mat3 {
  return [horizontal ? -1 : 1, 0, horizontal ? width : 0, 0, vertical ? -1 : 1, vertical ? height : 0, 0, 0, 1];
}

/** Rotation by `angle` radians about the canvas centre (TAO rotates about the centre too). */
export function rotationMatrix(angle: number, width: number, height: number): Mat3 {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cx = width / 2;
  const cy = height / 2;
  return [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy, 0, 0, 1];
}

// ---------------------------------------------------------------------------------------------
// Spatial transforms

/**
 * The deterministic part: source frame -> model canvas (auto-resize, scale, crop), and the
 * canvas size. Training composes it with `sampleSpatial`; evaluation uses it alone. The
 * offline augment task skips it, since training will apply it to the written files anyway.
 */
export function preprocessMatrix(cfg: DetectionAugmentConfig, srcWidth: number, srcHeight: number): { matrix: Mat3; width: number; height: number } {
  const p = cfg.preprocessing;
  const hasOutput = p.output_image_width > 0 && p.output_image_height > 0;
  let m = identityMatrix();
  let w = srcWidth;
  let h = srcHeight;
  if (p.enable_auto_resize && hasOutput) {
    m = scaleMatrix(p.output_image_width / srcWidth, p.output_image_height / srcHeight);
    w = p.output_image_width;
    h = p.output_image_height;
  }
  if (p.scale_width !== 1 || p.scale_height !== 1) {
    m = multiplyMatrices(scaleMatrix(p.scale_width, p.scale_height), m);
    w *= p.scale_width;
    h *= p.scale_height;
  }
  if (p.crop_left || p.crop_top || p.crop_right || p.crop_bottom) {
    m = multiplyMatrices(translationMatrix(-p.crop_left, -p.crop_top), m);
    w = p.crop_right - p.crop_left;
    h = p.crop_bottom - p.crop_top;
  }
  if (hasOutput) {
    w = p.output_image_width;
    h = p.output_image_height;
  }
  return { matrix: m, width: Math.max(1, Math.round(w)), height: Math.max(1, Math.round(h)) };
}

/**
 * One random spatial augmentation on a width x height canvas, in TAO's order: horizontal
 * flip, (vertical flip), translation, zoom, rotation. TAO's DetectNet_v2 loaders never pass
 * vflip_probability on, so TAO never flips vertically; we honour the field when it is set,
 * since nobody sets it to get nothing. rotate_rad_max is read as radians (the field's name and
 * NVIDIA's docs); TAO's default loader hands it to a processor that takes degrees.
 * The same number of draws is made whatever is enabled, so one setting never reshuffles the
 * others' random values.
 */
export function sampleSpatial(cfg: DetectionAugmentConfig, rand: () => number, width: number, height: number): Mat3 {
  const s = cfg.spatial_augmentation;
  const uHflip = rand();
  const uVflip = rand();
  const uTx = rand();
  const uTy = rand();
  const uZoom = rand();
  const uZx = rand();
  const uZy = rand();
  const uRotate = rand();
  const uAngle = rand();

  let m = flipMatrix(uHflip < s.hflip_probability, uVflip < s.vflip_probability, width, height);
  // Integers in [-max, max], both ends included (translation stays lossless).
  const tx = Math.min(s.translate_max_x, Math.floor(uTx * (2 * s.translate_max_x + 1)) - s.translate_max_x);
  const ty = Math.min(s.translate_max_y, Math.floor(uTy * (2 * s.translate_max_y + 1)) - s.translate_max_y);
  m = multiplyMatrices(translationMatrix(tx, ty), m);
  // A ratio r shows the canvas at 1/r of its size; the offset keeps the zoomed-out content
  // inside the canvas (r > 1) or the zoomed-in window inside the content (r < 1).
  const ratio = s.zoom_min + (s.zoom_max - s.zoom_min) * uZoom;
  if (ratio !== 1) {
    const ox = uZx * (width - width / ratio);
    const oy = uZy * (height - height / ratio);
    m = multiplyMatrices([1 / ratio, 0, ox, 0, 1 / ratio, oy, 0, 0, 1], m);
  }
  if (s.rotate_rad_max > 0 && uRotate <= s.rotate_probability) {
    m = multiplyMatrices(rotationMatrix((2 * uAngle - 1) * s.rotate_rad_max, width, height), m);
  }
  return m;
}

/** Preprocessing and one random augmentation composed: what online training applies per image. */
export function sampleTransform(cfg: DetectionAugmentConfig, rand: () => number, srcWidth: number, srcHeight: number): { matrix: Mat3; width: number; height: number } {
  const pre = preprocessMatrix(cfg, srcWidth, srcHeight);
  return { ...pre, matrix: multiplyMatrices(sampleSpatial(cfg, rand, pre.width, pre.height), pre.matrix) };
}

/**
 * Renders src through `matrix` (source -> output coordinates) onto an outW x outH canvas with
 * bilinear sampling. Output pixels whose centre maps outside the source get `background`
 * (TAO pads with 0). Each output pixel is pulled from the source, so there are no holes.
 */
export function warpImage(src: RawImage, matrix: Mat3, outW: number, outH: number, background = 0): RawImage {
  const inv = invertMatrix(matrix);
  const c = src.channels;
  const W = src.width;
  const H = src.height;
  const data = new Uint8Array(outW * outH * c);
  if (background !== 0) data.fill(background);
  const s = src.data;
  for (let oy = 0; oy < outH; oy++) {
    // Source position of the pixel centre (ox + 0.5, oy + 0.5), advanced by the matrix's
    // x column per step instead of a full product per pixel.
    let sx = inv[0] * 0.5 + inv[1] * (oy + 0.5) + inv[2];
    let sy = inv[3] * 0.5 + inv[4] * (oy + 0.5) + inv[5];
    for (let ox = 0; ox < outW; ox++, sx += inv[0], sy += inv[3]) {
      if (sx < 0 || sy < 0 || sx > W || sy > H) continue;
      // Pixel k's centre sits at k + 0.5; clamping at the edges keeps border pixels whole.
      const fx = Math.min(Math.max(sx - 0.5, 0), W - 1);
      const fy = Math.min(Math.max(sy - 0.5, 0), H - 1);
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const x1 = x0 + 1 < W ? x0 + 1 : x0;
      const y1 = y0 + 1 < H ? y0 + 1 : y0;
      const wx = fx - x0;
      const wy = fy - y0;
      const a = (y0 * W + x0) * c;
      const b = (y0 * W + x1) * c;
      const d = (y1 * W + x0) * c;
      const e = (y1 * W + x1) * c;
      const o = (oy * outW + ox) * c;
      for (let k = 0; k < c; k++) {
        const top = s[a + k] + (s[b + k] - s[a + k]) * wx;
        const bottom = s[d + k] + (s[e + k] - s[d + k]) * wx;
        data[o + k] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return { width: outW, height: outH, channels: c, data };
}

/** [x1, y1, x2, y2] in pixels, KITTI's order. */
export type Box = [number, number, number, number];

/**
 * Moves boxes through `matrix` onto an outW x outH canvas: the 4 corners are transformed and
 * their bounds taken (exact for flips, zooms and shifts; a loose fit under rotation), boxes
 * with no area left on the canvas are dropped, the rest clipped, then boxes narrower than
 * minW or shorter than minH dropped. `indices[k]` is the input index of `boxes[k]`, so class
 * names and other label fields can follow.
 */
export function transformBoxes(
  boxes: ReadonlyArray<readonly number[]>,
  matrix: Mat3,
  outW: number,
  outH: number,
  minW = 0,
  minH = 0,
): { boxes: Box[]; indices: number[] } {
  const kept: Box[] = [];
  const indices: number[] = [];
  boxes.forEach((box, i) => {
    const [bx1, by1, bx2, by2] = box;
    let x1 = Infinity;
    let y1 = Infinity;
    let x2 = -Infinity;
    let y2 = -Infinity;
    for (const [cx, cy] of [[bx1, by1], [bx2, by1], [bx2, by2], [bx1, by2]]) {
      const [x, y] = transformPoint(matrix, cx, cy);
      x1 = Math.min(x1, x);
      y1 = Math.min(y1, y);
      x2 = Math.max(x2, x);
      y2 = Math.max(y2, y);
    }
    // Strict comparisons: a box merely touching the canvas edge has nothing left to learn from.
    if (!(x1 < outW && x2 > 0 && y1 < outH && y2 > 0)) return;
    x1 = Math.max(0, x1);
    y1 = Math.max(0, y1);
    x2 = Math.min(outW, x2);
    y2 = Math.min(outH, y2);
    if (x2 - x1 < minW || y2 - y1 < minH) return;
    kept.push([x1, y1, x2, y2]);
    indices.push(i);
  });
  return { boxes: kept, indices };
}

/** Stretches an image and its boxes to outW x outH, not keeping the aspect ratio (TAO's enable_auto_resize). */
export function resizeWithBoxes(image: RawImage, boxes: ReadonlyArray<readonly number[]>, outW: number, outH: number): { image: RawImage; boxes: Box[]; indices: number[] } {
  const m = scaleMatrix(outW / image.width, outH / image.height);
  return { image: warpImage(image, m, outW, outH), ...transformBoxes(boxes, m, outW, outH) };
}

// ---------------------------------------------------------------------------------------------
// Colour

/** One draw of colour augmentation. Offsets and the contrast centre are in [0, 1] units. */
export interface ColorParams {
  hueDegrees: number;
  /** Multiplier; 1 leaves saturation alone, 0 makes the image gray. */
  saturation: number;
  /** Slope change: values v become (1 + contrast) v - contrast * center. */
  contrast: number;
  contrastCenter: number;
  /** Added per channel after the other operations. */
  brightness: [number, number, number];
}

export function identityColorParams(): ColorParams {
  return { hueDegrees: 0, saturation: 1, contrast: 0, contrastCenter: 0.5, brightness: [0, 0, 0] };
}

/** Normal(0, stddev) redrawn until within 2 stddev: TensorFlow's truncated_normal, which TAO uses. */
function truncatedNormal(rand: () => number, stddev: number): number {
  if (stddev <= 0) {
    rand();
    rand();
    return 0;
  }
  for (;;) {
    const u = Math.max(rand(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
    if (Math.abs(z) <= 2) return z * stddev;
  }
}

/**
 * Draws colour parameters with TAO's distributions (core/processors/augment/color.py):
 * hue ~ truncated normal with stddev hue_rotation_max / 2 (so within +-max degrees),
 * saturation = 1 + uniform(-max, max), contrast ~ truncated normal with stddev
 * contrast_scale_max / 2, brightness ~ truncated normal with stddev color_shift_stddev
 * (TAO passes 2 * stddev as the scale and halves it), one value for all channels as TAO's
 * default loader does (uniform_across_channels=True).
 */
export function sampleColor(cfg: DetectionAugmentConfig, rand: () => number): ColorParams {
  const c = cfg.color_augmentation;
  const hueDegrees = truncatedNormal(rand, c.hue_rotation_max / 2);
  const saturation = 1 + (2 * rand() - 1) * c.saturation_shift_max;
  const contrast = truncatedNormal(rand, c.contrast_scale_max / 2);
  const shift = truncatedNormal(rand, c.color_shift_stddev);
  return { hueDegrees, saturation, contrast, contrastCenter: c.contrast_center, brightness: [shift, shift, shift] };
}

// Hue rotation is a rotation of the chroma plane of YIQ space, luma untouched. The matrices
// are built from the RGB->YIQ transform and its exact inverse, so hue 0 with saturation 1 is
// exactly the identity; the result agrees with TAO's hue_saturation_matrix (whose constants
// are rounded to 3 decimals) within 0.01.
const RGB_TO_YIQ: Mat3 = [0.299, 0.587, 0.114, 0.596, -0.274, -0.322, 0.211, -0.523, 0.312];
const YIQ_TO_RGB = invertMatrix(RGB_TO_YIQ);
const LUMA = multiplyMatrices(multiplyMatrices(YIQ_TO_RGB, [1, 0, 0, 0, 0, 0, 0, 0, 0]), RGB_TO_YIQ);
const CHROMA = LUMA.map((v, i) => (i % 4 === 0 ? 1 : 0) - v);
const CHROMA_TURN = multiplyMatrices(multiplyMatrices(YIQ_TO_RGB, [0, 0, 0, 0, 0, -1, 0, 1, 0]), RGB_TO_YIQ);

/**
 * The affine colour map as 3 rows of [r, g, b, offset], for values in [0, 1]: hue/saturation,
 * then contrast, then brightness (TAO's order; the first two commute for gray-preserving maps).
 */
export function colorMatrix(p: ColorParams): number[] {
  const angle = (p.hueDegrees * Math.PI) / 180;
  const sc = p.saturation * Math.cos(angle);
  const ss = p.saturation * Math.sin(angle);
  const gain = 1 + p.contrast;
  const out: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (let k = 0; k < 3; k++) {
      const i = r * 3 + k;
      out.push(gain * (LUMA[i] + sc * CHROMA[i] + ss * CHROMA_TURN[i]));
    }
    out.push(-p.contrast * p.contrastCenter + p.brightness[r]);
  }
  return out;
}

/**
 * Applies colour parameters to an RGB image: Uint8 data is treated as [0, 255], Float32 data
 * as [0, 1]; results are clipped to that range (TAO clips to [0, 1]). Images with other than
 * 3 channels come back unchanged (TAO colour-augments 3-channel inputs only). Returns a copy.
 */
export function applyColor<T extends Uint8Array | Float32Array>(image: { data: T; width: number; height: number; channels: number }, params: ColorParams): T {
  const src = image.data;
  const out = src.slice() as T;
  if (image.channels !== 3) return out;
  const m = colorMatrix(params);
  const isByte = src instanceof Uint8Array;
  const max = isByte ? 255 : 1;
  const n = image.width * image.height * 3;
  for (let i = 0; i < n; i += 3) {
    const r = src[i];
    const g = src[i + 1];
    const b = src[i + 2];
    for (let k = 0; k < 3; k++) {
      let v = m[k * 4] * r + m[k * 4 + 1] * g + m[k * 4 + 2] * b + m[k * 4 + 3] * max;
      v = v < 0 ? 0 : v > max ? max : v;
      out[i + k] = isByte ? Math.round(v) : v;
    }
  }
  return out;
}
