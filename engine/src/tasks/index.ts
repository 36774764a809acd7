// Task registry: the CLI looks tasks up here by name. One line per task; each task module
// exports a single EngineTask. Tasks are loaded lazily so `--help` and spec checks stay fast.
import type { EngineTask } from './types';

type Loader = () => EngineTask;

const loaders: Record<string, Loader> = {
  train: () => require('./train').trainTask as EngineTask,
  evaluate: () => require('./evaluate').evaluateTask as EngineTask,
  inference: () => require('./inference').inferenceTask as EngineTask,
  augment: () => require('./augment').augmentTask as EngineTask,
  dataset_convert: () => require('./dataset-convert').datasetConvertTask as EngineTask,
  prune: () => require('./prune').pruneTask as EngineTask,
  export: () => require('./export').exportTask as EngineTask,
  // Static require strings only: esbuild bundles each task module into dist/engine.js.
};

/** Networks the engine runs, and the tasks each one offers. */
export const NETWORKS: Record<string, string[]> = {
  classification_tf1: Object.keys(loaders),
};

export function taskNames(): string[] {
  return Object.keys(loaders);
}

/** Returns the task, or undefined when the name is unknown or its module is not there yet. */
export function getTask(name: string): EngineTask | undefined {
  const load = loaders[name];
  if (!load) return undefined;
  try {
    return load();
  } catch (err) {
    // A task module that is not written yet (e.g. prune/export during development) is simply absent.
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}
