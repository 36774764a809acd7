// "Did you mean" candidates: optimal-string-alignment distance (a swap of two neighbours
// counts once, the commonest typo), with a bound that grows with the word's length.

export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  let prevPrev = new Array<number>(cols).fill(0);
  let prev = Array.from({ length: cols }, (_, j) => j);
  for (let i = 1; i < rows; i++) {
    const cur = new Array<number>(cols);
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j < cols; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        v = Math.min(v, prevPrev[j - 2] + 1);
      }
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    prevPrev = prev;
    prev = cur;
  }
  return prev[cols - 1];
}

/** Candidates close enough to be a plausible typo of `word`, best first. */
export function suggest(word: string, candidates: Iterable<string>, max = 3): string[] {
  const lower = word.toLowerCase();
  const bound = Math.max(1, Math.min(4, Math.floor(word.length / 3)));
  const scored: Array<{ name: string; score: number }> = [];
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    if (c === lower) {
      scored.push({ name: candidate, score: 0 });
      continue;
    }
    const d = editDistance(lower, c, bound);
    if (d <= bound) scored.push({ name: candidate, score: d });
    else if (lower.length >= 4 && (c.includes(lower) || lower.includes(c)) && Math.min(c.length, lower.length) >= 4) {
      scored.push({ name: candidate, score: bound + 0.5 });
    } else if (normalize(c) === normalize(lower)) {
      scored.push({ name: candidate, score: 0.5 });
    }
  }
  scored.sort((x, y) => x.score - y.score || x.name.localeCompare(y.name));
  return scored.slice(0, max).map((s) => s.name);
}

function normalize(s: string): string {
  return s.replace(/[_\-\s]/g, '');
}
