// Shared by evaluate and inference: which DetectNet_v2 model to load (-m, else the spec's
// model path, else RESULTS/weights/final) and what it says about itself.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { EngineError, type TaskContext } from '../../tasks/types';
import { loadModel, resolveModelJson } from '../../io/model-io';
import { resolveSpecPath } from '../../util/paths';
import type { DetectnetConfig } from './config';
import { detectnetInfoOf, type DetectnetModelInfo } from './metadata';

export interface LoadedDetector {
  model: tfTypes.LayersModel;
  path: string;
  info: DetectnetModelInfo;
}

export async function loadDetector(ctx: TaskContext<DetectnetConfig>, specModelPath = ''): Promise<LoadedDetector> {
  const flag = ctx.flags.model;
  const path = typeof flag === 'string' && flag ? flag : specModelPath ? resolveSpecPath(ctx.specPath, specModelPath) : join(ctx.resultsDir, 'weights', 'final');
  // Keras .hdf5 (TAO's, ours) loads like a folder; encrypted .tlt/.etlt are refused by loadModel
  // with the way out; TensorRT engines are a deployment artefact the engine cannot run.
  if (/\.(engine|trt|plan)$/i.test(path)) {
    throw new EngineError(`${path} is a TensorRT engine, which runs only under TensorRT; give -m the model it was built from (a .hdf5 or RESULTS/weights/final)`);
  }
  if (!existsSync(resolveModelJson(path))) throw new EngineError(`model not found: ${path} (give -m MODEL_DIR or a .hdf5 file)`);
  let loaded;
  try {
    loaded = await loadModel(ctx.tf, path);
  } catch (err) {
    throw new EngineError(`cannot load model ${path}: ${(err as Error).message}`);
  }
  try {
    return { model: loaded.model, path, info: detectnetInfoOf(loaded, path, ctx.config) };
  } catch (err) {
    loaded.model.dispose();
    throw new EngineError((err as Error).message);
  }
}
