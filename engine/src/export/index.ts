// Library entry for export: everything is computed in memory first (ONNX bytes, calibration
// cache, tfjs files, classmap), and only then written, each file through a temp name and a
// rename, so a failure at any step leaves no half-written output behind.
import { basename, dirname, extname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { writeDirAtomic, writeFileAtomic } from '../io/atomic';
import { modelFiles, type EngineModelMetadata } from '../io/model-io';
import { convertToOnnx } from './convert';
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
}

export interface ExportResult {
  onnxPath: string;
  onnxBytes: number;
  inputName: string;
  inputShape: (number | string)[];
  outputName: string;
  calCachePath?: string;
  calibration?: CalibrationResult;
  tfjsDir?: string;
  classmapPath?: string;
}

/** Folder for the tfjs copy of an export: `model.onnx` -> `model_tfjs/`. */
export function tfjsDirFor(onnxPath: string): string {
  return join(dirname(onnxPath), `${basename(onnxPath, extname(onnxPath))}_tfjs`);
}

export async function exportModel(model: tf.LayersModel, o: ExportOptions): Promise<ExportResult> {
  // fp16 stores half-precision weights; int8 keeps an fp32 graph and adds the cache (as TAO does).
  const converted = convertToOnnx(model, { opset: o.opset, batchSize: o.batchSize, fp16Weights: o.dataType === 'fp16' });

  let cacheText: string | undefined;
  let calibration: CalibrationResult | undefined;
  if (o.dataType === 'int8') {
    if (!o.calibration) throw new Error('int8 export needs calibration images (--cal_image_dir)');
    const tapped = convertToOnnx(model, { opset: o.opset, batchSize: null, fp16Weights: false, exposeAllTensors: true });
    calibration = await calibrate(tapped, o.calibration.source, o.calibration.algorithm);
    cacheText = formatCalibrationCache(calibration.ranges, o.calibration.algorithm);
  }
  const tfjsFiles = o.tfjs ? await modelFiles(o.tfjs.tf, model, o.tfjs.metadata) : undefined;

  writeFileAtomic(o.outputPath, converted.bytes);
  const result: ExportResult = {
    onnxPath: o.outputPath,
    onnxBytes: converted.bytes.length,
    inputName: converted.inputName,
    inputShape: converted.inputShape,
    outputName: converted.outputName,
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
  return result;
}
