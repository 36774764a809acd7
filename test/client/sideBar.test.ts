// The TAO side bar's logic without VS Code: run state from status.json (ours and NVIDIA's
// containers'), the run index on real folders (thousands of runs: what one change costs),
// model discovery, the spec of a run, the walkthrough's sample, and the package.json
// contributions (views, menus, walkthrough media in the .vsix allow-list).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { summarizeStatus, describeRun, statusTime } from '../../client/src/core/runStatus';
import { RunIndex, findStatusFiles, groupOf, nodeIo, type RunIo } from '../../client/src/core/runIndex';
import { findModels, sortModels, formatBytes, formatParams } from '../../client/src/core/models';
import { specCandidates, specForGroup } from '../../client/src/core/runSpec';
import { samplePlan } from '../../client/src/core/sample';
import { Batcher } from '../../client/src/core/batcher';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const fixtures = path.join(repoRoot, 'test', 'webviews', 'fixtures');
const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));

function temp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sidebar-'));
}

/** A status.json line as our engine writes it. */
function line(o: Record<string, unknown>, at = new Date(2026, 10, 26, 10, 31, 2)): string {
  return JSON.stringify({ date: `${at.getMonth() + 1}/${at.getDate()}/${at.getFullYear()}`, time: `${at.getHours()}:${at.getMinutes()}:${at.getSeconds()}`, verbosity: 'INFO', ...o });
}

test('a TAO container run reads as success with its best val_accuracy and its duration', () => {
  const text = fs.readFileSync(path.join(fixtures, 'tao-classification-status.json'), 'utf8');
  const info = summarizeStatus(text, { mtimeMs: 0, now: Date.now() });
  assert.equal(info.state, 'success');
  assert.equal(info.epochs, 30);
  assert.equal(info.best?.metric, 'val_accuracy');
  assert.equal(info.best?.epoch, 24);
  // 14:2:11 to 14:23:5 on the same day.
  assert.equal(info.durationSeconds, 20 * 60 + 54);
  assert.match(describeRun(info), /^val_accuracy 0\.\d+ · 20m 54s$/);
});

test('state: running while written or live, stopped when quiet or interrupted, failure on an error', () => {
  const start = line({ status: 'STARTED', message: 'Starting training' });
  const epoch = line({ status: 'RUNNING', epoch: 2, max_epoch: 9, graphical: { loss: 0.5, val_accuracy: 0.8 } }, new Date(2026, 10, 26, 10, 33, 2));
  const text = `${start}\n${epoch}\n`;
  const now = new Date(2026, 10, 26, 10, 34, 0).getTime();
  const running = summarizeStatus(text, { mtimeMs: now - 5000, now });
  assert.equal(running.state, 'running');
  assert.equal(running.epoch, 3);
  assert.equal(running.epochs, 10);
  assert.equal(running.durationSeconds, 178);
  assert.equal(describeRun(running), 'epoch 3/10 · val_accuracy 0.8 · 2m 58s');
  // Quiet for an hour without a final line: the process is gone.
  assert.equal(summarizeStatus(text, { mtimeMs: now - 3600_000, now }).state, 'stopped');
  // ...unless the extension knows its process is alive.
  assert.equal(summarizeStatus(text, { mtimeMs: now - 3600_000, now, live: true }).state, 'running');
  const interrupted = `${text}${line({ status: 'FAILURE', verbosity: 'ERROR', message: 'Interrupted; run train again to resume from the last checkpoint.' })}\n`;
  assert.equal(summarizeStatus(interrupted, { mtimeMs: now, now }).state, 'stopped');
  const failed = `${text}${line({ status: 'FAILURE', verbosity: 'ERROR', message: 'Out of memory' })}\n`;
  assert.equal(summarizeStatus(failed, { mtimeMs: now, now }).state, 'failure');
  // A half-written last line is not an error.
  assert.equal(summarizeStatus(`${text}{"status": "RUN`, { mtimeMs: now, now }).state, 'running');
  assert.equal(statusTime('11/3/2025', '14:2:11'), new Date(2025, 10, 3, 14, 2, 11).getTime());
  assert.equal(statusTime('2025-11-03', '14:02'), undefined);
});

test('a detection run (ours and TAO\'s) reports its best mAP; an evaluate run its KPI', () => {
  for (const f of ['tao-detectnet-status.json']) {
    const info = summarizeStatus(fs.readFileSync(path.join(fixtures, f), 'utf8'), { mtimeMs: 0, now: Date.now() });
    assert.equal(info.best?.metric, 'mAP', f);
  }
  const evaluate = `${line({ status: 'STARTED' })}\n${line({ status: 'SUCCESS', message: 'Evaluation done', kpi: { accuracy: 0.91, loss: 0.3 } })}\n`;
  assert.deepEqual(summarizeStatus(evaluate, { mtimeMs: 0, now: 0 }).best, { metric: 'accuracy', value: 0.91 });
});

/** A workspace of `n` specs' results, each with train/ and evaluate/ runs (2n runs). */
function writeRuns(root: string, n: number): string[] {
  const files: string[] = [];
  const done = `${line({ status: 'STARTED' })}\n${line({ status: 'RUNNING', epoch: 0, max_epoch: 1, graphical: { loss: 1, val_accuracy: 0.5 } })}\n${line({ status: 'SUCCESS' })}\n`;
  for (let i = 0; i < n; i++) {
    for (const task of ['train', 'evaluate']) {
      const dir = path.join(root, 'specs', 'results', `spec_${String(i).padStart(4, '0')}`, task);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'status.json'), done);
      files.push(path.join(dir, 'status.json'));
    }
  }
  return files;
}

/** nodeIo with counters: what an operation reads. */
function countingIo(): RunIo & { stats: number; reads: number } {
  const io = {
    stats: 0,
    reads: 0,
    stat(f: string) { io.stats++; return nodeIo.stat(f); },
    readText(f: string) { io.reads++; return nodeIo.readText(f); },
  };
  return io;
}

test('1,000 runs: groups need no reads; an append re-reads only that run; a deleted folder leaves in memory', () => {
  const root = temp();
  try {
    const files = writeRuns(root, 500);
    let t0 = Date.now();
    const found = findStatusFiles(root);
    const scanMs = Date.now() - t0;
    assert.equal(found.length, 1000);
    const io = countingIo();
    const index = new RunIndex(io);
    for (const f of found) index.add(f);
    const groups = index.groupList();
    assert.equal(groups.length, 500);
    assert.equal(groups[0].name, 'spec_0000');
    assert.deepEqual(index.runsOf(groups[0].key).map((r) => r.task), ['train', 'evaluate']);
    assert.equal(io.reads + io.stats, 0, 'listing groups and runs touches no file');

    // The tree shows one expanded group: two runs read.
    const now = Date.now();
    for (const r of index.runsOf(groups[5].key)) assert.equal(index.status(r, now)?.state, 'success');
    assert.equal(io.reads, 2);
    // Shown again unchanged: a stat each, no read.
    for (const r of index.runsOf(groups[5].key)) index.status(r, now);
    assert.equal(io.reads, 2);

    // An append to one run (what a training epoch does), then the tree's refresh of that item.
    const target = files[10];
    fs.appendFileSync(target, `${line({ status: 'RUNNING', epoch: 1, max_epoch: 1, graphical: { val_accuracy: 0.9 } })}\n`);
    t0 = performance.now();
    const group = index.changed(target);
    assert.equal(group, groupOf(path.dirname(target)));
    const run = index.run(path.dirname(target));
    assert.ok(run);
    const info = index.status(run, now);
    const refreshMs = performance.now() - t0;
    assert.equal(info?.best?.value, 0.9);
    assert.equal(io.reads, 3, 'one read for the changed run, none for the other 999');
    assert.ok(refreshMs < 50, `refresh after an append took ${refreshMs.toFixed(1)} ms`);

    // Deleting a spec's results folder removes its runs without touching the disk.
    const before = io.reads + io.stats;
    const gone = index.remove(groups[7].key);
    assert.deepEqual(gone, [groups[7].key]);
    assert.equal(index.size, 998);
    assert.equal(index.hasGroup(groups[7].key), false);
    // A folder above everything: all runs go.
    assert.equal(index.remove(path.join(root, 'specs')).length, 499);
    assert.equal(index.size, 0);
    assert.equal(io.reads + io.stats, before);
    console.log(`# 1,000 runs: found in ${scanMs} ms; refresh after an append ${refreshMs.toFixed(2)} ms`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('groups: our results/<spec>/<task> layout and a TAO container run folder', () => {
  assert.equal(groupOf('/w/specs/results/cls/train'), '/w/specs/results/cls');
  assert.equal(groupOf('/w/tao_container_run/train'), '/w/tao_container_run');
  assert.equal(groupOf('/w/experiment_1'), '/w/experiment_1');
  const index = new RunIndex();
  assert.equal(index.add('/w/experiment_1/status.json'), '/w/experiment_1');
  assert.equal(index.add('/w/experiment_1/status.json'), undefined, 'known already');
  assert.equal(index.runsOf('/w/experiment_1')[0].task, 'train');
  assert.deepEqual(index.remove('/w/experiment_1/status.json'), ['/w/experiment_1']);
});

test('models of a run group: final, checkpoints, Keras files, pruned, ONNX with calibration cache and DeepStream files', () => {
  const root = temp();
  try {
    const train = path.join(root, 'results', 'cls', 'train');
    const manifest = (shapes: number[][]) => JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['weights.bin'], weights: shapes.map((shape, i) => ({ name: `w${i}`, shape, dtype: 'float32' })) }] });
    for (const d of ['final', 'epoch_001', 'epoch_002']) {
      fs.mkdirSync(path.join(train, 'weights', d), { recursive: true });
      fs.writeFileSync(path.join(train, 'weights', d, 'model.json'), manifest([[3, 3, 1, 8], [8]]));
      fs.writeFileSync(path.join(train, 'weights', d, 'weights.bin'), Buffer.alloc(80 * 4));
    }
    fs.writeFileSync(path.join(train, 'weights', 'resnet_001.hdf5'), Buffer.alloc(1000));
    fs.writeFileSync(path.join(train, 'status.json'), '');
    const prune = path.join(root, 'results', 'cls', 'prune');
    fs.mkdirSync(path.join(prune, 'model'), { recursive: true });
    fs.writeFileSync(path.join(prune, 'model', 'model.json'), manifest([[3, 3, 1, 4], [4]]));
    fs.writeFileSync(path.join(prune, 'model', 'prune_report.json'), JSON.stringify({ params_before: 80, params_after: 40 }));
    fs.writeFileSync(path.join(prune, 'model', 'resnet_pruned.hdf5'), Buffer.alloc(500));
    const exp = path.join(root, 'results', 'cls', 'export');
    fs.mkdirSync(path.join(exp, 'model_tfjs'), { recursive: true });
    fs.writeFileSync(path.join(exp, 'model_tfjs', 'model.json'), manifest([[1]]));
    for (const f of ['model.onnx', 'cal.bin', 'nvinfer_config.txt', 'labels.txt', 'status.json']) fs.writeFileSync(path.join(exp, f), 'x');

    const trainModels = findModels(train);
    const final = trainModels.find((m) => m.kind === 'final');
    assert.equal(final?.params, 3 * 3 * 8 + 8);
    assert.equal(final?.bytes, 320 + manifest([[3, 3, 1, 8], [8]]).length);
    assert.deepEqual(trainModels.filter((m) => m.kind === 'checkpoint').map((m) => m.epoch).sort(), [1, 1, 2]);
    const pruned = findModels(prune);
    assert.deepEqual(pruned.map((m) => [m.kind, path.basename(m.path)]).sort(), [['pruned', 'model'], ['pruned', 'resnet_pruned.hdf5']]);
    assert.equal(pruned.find((m) => m.isFolder)?.params, 40);
    const exported = findModels(exp);
    assert.equal(exported.length, 1, `the tfjs copy belongs to the .onnx: ${exported.map((m) => m.path).join(', ')}`);
    assert.deepEqual(exported[0].companions.map((c) => [path.basename(c.path), c.role]).sort(), [
      ['cal.bin', 'calibration cache'], ['labels.txt', 'labels'], ['model_tfjs', 'tfjs copy'], ['nvinfer_config.txt', 'DeepStream config'],
    ]);
    const all = sortModels([...trainModels, ...pruned, ...exported]).map((m) => m.kind);
    assert.deepEqual(all.slice(0, 4), ['final', 'pruned', 'pruned', 'onnx']);
    // NVIDIA's layout: only Keras files in weights/.
    const tao = path.join(root, 'tao_run', 'train', 'weights');
    fs.mkdirSync(tao, { recursive: true });
    fs.writeFileSync(path.join(tao, 'resnet_010.hdf5'), 'x');
    fs.writeFileSync(path.join(tao, 'model.hdf5'), 'x');
    assert.deepEqual(findModels(path.dirname(tao)).map((m) => [m.kind, m.epoch]).sort(), [['checkpoint', 10], ['keras', undefined]]);
    assert.equal(formatBytes(1_234_567), '1.2 MB');
    assert.equal(formatParams(11_200_000), '11.20M params');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('the spec of a run group: remembered, else the default results pattern read backwards', () => {
  assert.deepEqual(specCandidates('/w/specs/results/classify_spec').slice(0, 2), ['/w/specs/classify_spec.txt', '/w/specs/classify_spec.yaml']);
  assert.deepEqual(specCandidates('/w/tao_container_run'), []);
  const exists = (p: string) => p === '/w/specs/classify_spec.yaml' || p === '/elsewhere/spec.txt';
  assert.equal(specForGroup('/w/specs/results/classify_spec', undefined, exists), '/w/specs/classify_spec.yaml');
  assert.equal(specForGroup('/w/specs/results/classify_spec', '/elsewhere/spec.txt', exists), '/elsewhere/spec.txt');
  assert.equal(specForGroup('/w/specs/results/classify_spec', '/gone.txt', exists), '/w/specs/classify_spec.yaml');
});

test('the walkthrough\'s sample: the engine\'s synthetic dataset and a spec with a modeline that reads it', () => {
  const plan = samplePlan({ folder: '/w/tao-sample' });
  assert.deepEqual(plan.engineArgs.slice(0, 4), ['classification_tf1', 'dataset_convert', '--format', 'synthetic']);
  assert.equal(plan.engineArgs[plan.engineArgs.indexOf('-o') + 1], '/w/tao-sample/data');
  assert.equal(plan.spec, '/w/tao-sample/specs/sample_spec.txt');
  assert.match(plan.specText, /^# tao: network=classification_tf1\n/);
  assert.match(plan.specText, /train_dataset_path: "\/w\/tao-sample\/data\/train"/);
  assert.match(plan.specText, /n_epochs: 2/);
});

test('Batcher: one flush for a burst; undefined means everything', async () => {
  const flushed: (string[] | undefined)[] = [];
  const b = new Batcher<string>(20, (k) => flushed.push(k));
  b.add('a');
  b.add('b');
  b.add('a');
  await new Promise((r) => setTimeout(r, 50));
  b.add('c');
  b.add(undefined);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(flushed, [['a', 'b'], undefined]);
  b.dispose();
});

test('package.json: the TAO view container, its three trees, welcome content, menus and the walkthrough with local media', () => {
  const c = pkg.contributes;
  assert.equal(c.viewsContainers.activitybar[0].id, 'tao');
  assert.ok(fs.existsSync(path.join(repoRoot, c.viewsContainers.activitybar[0].icon)));
  assert.deepEqual(c.views.tao.map((v: { id: string }) => v.id), ['tao.specs', 'tao.runs', 'tao.models']);
  for (const v of ['tao.specs', 'tao.runs', 'tao.models']) assert.ok(c.viewsWelcome.some((w: { view: string }) => w.view === v), `welcome content for ${v}`);
  const declared = new Set(c.commands.map((x: { command: string }) => x.command));
  const sources = ['extension.ts', 'commands.ts', 'walkthrough.ts', path.join('views', 'actions.ts')].map((f) => fs.readFileSync(path.join(repoRoot, 'client', 'src', f), 'utf8')).join('\n');
  for (const m of sources.matchAll(/\br\('(tao\.[A-Za-z.]+)'/g)) assert.ok(declared.has(m[1]), `${m[1]} declared`);
  for (const [menu, items] of Object.entries(c.menus) as [string, { command?: string }[]][]) {
    for (const i of items) if (i.command) assert.ok(declared.has(i.command), `${menu}: ${i.command} declared`);
  }
  const walkthrough = c.walkthroughs[0];
  assert.equal(walkthrough.id, 'tao.gettingStarted');
  const allow = fs.readFileSync(path.join(repoRoot, '.vscodeignore'), 'utf8');
  assert.match(allow, /^!client\/walkthrough\/\*\.md$/m);
  assert.match(allow, /^!client\/media\/\*\.svg$/m);
  for (const step of walkthrough.steps) {
    const md = path.join(repoRoot, step.media.markdown);
    assert.ok(fs.existsSync(md), `${step.id}: ${step.media.markdown}`);
    assert.doesNotMatch(fs.readFileSync(md, 'utf8'), /https?:\/\//, `${step.id}: no remote content`);
    assert.ok(step.completionEvents.length > 0, `${step.id} completes itself`);
    for (const ev of step.completionEvents) assert.match(ev, /^(onCommand|onContext):/);
    const button = /\(command:([A-Za-z.]+)\)/.exec(step.description);
    assert.ok(button, `${step.id} has a button`);
    assert.ok(declared.has(button[1]) || button[1] === 'tao.runs.focus', `${step.id}: ${button[1]}`);
  }
});
