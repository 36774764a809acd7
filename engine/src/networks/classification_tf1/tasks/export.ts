// `export` task: tfjs model folder -> ONNX (fp32 / fp16 weights / fp32 graph + INT8
// calibration cache), plus a tfjs copy and classmap.json next to the .onnx.
import type { ClassificationConfig } from '../config';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { exportModel, type DataType } from '../../../export/index';
import { imageFolderSource } from '../../../export/cal-images';
import { MAX_OPSET, MIN_OPSET } from '../../../export/convert';
import { UnsupportedModelError } from '../../../prune/graph';
import { choiceFlag, flagValue, numberFlag, requiredString, stringFlag } from '../../../prune/flags';
import { loadModelOrFail } from '../../../tasks/model-folder';
import { EngineError, type EngineTask, type TaskContext } from '../../../tasks/types';

export const DEFAULT_OPSET = 13;

export const EXPORT_USAGE = `usage: tao-engine classification_tf1 export -e SPEC -m MODEL_DIR -o model.onnx
       [--data_type fp32|fp16|int8] [--cal_image_dir DIR --batches 10 --batch_size 16
       --cal_cache_file cal.bin --cal_algorithm entropy|minmax] [--target_opset ${DEFAULT_OPSET}]
       [--static_batch_size N] [--classmap_json [PATH]] [--no_tfjs]

  -m, --model            model folder (model.json + weights.bin) or its model.json
  -o, --output_file      .onnx file to write; the input is NCHW float32 named after the model's input layer
  --data_type            fp32 (default); fp16 stores weights as float16 (cast to float32 in the graph);
                         int8 writes the fp32 graph plus a TensorRT calibration cache
  --cal_image_dir        calibration images (int8), prepared like training input (spec preprocess_mode)
  --batches, --batch_size   calibration uses batches x batch_size images (default 10 x 16)
  --cal_cache_file       calibration cache path (default: cal.bin next to the .onnx)
  --cal_algorithm        entropy (TensorRT EntropyCalibration2, default) or minmax (max |x|)
  --target_opset         ONNX opset, ${MIN_OPSET}..${MAX_OPSET} (default ${DEFAULT_OPSET})
  --static_batch_size    fix the batch dimension (default: dynamic "N")
  --classmap_json        classmap.json to copy next to the .onnx (default: the model's own, when known)
  --no_tfjs              skip the tfjs copy (<name>_tfjs/ next to the .onnx)`;

function readClassmap(ctx: TaskContext<ClassificationConfig>, modelDir: string, metadataMap: Record<string, number> | undefined): Record<string, number> | undefined {
  const flag = flagValue(ctx.flags, ['classmap_json']);
  if (typeof flag === 'string') {
    const p = resolve(flag);
    if (!existsSync(p)) throw new EngineError(`--classmap_json: file not found: ${p}`);
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as Record<string, number>;
    } catch (e) {
      throw new EngineError(`--classmap_json: ${p} is not JSON: ${(e as Error).message}`);
    }
  }
  const own = join(modelDir, 'classmap.json');
  if (existsSync(own)) return JSON.parse(readFileSync(own, 'utf8')) as Record<string, number>;
  if (metadataMap) return metadataMap;
  if (flag === true) throw new EngineError('--classmap_json: the model folder has no classmap.json; pass its path');
  return undefined;
}

async function runExport(ctx: TaskContext<ClassificationConfig>): Promise<void> {
  const f = ctx.flags;
  const modelPath = resolve(requiredString(f, ['m', 'model', 'model_path'], 'the model to export'));
  const outPath = resolve(requiredString(f, ['o', 'output_file', 'output'], 'the .onnx file to write'));
  const dataType = choiceFlag(f, ['data_type'], ['fp32', 'fp16', 'int8'] as const, 'fp32') as DataType;
  const opset = numberFlag(f, ['target_opset'], DEFAULT_OPSET, { integer: true });
  if (opset < MIN_OPSET || opset > MAX_OPSET) throw new EngineError(`--target_opset ${opset} is not supported (use ${MIN_OPSET}..${MAX_OPSET})`);
  const staticBatch = stringFlag(f, ['static_batch_size']) !== undefined ? numberFlag(f, ['static_batch_size'], 1, { integer: true, min: 1 }) : null;
  const calDir = stringFlag(f, ['cal_image_dir']);
  if (dataType === 'int8' && !calDir) throw new EngineError('--data_type int8 needs --cal_image_dir with calibration images');

  ctx.status.write({ status: 'STARTED', message: 'Starting export.' });
  const loaded = await loadModelOrFail(ctx.tf, modelPath);
  const model = loaded.model;
  const classmap = readClassmap(ctx, loaded.dir, loaded.metadata.classmap);

  let calibration;
  if (dataType === 'int8') {
    const [h, w, c] = model.inputs[0].shape.slice(1) as number[];
    const { source, files } = imageFolderSource({
      dir: resolve(calDir!),
      batches: numberFlag(f, ['batches'], 10, { integer: true, min: 1 }),
      batchSize: numberFlag(f, ['batch_size'], 16, { integer: true, min: 1 }),
      height: h,
      width: w,
      channels: c,
      preprocessMode: (loaded.metadata.preprocessMode as 'tf' | 'caffe' | 'torch' | undefined) ?? ctx.config.train.preprocessMode,
      imageMean: ctx.config.train.imageMean,
    });
    const algorithm = choiceFlag(f, ['cal_algorithm'], ['entropy', 'minmax'] as const, 'entropy');
    const cacheFile = resolve(stringFlag(f, ['cal_cache_file']) ?? join(dirname(outPath), 'cal.bin'));
    ctx.log.info(`calibrating on ${files.length} images (${algorithm})`);
    calibration = { source, cacheFile, algorithm };
  }

  let result;
  try {
    result = await exportModel(model, {
      outputPath: outPath,
      dataType,
      opset,
      batchSize: staticBatch,
      calibration,
      classmap,
      tfjs: flagValue(f, ['no_tfjs']) ? undefined : { tf: ctx.tf, metadata: loaded.metadata },
    });
  } catch (e) {
    if (e instanceof UnsupportedModelError) throw new EngineError(`cannot export this model: ${e.message}`);
    throw e;
  }

  ctx.log.info(`wrote ${result.onnxPath} (${result.onnxBytes} bytes, opset ${opset}, input ${result.inputName} ${JSON.stringify(result.inputShape)})`);
  if (result.calCachePath) ctx.log.info(`wrote ${result.calCachePath} (${result.calibration!.ranges.size} tensors)`);
  if (result.tfjsDir) ctx.log.info(`wrote ${result.tfjsDir}`);
  if (result.classmapPath) ctx.log.info(`wrote ${result.classmapPath}`);
  ctx.status.write({
    status: 'SUCCESS',
    message: `Export finished: ${result.onnxPath}`,
    kpi: { onnx_bytes: result.onnxBytes, ...(result.calibration ? { calibrated_tensors: result.calibration.ranges.size } : {}) },
  });
}

export const exportTask: EngineTask<ClassificationConfig> = {
  name: 'export',
  summary: 'Export a model to ONNX (fp32/fp16, INT8 calibration cache), tfjs and classmap.json',
  usage: EXPORT_USAGE,
  run: runExport,
};
