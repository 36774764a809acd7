// Network detection on NVIDIA's real specs (../shared/tao-specs), with no modeline, no
// `--network` and no settings: the network picked from the keys (and, to break ties, the
// folder names) must be the one MANIFEST.tsv names for at least 99.5% of the files. Where two
// networks share one format, the other one of the pair counts only if it accepts the file
// without an error. Users keep their files anywhere, so the same files are also checked moved
// to a folder that names no network: then the keys alone must not pick a network that reports
// errors the file's own network does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { analyzeSpec, type Analysis } from '../../server/src/core/analyze';
import { readManifest, type SpecFile } from '../../tools/schema-gen/specs';
import { repoRoot } from '../support/run';

/** Networks whose schemas are built from one protobuf message: files of one read as the other. */
const EQUIVALENT: Array<[string, string]> = [
  ['ssd', 'dssd'],
  ['yolo_v4', 'yolo_v4_tiny'],
];

function equivalent(a: string, b: string): boolean {
  return EQUIVALENT.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
}

const errorsOf = (a: Analysis) => a.diagnostics.filter((d) => d.severity === 'error');

interface Outcome {
  file: SpecFile;
  text: string;
  analysis: Analysis;
  right: boolean;
  /** Right by the other network of an equivalent pair, which reported no error. */
  viaPair: boolean;
}

/** Detects the network of `file` as if it lived at `filePath`. */
function outcome(file: SpecFile, text: string, filePath: string): Outcome {
  const analysis = analyzeSpec(text, { filePath });
  const picked = analysis.network ?? '';
  const exact = picked === file.network;
  const viaPair = !exact && equivalent(picked, file.network) && errorsOf(analysis).length === 0;
  return { file, text, analysis, right: exact || viaPair, viaPair };
}

let inPlace: Outcome[] | undefined;

/** Every TAO spec of the corpus where it lies (the Triton app config TAO never reads has no network). */
function corpus(): Outcome[] {
  inPlace ??= readManifest(repoRoot)
    .filter((f) => f.network)
    .map((f) => outcome(f, readFileSync(f.abs, 'utf8'), f.abs));
  return inPlace;
}

/** The same file in a folder and under a name that say nothing about the network. */
function elsewhere(o: Outcome): Outcome {
  return outcome(o.file, o.text, `/home/user/project/spec${extname(o.file.abs)}`);
}

function byRel(suffix: string): Outcome {
  const found = corpus().filter((o) => o.file.rel.endsWith(suffix));
  assert.equal(found.length, 1, `expected one corpus file ending in ${suffix}, found ${found.length}`);
  return found[0];
}

function describe(o: Outcome): string {
  const runnersUp = o.analysis.detection.candidates.slice(0, 3).map((c) => `${c.network} ${c.score.toFixed(3)}`).join(', ');
  return `${o.file.rel}: manifest ${o.file.network}, detected ${o.analysis.network ?? '(none)'} with ${errorsOf(o.analysis).length} error(s) [${runnersUp}]`;
}

test('with no hints, the detected network is the manifest one for at least 99.5% of the real specs', () => {
  const all = corpus();
  assert.ok(all.length >= 600, `only ${all.length} corpus files found in ../shared/tao-specs`);
  const misses = all.filter((o) => !o.right);
  const right = all.length - misses.length;
  const pairs = all.filter((o) => o.viaPair);
  console.log(`detection: ${right}/${all.length} right (${((100 * right) / all.length).toFixed(2)}%), ${pairs.length} of them by the other network of a pair`);
  for (const o of pairs) console.log(`  same format: ${describe(o)}`);
  const lines = misses.map((o) => `  ${describe(o)}`);
  console.log(lines.length ? `misses:\n${lines.join('\n')}` : 'misses: none');
  assert.ok(right / all.length >= 0.995, `${right}/${all.length} detected right; misses:\n${lines.join('\n')}`);
});

test('away from TAO\'s folders, the keys alone never pick a network that rejects a valid file', () => {
  const moved = corpus().map(elsewhere);
  const right = moved.filter((o) => o.right).length;
  // A wrong pick is harmless when the picked network reports no more errors than the file's own
  // (the four files TAO itself rejects keep their errors under any network).
  const harmful = moved.filter((o) => {
    if (o.right || !o.analysis.network) return false;
    const own = errorsOf(analyzeSpec(o.text, { filePath: o.file.abs, network: o.file.network })).length;
    return errorsOf(o.analysis).length > own;
  });
  console.log(`keys alone: ${right}/${moved.length} the manifest network; ${harmful.length} picks with errors the right network does not report`);
  for (const o of harmful) console.log(`  ${describe(o)}`);
  assert.ok(harmful.length <= moved.length * 0.005, `${harmful.length} harmful picks:\n${harmful.map(describe).join('\n')}`);
});

test('a pair of networks that share a format: the one picked accepts the valid file', () => {
  // In place the folder names settle these pairs; moved elsewhere only the keys do.
  const ofPairs = corpus().filter((o) => EQUIVALENT.some((p) => p.includes(o.file.network)));
  assert.ok(ofPairs.length >= 20, `only ${ofPairs.length} files of the paired networks`);
  let checked = 0;
  for (const o of [...ofPairs, ...ofPairs.map(elsewhere)]) {
    if (!o.analysis.network || !equivalent(o.analysis.network, o.file.network)) continue;
    checked++;
    assert.deepEqual(errorsOf(o.analysis).map((d) => d.message), [], `${o.file.rel} read as ${o.analysis.network}`);
  }
  console.log(`pairs: ${checked} files read as the other network of their pair, all without errors`);
});

test('the annotation-format conversion spec of data services is not read as object_detection', () => {
  const o = byRel('notebooks/tao_data_services/specs/convert.yaml');
  assert.notEqual(o.analysis.network, 'object_detection');
  assert.equal(o.analysis.network, 'data_services');
  assert.equal(o.analysis.diagnostics.filter((d) => /size_x|size_y/.test(d.message)).length, 0);
  assert.deepEqual(errorsOf(o.analysis), []);
  // object_detection requires size_x and size_y, which the file lacks: it loses on the keys alone.
  const moved = elsewhere(o);
  assert.notEqual(moved.analysis.network, 'object_detection');
  assert.deepEqual(errorsOf(moved.analysis), []);
});

test('the key-poor classification_tf2 export specs are not read as clip', () => {
  for (const name of ['export.yaml', 'export_byom.yaml']) {
    const o = byRel(`nvidia_tao_tf2/cv/classification/experiment_specs/${name}`);
    assert.notEqual(o.analysis.network, 'clip', name);
    assert.equal(o.analysis.network, 'classification_tf2', name);
    assert.deepEqual(errorsOf(o.analysis), [], name);
  }
});
