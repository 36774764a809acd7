// `export`: a DetectNet_v2 model folder -> ONNX with TAO's tensor names (input_1 NCHW float,
// outputs output_cov/Sigmoid and output_bbox/BiasAdd, what DeepStream's and Triton's
// DetectNet_v2 parsers look up), fp32 / fp16 weights / fp32 graph + INT8 calibration cache,
// and with --gen_ds_config the DeepStream files TAO writes (nvinfer_config.txt, labels.txt).
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { exportModel, type DataType } from '../../../export/index';
import { MAX_OPSET, MIN_OPSET } from '../../../export/convert';
import type { BatchSource } from '../../../export/calibrate';
import type { CalibrationAlgorithm } from '../../../export/cal-cache';
import { UnsupportedModelError } from '../../../prune/graph';
import { choiceFlag, flagValue, numberFlag, requiredString, stringFlag } from '../../../prune/flags';
import { loadModelOrFail } from '../../../tasks/model-folder';
import { EngineError, type EngineTask, type TaskContext } from '../../../tasks/types';
import type { DetectnetConfig } from '../config';
import { detectnetInfoOf } from '../metadata';
import { readDetectnetSpecIfGiven } from '../optional-spec';
import { BBOX_LAYER, COV_LAYER } from '../model';
import { detectnetCalibrationSource } from '../cal-source';
import { labelsFile, nvinferConfig } from '../ds-config';

/** TAO's exporter default (app.py --target_opset). */
export const DEFAULT_OPSET = 12;

/** Layer -> ONNX tensor name, as TAO's DetectNet_v2 exporter names its output nodes. */
export const OUTPUT_TENSORS: Record<string, string> = {
  [COV_LAYER]: 'output_cov/Sigmoid',
  [BBOX_LAYER]: 'output_bbox/BiasAdd',
};

const USAGE = `Usage: tao-engine detectnet_v2 export -m MODEL_DIR -o model.onnx [-e SPEC] [-r RESULTS_DIR]
       [--data_type fp32|fp16|int8] [--cal_image_dir DIR --batches 10 --batch_size 16
       --cal_cache_file FILE --cal_algorithm entropy|minmax] [--target_opset ${DEFAULT_OPSET}]
       [--static_batch_size N] [--gen_ds_config] [-k KEY]

Writes an ONNX graph with TAO's names: input "input_1" (N x C x H x W float, pixels / 255, RGB),
outputs "output_cov/Sigmoid" (N x classes x H/16 x W/16) and "output_bbox/BiasAdd"
(N x 4*classes x H/16 x W/16).

  -m, --model            model folder written by tao-engine (weights/final or a pruned folder)
  -o, --output_file      .onnx file to write
  -e, --experiment_spec  training spec (optional): calibration images are fitted to the input
                         by its enable_auto_resize (default: what the model folder recorded)
  -r, --results_dir      where status.json goes (default: the .onnx's folder)
  --data_type            fp32 (default); fp16 stores weights as float16 (cast to float32 in the
                         graph); int8 writes the fp32 graph plus a TensorRT calibration cache
  --cal_image_dir        calibration images (int8), prepared exactly like training input
  --batches, --batch_size   calibration uses batches x batch_size images (default 10 x 16)
  --cal_cache_file       calibration cache path (default: cal.bin next to the .onnx)
  --cal_algorithm        entropy (TensorRT EntropyCalibration2, default) or minmax (max |x|)
  --target_opset         ONNX opset, ${MIN_OPSET}..${MAX_OPSET} (default ${DEFAULT_OPSET}, as TAO)
  --static_batch_size    fix the batch dimension (default: dynamic "N")
  --gen_ds_config        also write nvinfer_config.txt and labels.txt next to the .onnx
  -k, --key              written as tlt-model-key in nvinfer_config.txt (the .onnx is not encrypted)

Writes:
  model.onnx, [cal.bin], [nvinfer_config.txt, labels.txt], RESULTS_DIR/status.json
`;

async function runExport(ctx: TaskContext<DetectnetConfig>): Promise<void> {
  const f = ctx.flags;
  const modelPath = resolve(requiredString(f, ['m', 'model', 'model_path'], 'the model to export'));
  const outPath = resolve(requiredString(f, ['o', 'output_file', 'output'], 'the .onnx file to write'));
  if (existsSync(outPath) && statSync(outPath).isDirectory()) throw new EngineError(`-o ${outPath} is a folder; give the .onnx file to write (e.g. ${join(outPath, 'model.onnx')})`);
  const dataType = choiceFlag(f, ['data_type'], ['fp32', 'fp16', 'int8'] as const, 'fp32') as DataType;
  const opset = numberFlag(f, ['target_opset'], DEFAULT_OPSET, { integer: true });
  if (opset < MIN_OPSET || opset > MAX_OPSET) throw new EngineError(`--target_opset ${opset} is not supported (use ${MIN_OPSET}..${MAX_OPSET})`);
  const staticBatch = stringFlag(f, ['static_batch_size']) !== undefined ? numberFlag(f, ['static_batch_size'], 1, { integer: true, min: 1 }) : null;
  const calDir = stringFlag(f, ['cal_image_dir']);
  if (dataType === 'int8' && !calDir) throw new EngineError('--data_type int8 needs --cal_image_dir with calibration images');
  const batches = numberFlag(f, ['batches'], 10, { integer: true, min: 1 });
  const batchSize = numberFlag(f, ['batch_size'], 16, { integer: true, min: 1 });
  const algorithm = choiceFlag(f, ['cal_algorithm'], ['entropy', 'minmax'] as const, 'entropy');
  const genDs = flagValue(f, ['gen_ds_config']) === true;
  const key = stringFlag(f, ['key', 'k']) ?? '';
  const spec = readDetectnetSpecIfGiven(ctx);

  ctx.status.write({ status: 'STARTED', message: 'Starting DetectNet_v2 export.' });
  const loaded = await loadModelOrFail(ctx.tf, modelPath);
  const model = loaded.model;
  try {
    let info;
    try {
      info = detectnetInfoOf(loaded, modelPath, spec);
    } catch (err) {
      throw new EngineError(`${(err as Error).message}; export a folder written by tao-engine detectnet_v2 train or prune`);
    }
    const names = model.outputNames;
    if (!names.includes(COV_LAYER) || !names.includes(BBOX_LAYER)) throw new EngineError(`${modelPath}: the model's outputs are [${names.join(', ')}], not ${COV_LAYER} and ${BBOX_LAYER}`);

    let calibration: { source: BatchSource; cacheFile: string; algorithm: CalibrationAlgorithm } | undefined;
    if (dataType === 'int8') {
      const fit = spec ? (spec.augmentation.preprocessing.enable_auto_resize ? 'stretch' : 'pad') : (info.fit ?? 'pad');
      const shape = { width: info.width, height: info.height, channels: info.channels, fit } as const;
      const { source, files } = detectnetCalibrationSource({ dir: resolve(calDir!), batches, batchSize, shape });
      const cacheFile = resolve(stringFlag(f, ['cal_cache_file']) ?? join(dirname(outPath), 'cal.bin'));
      ctx.log.info(`calibrating on ${files.length} images (${algorithm}; fitted by ${fit === 'pad' ? 'top-left pad/crop' : 'stretching'}, scaled 1/255)`);
      calibration = { source, cacheFile, algorithm };
    }
    const dir = dirname(outPath);
    let result;
    try {
      result = await exportModel(model, {
        outputPath: outPath,
        dataType,
        opset,
        batchSize: staticBatch,
        calibration,
        outputNames: OUTPUT_TENSORS,
        extraFiles: genDs
          ? (graph) => ({
              'nvinfer_config.txt': nvinferConfig({ channels: info.channels, height: info.height, width: info.width, classes: info.classes, key, dataType, onnxPath: outPath, dir, outputNames: graph.outputNames, calCachePath: calibration?.cacheFile }),
              'labels.txt': labelsFile(info.classes),
            })
          : undefined,
      });
    } catch (e) {
      if (e instanceof UnsupportedModelError) throw new EngineError(`cannot export ${modelPath}: ${e.message}`);
      throw e;
    }
    const outs = result.outputNames.map((n, i) => `${n} ${JSON.stringify(result.outputShapes[i])}`).join(', ');
    ctx.log.info(`wrote ${result.onnxPath} (${result.onnxBytes} bytes, opset ${opset}, input ${result.inputName} ${JSON.stringify(result.inputShape)}, outputs ${outs})`);
    if (result.calCachePath) ctx.log.info(`wrote ${result.calCachePath} (${result.calibration!.ranges.size} tensors)`);
    for (const p of result.extraPaths) ctx.log.info(`wrote ${p}`);
    ctx.status.write({
      status: 'SUCCESS',
      message: `Export finished: ${result.onnxPath}`,
      kpi: { onnx_bytes: result.onnxBytes, param_count: model.countParams(), ...(result.calibration ? { calibrated_tensors: result.calibration.ranges.size } : {}) },
    });
  } finally {
    model.dispose();
  }
}

export const exportTask: EngineTask<DetectnetConfig> = {
  name: 'export',
  summary: 'export to ONNX with TAO/DeepStream tensor names (fp32/fp16, INT8 cache, nvinfer config)',
  usage: USAGE,
  needsSpec: false,
  run: runExport,
};
