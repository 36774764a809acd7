// `inference`: classifies an image or a folder of images and writes RESULTS/result.csv
// (no header, like TAO: image path, predicted class, top score).
import type { ClassificationConfig } from '../config';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../io/atomic';
import { EngineError, type EngineTask } from '../../../tasks/types';
import { loadTaskModel } from './model-input';
import { listImageInputs, loadImages } from '../../../data/folder';
import { makePreprocessor } from '../../../data/preprocess';
import { predictSetAsync } from '../predict';
import { Progress } from '../../../util/progress';

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export const inferenceTask: EngineTask<ClassificationConfig> = {
  name: 'inference',
  summary: 'classify images with a trained model, writing result.csv',
  usage: `Usage: tao-engine classification_tf1 inference -e SPEC -r RESULTS_DIR -m MODEL_DIR -i IMAGE_DIR_OR_FILE [options]

Classifies one image or every image under a folder (recursively; .png, .jpg, .jpeg).

Writes:
  RESULTS_DIR/result.csv     one line per image, no header: path,predicted_class,score
  RESULTS_DIR/status.json    TAO-style JSON lines

Options:
  -e, --experiment_spec FILE  spec file (preprocess_mode, eval batch size)
  -r, --results_dir DIR       results folder
  -m, --model DIR             model folder (default: eval_config.model_path, else RESULTS_DIR/weights/final)
  -i, --image PATH            image file or folder
  --backend NAME              auto | tensorflow-gpu | webgpu | tensorflow | onednn | wasm | cpu
  --quiet                     only warnings and errors on stderr
`,
  async run(ctx) {
    const { tf, config, log, status } = ctx;
    const input = ctx.flags.image;
    if (typeof input !== 'string' || !input) throw new EngineError('inference needs -i IMAGE_DIR_OR_FILE');
    const files = listImageInputs(input);
    const tm = await loadTaskModel(ctx);
    status.write({ status: 'STARTED', message: 'Starting inference.' });
    const pixels = loadImages(files, tm.height, tm.width, tm.channels, config.eval.enableCenterCrop);
    const set = { classes: tm.classes, files, labels: new Int32Array(files.length), height: tm.height, width: tm.width, channels: tm.channels, pixels };
    const pre = makePreprocessor(config.train.preprocessMode, tm.channels, config.train.imageMean);
    const bar = new Progress(log, 'inference', files.length);
    const k = tm.classes.length;
    const probs = await predictSetAsync(tf, tm.model, set, k, config.eval.batchSize, pre, (d) => bar.update(d, d));
    bar.finish();
    const lines: string[] = [];
    files.forEach((file, i) => {
      const row = probs.subarray(i * k, (i + 1) * k);
      let best = 0;
      for (let c = 1; c < k; c++) if (row[c] > row[best]) best = c;
      lines.push([csvField(file), csvField(tm.classes[best]), row[best].toFixed(6)].join(','));
    });
    const out = join(ctx.resultsDir, 'result.csv');
    writeFileAtomic(out, lines.join('\n') + '\n');
    log.info(`${files.length} images classified: ${out}`);
    status.write({ status: 'SUCCESS', message: 'Inference finished successfully.' });
    tm.model.dispose();
  },
};
