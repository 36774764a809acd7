// `inference`: detections on images with an inference spec (inferencer_config +
// bbox_handler_config), written as TAO writes them: OUT_DIR/labels/<stem>.txt (KITTI lines
// with the confidence as a 16th field) and OUT_DIR/images_annotated/<name> (boxes drawn).
import { mkdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../../io/atomic';
import { EngineError, type EngineTask } from '../../../tasks/types';
import { decodeImage, encodeJpeg, encodePng, resizeRegion, toChannels, type RawImage } from '../../../data/images';
import { listImageInputs } from '../../../data/folder';
import { formatKittiLine, kittiBox } from '../../../data/kitti';
import { Progress } from '../../../util/progress';
import type { DetectnetConfig } from '../config';
import { loadDetector } from '../model-input';
import { gridShape, STRIDE } from '../model';
import { predictRaw } from '../predict';
import { clusterConfigsForClasses, mapEntries, postprocessImage, rescaleDetections } from '../postprocess';
import { drawBoxes } from '../overlay';
import type { Plain } from '../../../spec/plain';

interface ClassOutput {
  name: string;
  color: [number, number, number];
}

const PALETTE: Array<[number, number, number]> = [[0, 255, 0], [0, 255, 255], [255, 0, 0], [255, 255, 0], [255, 0, 255], [0, 128, 255]];

/** output_map renames a class in the dumped labels; bbox_color picks the overlay colour. */
function classOutputs(bboxHandler: DetectnetConfig['raw']['bboxHandler'], classes: string[]): ClassOutput[] {
  const entries = mapEntries(bboxHandler.classwise_bbox_handler_config);
  return classes.map((name, k) => {
    const entry = entries.filter((e) => e.key === name).pop() ?? entries.filter((e) => e.key === 'default').pop();
    const value = (entry?.value ?? {}) as Record<string, unknown>;
    const color = (value.bbox_color ?? {}) as Record<string, unknown>;
    const rgb: [number, number, number] = value.bbox_color ? [Number(color.R ?? 0), Number(color.G ?? 0), Number(color.B ?? 0)] : PALETTE[k % PALETTE.length];
    const mapped = typeof value.output_map === 'string' && value.output_map ? value.output_map : name;
    return { name: mapped, color: rgb };
  });
}

interface Handler {
  classwise: Plain | undefined;
  path: string;
  fromTraining: boolean;
}

function handlerFor(cfg: DetectnetConfig): Handler {
  const own = cfg.raw.bboxHandler.classwise_bbox_handler_config;
  const training = cfg.raw.postprocessing.target_class_config;
  if (own !== undefined || training === undefined) return { classwise: own, path: 'bbox_handler_config.classwise_bbox_handler_config', fromTraining: false };
  const blocks = mapEntries(training).map((e) => ({ key: e.key, value: { confidence_model: 'aggregate_cov', clustering_config: (e.value as { clustering_config?: Plain } | null)?.clustering_config ?? null } }));
  return { classwise: blocks as unknown as Plain, path: 'postprocessing_config.target_class_config', fromTraining: true };
}

function boolOf(v: unknown, fallback: boolean): boolean {
  if (v === undefined || v === null) return fallback;
  return v === true || v === 'true' || v === 1;
}

export const inferenceTask: EngineTask<DetectnetConfig> = {
  name: 'inference',
  summary: 'detect objects in images (KITTI labels + annotated images)',
  usage: `Usage: tao-engine detectnet_v2 inference -e INFERENCE_SPEC -i IMAGE_OR_DIR -o OUT_DIR [-m MODEL_DIR] [-r RESULTS_DIR]
       tao-engine detectnet_v2 inference -e INFERENCE_SPEC -i IMAGE_OR_DIR -r RESULTS_DIR [-m MODEL_DIR]

Runs the model on each image (resized to inferencer_config's image_width x image_height),
clusters the grid outputs per class with bbox_handler_config.classwise_bbox_handler_config
(DBSCAN or NMS, confidence_model aggregate_cov or mean_cov) and maps boxes back to the
image's own size. The model is -m, else inferencer_config.tlt_config.model.

Writes (as TAO does):
  OUT_DIR/labels/<image stem>.txt     KITTI lines + confidence (when kitti_dump is true)
  OUT_DIR/images_annotated/<image>    the image with boxes drawn (unless disable_overlay)

Options:
  -e, --experiment_spec FILE  inference spec (inferencer_config, bbox_handler_config)
  -i, --image_dir PATH        an image or a folder of images (.png, .jpg, .jpeg)
  -o, --output_dir DIR        output folder (created; default RESULTS_DIR)
  -m, --model DIR             model folder written by tao-engine (overrides tlt_config.model)
  -r, --results_dir DIR       where status.json goes (default OUT_DIR)
  --backend NAME              auto | tensorflow-gpu | webgpu | tensorflow | onednn | wasm | cpu
  --quiet                     only warnings and errors on stderr
`,
  async run(ctx) {
    const { tf, config: cfg, log, status } = ctx;
    const input = ctx.flags.image;
    const outFlag = ctx.flags.output;
    if (typeof input !== 'string' || !input) throw new EngineError('inference needs -i IMAGE_OR_DIR');
    // Without -o the outputs go to the results folder (the editor's task passes -r only).
    const outDir = typeof outFlag === 'string' && outFlag ? resolve(outFlag) : ctx.resultsDir;
    const inf = cfg.inferencer;
    const det = await loadDetector(ctx, inf?.modelPath ?? '');
    const { info } = det;
    try {
      const classes = info.classes;
      if (inf && inf.targetClasses.length > 0 && inf.targetClasses.join('\n') !== classes.join('\n')) {
        throw new EngineError(`${ctx.specPath}: inferencer_config.target_classes [${inf.targetClasses.join(', ')}] differ from the model's classes in order or names [${classes.join(', ')}]`);
      }
      if (inf && inf.imageWidth && inf.imageHeight && (inf.imageWidth !== info.width || inf.imageHeight !== info.height)) {
        throw new EngineError(`${ctx.specPath}: inferencer_config image size ${inf.imageWidth}x${inf.imageHeight} differs from the model's input ${info.width}x${info.height}`);
      }
      const problems: Array<{ path: string; message: string }> = [];
      // A training spec (no bbox_handler_config) still runs: its postprocessing_config clusters,
      // with TAO's usual confidence model, and labels plus overlays written.
      const handler = handlerFor(cfg);
      if (handler.fromTraining) log.info('no bbox_handler_config in the spec: clustering with postprocessing_config (aggregate_cov), writing labels and annotated images');
      const clusters = clusterConfigsForClasses(handler.classwise, classes, handler.path, problems, 'inference');
      if (problems.length > 0) throw new EngineError(`${ctx.specPath}: ${problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
      const outputs = classOutputs(cfg.raw.bboxHandler, classes);
      const kittiDump = handler.fromTraining || boolOf(cfg.raw.bboxHandler.kitti_dump, false);
      const overlay = handler.fromTraining || !boolOf(cfg.raw.bboxHandler.disable_overlay, false);
      const lineWidth = Number(cfg.raw.bboxHandler.overlay_linewidth ?? 0) || 2;
      if (!kittiDump && !overlay) log.warn('bbox_handler_config has kitti_dump false and disable_overlay true: nothing will be written');

      const files = listImageInputs(resolve(input));
      const shape = { width: info.width, height: info.height, channels: info.channels };
      const grid = gridShape(shape);
      const batchSize = Math.max(1, inf?.batchSize ?? 1);
      const labelsDir = join(outDir, 'labels');
      const imagesDir = join(outDir, 'images_annotated');
      if (kittiDump) mkdirSync(labelsDir, { recursive: true });
      if (overlay) mkdirSync(imagesDir, { recursive: true });
      status.write({ status: 'STARTED', message: 'Starting DetectNet_v2 inference.' });
      const decoding = { stride: STRIDE, offset: info.bboxOffset, scale: info.bboxScale, imageWidth: info.width, imageHeight: info.height };
      const bar = new Progress(log, 'inference', files.length);
      let total = 0;
      for (let start = 0; start < files.length; start += batchSize) {
        const batchFiles = files.slice(start, start + batchSize);
        const originals: RawImage[] = batchFiles.map((f) => {
          try {
            return decodeImage(f);
          } catch (err) {
            throw new EngineError(`cannot read image ${f}: ${(err as Error).message}`);
          }
        });
        const inputs = originals.map((img) => {
          const c = toChannels(img, info.channels);
          return resizeRegion(c, { x: 0, y: 0, w: c.width, h: c.height }, info.width, info.height);
        });
        const raw = await predictRaw(tf, det.model, inputs.length, (i) => inputs[i], shape, batchSize);
        raw.forEach((r, i) => {
          const file = batchFiles[i];
          const img = originals[i];
          const found = postprocessImage({ cov: r.cov, bbox: r.bbox, rows: grid.rows, cols: grid.cols, numClasses: classes.length }, decoding, clusters);
          const boxes = rescaleDetections(found, { width: info.width, height: info.height }, { width: img.width, height: img.height });
          total += boxes.length;
          const stem = basename(file, extname(file));
          if (kittiDump) {
            const text = boxes.map((b) => formatKittiLine(kittiBox(outputs[b.cls].name, b.x1, b.y1, b.x2, b.y2), b.confidence)).join('\n');
            writeFileAtomic(join(labelsDir, `${stem}.txt`), boxes.length ? text + '\n' : '');
          }
          if (overlay) {
            const canvas = toChannels(img, 3);
            const copy: RawImage = { ...canvas, data: Uint8Array.from(canvas.data) };
            drawBoxes(copy, boxes.map((b) => ({ ...b, color: outputs[b.cls].color })), lineWidth);
            const jpg = /\.jpe?g$/i.test(file);
            writeFileAtomic(join(imagesDir, basename(file)), jpg ? encodeJpeg(copy) : encodePng(copy));
          }
        });
        bar.update(Math.min(files.length, start + batchSize), Math.min(files.length, start + batchSize));
      }
      bar.finish();
      log.info(`${files.length} image(s), ${total} detection(s)` + (kittiDump ? `; labels in ${labelsDir}` : '') + (overlay ? `; annotated images in ${imagesDir}` : ''));
      status.write({ status: 'SUCCESS', message: 'Inference finished successfully.', kpi: { images: files.length, detections: total } });
    } finally {
      det.model.dispose();
    }
  },
};
