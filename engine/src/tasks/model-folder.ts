// Loading the model folder a prune or export task was pointed at (-m), for any network:
// "not there" and "not a model" each become one clear message naming the path.
import { existsSync } from 'node:fs';
import { loadModel, type LoadedModel } from '../io/model-io';
import { EngineError, type Tf } from './types';

export async function loadModelOrFail(tf: Tf, path: string): Promise<LoadedModel> {
  if (!existsSync(path)) throw new EngineError(`model not found: ${path} (give -m a model folder with model.json + weights.bin)`);
  try {
    return await loadModel(tf, path);
  } catch (e) {
    throw new EngineError(`${path} is not a readable tfjs layers model: ${(e as Error).message}`);
  }
}
