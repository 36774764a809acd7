// The training panel in headless Chromium, fed recorded status.json files: one written by
// NVIDIA's TAO container (classification_tf1, finished) and one by our engine (still running,
// per-step records, last line cut off). Checks that curves are drawn and values shown.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { openPanel, readFixture, pixelsOfColor, screenshot, shutdown } from './harness';
import { parseStatus } from '../../webviews/src/model/status';
import type { TrainingRun } from '../../webviews/src/model/messages';

after(shutdown);

function runFrom(fixture: string, name: string): TrainingRun {
  const parsed = parseStatus(readFixture(fixture));
  return { name, folder: path.join('/workspace/results', name), epochs: parsed.epochs, steps: parsed.steps, summary: parsed.summary, badLines: parsed.badLines };
}

test('training panel draws a finished TAO container run', async () => {
  const panel = await openPanel('training');
  try {
    const run = runFrom('tao-classification-status.json', 'resnet18_fashion');
    await panel.send({ type: 'training', run });
    const info = await panel.waitRendered(1);
    assert.equal(info.charts, 3, 'loss, accuracy and learning-rate charts');
    assert.equal(info.series, 5, 'loss, val_loss, accuracy, val_accuracy, learning_rate');
    assert.equal(info.points, 5 * 30);
    const page = panel.page;
    assert.equal(await page.locator('canvas').count(), 3);
    // The first series of each chart is blue, the second orange: both must be on the canvases.
    const blue = await pixelsOfColor(page, '#3794ff');
    const orange = await pixelsOfColor(page, '#d18616');
    assert.ok(blue.every((n) => n > 200), `blue curve pixels per chart: ${blue}`);
    assert.ok(orange[0] > 200 && orange[1] > 200, `orange curve pixels: ${orange}`);
    assert.equal(await page.locator('#epoch').textContent(), '30 / 30');
    assert.equal(await page.locator('#eta').textContent(), 'done');
    assert.equal(await page.locator('#backend').count(), 0, 'no backend recorded, none shown');
    const best = run.summary.best;
    assert.ok(best && best.metric === 'val_accuracy');
    assert.equal(await page.locator('#best-checkpoint').textContent(), `epoch ${best.epoch} (val_accuracy ${best.value})`);
    assert.match((await page.locator('#run-header').textContent()) ?? '', /SUCCESS/);
    assert.deepEqual(await panel.cspViolations(), []);
    assert.deepEqual(panel.errors, []);
    await screenshot(page, 'training-tao-finished.png');
  } finally {
    await panel.close();
  }
});

test('training panel follows a live engine run as status.json grows', async () => {
  const panel = await openPanel('training');
  try {
    const text = readFixture('engine-status.json');
    const lines = text.split('\n');
    // First send the file as it was after two epochs, then the whole (still growing) file.
    const early = parseStatus(lines.slice(0, 1 + 2 * 21).join('\n') + '\n');
    await panel.send({ type: 'training', run: { ...runFrom('engine-status.json', 'engine_live'), epochs: early.epochs, steps: early.steps, summary: early.summary } });
    const first = await panel.waitRendered(1);
    assert.equal(first.points > 0, true);
    assert.equal(await panel.page.locator('#epoch').textContent(), '2 / 8');
    const run = runFrom('engine-status.json', 'engine_live');
    await panel.send({ type: 'training', run });
    const second = await panel.waitRendered(2);
    assert.ok(second.points > first.points, `points grow: ${first.points} -> ${second.points}`);
    assert.equal(second.charts, 4, 'loss, accuracy, learning rate and per-step charts');
    assert.equal(await panel.page.locator('#epoch').textContent(), '5 / 8');
    assert.equal(await panel.page.locator('#backend').textContent(), 'wasm');
    assert.notEqual(await panel.page.locator('#eta').textContent(), '—');
    const blue = await pixelsOfColor(panel.page, '#3794ff');
    assert.ok(blue.every((n) => n > 100), `curves drawn: ${blue}`);
    assert.deepEqual(await panel.cspViolations(), []);
    assert.deepEqual(panel.errors, []);
    await screenshot(panel.page, 'training-engine-live.png');
  } finally {
    await panel.close();
  }
});
