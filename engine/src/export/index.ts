// Library entry for export: everything is computed in memory first (ONNX bytes, calibration
// cache, tfjs files, classmap), and only then written, each file through a temp name and a
// rename, so a failure at any step leaves no half-written output behind.
import { basename, dirname, extname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { writeDirAtomic, writeFileAtomic } from '../io/atomic';
import { modelFiles, type EngineModelMetadata } from '../io/model-io';
import { convertToOnnx } from './convert';
import { modelWeights, readToHost } from '../backend/read';
import { calibrate, type BatchSource, type CalibrationResult } from './calibrate';
import { formatCalibrationCache, type CalibrationAlgorithm } from './cal-cache';

export type DataType = 'fp32' | 'fp16' | 'int8';

export interface ExportOptions {
  /** Path of the .onnx file to write. */
  outputPath: string;
  dataType: DataType;
  opset: number;
  /** Fixed batch dimension, or null for a symbolic one. */
  batchSize: number | null;
  /** Required for int8. */
  calibration?: { source: BatchSource; cacheFile: string; algorithm: CalibrationAlgorithm };
  /** Written as classmap.json next to the .onnx when given. */
  classmap?: Record<string, number>;
  /** Also write the tfjs layers model next to the .onnx (folder `<name>_tfjs`). */
  tfjs?: { tf: typeof tf; metadata: EngineModelMetadata };
  /** ONNX tensor names for output layers (layer name -> tensor name); see ConvertOptions. */
  outputNames?: Record<string, string>;
  /**
   * More files for the .onnx's folder (file name -> content), or a function building them
   * from the converted graph's names; written with the rest, after every step has succeeded.
   */
  extraFiles?: (graph: { inputName: string; outputNames: string[] }) => Record<string, string>;
}

export interface ExportResult {
  onnxPath: string;
  onnxBytes: number;
  inputName: string;
  inputShape: (number | string)[];
  outputName: string;
  outputNames: string[];
  outputShapes: (number | string)[][];
  calCachePath?: string;
  calibration?: CalibrationResult;
  tfjsDir?: string;
  classmapPath?: string;
  /** Paths of the extra files written. */
  extraPaths: string[];
}

/** Folder for the tfjs copy of an export: `model.onnx` -> `model_tfjs/`. */
export function tfjsDirFor(onnxPath: string): string {
  return join(dirname(onnxPath), `${basename(onnxPath, extname(onnxPath))}_tfjs`);
}

export async function exportModel(model: tf.LayersModel, o: ExportOptions): Promise<ExportResult> {
  // The converter reads weights synchronously; bring them to the host first (GPU backends).
  await readToHost(modelWeights(model));
  // fp16 stores half-precision weights; int8 keeps an fp32 graph and adds the cache (as TAO does).
  const converted = convertToOnnx(model, { opset: o.opset, batchSize: o.batchSize, fp16Weights: o.dataType === 'fp16', outputNames: o.outputNames });

  let cacheText: string | undefined;
  let calibration: CalibrationResult | undefined;
  if (o.dataType === 'int8') {
    if (!o.calibration) throw new Error('int8 export needs calibration images (--cal_image_dir)');
    const tapped = convertToOnnx(model, { opset: o.opset, batchSize: null, fp16Weights: false, exposeAllTensors: true, outputNames: o.outputNames });
    calibration = await calibrate(tapped, o.calibration.source, o.calibration.algorithm);
    cacheText = formatCalibrationCache(calibration.ranges, o.calibration.algorithm);
  }
  const tfjsFiles = o.tfjs ? await modelFiles(o.tfjs.tf, model, o.tfjs.metadata) : undefined;
  const extra = o.extraFiles ? o.extraFiles({ inputName: converted.inputName, outputNames: converted.outputNames }) : {};

  writeFileAtomic(o.outputPath, converted.bytes);
  const result: ExportResult = {
    onnxPath: o.outputPath,
    onnxBytes: converted.bytes.length,
    inputName: converted.inputName,
    inputShape: converted.inputShape,
    outputName: converted.outputName,
    outputNames: converted.outputNames,
    outputShapes: converted.outputShapes,
    extraPaths: [],
  };
  if (cacheText !== undefined) {
    writeFileAtomic(o.calibration!.cacheFile, cacheText);
    result.calCachePath = o.calibration!.cacheFile;
    result.calibration = calibration;
  }
  if (tfjsFiles) {
    result.tfjsDir = tfjsDirFor(o.outputPath);
    writeDirAtomic(result.tfjsDir, tfjsFiles);
  }
  if (o.classmap) {
    result.classmapPath = join(dirname(o.outputPath), 'classmap.json');
    writeFileAtomic(result.classmapPath, JSON.stringify(o.classmap, null, 2) + '\n');
  }
  for (const [name, content] of Object.entries(extra)) {
    const path = join(dirname(o.outputPath), name);
    writeFileAtomic(path, content);
    result.extraPaths.push(path);
  }
  return result;
}
