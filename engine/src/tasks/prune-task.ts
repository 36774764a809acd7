// The `prune` task's body, shared by every network: TAO's flags -> prune options, load the
// model folder, prune, and write the pruned folder (model, reports, the network's own files)
// in one atomic step. A network adds only what is its own: layers it always keeps whole,
// files to carry over, and how its metadata records the pruning.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FileMap } from '../io/atomic';
import { saveModel, type EngineModelMetadata, type LoadedModel } from '../io/model-io';
import { writeKerasModel } from '../io/hdf5/keras-model';
import { DEFAULT_PRUNE_OPTIONS, formatPruneReport, pruneModel, UnsupportedModelError, type PruneOptions, type PruneReport } from '../prune/index';
import { choiceFlag, numberFlag, requiredString, stringFlag } from '../prune/flags';
import { loadModelOrFail } from './model-folder';
import { EngineError, type Flags, type TaskContext } from './types';

/** The flag lines of every network's prune usage text. */
export const PRUNE_FLAGS_HELP = `  -m, --model                     trained model folder (model.json + weights.bin) or its model.json
  -o, --output_file               folder for the pruned model (written atomically; must differ from -m)
  -r, --results_dir               where status.json goes (default: the folder holding OUT_DIR)
  -pth, --pruning_threshold       keep filters whose normalized L2 score is >= this (default 0.1)
  -nm, --normalizer               per-layer score normalizer: max or L2 (default max)
  -eq, --equalization_criterion   how layers that share channels combine scores (default union)
  -pg, --pruning_granularity      kept filter counts are multiples of this (default 8)
  -nf, --min_num_filters          never keep fewer filters than this in a layer (default 16)
  -el, --excluded_layers          comma-separated layer names that are not pruned`;

/** TAO's prune flags, checked before any work (a typo fails in milliseconds, not after loading). */
export function pruneOptionsFromFlags(f: Flags): PruneOptions {
  return {
    threshold: numberFlag(f, ['pth', 'pruning_threshold'], DEFAULT_PRUNE_OPTIONS.threshold, { min: 0 }),
    normalizer: choiceFlag(f, ['nm', 'normalizer'], ['max', 'L2'] as const, 'max'),
    equalization: choiceFlag(f, ['eq', 'equalization_criterion'], ['union', 'intersection', 'arithmetic_mean', 'geometric_mean'] as const, 'union'),
    granularity: numberFlag(f, ['pg', 'pruning_granularity'], DEFAULT_PRUNE_OPTIONS.granularity, { integer: true, min: 1 }),
    minFilters: numberFlag(f, ['nf', 'min_num_filters'], DEFAULT_PRUNE_OPTIONS.minFilters, { integer: true, min: 1 }),
    excludedLayers: (stringFlag(f, ['el', 'excluded_layers']) ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  };
}

/** -m and -o as absolute paths; pruning never overwrites its input. */
export function pruneTargets(f: Flags): { modelPath: string; outDir: string } {
  const modelPath = resolve(requiredString(f, ['m', 'model', 'model_path'], 'the model to prune'));
  const outDir = resolve(requiredString(f, ['o', 'output_file', 'output_dir', 'output'], 'the output folder'));
  // -m may name the folder's model.json; writing over that folder is just as destructive.
  const modelDir = existsSync(modelPath) && statSync(modelPath).isFile() ? dirname(modelPath) : modelPath;
  if (outDir === modelDir) throw new EngineError(`-o must differ from -m (both are ${outDir}): pruning never overwrites its input; give -o a new folder`);
  return { modelPath, outDir };
}

export interface PruneTaskHooks {
  /** Layers whose output channels the network never prunes (added to the user's -el). */
  keepWhole?: string[];
  /** Checks the loaded model is one this network can prune (e.g. has its metadata). */
  check?: (source: LoadedModel, modelPath: string) => void;
  /** Files of the source folder to carry over (file name -> content). */
  carry?: (source: LoadedModel) => FileMap;
  /**
   * File name (inside OUT_DIR) of the Keras .hdf5 copy TAO continues from (re-train with
   * pretrained_model_file / pretrained_model_path, evaluate -m); none when absent.
   */
  kerasFileName?: (source: LoadedModel) => string;
}

export interface PruneTaskResult {
  report: PruneReport;
  outDir: string;
}

export async function runPruneTask<C>(ctx: TaskContext<C>, hooks: PruneTaskHooks = {}): Promise<PruneTaskResult> {
  const { modelPath, outDir } = pruneTargets(ctx.flags);
  const options: PruneOptions = { ...pruneOptionsFromFlags(ctx.flags), keepWhole: hooks.keepWhole ?? [] };

  ctx.status.write({ status: 'STARTED', message: 'Starting pruning.' });
  const source = await loadModelOrFail(ctx.tf, modelPath);
  let result;
  try {
    hooks.check?.(source, modelPath);
    ctx.log.info(`pruning ${modelPath} (${source.model.countParams()} parameters), threshold ${options.threshold}`);
    result = await pruneModel(source.model, options);
  } catch (e) {
    source.model.dispose();
    if (e instanceof UnsupportedModelError) throw new EngineError(`cannot prune ${modelPath}: ${e.message}`);
    throw e;
  }
  const { model, report } = result;

  const extra: FileMap = {
    ...(hooks.carry?.(source) ?? {}),
    'prune_report.json': JSON.stringify({ source_model: modelPath, ...report }, null, 2) + '\n',
    'prune_report.txt': formatPruneReport(report),
  };
  // Everything the source folder said about itself stays true of the pruned one (classes,
  // input size, decoding), so evaluate/inference/export/retrain read it unchanged.
  const metadata: EngineModelMetadata = { ...source.metadata, pruned: { source: modelPath, params_before: report.params_before, params_after: report.params_after } };
  await saveModel(ctx.tf, model, outDir, metadata, extra);
  let kerasPath: string | undefined;
  try {
    if (hooks.kerasFileName) {
      kerasPath = join(outDir, hooks.kerasFileName(source).replace(/[^\w.-]+/g, '_'));
      await writeKerasModel(model, kerasPath, metadata);
    }
  } finally {
    source.model.dispose();
    model.dispose();
  }
  if (kerasPath) ctx.log.info(`pruned model for TAO (Keras .hdf5): ${kerasPath}`);

  const pct = (100 * report.params_ratio).toFixed(1);
  ctx.log.info(`pruned model: ${report.params_before} -> ${report.params_after} parameters (${pct}% kept), written to ${outDir}`);
  ctx.status.write({
    status: 'SUCCESS',
    message: `Pruning finished: ${report.params_before} -> ${report.params_after} parameters (${pct}% kept).`,
    kpi: { params_before: report.params_before, params_after: report.params_after, params_ratio: report.params_ratio },
  });
  return { report, outDir };
}
