// Boxes drawn onto an image for OUT_DIR/images_annotated: a rectangle per detection in the
// class's bbox_color, overlay_linewidth pixels wide, and a small filled tab at the top-left
// corner whose width grows with the confidence, so overlapping boxes stay tellable apart
// without a font renderer.
import type { RawImage } from '../../data/images';

export interface OverlayBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  confidence: number;
  color: [number, number, number];
}

function fillRect(img: RawImage, x1: number, y1: number, x2: number, y2: number, color: [number, number, number]): void {
  const xa = Math.max(0, Math.floor(x1));
  const ya = Math.max(0, Math.floor(y1));
  const xb = Math.min(img.width - 1, Math.floor(x2));
  const yb = Math.min(img.height - 1, Math.floor(y2));
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      const o = (y * img.width + x) * img.channels;
      if (img.channels === 1) img.data[o] = Math.round(0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]);
      else {
        img.data[o] = color[0];
        img.data[o + 1] = color[1];
        img.data[o + 2] = color[2];
      }
    }
  }
}

export function drawBoxes(img: RawImage, boxes: OverlayBox[], lineWidth: number): void {
  const w = Math.max(1, Math.round(lineWidth));
  for (const b of boxes) {
    fillRect(img, b.x1, b.y1, b.x2, b.y1 + w - 1, b.color);
    fillRect(img, b.x1, b.y2 - w + 1, b.x2, b.y2, b.color);
    fillRect(img, b.x1, b.y1, b.x1 + w - 1, b.y2, b.color);
    fillRect(img, b.x2 - w + 1, b.y1, b.x2, b.y2, b.color);
    const tab = Math.max(3, Math.min(b.x2 - b.x1, 40) * Math.min(1, Math.max(0, b.confidence)));
    fillRect(img, b.x1, b.y1 - 2 * w, b.x1 + tab, b.y1, b.color);
  }
}
