// Shared by evaluate and inference: which DetectNet_v2 model to load (-m, else the spec's
// model path, else RESULTS/weights/final) and what it says about itself.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { EngineError, type TaskContext } from '../../tasks/types';
import { loadModel, resolveModelJson } from '../../io/model-io';
import { resolveSpecPath } from '../../util/paths';
import type { DetectnetConfig } from './config';
import { readDetectnetInfo, type DetectnetModelInfo } from './metadata';

export interface LoadedDetector {
  model: tfTypes.LayersModel;
  path: string;
  info: DetectnetModelInfo;
}

export async function loadDetector(ctx: TaskContext<DetectnetConfig>, specModelPath = ''): Promise<LoadedDetector> {
  const flag = ctx.flags.model;
  const path = typeof flag === 'string' && flag ? flag : specModelPath ? resolveSpecPath(ctx.specPath, specModelPath) : join(ctx.resultsDir, 'weights', 'final');
  if (/\.(hdf5|h5|tlt|etlt|engine|trt)$/i.test(path)) {
    throw new EngineError(`${path}: TAO/TensorRT model files are not read by the local engine yet; give -m a model folder written by tao-engine (RESULTS/weights/final)`);
  }
  if (!existsSync(resolveModelJson(path))) throw new EngineError(`model not found: ${path} (give -m MODEL_DIR)`);
  let loaded;
  try {
    loaded = await loadModel(ctx.tf, path);
  } catch (err) {
    throw new EngineError(`cannot load model ${path}: ${(err as Error).message}`);
  }
  try {
    return { model: loaded.model, path, info: readDetectnetInfo(loaded.metadata, path) };
  } catch (err) {
    loaded.model.dispose();
    throw new EngineError((err as Error).message);
  }
}
