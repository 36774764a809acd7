// What the panels show, read from a results folder: the training run from status.json,
// the evaluation from a report (or inference results), the prune report. Plain Node, so
// TAO: Open Run on any folder layout is tested without VS Code.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { findRunFiles, checkpointFor } from './runFolder';
import { parseStatus } from '../../../webviews/src/model/status';
import { normalizeEvaluation, predictionsFromResultCsv, type EvaluationData } from '../../../webviews/src/model/evaluation';
import { normalizePrune, type PruneData } from '../../../webviews/src/model/prune';
import type { TrainingRun } from '../../../webviews/src/model/messages';
import { detectionSeries } from '../../../webviews/src/model/detection';

/** Reads a file that may be changing underneath us; undefined when it is not there (yet). */
/** A file's text, or undefined when it is absent or unreadable (runs are read while written). */
export function readText(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A file's JSON, or undefined when it is absent, unreadable or half-written. */
export function readJson(file: string | undefined): unknown {
  const t = readText(file);
  if (t === undefined) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

export function trainingRun(folder: string): TrainingRun | undefined {
  const files = findRunFiles(folder);
  const status = files.statusFiles[0];
  const text = readText(status?.path);
  if (text === undefined) return undefined;
  const parsed = parseStatus(text);
  const detection = detectionSeries(parsed.records);
  // A detector's best epoch is its best validation mAP, not its lowest loss.
  if (detection?.best) parsed.summary.best = { epoch: detection.best.epoch, metric: 'mAP', value: detection.best.mAP };
  // TAO's detectnet_v2 progress hook writes max_epoch = num_epochs (classification writes the
  // last index), so its run is one epoch shorter than parseStatus reads.
  const maxEpoch = parsed.records.map((r) => r.max_epoch).filter((v): v is number => typeof v === 'number').pop();
  if (detection?.source === 'tao' && maxEpoch !== undefined) parsed.summary.epochs = maxEpoch;
  const best = parsed.summary.best;
  if (best) best.checkpoint = checkpointFor(path.dirname(status.path), best.epoch);
  const run: TrainingRun = { name: runName(folder), folder, epochs: parsed.epochs, steps: parsed.steps, summary: parsed.summary, badLines: parsed.badLines };
  if (detection && detection.x.length > 0) run.detection = detection;
  return run;
}

export function runName(folder: string): string {
  const base = path.basename(folder);
  // `results/<spec>/train` reads better as `<spec>/train`.
  return ['train', 'evaluate', 'prune', 'export', 'inference'].includes(base) ? `${path.basename(path.dirname(folder))}/${base}` : base;
}

export function evaluationData(folder: string): EvaluationData | undefined {
  const files = findRunFiles(folder);
  const fromReport = normalizeEvaluation(readJson(files.evaluationReport));
  if (fromReport) return fromReport;
  // TAO's own evaluate prints its report; inference's result.csv plus the class map still
  // gives a confusion matrix when images sit in class-named folders.
  // Inference results sit beside the training run that wrote the class map.
  const classmap = readJson(files.classmap ?? path.join(path.dirname(folder), 'train', 'classmap.json')) as Record<string, number> | undefined;
  const csv = readText(files.resultCsv);
  if (!classmap || !csv) return undefined;
  const classes = Object.entries(classmap).sort((a, b) => a[1] - b[1]).map((e) => e[0]);
  return normalizeEvaluation({ classes, predictions: predictionsFromResultCsv(csv, classes) });
}

export function pruneData(folder: string): PruneData | undefined {
  return normalizePrune(readJson(findRunFiles(folder).pruneReport));
}
