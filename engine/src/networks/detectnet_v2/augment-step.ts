// Online augmentation for one training frame, on the model-sized image: a random spatial
// transform (flip, translate, zoom, rotate) applied to pixels and boxes alike, boxes that
// leave the frame or shrink below min_bbox_width/height dropped, then colour augmentation.
// Draws come from the epoch's seeded generator, so a resumed run sees the same samples.
import { applyColor, identityMatrix, sampleColor, sampleSpatial, transformBoxes, warpImage, type DetectionAugmentConfig } from '../../data/detection-augment';
import type { DetectnetConfig } from './config';
import type { TargetBox } from './targets';

export interface AugmentedSample {
  image: Uint8Array;
  boxes: TargetBox[];
}

export type Augmenter = (image: Uint8Array, boxes: TargetBox[], rand: () => number) => AugmentedSample;

function isIdentity(m: number[]): boolean {
  const id = identityMatrix();
  return m.every((v, i) => Math.abs(v - id[i]) < 1e-12);
}

function spatialEnabled(a: DetectionAugmentConfig): boolean {
  const s = a.spatial_augmentation;
  return s.hflip_probability > 0 || s.vflip_probability > 0 || s.zoom_min !== 1 || s.zoom_max !== 1 || s.translate_max_x > 0 || s.translate_max_y > 0 || s.rotate_rad_max > 0;
}

function colorEnabled(a: DetectionAugmentConfig, channels: number): boolean {
  const c = a.color_augmentation;
  return channels === 3 && (c.hue_rotation_max > 0 || c.saturation_shift_max > 0 || c.contrast_scale_max > 0 || c.color_shift_stddev > 0);
}

export function makeAugmenter(cfg: DetectnetConfig): Augmenter {
  const a = cfg.augmentation;
  const { width, height, channels } = cfg.model;
  const minW = a.preprocessing.min_bbox_width;
  const minH = a.preprocessing.min_bbox_height;
  const spatial = spatialEnabled(a);
  const color = colorEnabled(a, channels);
  return (image, boxes, rand) => {
    let data = image;
    let out = boxes;
    if (spatial) {
      const m = sampleSpatial(a, rand, width, height);
      if (!isIdentity(m)) {
        data = warpImage({ width, height, channels, data }, m, width, height).data;
        const moved = transformBoxes(boxes.map((b) => [b.x1, b.y1, b.x2, b.y2]), m, width, height, minW, minH);
        out = moved.boxes.map(([x1, y1, x2, y2], i) => ({ cls: boxes[moved.indices[i]].cls, x1, y1, x2, y2 }));
      }
    }
    if (color) data = applyColor({ width, height, channels, data }, sampleColor(a, rand));
    return { image: data, boxes: out };
  };
}
