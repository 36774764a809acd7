// `train`: trains DetectNet_v2 from the spec and writes checkpoints, status.json, training.csv.
import type { EngineTask } from '../../../tasks/types';
import { stopAfterFlag } from '../../../train/checkpoints';
import type { DetectnetConfig } from '../config';
import { runDetectnetTraining } from '../trainer';

export const trainTask: EngineTask<DetectnetConfig> = {
  name: 'train',
  summary: 'train DetectNet_v2 from the spec (resumes from the last checkpoint)',
  usage: `Usage: tao-engine detectnet_v2 train -e SPEC -r RESULTS_DIR [options]

Trains model_config's backbone with DetectNet_v2's coverage and bbox heads on the frames of
dataset_config.data_sources (TFRecords from dataset_convert, by TAO or by this engine; images
from image_directory_path). Validation uses validation_data_sources, or the records of
validation_fold, scored with postprocessing_config and evaluation_config every
validation_period_during_training epochs from first_validation_epoch. If RESULTS_DIR/weights
holds checkpoints of an unfinished run, training resumes from the newest one.

Writes:
  RESULTS_DIR/weights/epoch_NNN/   model + optimizer state, every checkpoint_interval epochs
  RESULTS_DIR/weights/final/       the trained model (tfjs layers format, classes in metadata)
  RESULTS_DIR/status.json          TAO-style JSON lines (loss, learning rate, mAP and AP per class)
  RESULTS_DIR/training.csv         per-epoch loss, cov/bbox loss, mAP, learning rate, speed
  RESULTS_DIR/target_classes.json  output classes in model order

Options:
  -e, --experiment_spec FILE  training spec (protobuf text)
  -r, --results_dir DIR       results folder (created)
  --backend NAME              auto | tensorflow-gpu | webgpu | tensorflow | onednn | wasm | cpu (default auto)
  --threads N                 CPU threads for onednn (default: every core)
  --fresh                     ignore existing checkpoints and start over
  --stop-after N              stop after N epochs in this run (resume later)
  --quiet                     only warnings and errors on stderr
`,
  async run(ctx) {
    await runDetectnetTraining(ctx, { stopAfter: stopAfterFlag(ctx.flags['stop-after']), fresh: ctx.flags.fresh === true });
  },
};
