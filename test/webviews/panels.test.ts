// Evaluation, pruning and run-comparison panels in headless Chromium, from recorded report
// fixtures: values shown, the heat map clickable and its image list posted back to the
// extension, charts drawn, no CSP violations.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPanel, readFixture, pixelsOfColor, screenshot, shutdown } from './harness';
import { normalizeEvaluation } from '../../webviews/src/model/evaluation';
import { normalizePrune } from '../../webviews/src/model/prune';
import { parseStatus } from '../../webviews/src/model/status';

after(shutdown);

test('evaluation panel: headline numbers, heat map, image list for a clicked cell, per-class table', async () => {
  const data = normalizeEvaluation(JSON.parse(readFixture('evaluation_report.json')));
  assert.ok(data);
  const panel = await openPanel('evaluation', { width: 1200, height: 1000 });
  try {
    await panel.send({ type: 'evaluation', name: 'resnet18_fashion/evaluate', data });
    const info = await panel.waitRendered(1);
    assert.equal(info.series, 10);
    assert.equal(info.points, 1000);
    const page = panel.page;
    assert.equal(await page.locator('#confusion-matrix .cell').count(), 100);
    assert.match((await page.locator('#headline').textContent()) ?? '', /accuracy/);
    assert.match((await page.locator('#headline').textContent()) ?? '', new RegExp(`${(data.accuracy! * 100).toFixed(2)} %`));
    assert.match((await page.locator('#headline').textContent()) ?? '', /98\.20 %top-3 accuracy/);
    // The shirt row's t-shirt column: 14 images the model got wrong.
    const cell = page.locator('#confusion-matrix .cell[data-actual="6"][data-predicted="0"]');
    assert.equal(await cell.textContent(), '14');
    await cell.click();
    await page.locator('#cell-images li').first().waitFor();
    assert.equal(await page.locator('#cell-images li').count(), 14);
    assert.match((await page.locator('#cell-images h3').textContent()) ?? '', /shirt → t-shirt · 14/);
    await page.locator('#open-images').click();
    const opened = (await panel.posted()).filter((m) => m.type === 'openImages');
    assert.equal(opened.length, 1);
    const paths = opened[0].paths as string[];
    assert.equal(paths.length, 14);
    assert.ok(paths.every((p) => p.startsWith('data/test/shirt/') && p.includes('_as_t-shirt')));
    const rows = page.locator('#per-class tbody tr');
    assert.equal(await rows.count(), 11, '10 classes + macro average');
    assert.match((await rows.nth(1).textContent()) ?? '', /^trouser/);
    assert.deepEqual(await panel.cspViolations(), []);
    assert.deepEqual(panel.errors, []);
    await screenshot(page, 'evaluation.png');
  } finally {
    await panel.close();
  }
});

test('pruning panel: parameters and size before/after, kept/total per layer', async () => {
  const data = normalizePrune(JSON.parse(readFixture('prune_report.json')));
  assert.ok(data);
  const panel = await openPanel('pruning', { width: 1100, height: 800 });
  try {
    await panel.send({ type: 'pruning', name: 'resnet18_fashion/prune', data });
    const info = await panel.waitRendered(1);
    assert.equal(info.points, 20);
    const page = panel.page;
    const headline = (await page.locator('#headline').textContent()) ?? '';
    assert.match(headline, /11\.19 M/);
    assert.match(headline, /3\.56 M/);
    assert.match(headline, /68\.2 % smaller/);
    assert.match(headline, /42\.7 MiB/);
    assert.match(headline, /91\.72 %/);
    assert.equal(await page.locator('#layers .track').count(), 20);
    assert.equal(await page.locator('#layers .count').first().textContent(), `${data.layers[0].kept} / ${data.layers[0].total}`);
    const width = await page.locator('#layers .kept').first().evaluate((el) => (el as HTMLElement).style.width);
    assert.equal(width, `${(data.layers[0].kept / data.layers[0].total) * 100}%`);
    assert.deepEqual(await panel.cspViolations(), []);
    assert.deepEqual(panel.errors, []);
    await screenshot(page, 'pruning.png');
  } finally {
    await panel.close();
  }
});

test('runs panel: one chart per metric with one curve per run', async () => {
  const tao = parseStatus(readFixture('tao-classification-status.json'));
  const engine = parseStatus(readFixture('engine-status.json'));
  // A third run: the TAO run's curves scaled as a lower learning rate would roughly give.
  const scale: Record<string, number> = { accuracy: 0.93, val_accuracy: 0.93, loss: 1.2, val_loss: 1.15, lr: 1 / 3 };
  const slower = parseStatus(readFixture('tao-classification-status.json').replace(/"(val_accuracy|accuracy|val_loss|loss|lr)": ([0-9.e-]+)/g, (_m, k: string, v: string) => `"${k}": ${Number(v) * scale[k]}`));
  const runs = [
    { name: 'lr 0.006', folder: '/r/a', epochs: tao.epochs, summary: tao.summary },
    { name: 'lr 0.002', folder: '/r/b', epochs: slower.epochs, summary: slower.summary },
    { name: 'engine wasm', folder: '/r/c', epochs: engine.epochs, summary: engine.summary },
  ];
  const panel = await openPanel('runs', { width: 1200, height: 1100 });
  try {
    await panel.send({ type: 'runs', runs });
    const info = await panel.waitRendered(1);
    assert.equal(info.charts, 5, 'loss, val_loss, accuracy, val_accuracy, learning_rate');
    assert.equal(info.series, 15);
    assert.equal(await panel.page.locator('canvas').count(), 5);
    assert.equal(await panel.page.locator('#run-list > span').count(), 3);
    // Each run's colour is on the accuracy chart (blue, orange, green by order).
    const accuracyChart = '#charts > section:nth-child(3) canvas';
    for (const color of ['#3794ff', '#d18616', '#89d185']) {
      const [n] = await pixelsOfColor(panel.page, color, accuracyChart);
      assert.ok(n > 100, `${color} on the accuracy chart: ${n}`);
    }
    await screenshot(panel.page, 'runs.png');
    await panel.page.locator('#add-run').click();
    assert.ok((await panel.posted()).some((m) => m.type === 'addRun'));
    assert.deepEqual(await panel.cspViolations(), []);
    assert.deepEqual(panel.errors, []);
  } finally {
    await panel.close();
  }
});
