// Shared by evaluate and inference: which model to load (-m, else eval_config.model_path,
// else RESULTS/weights/final), its class names, and its input geometry.
import type { ClassificationConfig } from '../config';
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { EngineError, type TaskContext } from '../../../tasks/types';
import { loadModel, resolveModelJson } from '../../../io/model-io';
import { resolveSpecPath } from '../../../util/paths';

export interface TaskModel {
  model: tfTypes.LayersModel;
  path: string;
  classes: string[];
  height: number;
  width: number;
  channels: number;
}

export function modelPathFor(ctx: TaskContext<ClassificationConfig>): string {
  const flag = ctx.flags.model;
  if (typeof flag === 'string' && flag) return flag;
  if (ctx.config.eval.modelPath) return resolveSpecPath(ctx.specPath, ctx.config.eval.modelPath);
  return join(ctx.resultsDir, 'weights', 'final');
}

function classesFrom(map: Record<string, number>): string[] {
  const out: string[] = [];
  for (const [name, index] of Object.entries(map)) out[index] = name;
  return out;
}

export async function loadTaskModel(ctx: TaskContext<ClassificationConfig>): Promise<TaskModel> {
  const path = modelPathFor(ctx);
  if (!existsSync(resolveModelJson(path))) throw new EngineError(`model not found: ${path} (give -m MODEL_DIR or set eval_config.model_path)`);
  let loaded;
  try {
    loaded = await loadModel(ctx.tf, path);
  } catch (err) {
    throw new EngineError(`cannot load model ${path}: ${(err as Error).message}`);
  }
  const shape = loaded.model.inputs[0].shape;
  const outUnits = loaded.model.outputs[0].shape[1] as number;
  let map = loaded.metadata.classmap;
  if (!map) {
    // Models from elsewhere: a classmap.json next to the model or in the results folder.
    for (const candidate of [join(dirname(resolveModelJson(path)), 'classmap.json'), join(ctx.resultsDir, 'classmap.json')]) {
      if (existsSync(candidate)) {
        map = JSON.parse(readFileSync(candidate, 'utf8')) as Record<string, number>;
        break;
      }
    }
  }
  const classes = map ? classesFrom(map) : Array.from({ length: outUnits }, (_, i) => String(i));
  return { model: loaded.model, path, classes, height: shape[1] as number, width: shape[2] as number, channels: shape[3] as number };
}
