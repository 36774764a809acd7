// Comparing TAO version strings such as "5.0.0", "4.0", "5.5.0-pyt".

export function compareVersions(a: string, b: string): number {
  const pa = numericParts(a);
  const pb = numericParts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

function numericParts(v: string): number[] {
  return v
    .replace(/^v/i, '')
    .split(/[.-]/)
    .map((p) => parseInt(p, 10))
    .filter((n) => !Number.isNaN(n));
}
