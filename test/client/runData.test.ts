// TAO: Open Run on the folder layouts users have: NVIDIA's container output (status.json in
// a task folder), our engine's results, an inference-only folder (result.csv + classmap).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { trainingRun, evaluationData, pruneData, runName } from '../../client/src/core/runData';
import { resolveImageRequest } from '../../client/src/core/imageRequests';

const fixtures = path.resolve(__dirname, '..', '..', '..', 'test', 'webviews', 'fixtures');

function temp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'rundata-'));
}

test('a TAO container results folder: training from train/status.json, best checkpoint linked', () => {
  const dir = temp();
  try {
    fs.mkdirSync(path.join(dir, 'train', 'weights', 'epoch_024'), { recursive: true });
    fs.copyFileSync(path.join(fixtures, 'tao-classification-status.json'), path.join(dir, 'train', 'status.json'));
    const run = trainingRun(dir);
    assert.ok(run);
    assert.equal(run.epochs.x.length, 30);
    assert.equal(run.summary.best?.epoch, 24);
    assert.equal(run.summary.best?.checkpoint, path.join(dir, 'train', 'weights', 'epoch_024'));
    assert.equal(trainingRun(temp()), undefined);
    assert.equal(runName('/w/results/cls/train'), 'cls/train');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('evaluation from a report, or from result.csv + classmap.json; prune report', () => {
  const dir = temp();
  try {
    fs.copyFileSync(path.join(fixtures, 'evaluation_report.json'), path.join(dir, 'evaluation_report.json'));
    fs.copyFileSync(path.join(fixtures, 'prune_report.json'), path.join(dir, 'prune_report.json'));
    assert.equal(evaluationData(dir)?.classes.length, 10);
    assert.equal(pruneData(dir)?.layers.length, 20);
    const inf = path.join(dir, 'inference');
    fs.mkdirSync(inf);
    fs.writeFileSync(path.join(inf, 'classmap.json'), JSON.stringify({ cat: 0, dog: 1 }));
    fs.writeFileSync(path.join(inf, 'result.csv'), '/d/test/cat/1.png,cat,0.9\n/d/test/dog/2.png,cat,0.7\n/d/test/dog/3.png,dog,0.8\n');
    const e = evaluationData(inf);
    assert.deepEqual(e?.matrix, [[1, 0], [1, 1]]);
    assert.equal(e?.predictions.length, 3);
    // The engine's layout: results/<spec>/inference/result.csv, class map in results/<spec>/train.
    const root = path.join(dir, 'spec');
    fs.mkdirSync(path.join(root, 'train'), { recursive: true });
    fs.mkdirSync(path.join(root, 'inference'));
    fs.writeFileSync(path.join(root, 'train', 'classmap.json'), JSON.stringify({ disc: 0, stripes: 1 }));
    fs.writeFileSync(path.join(root, 'inference', 'result.csv'), '../data/test/disc/0.png,disc,1.000000\n../data/test/stripes/1.png,disc,0.51\n');
    assert.deepEqual(evaluationData(path.join(root, 'inference'))?.matrix, [[1, 0], [1, 0]]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('image requests from a panel: only listed image files that exist, relative ones found from the run folder', () => {
  const dir = temp();
  try {
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(path.join(ws, 'data', 'test', 'cat'), { recursive: true });
    fs.mkdirSync(path.join(ws, 'specs', 'results', 'spec', 'evaluate'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'data', 'test', 'cat', '1.png'), 'x');
    fs.writeFileSync(path.join(ws, 'secret.txt'), 'x');
    const run = path.join(ws, 'specs', 'results', 'spec', 'evaluate');
    const allowed = new Set(['../data/test/cat/1.png', '../secret.txt', '../data/test/cat/404.png']);
    const r = resolveImageRequest(['../data/test/cat/1.png', '../secret.txt', '/etc/passwd', '../data/test/cat/404.png'], allowed, [run], [ws]);
    assert.deepEqual(r.open, [path.join(ws, 'data', 'test', 'cat', '1.png')]);
    assert.deepEqual(r.refused.map((x) => x.reason), ['not an image file', 'not listed in the report this panel shows', 'file not found']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
