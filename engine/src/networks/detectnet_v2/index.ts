// detectnet_v2: TAO's grid-based object detector (coverage + bbox heads on a 1/16 grid).
import type { NetworkModule } from '../types';
import type { EngineTask } from '../../tasks/types';
import type { DetectnetConfig } from './config';
import { buildDetectnetConfig } from './config';
import { finishSpec } from '../../spec/load';

type Task = EngineTask<DetectnetConfig>;

export const network: NetworkModule<DetectnetConfig> = {
  name: 'detectnet_v2',
  summary: 'object detection (KITTI labels, TFRecords)',
  // Static require strings: esbuild bundles each task module into dist/engine.js.
  tasks: {
    dataset_convert: () => require('./tasks/dataset-convert').datasetConvertTask as Task,
    train: () => require('./tasks/train').trainTask as Task,
    evaluate: () => require('./tasks/evaluate').evaluateTask as Task,
    inference: () => require('./tasks/inference').inferenceTask as Task,
    augment: () => require('./tasks/augment').augmentTask as Task,
    prune: () => require('./tasks/prune').pruneTask as Task,
    export: () => require('./tasks/export').exportTask as Task,
  },
  readConfig(spec) {
    const { config, problems } = buildDetectnetConfig(spec.plain);
    finishSpec(spec, problems);
    return config;
  },
  defaultConfig: () => buildDetectnetConfig({}).config,
};
