// Minimal line edits between two texts (Myers' O(ND) diff over whole lines). Formatting
// returns these instead of one whole-document replacement, so editors keep the cursor,
// folds and marks on the lines the formatter did not touch, and a range format can apply
// only the hunks inside the range.

export interface LineHunk {
  /** First replaced line of the old text (0-based). */
  start: number;
  /** One past the last replaced line of the old text (start === end: pure insertion). */
  end: number;
  /** The replacing lines, each with its line terminator (the last one may have none). */
  lines: string[];
}

/** Lines with their terminators, so joining them gives the text back exactly. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Past this many differing lines one replacement of the changed middle is returned (the saved
 * frontiers grow with the square of the distance: 1000 keeps them under 8 MB). */
const MAX_EDIT_DISTANCE = 1000;

export function lineHunks(oldText: string, newText: string): LineHunk[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  // Common head and tail first: formatting usually leaves most lines alone.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const a1 = a.slice(head, a.length - tail);
  const b1 = b.slice(head, b.length - tail);
  if (a1.length === 0 && b1.length === 0) return [];
  const hunks = myers(a1, b1) ?? [{ start: 0, end: a1.length, lines: b1 }];
  return hunks.map((h) => ({ start: h.start + head, end: h.end + head, lines: h.lines }));
}

/** Hunks from the shortest edit script, or undefined when it is longer than the limit. */
function myers(a: string[], b: string[]): LineHunk[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  let v: Int32Array = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  if (!found) return undefined;
  // Walk back through the saved frontiers (trace[d] is the frontier before round d),
  // collecting which old lines were kept, deleted or inserted.
  const ops: Array<'keep' | 'del' | 'ins'> = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    v = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = v[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push('keep');
      x--;
      y--;
    }
    if (d > 0) ops.push(x === prevX ? 'ins' : 'del');
    x = prevX;
    y = prevY;
  }
  ops.reverse();
  const hunks: LineHunk[] = [];
  let i = 0;
  let j = 0;
  let current: LineHunk | undefined;
  for (const op of ops) {
    if (op === 'keep') {
      if (current) hunks.push(current);
      current = undefined;
      i++;
      j++;
      continue;
    }
    current ??= { start: i, end: i, lines: [] };
    if (op === 'del') {
      i++;
      current.end = i;
    } else {
      current.lines.push(b[j]);
      j++;
    }
  }
  if (current) hunks.push(current);
  return hunks;
}

/** Applies hunks (sorted, non-overlapping) to the old text; for tests and sanity checks. */
export function applyHunks(oldText: string, hunks: LineHunk[]): string {
  const a = splitLines(oldText);
  const out: string[] = [];
  let i = 0;
  for (const h of hunks) {
    out.push(...a.slice(i, h.start), ...h.lines);
    i = h.end;
  }
  out.push(...a.slice(i));
  return out.join('');
}
