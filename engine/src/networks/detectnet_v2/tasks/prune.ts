// `prune`: TAO's L2 filter pruning of a trained DetectNet_v2 model folder. The heads
// (output_cov, output_bbox) hold one map per class (4 per class for bbox), so their output
// channels are never cut, as TAO forces them into its excluded layers; the backbone layer
// feeding both heads is pruned once, so both heads read the same remaining channels.
import type { EngineTask } from '../../../tasks/types';
import { EngineError } from '../../../tasks/types';
import { PRUNE_FLAGS_HELP, runPruneTask } from '../../../tasks/prune-task';
import type { DetectnetConfig } from '../config';
import { BBOX_LAYER, COV_LAYER } from '../model';
import { detectnetInfoOf } from '../metadata';
import { readDetectnetSpecIfGiven } from '../optional-spec';

export const pruneTask: EngineTask<DetectnetConfig> = {
  name: 'prune',
  summary: 'prune backbone filters by their L2 norm (TAO semantics); heads kept whole',
  usage: `Usage: tao-engine detectnet_v2 prune -m MODEL_DIR -o OUT_DIR [-e SPEC] [-r RESULTS_DIR]
       [-pth 0.1] [-nm max|L2] [-eq union|intersection|arithmetic_mean|geometric_mean]
       [-pg 8] [-nf 16] [-el LAYER,...]

Scores every conv filter by its L2 norm, normalizes per layer, combines the scores of layers
that must keep the same channels (ResNet shortcuts: equalization groups) and keeps the
filters at or above the threshold. ${COV_LAYER} and ${BBOX_LAYER} keep all their channels; the
layer feeding both loses the same filters in each head's input. The pruned folder keeps the
model's metadata (classes, input size, box decoding), so evaluate, inference, export and
re-training (model_config.pretrained_model_file + load_graph: true) read it as they read
weights/final.

${PRUNE_FLAGS_HELP}
  -e, --experiment_spec           optional for our model folders; needed for a TAO .hdf5 (its classes)

Writes:
  OUT_DIR/model.json, weights.bin   the pruned model (tfjs layers format)
  OUT_DIR/prune_report.json         {"params_before", "params_after", "params_ratio", "layers": [...],
                                    "output_layers", "equalization_groups", "options"}
  OUT_DIR/prune_report.txt          the same for reading
  OUT_DIR/<model>_pruned.hdf5       the pruned model as a Keras file (TAO's re-train reads it)
  RESULTS_DIR/status.json           STARTED and SUCCESS lines (params_before/after as KPIs)
`,
  needsSpec: false,
  async run(ctx) {
    const spec = readDetectnetSpecIfGiven(ctx);
    await runPruneTask(ctx, {
      keepWhole: [COV_LAYER, BBOX_LAYER],
      check(source, modelPath) {
        try {
          detectnetInfoOf(source, modelPath, spec);
        } catch (err) {
          throw new EngineError(`${(err as Error).message}; prune a DetectNet_v2 model (RESULTS/weights/final, or TAO's .hdf5 with -e SPEC)`);
        }
      },
      // TAO's re-train spec points pretrained_model_file at a .hdf5 like this one.
      kerasFileName: (source) => `${source.model.name}_pruned.hdf5`,
    });
  },
};
