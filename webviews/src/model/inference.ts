// The inference viewer's data: KITTI label lines (as TAO's detectnet_v2 inference dumps them,
// 15 fields plus the confidence as a 16th) parsed into boxes, the filters the page applies,
// and the arithmetic of its virtualised grid. Pure functions: no DOM, no Node.

export interface KittiBox {
  cls: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** The 16th field; undefined for plain (ground-truth style) 15-field lines. */
  score: number | undefined;
  /** The label line as written, for the page to show when a box is clicked. */
  line: string;
}

export interface InferenceImage {
  /** Display name: the image file name (or the label file's stem when no image was found). */
  name: string;
  /** The original image, when the host found it; boxes are drawn over it. */
  image: string | undefined;
  /** TAO's pre-drawn overlay (images_annotated/), used when the original is not at hand. */
  overlay: string | undefined;
  boxes: KittiBox[];
}

export interface InferenceData {
  folder: string;
  images: InferenceImage[];
  /** Classes in first-seen order; colours follow this order. */
  classes: string[];
  /** Labels folder read, for the header. */
  labels: string | undefined;
  /** True when the boxes carry a confidence (the slider is shown only then). */
  scored: boolean;
}

/** One KITTI line, or undefined when it is not one (fewer than 8 fields, or non-numeric box). */
export function parseKittiLine(line: string): KittiBox | undefined {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const f = text.split(/\s+/);
  if (f.length < 8) return undefined;
  const [x1, y1, x2, y2] = f.slice(4, 8).map(Number);
  if (![x1, y1, x2, y2].every(Number.isFinite)) return undefined;
  // Fields: class trunc occl alpha x1 y1 x2 y2 h w l x y z rot_y [score].
  const score = f.length >= 16 ? Number(f[15]) : undefined;
  return { cls: f[0], x1, y1, x2, y2, score: score !== undefined && Number.isFinite(score) ? score : undefined, line: text };
}

export function parseKittiLabels(text: string): KittiBox[] {
  const out: KittiBox[] = [];
  for (const line of text.split(/\r?\n/)) {
    const b = parseKittiLine(line);
    if (b) out.push(b);
  }
  return out;
}

/** Classes in first-seen order over all images. */
export function classesOf(images: readonly InferenceImage[]): string[] {
  const seen = new Set<string>();
  for (const im of images) for (const b of im.boxes) seen.add(b.cls);
  return [...seen];
}

export interface BoxFilter {
  /** Classes switched off in the filter. */
  hidden: ReadonlySet<string>;
  /** Boxes below this confidence are hidden; unscored boxes always pass. */
  minScore: number;
}

export function boxVisible(b: KittiBox, f: BoxFilter): boolean {
  return !f.hidden.has(b.cls) && (b.score === undefined || b.score >= f.minScore);
}

/** Indices of the images to list: all, or only those with a visible box. */
export function filterImages(images: readonly InferenceImage[], f: BoxFilter, onlyWithBoxes: boolean): number[] {
  const out: number[] = [];
  images.forEach((im, i) => {
    if (!onlyWithBoxes || im.boxes.some((b) => boxVisible(b, f))) out.push(i);
  });
  return out;
}

/** Per class: how many boxes exist and how many pass the confidence threshold. */
export function classCounts(images: readonly InferenceImage[], minScore: number): Map<string, { total: number; shown: number }> {
  const m = new Map<string, { total: number; shown: number }>();
  for (const im of images) {
    for (const b of im.boxes) {
      const c = m.get(b.cls) ?? { total: 0, shown: 0 };
      c.total++;
      if (b.score === undefined || b.score >= minScore) c.shown++;
      m.set(b.cls, c);
    }
  }
  return m;
}

export interface GridWindow {
  columns: number;
  /** Items [first, last) are in the DOM. */
  first: number;
  last: number;
  /** Height of the whole (mostly empty) scroll area. */
  totalHeight: number;
}

/**
 * Which items of a fixed-size grid are on screen (plus `overscan` rows above and below), so
 * the page builds a few dozen tiles whatever the number of images.
 */
export function gridWindow(o: { count: number; width: number; tileWidth: number; rowHeight: number; scrollTop: number; viewport: number; overscan?: number }): GridWindow {
  const columns = Math.max(1, Math.floor(o.width / o.tileWidth));
  const rows = Math.ceil(o.count / columns);
  const overscan = o.overscan ?? 2;
  const firstRow = Math.max(0, Math.floor(o.scrollTop / o.rowHeight) - overscan);
  const lastRow = Math.min(rows, Math.ceil((o.scrollTop + o.viewport) / o.rowHeight) + overscan);
  return { columns, first: Math.min(o.count, firstRow * columns), last: Math.min(o.count, lastRow * columns), totalHeight: rows * o.rowHeight };
}

