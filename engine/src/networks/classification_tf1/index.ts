// classification_tf1: TAO's image classifier (TF1 spec dialect), with every task TAO offers.
import type { NetworkModule } from '../types';
import type { EngineTask } from '../../tasks/types';
import type { ClassificationConfig } from './config';
import { buildConfig } from './config-defaults';
import { finishSpec } from '../../spec/load';

type Task = EngineTask<ClassificationConfig>;

export const network: NetworkModule<ClassificationConfig> = {
  name: 'classification_tf1',
  summary: 'image classification (folder per class)',
  tasks: {
    train: () => require('./tasks/train').trainTask as Task,
    evaluate: () => require('./tasks/evaluate').evaluateTask as Task,
    inference: () => require('./tasks/inference').inferenceTask as Task,
    augment: () => require('./tasks/augment').augmentTask as Task,
    dataset_convert: () => require('./tasks/dataset-convert').datasetConvertTask as Task,
    prune: () => require('./tasks/prune').pruneTask as Task,
    export: () => require('./tasks/export').exportTask as Task,
  },
  readConfig(spec) {
    const { config, problems } = buildConfig(spec.plain);
    finishSpec(spec, problems);
    return config;
  },
  defaultConfig: () => buildConfig({}).config,
};
