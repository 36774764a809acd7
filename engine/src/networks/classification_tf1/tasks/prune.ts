// `prune` task: load a trained model folder, prune it with TAO's options, and write the
// pruned model folder with its reports in one atomic step (tasks/prune-task.ts); the
// classifier's own part is carrying classmap.json over, and the Keras file TAO continues
// from (OUT_DIR/<arch>_pruned.hdf5, e.g. resnet18_pruned.hdf5, for `tao model
// classification_tf1 train` with pretrained_model_path, or evaluate -m).
import type { ClassificationConfig } from '../config';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileMap } from '../../../io/atomic';
import { PRUNE_FLAGS_HELP, runPruneTask } from '../../../tasks/prune-task';
import type { EngineTask } from '../../../tasks/types';

export const PRUNE_USAGE = `usage: tao-engine classification_tf1 prune -e SPEC -m MODEL_DIR -o OUT_DIR [-r RESULTS]
       [-pth 0.1] [-nm max|L2] [-eq union|intersection|arithmetic_mean|geometric_mean]
       [-pg 8] [-nf 16] [-el LAYER,...]

${PRUNE_FLAGS_HELP}
Writes OUT_DIR/model.json, weights.bin, prune_report.json, prune_report.txt (and classmap.json
when the source folder has one), and OUT_DIR/<arch>_pruned.hdf5 for TAO's Keras; status lines
go to RESULTS/status.json.`;

export const pruneTask: EngineTask<ClassificationConfig> = {
  name: 'prune',
  summary: 'Prune filters of a trained model by their L2 norm (TAO semantics) and report the savings',
  usage: PRUNE_USAGE,
  async run(ctx) {
    await runPruneTask(ctx, {
      carry(source): FileMap {
        const classmapFile = join(source.dir, 'classmap.json');
        return existsSync(classmapFile) ? { 'classmap.json': readFileSync(classmapFile, 'utf8') } : {};
      },
      kerasFileName: (source) => `${String(source.metadata.arch ?? source.model.name)}_pruned.hdf5`,
    });
  },
};
