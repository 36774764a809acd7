// `evaluate`: loss, top-k accuracy, confusion matrix and per-class precision/recall/F1 of a
// trained model on eval_config.eval_dataset_path, written as JSON and as readable text.
import type { ClassificationConfig } from '../config';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../io/atomic';
import { EngineError, type EngineTask } from '../../../tasks/types';
import { loadTaskModel } from './model-input';
import { indexDataset, loadDataset } from '../../../data/folder';
import { makePreprocessor } from '../../../data/preprocess';
import { predictSetAsync } from '../predict';
import { computeReport, formatReport } from '../metrics';
import { resolveSpecPath } from '../../../util/paths';
import { Progress } from '../../../util/progress';

export const evaluateTask: EngineTask<ClassificationConfig> = {
  name: 'evaluate',
  summary: 'evaluate a trained model on eval_config.eval_dataset_path',
  usage: `Usage: tao-engine classification_tf1 evaluate -e SPEC -r RESULTS_DIR [-m MODEL_DIR] [options]

Evaluates the model (default: eval_config.model_path, else RESULTS_DIR/weights/final) on
eval_config.eval_dataset_path (else train_config.val_dataset_path), one sub-folder per class.

Writes:
  RESULTS_DIR/evaluation.json   {loss, top1_accuracy, topk_accuracy, top_k, classes,
                                 confusion_matrix[true][predicted], per_class[{class,
                                 precision, recall, f1, support}], macro_avg, weighted_avg,
                                 predictions[{path, actual, predicted, score}]}
  RESULTS_DIR/evaluation.txt    the same as a readable report (also printed)
  RESULTS_DIR/status.json       TAO-style JSON lines

Options:
  -e, --experiment_spec FILE  spec file
  -r, --results_dir DIR       results folder
  -m, --model DIR             model folder (model.json) to evaluate
  --backend NAME              auto | tensorflow-gpu | webgpu | tensorflow | onednn | wasm | cpu
  --quiet                     only warnings and errors on stderr
`,
  async run(ctx) {
    const { tf, config, log, status } = ctx;
    const dataPath = resolveSpecPath(ctx.specPath, config.eval.evalDatasetPath || config.train.valDatasetPath);
    const index = indexDataset(dataPath, 'eval_dataset_path');
    const tm = await loadTaskModel(ctx);
    status.write({ status: 'STARTED', message: 'Starting evaluation.' });
    // Dataset class names are mapped to the model's output indices by name.
    const labels = new Int32Array(index.labels.length);
    const unknown = index.classes.filter((c) => !tm.classes.includes(c));
    if (unknown.length > 0) throw new EngineError(`eval dataset has classes the model does not know: ${unknown.join(', ')} (model classes: ${tm.classes.join(', ')})`);
    index.labels.forEach((l, i) => (labels[i] = tm.classes.indexOf(index.classes[l])));
    const set = loadDataset({ ...index, labels }, tm.height, tm.width, tm.channels, config.eval.enableCenterCrop);
    set.labels = labels;
    const pre = makePreprocessor(config.train.preprocessMode, tm.channels, config.train.imageMean);
    const bar = new Progress(log, 'evaluating', labels.length);
    const probs = await predictSetAsync(tf, tm.model, set, tm.classes.length, config.eval.batchSize, pre, (d) => bar.update(d, d));
    bar.finish();
    const report = computeReport(probs, labels, tm.classes, config.eval.topK);
    // One line per image so the evaluation panel can list the images behind a matrix cell.
    const k = tm.classes.length;
    const predictions = Array.from({ length: labels.length }, (_, i) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
      return { path: set.files[i], actual: tm.classes[labels[i]], predicted: tm.classes[best], score: Number(probs[i * k + best].toFixed(6)) };
    });
    const out = { model: tm.path, dataset: dataPath, ...report, predictions };
    writeFileAtomic(join(ctx.resultsDir, 'evaluation.json'), JSON.stringify(out, null, 2) + '\n');
    const text = formatReport(report);
    writeFileAtomic(join(ctx.resultsDir, 'evaluation.txt'), text);
    process.stdout.write(text);
    log.info(`evaluation report: ${join(ctx.resultsDir, 'evaluation.json')} and evaluation.txt`);
    status.write({
      status: 'SUCCESS',
      message: 'Evaluation finished successfully.',
      kpi: { loss: report.loss, top1_accuracy: report.top1_accuracy, [`top${report.top_k}_accuracy`]: report.topk_accuracy },
    });
    tm.model.dispose();
  },
};
