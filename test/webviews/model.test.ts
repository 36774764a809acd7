// The plain data models behind the panels: status.json parsing (growing files, TAO and
// engine spellings), evaluation and prune report normalization. No browser needed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFixture } from './harness';
import { parseStatus, parseStatusLines, parseDuration, normalizeMetricName, formatDuration } from '../../webviews/src/model/status';
import { normalizeEvaluation, scoresFromMatrix, predictionsFromResultCsv } from '../../webviews/src/model/evaluation';
import { normalizePrune, formatBytes, formatCount } from '../../webviews/src/model/prune';

test('status.json lines: a cut-off last line is pending, a bad middle line is counted', () => {
  const r = parseStatusLines('{"a":1}\nnot json\n{"b":2}\n{"c":');
  assert.equal(r.records.length, 2);
  assert.equal(r.badLines, 1);
  assert.equal(r.partialTail, true);
  assert.equal(parseStatusLines('{"a":NaN}\n').records[0].a, null);
  assert.equal(parseStatusLines('[1]\n').badLines, 1);
});

test('durations and names', () => {
  assert.equal(parseDuration('0:01:23.500000'), 83.5);
  assert.equal(parseDuration('2 days, 1:00:00'), 2 * 86400 + 3600);
  assert.equal(parseDuration('12.5'), 12.5);
  assert.equal(parseDuration('soon'), undefined);
  assert.equal(normalizeMetricName('LR'), 'learning_rate');
  assert.equal(normalizeMetricName('validation_accuracy'), 'val_accuracy');
  assert.equal(formatDuration(3725), '1h 02m');
  assert.equal(formatDuration(65), '1m 05s');
});

test('a finished TAO container run: 30 epochs, five curves, best by val_accuracy', () => {
  const run = parseStatus(readFixture('tao-classification-status.json'));
  assert.equal(run.epochs.x.length, 30);
  assert.deepEqual(run.epochs.x.slice(0, 3), [1, 2, 3]);
  assert.deepEqual(Object.keys(run.epochs.series), ['accuracy', 'learning_rate', 'loss', 'val_accuracy', 'val_loss']);
  assert.equal(run.steps.x.length, 0);
  assert.equal(run.summary.status, 'SUCCESS');
  assert.equal(run.summary.finished, true);
  assert.equal(run.summary.epoch, 30);
  assert.equal(run.summary.epochs, 30);
  assert.equal(run.summary.best?.metric, 'val_accuracy');
  const va = run.epochs.series.val_accuracy as number[];
  assert.equal(run.summary.best?.value, Math.max(...va));
  assert.ok(Math.abs((run.summary.secondsPerEpoch ?? 0) - 41) < 2);
});

test('a live engine run: step records make a step view, backend read, last line pending', () => {
  const run = parseStatus(readFixture('engine-status.json'));
  assert.equal(run.partialTail, true);
  assert.equal(run.badLines, 0);
  assert.equal(run.summary.backend, 'wasm');
  assert.equal(run.summary.finished, false);
  assert.equal(run.summary.epoch, 5);
  assert.equal(run.summary.epochs, 8);
  assert.equal(run.epochs.x.length, 5);
  assert.equal(run.steps.x.length, 100);
  assert.ok(run.steps.x.every((x, i) => i === 0 || x > run.steps.x[i - 1]), 'step x increases');
  // Epoch points keep the end-of-epoch values, not the last step's.
  const lastLoss = run.epochs.series.loss?.[4];
  assert.ok(lastLoss !== null && lastLoss !== undefined && lastLoss < 0.6);
  assert.ok((run.summary.etaSeconds ?? 0) > 0);
});

test('evaluation report: normalized, metrics recomputed when absent, result.csv fallback', () => {
  const data = normalizeEvaluation(JSON.parse(readFixture('evaluation_report.json')));
  assert.ok(data);
  assert.equal(data.classes.length, 10);
  assert.equal(data.predictions.length, 1000);
  assert.equal(data.accuracy, 0.902);
  const s = scoresFromMatrix(['a', 'b'], [[8, 2], [1, 9]]);
  assert.deepEqual(s.map((c) => [c.precision, c.recall, c.support]), [[8 / 9, 0.8, 10], [9 / 11, 0.9, 10]]);
  assert.equal(normalizeEvaluation({ classes: ['a'], confusion_matrix: [[1, 2]] }), undefined, 'a malformed matrix is refused');
  assert.equal(normalizeEvaluation('nope'), undefined);
  const preds = predictionsFromResultCsv('/d/test/cat/1.png,cat,0.9\n/d/test/dog/2.png,cat,0.6\n/d/test/fox/3.png,cat,0.5\n', ['cat', 'dog']);
  assert.deepEqual(preds.map((p) => [p.actual, p.predicted]), [[0, 0], [1, 0]]);
  const fromCsv = normalizeEvaluation({ classes: ['cat', 'dog'], predictions: preds });
  assert.deepEqual(fromCsv?.matrix, [[1, 0], [1, 0]]);
  assert.equal(normalizeEvaluation({ classmap: { dog: 1, cat: 0 }, confusion_matrix: [[3, 0], [0, 2]], top_5_accuracy: 1 })?.topK[0].k, 5);
  // Our engine's evaluation.json: `top_k` is k, `topk_accuracy` its accuracy, `top1_accuracy`, per_class as a list.
  const engine = normalizeEvaluation({ loss: 0.07, top1_accuracy: 0.75, top_k: 2, topk_accuracy: 1, classes: ['a', 'b'], confusion_matrix: [[2, 0], [1, 1]], per_class: [{ class: 'a', precision: 0.667, recall: 1, f1: 0.8, support: 2 }, { class: 'b', precision: 1, recall: 0.5, f1: 0.667, support: 2 }] });
  assert.deepEqual(engine?.topK, [{ k: 1, accuracy: 0.75 }, { k: 2, accuracy: 1 }]);
  assert.equal(engine?.accuracy, 0.75);
  assert.deepEqual(engine?.perClass.map((c) => c.name), ['a', 'b']);
});

test('prune report: layers in either spelling, formatted sizes', () => {
  const data = normalizePrune(JSON.parse(readFixture('prune_report.json')));
  assert.ok(data);
  assert.equal(data.layers.length, 20);
  assert.equal(data.paramsBefore, 11187914);
  assert.equal(data.accuracyAfterRetrain, 0.9172);
  assert.deepEqual(normalizePrune({ params_before: 10, params_after: 5, layers: { conv1: { kept: 8, total: 16 } } })?.layers, [{ name: 'conv1', kept: 8, total: 16 }]);
  assert.equal(normalizePrune({}), undefined);
  // Our engine's prune_report.json shape.
  const engine = normalizePrune({ params_before: 100, params_after: 40, params_ratio: 0.4, size_bytes_before: 400, size_bytes_after: 160, layers: [{ name: 'conv1', class_name: 'Conv2D', kept: 8, total: 16, params_before: 10, params_after: 5 }], options: { pruning_threshold: 0.1, normalizer: 'max', equalization_criterion: 'union' } });
  assert.deepEqual([engine?.sizeBefore, engine?.sizeAfter, engine?.threshold, engine?.normalizer, engine?.equalization], [400, 160, 0.1, 'max', 'union']);
  assert.deepEqual(engine?.layers, [{ name: 'conv1', kept: 8, total: 16 }]);
  assert.equal(formatBytes(44773376), '42.7 MiB');
  assert.equal(formatCount(3561290), '3.56 M');
});

test('step counts: per-epoch counters and whole-run counters land on the same epoch axis', () => {
  const line = (o: Record<string, unknown>): string => JSON.stringify({ status: 'RUNNING', ...o });
  // Whole run: 3 epochs of 5 steps, max_step = 15 (how our engine writes its epoch records).
  const whole = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => line({ epoch: Math.floor((s - 1) / 5), max_epoch: 2, step: s, max_step: 15, graphical: { loss: 1 / s } })).join('\n') + '\n';
  const w = parseStatus(whole);
  assert.deepEqual(w.steps.x, [0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8, 2]);
  // Per epoch: 0..3 in each epoch with max_step = 4.
  const per = [0, 1].flatMap((e) => [0, 1, 2, 3].map((s) => line({ epoch: e, max_epoch: 5, step: s, max_step: 4, graphical: { loss: 1 } }))).join('\n') + '\n';
  assert.deepEqual(parseStatus(per).steps.x, [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]);
});
