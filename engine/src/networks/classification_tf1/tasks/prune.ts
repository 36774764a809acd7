// `prune` task: load a trained model folder, prune it with TAO's options, and write the
// pruned model folder with its reports in one atomic step.
import type { ClassificationConfig } from '../config';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadModel, saveModel, type LoadedModel } from '../../../io/model-io';
import { pruneModel, formatPruneReport, UnsupportedModelError, DEFAULT_PRUNE_OPTIONS } from '../../../prune/index';
import { choiceFlag, numberFlag, requiredString, stringFlag } from '../../../prune/flags';
import { EngineError, type EngineTask, type TaskContext, type Tf } from '../../../tasks/types';

export const PRUNE_USAGE = `usage: tao-engine classification_tf1 prune -e SPEC -m MODEL_DIR -o OUT_DIR [-r RESULTS]
       [-pth 0.1] [-nm max|L2] [-eq union|intersection|arithmetic_mean|geometric_mean]
       [-pg 8] [-nf 16] [-el LAYER,...]

  -m, --model                     trained model folder (model.json + weights.bin) or its model.json
  -o, --output_file               folder for the pruned model (written atomically)
  -pth, --pruning_threshold       keep filters whose normalized L2 score is >= this (default 0.1)
  -nm, --normalizer               per-layer score normalizer: max or L2 (default max)
  -eq, --equalization_criterion   how layers that share channels combine scores (default union)
  -pg, --pruning_granularity      kept filter counts are multiples of this (default 8)
  -nf, --min_num_filters          never keep fewer filters than this in a layer (default 16)
  -el, --excluded_layers          comma-separated layer names that are not pruned
Writes OUT_DIR/model.json, weights.bin, prune_report.json, prune_report.txt (and classmap.json
when the source folder has one); status lines go to RESULTS/status.json.`;

/** Loads a model folder, turning "this is not a model" into one clear message. */
export async function loadModelOrFail(tf: Tf, path: string): Promise<LoadedModel> {
  if (!existsSync(path)) throw new EngineError(`model not found: ${path}`);
  try {
    return await loadModel(tf, path);
  } catch (e) {
    throw new EngineError(`${path} is not a readable tfjs layers model: ${(e as Error).message}`);
  }
}

async function runPrune(ctx: TaskContext<ClassificationConfig>): Promise<void> {
  const f = ctx.flags;
  const modelPath = resolve(requiredString(f, ['m', 'model', 'model_path'], 'the model to prune'));
  const outDir = resolve(requiredString(f, ['o', 'output_file', 'output_dir', 'output'], 'the output folder'));
  const options = {
    threshold: numberFlag(f, ['pth', 'pruning_threshold'], DEFAULT_PRUNE_OPTIONS.threshold, { min: 0 }),
    normalizer: choiceFlag(f, ['nm', 'normalizer'], ['max', 'L2'] as const, 'max'),
    equalization: choiceFlag(f, ['eq', 'equalization_criterion'], ['union', 'intersection', 'arithmetic_mean', 'geometric_mean'] as const, 'union'),
    granularity: numberFlag(f, ['pg', 'pruning_granularity'], DEFAULT_PRUNE_OPTIONS.granularity, { integer: true, min: 1 }),
    minFilters: numberFlag(f, ['nf', 'min_num_filters'], DEFAULT_PRUNE_OPTIONS.minFilters, { integer: true, min: 1 }),
    excludedLayers: (stringFlag(f, ['el', 'excluded_layers']) ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  };
  if (resolve(outDir) === resolve(modelPath)) throw new EngineError('-o must differ from -m: pruning never overwrites its input');

  ctx.status.write({ status: 'STARTED', message: 'Starting pruning.' });
  const source = await loadModelOrFail(ctx.tf, modelPath);
  ctx.log.info(`pruning ${modelPath} (${source.model.countParams()} parameters), threshold ${options.threshold}`);
  let result;
  try {
    result = await pruneModel(source.model, options);
  } catch (e) {
    if (e instanceof UnsupportedModelError) throw new EngineError(`cannot prune this model: ${e.message}`);
    throw e;
  }
  const { model, report } = result;

  const extra: Record<string, string> = {
    'prune_report.json': JSON.stringify({ source_model: modelPath, ...report }, null, 2) + '\n',
    'prune_report.txt': formatPruneReport(report),
  };
  const classmapFile = join(source.dir, 'classmap.json');
  if (existsSync(classmapFile)) extra['classmap.json'] = readFileSync(classmapFile, 'utf8');
  const metadata = { ...source.metadata, pruned: { source: modelPath, params_before: report.params_before, params_after: report.params_after } };
  await saveModel(ctx.tf, model, outDir, metadata, extra);

  const pct = (100 * report.params_ratio).toFixed(1);
  ctx.log.info(`pruned model: ${report.params_before} -> ${report.params_after} parameters (${pct}% kept), written to ${outDir}`);
  ctx.status.write({
    status: 'SUCCESS',
    message: `Pruning finished: ${report.params_before} -> ${report.params_after} parameters (${pct}% kept).`,
    kpi: { params_before: report.params_before, params_after: report.params_after, params_ratio: report.params_ratio },
  });
}

export const pruneTask: EngineTask<ClassificationConfig> = {
  name: 'prune',
  summary: 'Prune filters of a trained model by their L2 norm (TAO semantics) and report the savings',
  usage: PRUNE_USAGE,
  run: runPrune,
};
