// `npm run bench:scaling [-- --quick] [-- --json]`: how cost grows.
// - Language services (in-process, both ours and yaml-language-server): validation, completion
//   and hover latency on dino specs of 100 to 10,000 lines (the same recipe as the 10k spec).
// - Engine training (wasm, small CNN, batch 32): seconds per pass vs the number of images, and
//   seconds per image vs the input resolution.
// Each curve gets a least-squares slope on log-log axes: cost ~ size^slope (1 = linear).
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { chooseBackend } from '../../engine/src/backend';
import { describeMachine, fail, log, logLogSlope, machineInfo, median, parseArgs, round, table } from '../common/util';
import { dinoSpecOfSize, schemaFile } from '../lsp/corpus';
import { ourLibrary, peerLibrary, timed } from '../lsp/library';
import { loadSet, writeSynthetic } from '../train/data';
import { buildBenchModel } from '../train/models';
import { makeStepper } from '../train/step';

interface Curve {
  kind: string;
  what: string;
  side: string;
  x_name: string;
  x: number[];
  y_name: string;
  y: number[];
  slope: number;
}

async function lspCurves(sizes: number[], reps: number): Promise<Curve[]> {
  const group = 'tao-bench-dino';
  const ours = ourLibrary({ [`**/${group}/*.{yaml,txt}`]: 'dino' });
  let peer;
  try {
    peer = peerLibrary({ [schemaFile('dino')]: [`${group}/*.yaml`] });
  } catch (err) {
    fail(`yaml-language-server cannot run as a library: ${(err as Error).message}`);
  }
  const curves: Curve[] = [];
  const results: Record<string, Record<string, number[]>> = {};
  // Warm-up on the largest document, so the first (smallest) size does not pay for JIT compilation.
  const warm = dinoSpecOfSize(sizes[sizes.length - 1]);
  for (const svc of [ours, peer]) {
    const doc = TextDocument.create(pathToFileURL(join(tmpdir(), 'tao-bench-lsp', group, 'warm.yaml')).href, 'yaml', 1, warm.text);
    await svc.validate(doc);
    for (const at of warm.completeAt) await svc.complete(doc, at);
    for (const at of warm.hoverAt) await svc.hover(doc, at);
  }
  for (const lines of sizes) {
    const d = dinoSpecOfSize(lines);
    const uri = pathToFileURL(join(tmpdir(), 'tao-bench-lsp', group, `scale_${lines}.yaml`)).href;
    for (const [svc, who] of [[ours, 'ours'], [peer, 'peer']] as const) {
      let version = 1;
      await svc.validate(TextDocument.create(uri, 'yaml', version, d.text)); // warm-up
      const v: number[] = [];
      const c: number[] = [];
      const h: number[] = [];
      let doc = TextDocument.create(uri, 'yaml', ++version, d.text);
      for (let k = 0; k < reps; k++) {
        doc = TextDocument.create(uri, 'yaml', ++version, `${d.text}\n# edit ${k}\n`);
        v.push((await timed(() => svc.validate(doc))).ms);
        for (const at of d.completeAt) c.push((await timed(() => svc.complete(doc, at))).ms);
        for (const at of d.hoverAt) h.push((await timed(() => svc.hover(doc, at))).ms);
      }
      for (const [what, s] of [['validate', v], ['completion', c], ['hover', h]] as const) {
        results[`${who}:${what}`] ??= {};
        results[`${who}:${what}`][String(d.lines)] = [median(s)];
      }
    }
    log(`scaling: ${d.lines} lines done`);
  }
  for (const [key, bySize] of Object.entries(results)) {
    const [side, what] = key.split(':');
    const x = Object.keys(bySize).map(Number);
    const y = x.map((k) => bySize[String(k)][0]);
    // Sub-millisecond timings are noise-dominated; clamp at 1 microsecond so the fit stays finite.
    curves.push({ kind: 'lsp_scaling', what, side, x_name: 'lines', x, y_name: 'ms_p50', y: y.map((t) => round(t, 4)), slope: round(logLogSlope(x, y.map((t) => Math.max(t, 1e-3))), 2) });
  }
  return curves;
}

async function trainCurves(quick: boolean): Promise<Curve[]> {
  const { tf } = await chooseBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'tao-bench-scaling-'));
  const batch = 32;
  const curves: Curve[] = [];
  try {
    // Seconds per pass vs images (32x32x3, so the curve is cheap to draw).
    const counts = quick ? [128, 256, 512] : [256, 512, 1024, 2048, 4096];
    const files = writeSynthetic(dir, counts[counts.length - 1], 32, 3, 10);
    const secs: number[] = [];
    for (const n of counts) {
      const set = loadSet(files.images, files.labels, n, 32, 3, 10);
      const net = buildBenchModel(tf, 'small_cnn', 3, 32, 10);
      const stepper = makeStepper(tf, net, set, 10, batch);
      stepper.step(0); // warm-up (kernel setup), not counted
      const t0 = performance.now();
      for (let s = 0; s + batch <= n; s += batch) stepper.step(s);
      secs.push((performance.now() - t0) / 1000);
      stepper.dispose();
      net.dispose();
      log(`scaling: ${n} images in ${secs[secs.length - 1].toFixed(1)} s`);
    }
    curves.push({ kind: 'train_scaling', what: 'seconds per pass vs images (small_cnn 3x32x32, wasm)', side: 'ours', x_name: 'images', x: counts, y_name: 'seconds', y: secs.map((s) => round(s, 3)), slope: round(logLogSlope(counts, secs), 2) });

    // Seconds per image vs resolution (fixed 3 steps of 32 images).
    const sizes = quick ? [32, 64, 96] : [32, 48, 64, 96, 128];
    const perImage: number[] = [];
    for (const size of sizes) {
      const f = writeSynthetic(dir, 4 * batch, size, 3, 10);
      const set = loadSet(f.images, f.labels, f.n, size, 3, 10);
      const net = buildBenchModel(tf, 'small_cnn', 3, size, 10);
      const stepper = makeStepper(tf, net, set, 10, batch);
      stepper.step(0);
      const steps = 3;
      const t0 = performance.now();
      for (let s = 0; s < steps; s++) stepper.step(batch * (s % 3));
      perImage.push((performance.now() - t0) / 1000 / (steps * batch));
      stepper.dispose();
      net.dispose();
      log(`scaling: ${size}x${size}: ${(1000 * perImage[perImage.length - 1]).toFixed(1)} ms per image`);
    }
    const pixels = sizes.map((s) => s * s);
    curves.push({ kind: 'train_scaling', what: 'seconds per image vs input pixels (small_cnn, wasm)', side: 'ours', x_name: 'pixels (HxW)', x: pixels, y_name: 'seconds_per_image', y: perImage.map((s) => round(s, 5)), slope: round(logLogSlope(pixels, perImage), 2) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return curves;
}

async function main(): Promise<void> {
  const args = parseArgs();
  const quick = args.quick;
  const machine = machineInfo();
  log(`scaling: ${describeMachine(machine)}`);
  const sizes = quick ? [100, 1000, 10000] : [100, 300, 1000, 3000, 10000];
  const curves = [...(await lspCurves(sizes, quick ? 3 : 7)), ...(args.extra.has('no-train') ? [] : await trainCurves(quick))];
  if (args.json) {
    for (const c of curves) process.stdout.write(JSON.stringify({ ...c, quick, load: machine.load, date: machine.date }) + '\n');
    return;
  }
  const out = [`Scaling (${quick ? 'quick' : 'full'})`, describeMachine(machine), ''];
  out.push(table(['curve', 'side', 'x', 'y', 'log-log slope'], curves.map((c) => [`${c.kind}: ${c.what}`, c.side, `${c.x_name}: ${c.x.join(', ')}`, `${c.y_name}: ${c.y.join(', ')}`, c.slope])));
  out.push('', 'slope 1 = cost grows linearly with size; 2 = quadratically; ~0 = independent of size.');
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((err) => fail((err as Error).stack ?? String(err)));
