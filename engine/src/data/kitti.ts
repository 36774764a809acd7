// KITTI label files, one object per line:
//   type truncated occluded alpha x1 y1 x2 y2 h w l x y z rotation_y [confidence]
// 15 fields in ground truth; TAO's inference label dump appends a 16th, the confidence.
// Boxes are pixel corners (left, top, right, bottom). Parsing follows what TAO's Python does
// (universal newlines, whitespace split, blank lines skipped, Python float syntax), and every
// problem names FILE:LINE so a bad line among thousands is easy to find.

export interface KittiObject {
  /** Class name as written (TAO lower-cases it when converting; this parser does not). */
  cls: string;
  truncated: number;
  occluded: number;
  alpha: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** 3D dimensions in metres. */
  h: number;
  w: number;
  l: number;
  /** 3D location in camera coordinates, metres. */
  x: number;
  y: number;
  z: number;
  rotationY: number;
  /** Present on 16-field lines (inference output). */
  confidence?: number;
  /** 1-based line number in the source text. */
  line: number;
}

export interface KittiParseOptions {
  /** Accept a 16th field (confidence). Default true. */
  allowConfidence?: boolean;
  /** Refuse boxes with x2 < x1 or y2 < y1. Default true; TAO's converter skips them instead. */
  checkBoxes?: boolean;
}

// Python's float(): decimal with optional exponent and digit-group underscores, or inf/nan.
const PY_FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*)(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const PY_SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

/** Parses a number the way Python's float() does; undefined when Python would raise. */
export function parsePyFloat(text: string): number | undefined {
  if (PY_FLOAT.test(text)) return Number(text.replace(/_/g, ''));
  if (PY_SPECIAL.test(text)) {
    const neg = text.startsWith('-');
    if (/nan$/i.test(text)) return NaN;
    return neg ? -Infinity : Infinity;
  }
  return undefined;
}

const FIELD_NAMES = ['type', 'truncated', 'occluded', 'alpha', 'x1', 'y1', 'x2', 'y2', 'h', 'w', 'l', 'x', 'y', 'z', 'rotation_y', 'confidence'];

/** Parses a KITTI label file's text; `file` names the source in errors (`FILE:LINE: ...`). */
export function parseKittiLabels(text: string, file: string, options: KittiParseOptions = {}): KittiObject[] {
  const allowConfidence = options.allowConfidence ?? true;
  const checkBoxes = options.checkBoxes ?? true;
  const objects: KittiObject[] = [];
  // Python's text mode turns \r\n and lone \r into \n before TAO splits lines.
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i].trim().split(/\s+/).filter((f) => f !== '');
    if (fields.length === 0) continue;
    const where = `${file}:${i + 1}`;
    if (fields.length !== 15 && !(allowConfidence && fields.length === 16)) {
      const allowed = allowConfidence ? '15 fields (KITTI) or 16 (with confidence)' : '15 fields (KITTI)';
      throw new Error(`${where}: expected ${allowed}, found ${fields.length}`);
    }
    const v: number[] = [];
    for (let k = 1; k < fields.length; k++) {
      const n = parsePyFloat(fields[k]);
      if (n === undefined) throw new Error(`${where}: field ${k + 1} (${FIELD_NAMES[k]}) is not a number: "${fields[k]}"`);
      v.push(n);
    }
    const obj: KittiObject = {
      cls: fields[0],
      truncated: v[0],
      occluded: v[1],
      alpha: v[2],
      x1: v[3],
      y1: v[4],
      x2: v[5],
      y2: v[6],
      h: v[7],
      w: v[8],
      l: v[9],
      x: v[10],
      y: v[11],
      z: v[12],
      rotationY: v[13],
      line: i + 1,
    };
    if (fields.length === 16) obj.confidence = v[14];
    if (checkBoxes) {
      if (obj.x2 < obj.x1) throw new Error(`${where}: x2 (${fields[6]}) is less than x1 (${fields[4]}); boxes are left top right bottom`);
      if (obj.y2 < obj.y1) throw new Error(`${where}: y2 (${fields[7]}) is less than y1 (${fields[5]}); boxes are left top right bottom`);
    }
    objects.push(obj);
  }
  return objects;
}

/**
 * Python's `'{:.Nf}'.format(x)`. JavaScript's toFixed rounds exact halves up (0.125 -> "0.13")
 * where Python rounds them to even ("0.12"), drops the sign of -0, and spells nan/inf
 * differently; label files compared line by line with TAO's need Python's spelling.
 */
export function formatPyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const a = Math.abs(x);
  if (a >= 1e21) {
    // toFixed switches to exponent notation here; such values are integers anyway.
    return sign + BigInt(a).toString() + (digits > 0 ? '.' + '0'.repeat(digits) : '');
  }
  let s = a.toFixed(digits);
  // An exact half can only occur when the exact decimal expansion stops at digit digits+1,
  // which toFixed(100) shows in full.
  if (digits < 100) {
    const exact = a.toFixed(100);
    const dot = exact.indexOf('.');
    const rest = exact.slice(dot + 1 + digits);
    if (rest[0] === '5' && /^50*$/.test(rest)) {
      const kept = exact.slice(0, dot + 1 + digits).replace(/\.$/, '');
      const last = kept[kept.length - 1];
      // Round half to even: keep the truncated value when its last digit is even.
      if (Number(last) % 2 === 0) s = kept;
    }
  }
  return sign + s;
}

/**
 * One label line the way TAO's DetectNet_v2 inference writes it (postprocessor/bbox_handler.py):
 * `class 0.00 0 0.00 x1 y1 x2 y2 0.00 0.00 0.00 0.00 0.00 0.00 0.00 conf` with three decimals
 * for the box and the confidence and two for the rest; occlusion is an integer. Without a
 * confidence the line has 15 fields. No trailing newline.
 */
export function formatKittiLine(obj: Omit<KittiObject, 'line' | 'confidence'> & { line?: number }, confidence?: number): string {
  const f2 = (v: number) => formatPyFixed(v, 2);
  const f3 = (v: number) => formatPyFixed(v, 3);
  const parts = [
    obj.cls,
    f2(obj.truncated),
    String(Math.trunc(obj.occluded)),
    f2(obj.alpha),
    f3(obj.x1),
    f3(obj.y1),
    f3(obj.x2),
    f3(obj.y2),
    f2(obj.h),
    f2(obj.w),
    f2(obj.l),
    f2(obj.x),
    f2(obj.y),
    f2(obj.z),
    f2(obj.rotationY),
  ];
  if (confidence !== undefined) parts.push(f3(confidence));
  return parts.join(' ');
}

/** A KITTI object with only a class and a box (the other fields zero), e.g. for detections. */
export function kittiBox(cls: string, x1: number, y1: number, x2: number, y2: number): Omit<KittiObject, 'line'> {
  return { cls, truncated: 0, occluded: 0, alpha: 0, x1, y1, x2, y2, h: 0, w: 0, l: 0, x: 0, y: 0, z: 0, rotationY: 0 };
}
