// `npm run conformance`: runs the project's analyzer over every real TAO spec in
// ../shared/tao-specs and prints, per network, files / errors / warnings, then every error.
// NVIDIA ships these files, so an error is our bug, except the four places the corpus README
// lists as files TAO itself rejects: those must be reported, at their line, or this fails too.
// `--mutate` injects one realistic mistake at a time into each file and measures how many are
// reported at the right line (the catch rate), overall and per kind of mistake.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeSpec, type Analysis } from '../server/src/core/analyze';
import type { MapNode, SpecNode, Entry, SpecDiagnostic } from '../server/src/core/tree';
import type { SpecSchema } from '../server/src/core/schema/types';
import { readManifest, specsRoot, type SpecFile } from './schema-gen/specs';

const repoRoot = resolve(__dirname, '..', '..'); // out/tools -> repository root

interface Expected { rel: string; line: number; why: string }

/** The corpus README's table of files TAO rejects (path, 1-based line). */
function expectedErrors(): Expected[] {
  const readme = readFileSync(join(specsRoot(repoRoot), 'README.md'), 'utf8');
  const out: Expected[] = [];
  for (const m of readme.matchAll(/^\|\s*([^|\s]+\.(?:yaml|yml|txt))(?:\s*\([^)]*\))?\s*\|\s*(\d+)\s*\|\s*([^|]+)\|/gm)) {
    out.push({ rel: m[1], line: Number(m[2]), why: m[3].trim() });
  }
  return out;
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1, last = -1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) { line++; last = i; }
  return { line, col: offset - last };
}

function analyze(file: SpecFile, text: string): Analysis {
  return analyzeSpec(text, { filePath: file.abs, network: file.network });
}

interface Row { files: number; errors: number; warnings: number; codes: Map<string, number> }

function conformance(files: SpecFile[]): number {
  const expected = expectedErrors();
  const rows = new Map<string, Row>();
  const errors: string[] = [];
  const found = new Set<string>();
  let unexpected = 0;
  let detected = 0;
  for (const f of files) {
    const text = readFileSync(f.abs, 'utf8');
    const a = analyze(f, text);
    // Detection on its own (no network given), to report how often content inference is right.
    if (analyzeSpec(text, { filePath: f.abs }).network === f.network) detected++;
    const row = rows.get(f.network) ?? { files: 0, errors: 0, warnings: 0, codes: new Map() };
    rows.set(f.network, row);
    row.files++;
    for (const d of a.diagnostics) {
      const { line, col } = lineCol(text, d.span.start);
      if (d.severity === 'warning') { row.warnings++; row.codes.set(d.code, (row.codes.get(d.code) ?? 0) + 1); }
      if (d.severity !== 'error') continue;
      row.errors++;
      const exp = expected.find((e) => e.rel === f.rel && e.line === line);
      // More errors in a file TAO rejects anyway (a second duplicate key, a syntax error's
      // follow-ups) are listed but do not fail the run.
      const rejected = !exp && expected.some((e) => e.rel === f.rel);
      if (exp) found.add(`${exp.rel}:${exp.line}`);
      else if (!rejected) unexpected++;
      const note = exp ? `   [expected: ${exp.why}]` : rejected ? '   [also in a file TAO rejects]' : '';
      errors.push(`${f.rel}:${line}:${col} ${d.code} ${d.message}${note}`);
    }
  }
  console.log('network                      files  errors  warnings  warning codes');
  for (const [n, r] of [...rows].sort()) {
    const codes = [...r.codes].sort((a, b) => b[1] - a[1]).map(([c, k]) => `${c}:${k}`).join(' ');
    console.log(`${n.padEnd(28)} ${String(r.files).padStart(5)} ${String(r.errors).padStart(7)} ${String(r.warnings).padStart(9)}  ${codes}`);
  }
  const total = [...rows.values()].reduce((a, r) => ({ f: a.f + r.files, e: a.e + r.errors, w: a.w + r.warnings }), { f: 0, e: 0, w: 0 });
  console.log(`${'total'.padEnd(28)} ${String(total.f).padStart(5)} ${String(total.e).padStart(7)} ${String(total.w).padStart(9)}`);
  console.log(`content-based detection alone picked the right network for ${detected}/${files.length} files`);
  if (errors.length) { console.log('\nerrors:'); for (const e of errors) console.log(`  ${e}`); }
  const missed = expected.filter((e) => !found.has(`${e.rel}:${e.line}`));
  for (const m of missed) console.log(`MISSING expected error: ${m.rel}:${m.line} (${m.why})`);
  console.log(`\n${unexpected} unexpected errors; ${expected.length - missed.length}/${expected.length} expected errors reported`);
  return unexpected > 0 || missed.length > 0 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Mutation testing

type Kind = 'misspelled-key' | 'wrong-type' | 'out-of-range' | 'bad-option' | 'required-deleted' | 'wrong-parent';
const KINDS: Kind[] = ['misspelled-key', 'wrong-type', 'out-of-range', 'bad-option', 'required-deleted', 'wrong-parent'];

interface Mutation { kind: Kind; text: string; /** 1-based line where the mistake must be reported. */ line: number; what: string }

interface Site { entry: Entry; parent: MapNode; parentEntry?: Entry; schema?: SpecSchema; parentSchema?: SpecSchema; path: string }

function container(s: SpecSchema | undefined): SpecSchema | undefined {
  if (!s) return undefined;
  const t = Array.isArray(s.type) ? s.type : [s.type];
  return t.includes('array') && s.items ? s.items : s;
}

function collectSites(root: MapNode, schema: SpecSchema): Site[] {
  const sites: Site[] = [];
  const walk = (map: MapNode, mapSchema: SpecSchema | undefined, parentEntry: Entry | undefined, prefix: string) => {
    const c = container(mapSchema);
    for (const e of map.entries) {
      const s = c?.properties?.[e.key];
      const path = prefix ? `${prefix}.${e.key}` : e.key;
      sites.push({ entry: e, parent: map, parentEntry, schema: s, parentSchema: c, path });
      const visit = (v: SpecNode | undefined) => {
        if (!v) return;
        if (v.kind === 'map') walk(v, s, e, path);
        else if (v.kind === 'list') for (const it of v.items) if (it.kind === 'map') walk(it, s, e, path);
      };
      visit(e.value);
    }
  };
  walk(root, schema, undefined, '');
  return sites;
}

function types(s: SpecSchema | undefined): string[] {
  if (!s || s.type === undefined) return [];
  return Array.isArray(s.type) ? s.type : [s.type];
}

function misspell(key: string, siblings: SpecSchema | undefined): string {
  const taken = new Set(Object.keys(siblings?.properties ?? {}));
  const candidates = [
    key.length > 3 ? key.slice(0, 1) + key.slice(2, 3) + key.slice(1, 2) + key.slice(3) : key + 'x', // swap 2nd/3rd letter
    key.slice(0, -1),
    key + 's',
    key + '_x',
  ];
  return candidates.find((c) => c !== key && c.length > 0 && !taken.has(c)) ?? key + '_typo';
}

function lineOf(text: string, offset: number): number {
  return lineCol(text, offset).line;
}

/** Picks at most `n` items spread over the list, deterministically. */
function spread<T>(list: T[], n: number): T[] {
  if (list.length <= n) return list;
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(list[Math.floor((i * list.length) / n)]);
  return out;
}

function mutations(file: SpecFile, text: string, a: Analysis, perKind: number): Mutation[] {
  if (!a.schema) return [];
  const proto = a.spec.dialect === 'prototext';
  const sites = collectSites(a.spec.root, a.schema);
  const out: Mutation[] = [];
  const replace = (start: number, end: number, s: string) => text.slice(0, start) + s + text.slice(end);
  const scalar = (st: Site) => (st.entry.value?.kind === 'scalar' ? st.entry.value : undefined);
  const isValueScalar = (st: Site) => {
    const v = scalar(st);
    return v && v.form !== 'missing' && v.form !== 'interpolation';
  };

  // 1. misspelled key (only keys the schema knows, inside a closed object)
  for (const st of spread(sites.filter((x) => x.schema && x.parentSchema?.additionalProperties === false), perKind)) {
    const k = misspell(st.entry.key, st.parentSchema);
    out.push({ kind: 'misspelled-key', text: replace(st.entry.keySpan.start, st.entry.keySpan.end, k), line: lineOf(text, st.entry.keySpan.start), what: `${st.path} -> ${k}` });
  }
  // 2. wrong type: a word where a number or boolean belongs
  for (const st of spread(sites.filter((x) => isValueScalar(x) && types(x.schema).some((t) => ['integer', 'number', 'boolean'].includes(t)) && !types(x.schema).includes('string') && !x.schema?.enum), perKind)) {
    const v = scalar(st)!;
    out.push({ kind: 'wrong-type', text: replace(v.span.start, v.span.end, proto ? '"oops"' : 'oops'), line: lineOf(text, v.span.start), what: `${st.path}: oops` });
  }
  // 3. out of range
  for (const st of spread(sites.filter((x) => isValueScalar(x) && (x.schema?.minimum !== undefined || x.schema?.maximum !== undefined) && !x.schema?.enum), perKind)) {
    const v = scalar(st)!;
    const s = st.schema!;
    const bad = s.maximum !== undefined ? s.maximum + (types(s).includes('integer') ? 1000 : 1000.5) : s.minimum! - 1000;
    out.push({ kind: 'out-of-range', text: replace(v.span.start, v.span.end, String(bad)), line: lineOf(text, v.span.start), what: `${st.path}: ${bad}` });
  }
  // 4. option not allowed
  for (const st of spread(sites.filter((x) => isValueScalar(x) && x.schema?.enum && types(x.schema).includes('string')), perKind)) {
    const v = scalar(st)!;
    const val = st.schema!['x-tao-proto-enum'] ? 'NOT_AN_OPTION' : proto ? '"not_an_option"' : 'not_an_option';
    out.push({ kind: 'bad-option', text: replace(v.span.start, v.span.end, val), line: lineOf(text, v.span.start), what: `${st.path}: ${val}` });
  }
  // 5. required key deleted: reported at the enclosing section's key (or the first line for the root)
  for (const st of spread(sites.filter((x) => x.parentSchema?.required?.includes(x.entry.key) && x.parent.entries.filter((e) => e.key === x.entry.key).length === 1), perKind)) {
    let start = st.entry.span.start;
    let end = st.entry.span.end;
    // Delete whole lines where the entry owns them, so YAML indentation stays intact.
    const ls = text.lastIndexOf('\n', start - 1) + 1;
    if (/^\s*$/.test(text.slice(ls, start))) start = ls;
    const le = text.indexOf('\n', end);
    if (le >= 0 && /^[\s,;]*$/.test(text.slice(end, le))) end = le + 1;
    const line = st.parentEntry ? lineOf(text, st.parentEntry.keySpan.start) : 1;
    out.push({ kind: 'required-deleted', text: text.slice(0, start) + text.slice(end), line, what: `delete ${st.path}` });
  }
  // 6. a whole section moved under another top-level section that does not accept it
  const top = a.spec.root.entries.filter((e) => e.value?.kind === 'map');
  const moves: Mutation[] = [];
  for (const src of top) {
    const dst = top.find((t) => t !== src && t.key !== src.key && !container(container(a.schema)?.properties?.[t.key])?.properties?.[src.key]);
    if (!dst || !dst.value || dst.value.kind !== 'map') continue;
    const moved = moveSection(text, src, dst, proto);
    if (moved) moves.push({ kind: 'wrong-parent', text: moved.text, line: moved.line, what: `${src.key} under ${dst.key}` });
  }
  out.push(...spread(moves, perKind));
  void file;
  return out;
}

/** Cuts the `src` entry and re-inserts it as the first child of `dst`; returns the new text and the line it lands on. */
function moveSection(text: string, src: Entry, dst: Entry, proto: boolean): { text: string; line: number } | undefined {
  const ls = text.lastIndexOf('\n', src.span.start - 1) + 1;
  // A YAML block entry's span may already include its final newline.
  let le = text.indexOf('\n', Math.max(src.span.start, src.span.end - 1));
  if (le < 0) le = text.length; else le++;
  if (!/^\s*$/.test(text.slice(ls, src.span.start))) return undefined;
  const block = text.slice(ls, le);
  const without = text.slice(0, ls) + text.slice(le);
  // Offsets of dst in the text without src.
  const shift = (o: number) => (o >= le ? o - (le - ls) : o);
  const dstValue = dst.value!;
  let insertAt: number;
  let body: string;
  if (proto) {
    const open = without.indexOf('{', shift(dst.keySpan.end));
    if (open < 0) return undefined;
    insertAt = open + 1;
    body = '\n' + block.replace(/\n$/, '') + '\n';
  } else {
    const firstChild = dstValue.kind === 'map' ? dstValue.entries[0] : undefined;
    if (!firstChild) return undefined;
    const childStart = shift(firstChild.span.start);
    const childLineStart = without.lastIndexOf('\n', childStart - 1) + 1;
    const indent = without.slice(childLineStart, childStart);
    if (!/^\s*$/.test(indent)) return undefined;
    const srcIndent = /^(\s*)/.exec(block)![1];
    insertAt = childLineStart;
    body = block.split('\n').map((l) => (l.trim() ? indent + l.slice(Math.min(srcIndent.length, l.length - l.trimStart().length)) : l)).join('\n');
    if (!body.endsWith('\n')) body += '\n';
  }
  const out = without.slice(0, insertAt) + body + without.slice(insertAt);
  const keyOffset = insertAt + body.indexOf(src.key);
  return { text: out, line: lineOf(out, keyOffset) };
}

function caught(m: Mutation, base: SpecDiagnostic[], baseText: string, mutated: Analysis): boolean {
  const baseAt = new Set(base.map((d) => `${lineOf(baseText, d.span.start)}\u0000${d.code}`));
  return mutated.diagnostics.some((d) => {
    if (d.severity !== 'error' && d.severity !== 'warning') return false;
    const line = lineOf(m.text, d.span.start);
    return line === m.line && !baseAt.has(`${line}\u0000${d.code}`);
  });
}

function mutate(files: SpecFile[], perKind: number, verbose: boolean): number {
  const stats = new Map<Kind, { tried: number; caught: number }>(KINDS.map((k) => [k, { tried: 0, caught: 0 }]));
  const misses: string[] = [];
  const expectedBad = new Set(expectedErrors().map((e) => e.rel));
  for (const f of files) {
    if (expectedBad.has(f.rel)) continue; // files TAO rejects are not a clean baseline
    const text = readFileSync(f.abs, 'utf8');
    const base = analyze(f, text);
    for (const m of mutations(f, text, base, perKind)) {
      const s = stats.get(m.kind)!;
      s.tried++;
      const a = analyze(f, m.text);
      if (caught(m, base.diagnostics, text, a)) s.caught++;
      else misses.push(`${m.kind} ${f.rel}:${m.line} ${m.what} -> ${a.diagnostics.filter((d) => d.severity !== 'hint').map((d) => `${lineOf(m.text, d.span.start)}:${d.code}`).join(', ') || 'nothing reported'}`);
    }
  }
  let tried = 0, got = 0;
  console.log('\nmutation kind        injected  caught  rate');
  for (const [k, s] of stats) {
    tried += s.tried; got += s.caught;
    console.log(`${k.padEnd(20)} ${String(s.tried).padStart(8)} ${String(s.caught).padStart(7)}  ${s.tried ? ((100 * s.caught) / s.tried).toFixed(1) : '-'}%`);
  }
  console.log(`${'overall'.padEnd(20)} ${String(tried).padStart(8)} ${String(got).padStart(7)}  ${tried ? ((100 * got) / tried).toFixed(1) : '-'}%`);
  if (misses.length) {
    console.log(`\nmissed (${misses.length}${verbose ? '' : ', first 40; --verbose lists all'}):`);
    for (const m of verbose ? misses : misses.slice(0, 40)) console.log(`  ${m}`);
  }
  const rate = tried ? got / tried : 1;
  const worst = Math.min(...[...stats.values()].filter((s) => s.tried).map((s) => s.caught / s.tried));
  return rate >= 0.95 && worst >= 0.95 ? 0 : 1;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const all = readManifest(repoRoot);
  const skipped = all.filter((f) => !f.network);
  for (const s of skipped) console.log(`skipped ${s.rel}: ${s.manifestDialect} dialect, a Triton app config that TAO never reads`);
  const only = args.find((a) => a.startsWith('--network='))?.slice(10);
  const files = all.filter((f) => f.network && (!only || f.network === only));
  let rc = conformance(files);
  if (args.includes('--mutate')) {
    const per = Number(args.find((a) => a.startsWith('--per-kind='))?.slice(11) ?? 2);
    rc = Math.max(rc, mutate(files, per, args.includes('--verbose')));
  }
  process.exit(rc);
}
