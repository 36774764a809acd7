// `train`: trains the spec's classifier and writes checkpoints, classmap.json, status.json.
import type { ClassificationConfig } from '../config';
import type { EngineTask } from '../../../tasks/types';
import { stopAfterFlag } from '../../../train/checkpoints';
import { runTraining } from '../trainer';

export const trainTask: EngineTask<ClassificationConfig> = {
  name: 'train',
  summary: 'train a classifier from the spec (resumes from the last checkpoint)',
  usage: `Usage: tao-engine classification_tf1 train -e SPEC -r RESULTS_DIR [options]

Trains model_config's architecture on train_config.train_dataset_path (one sub-folder per
class), validating on val_dataset_path after each epoch. If RESULTS_DIR/weights already
holds checkpoints of an unfinished run, training resumes from the newest one.

Writes:
  RESULTS_DIR/weights/epoch_NNN/   model.json + weights.bin + optimizer state, per epoch
  RESULTS_DIR/weights/final/       the trained model (tfjs layers format)
  RESULTS_DIR/classmap.json        {"class": index}
  RESULTS_DIR/training.csv         per-epoch loss, accuracy, learning rate, speed
  RESULTS_DIR/status.json          TAO-style JSON lines (progress, KPIs)

Options:
  -e, --experiment_spec FILE  spec file (protobuf text)
  -r, --results_dir DIR       results folder (created)
  --backend NAME              auto | tensorflow-gpu | webgpu | tensorflow | onednn | wasm | cpu (default auto)
  --threads N                 CPU threads for onednn (default: every core)
  --fresh                     ignore existing checkpoints and start over
  --stop-after N              stop after N epochs in this run (resume later)
  --quiet                     only warnings and errors on stderr
`,
  async run(ctx) {
    await runTraining(ctx, { stopAfter: stopAfterFlag(ctx.flags['stop-after']), fresh: ctx.flags.fresh === true });
  },
};
