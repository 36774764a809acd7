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
}

export function defaultModelDir(runRoot: string): string {
  return path.join(runRoot, 'train', 'weights', 'final');
}

export function defaultTaskArgs(input: TaskArgInput): string[] {
  const model = input.model ?? defaultModelDir(input.runRoot);
  switch (input.task) {
    case 'evaluate':
      return ['-m', model];
    case 'inference':
      return input.images ? ['-m', model, '-i', input.images] : ['-m', model];
    case 'prune':
      return ['-m', model, '-o', path.join(input.results, 'model')];
    case 'export':
      return ['-m', model, '-o', path.join(input.results, 'model.onnx')];
    default:
      return [];
  }
}
