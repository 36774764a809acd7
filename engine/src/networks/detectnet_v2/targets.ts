// Ground-truth rasterization: boxes -> the coverage, bbox and bbox-weight maps DetectNet_v2
// trains against, following TAO's bbox rasterizer. Work happens in output-grid units
// (pixels / 16). Each box draws a coverage ellipse (cov_center, cov_radius as fractions of
// the box, at least bbox_min_radius cells, aspect kept) inside a larger "deadzone" ellipse;
// cells in the deadzone but outside the coverage ellipse are cleared, so a nearer object
// (drawn later: boxes are sorted by their bottom edge) carves its own region out of the
// objects behind it. Inside the coverage ellipse a cell gets coverage 1, the four edge
// distances (normalized as below) and the weight 1/area of the coverage ellipse, which makes
// every object count about the same in the bbox loss whatever its size.
//
// Box encoding (and decode in postprocess.ts): with gx = col*16 + offset, gy = row*16 + offset,
//   L = (gx - x1) / scale, T = (gy - y1) / scale, R = (x2 - gx) / scale, B = (y2 - gy) / scale,
// the inverse of TAO's predictions_to_absolute, so decoding a target gives the box back exactly.
import type { RasterizerConfig } from './config';
import { STRIDE, type GridShape } from './model';

export interface TargetBox {
  cls: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface FrameTargets {
  /** rows*cols*C, coverage in {0,1}. */
  cov: Float32Array;
  /** rows*cols*4C, normalized edge distances (cell, class, edge). */
  bbox: Float32Array;
  /** rows*cols*C, weight of the bbox loss (1/coverage area inside the ellipse, else 0). */
  covNorm: Float32Array;
}

export interface RasterParams {
  grid: GridShape;
  classes: string[];
  rasterizer: RasterizerConfig;
  bboxScale: number;
  bboxOffset: number;
}

const DEFAULT_CLASS = { covCenterX: 0.5, covCenterY: 0.5, covRadiusX: 1, covRadiusY: 1, bboxMinRadius: 1 };

export function rasterize(boxes: TargetBox[], p: RasterParams, out?: FrameTargets): FrameTargets {
  const { rows, cols } = p.grid;
  const C = p.classes.length;
  const t = out ?? { cov: new Float32Array(rows * cols * C), bbox: new Float32Array(rows * cols * 4 * C), covNorm: new Float32Array(rows * cols * C) };
  if (out) {
    t.cov.fill(0);
    t.bbox.fill(0);
    t.covNorm.fill(0);
  }
  const dz = p.rasterizer.deadzoneRadius;
  const sorted = [...boxes].sort((a, b) => a.y2 - b.y2);
  for (const box of sorted) {
    if (box.cls < 0 || box.cls >= C) continue;
    const rc = p.rasterizer.perClass[p.classes[box.cls]] ?? DEFAULT_CLASS;
    const xmin = box.x1 / STRIDE;
    const ymin = box.y1 / STRIDE;
    const xmax = box.x2 / STRIDE;
    const ymax = box.y2 / STRIDE;
    const cx = xmin + rc.covCenterX * (xmax - xmin);
    const cy = ymin + rc.covCenterY * (ymax - ymin);
    // Distance to the nearer edge, so the ellipse stays inside the box unless tiny.
    const sx = rc.covCenterX < 0.5 ? cx - xmin : xmax - cx;
    const sy = rc.covCenterY < 0.5 ? cy - ymin : ymax - cy;
    let csx = Math.max(rc.covRadiusX * sx, 0.1);
    let csy = Math.max(rc.covRadiusY * sy, 0.1);
    // bbox_min_radius, keeping the ellipse's aspect ratio: first along x, then along y.
    if (csx < rc.bboxMinRadius) {
      csy = (rc.bboxMinRadius * csy) / csx;
      csx = rc.bboxMinRadius;
    }
    if (csy < rc.bboxMinRadius) {
      csx = (rc.bboxMinRadius * csx) / csy;
      csy = rc.bboxMinRadius;
    }
    const dsx = Math.max((1 - dz) * csx + dz * sx, csx);
    const dsy = Math.max((1 - dz) * csy + dz * sy, csy);
    const invArea = 1 / Math.max(csx * csy * 4, 1);
    const c0 = Math.max(0, Math.floor(cx - dsx));
    const c1 = Math.min(cols - 1, Math.ceil(cx + dsx));
    const r0 = Math.max(0, Math.floor(cy - dsy));
    const r1 = Math.min(rows - 1, Math.ceil(cy + dsy));
    const k = box.cls;
    for (let r = r0; r <= r1; r++) {
      const py = r + 0.5;
      for (let c = c0; c <= c1; c++) {
        const px = c + 0.5;
        const du = (px - cx) / dsx;
        const dv = (py - cy) / dsy;
        if (du * du + dv * dv > 1) continue;
        const cell = r * cols + c;
        const eu = (px - cx) / csx;
        const ev = (py - cy) / csy;
        if (eu * eu + ev * ev <= 1) {
          t.cov[cell * C + k] = 1;
          t.covNorm[cell * C + k] = invArea;
          const gx = c * STRIDE + p.bboxOffset;
          const gy = r * STRIDE + p.bboxOffset;
          const b = cell * 4 * C + 4 * k;
          t.bbox[b] = (gx - box.x1) / p.bboxScale;
          t.bbox[b + 1] = (gy - box.y1) / p.bboxScale;
          t.bbox[b + 2] = (box.x2 - gx) / p.bboxScale;
          t.bbox[b + 3] = (box.y2 - gy) / p.bboxScale;
        } else {
          // Deadzone: neither this object nor whatever was drawn here before.
          t.cov[cell * C + k] = 0;
          t.covNorm[cell * C + k] = 0;
          const b = cell * 4 * C + 4 * k;
          t.bbox[b] = t.bbox[b + 1] = t.bbox[b + 2] = t.bbox[b + 3] = 0;
        }
      }
    }
  }
  return t;
}
