// `npm run schemas`: regenerates schemas/*.json from the facts and prints what it did, including
// every override and every widening a real spec file required, with the reason.
import { writeFileSync, readdirSync, unlinkSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateAll } from './generate';

const repoRoot = resolve(__dirname, '..', '..', '..');
const verbose = process.argv.includes('--verbose');
const gen = generateAll(repoRoot);
const outDir = join(repoRoot, 'schemas');
mkdirSync(outDir, { recursive: true });
for (const name of readdirSync(outDir)) {
  if (name.endsWith('.json') && !gen.files.has(name)) unlinkSync(join(outDir, name)); // a network that left the catalogue
}
for (const [name, content] of gen.files) writeFileSync(join(outDir, name), content);

let overrides = 0, widenings = 0, added = 0;
for (const r of gen.reports) {
  const adds = r.widenings.filter((w) => w.what === 'add key');
  overrides += r.overrides.length; widenings += r.widenings.length - adds.length; added += adds.length;
  console.log(`${r.network} [${r.dialect}] from ${r.source}; sheet rows ${r.sheetRows} (${r.sheetUnmatched.length} not in facts); ` +
    `${r.files} real files; ${adds.length} keys added from real files; ${r.widenings.length - adds.length} widenings; ` +
    `${r.overrides.length} overrides; ${r.versionMarks.length} version marks; ${r.descriptions} descriptions`);
  for (const o of r.overrides) console.log(`  override ${o}`);
  if (verbose) for (const c of r.taoChecks) console.log(`  TAO check: ${c}`);
  for (const w of r.widenings) {
    if (w.what === 'add key' && !verbose) continue;
    console.log(`  ${w.what}: ${w.path} (real file ${w.seen}${w.files > 1 ? ` and ${w.files - 1} more` : ''})`);
  }
  if (verbose) {
    for (const w of r.sheetUnmatched) console.log(`  sheet row not in upstream facts (ignored): ${w}`);
    for (const m of r.versionMarks) console.log(`  version: ${m}`);
  }
  for (const m of r.descriptionMisses) console.log(`  description for unknown key (ignored): ${m}`);
}
const counts = [...gen.boundCounts].sort((a, b) => a[0].localeCompare(b[0])).map(([k, n]) => `${k} ${n}`).join(', ');
console.log(`bounds by provenance: ${counts}`);
console.log(`${gen.schemas.size} schemas written to schemas/; ${overrides} hand overrides, ${added} keys added and ${widenings} widenings from real spec files` +
  (verbose ? '' : ' (--verbose lists added keys, ignored sheet rows and version marks)'));
