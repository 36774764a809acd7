// `evaluate`: mAP of a trained DetectNet_v2 model on the spec's validation frames, with TAO's
// matching rules, printed as TAO's table and written to RESULTS/evaluation.json.
import { join } from 'node:path';
import { writeFileAtomic } from '../../../io/atomic';
import { EngineError, type EngineTask } from '../../../tasks/types';
import { Progress } from '../../../util/progress';
import type { DetectnetConfig } from '../config';
import { loadEvaluationFrames } from '../dataset';
import { FrameImages } from '../frames';
import { evaluationSetup, scoreFrames } from '../evaluation';
import { formatApTable } from '../metrics';
import { loadDetector } from '../model-input';

export const evaluateTask: EngineTask<DetectnetConfig> = {
  name: 'evaluate',
  summary: 'mAP of a trained model on the validation frames (evaluation.json)',
  usage: `Usage: tao-engine detectnet_v2 evaluate -e SPEC -m MODEL_DIR -r RESULTS_DIR [options]

Scores the model on the spec's validation frames (validation_data_sources, else the records
of validation_fold, else every frame): detections clustered with postprocessing_config,
matched to the ground truth with evaluation_config (minimum_detection_ground_truth_overlap
per class, evaluation_box_config filters, average_precision_mode SAMPLE or INTEGRATE).

Writes:
  RESULTS_DIR/evaluation.json   {"mAP", "per_class": [{"class", "ap", "precision", "recall",
                                "num_ground_truth", "pr_curve"}], "images", "model", "dataset"}
  RESULTS_DIR/status.json       a SUCCESS line with the mAP and AP per class as KPIs

Options:
  -e, --experiment_spec FILE  training spec (protobuf text)
  -m, --model DIR             model folder (default RESULTS_DIR/weights/final)
  -r, --results_dir DIR       results folder
  --backend NAME              auto | tensorflow-gpu | webgpu | tensorflow | onednn | wasm | cpu
  --quiet                     only warnings and errors on stderr
`,
  async run(ctx) {
    const { tf, config: cfg, log, status } = ctx;
    const det = await loadDetector(ctx);
    const { info } = det;
    const shape = { width: info.width, height: info.height, channels: info.channels, fit: cfg.augmentation.preprocessing.enable_auto_resize ? ('stretch' as const) : ('pad' as const) };
    if (cfg.model.width !== info.width || cfg.model.height !== info.height) {
      log.warn(`the spec's preprocessing size is ${cfg.model.width}x${cfg.model.height}, the model's input is ${info.width}x${info.height}; evaluating at the model's size`);
    }
    const classes = info.classes;
    const mapped = new Set(Object.values(cfg.dataset?.targetClassMapping ?? {}));
    const missing = classes.filter((c) => !mapped.has(c));
    if (missing.length > 0) throw new EngineError(`${ctx.specPath}: the model predicts ${missing.join(', ')}, which dataset_config.target_class_mapping never maps to`);
    const setup = evaluationSetup(cfg, classes, ctx.specPath);
    const frames = loadEvaluationFrames(ctx.specPath, { ...cfg, classes }, shape);
    status.write({ status: 'STARTED', message: 'Starting DetectNet_v2 evaluation.' });
    const images = new FrameImages(shape);
    const bar = new Progress(log, 'evaluating', frames.length);
    const { metrics } = await scoreFrames(tf, det.model, frames, images, setup, classes, { scale: info.bboxScale, offset: info.bboxOffset }, Math.max(1, cfg.training.batchSize), (d) => bar.update(d, d));
    bar.finish();
    const dataset = (cfg.dataset?.validationSources.length ? cfg.dataset.validationSources : cfg.dataset?.sources ?? []).map((s) => s.tfrecordsPath).join(', ');
    const out = {
      mAP: metrics.mAP,
      per_class: metrics.perClass,
      images: frames.length,
      model: det.path,
      dataset,
      validation_fold: cfg.dataset?.validationSources.length ? null : (cfg.dataset?.validationFold ?? null),
      average_precision_mode: setup.options.mode,
    };
    writeFileAtomic(join(ctx.resultsDir, 'evaluation.json'), JSON.stringify(out, null, 2) + '\n');
    const table = formatApTable(metrics);
    writeFileAtomic(join(ctx.resultsDir, 'evaluation.txt'), table);
    process.stdout.write(table.endsWith('\n') ? table : table + '\n');
    log.info(`evaluation report: ${join(ctx.resultsDir, 'evaluation.json')} and evaluation.txt`);
    const kpi: Record<string, number> = { mAP: metrics.mAP };
    for (const p of metrics.perClass) kpi[`AP_${p.class}`] = p.ap;
    status.write({ status: 'SUCCESS', message: 'Evaluation finished successfully.', kpi });
    det.model.dispose();
  },
};
