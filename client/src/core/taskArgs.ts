// The extra arguments each task needs beyond `-e SPEC -r RESULTS`, with defaults that chain
// the tasks of one spec: evaluate/prune/export read the model that train wrote next door.

import * as path from 'node:path';

export interface TaskArgInput {
  task: string;
  /** This task's results folder. */
  results: string;
  /** The folder holding all tasks' results of the spec (train/, evaluate/, ...). */
  runRoot: string;
  /** Where inference reads images from, chosen by the user. */
  images?: string;
  /** Model folder chosen by the user; defaults to train's final weights. */
  model?: string;
  /**
   * Whether a path exists (the caller passes fs.existsSync; this module stays I/O-free). When
   * train's final weights do not exist, evaluate and inference get no default -m: a spec that
   * names its own model (inferencer_config's tlt_config.model, a separate inference spec)
   * must not be overridden by a folder that is not there.
   */
  exists?: (p: string) => boolean;
}

export function defaultModelDir(runRoot: string): string {
  return path.join(runRoot, 'train', 'weights', 'final');
}

export function defaultTaskArgs(input: TaskArgInput): string[] {
  const model = input.model ?? defaultModelDir(input.runRoot);
  const modelArgs = input.model !== undefined || (input.exists?.(model) ?? true) ? ['-m', model] : [];
  switch (input.task) {
    case 'evaluate':
      return modelArgs;
    case 'inference':
      return input.images ? [...modelArgs, '-i', input.images] : modelArgs;
    case 'prune':
      return ['-m', model, '-o', path.join(input.results, 'model')];
    case 'export':
      return ['-m', model, '-o', path.join(input.results, 'model.onnx')];
    default:
      return [];
  }
}
