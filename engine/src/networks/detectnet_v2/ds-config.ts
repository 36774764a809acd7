// DeepStream files for an exported DetectNet_v2 (`export --gen_ds_config`): nvinfer_config.txt
// and labels.txt next to the .onnx. The first block holds the keys TAO 5's exporter writes,
// in its order and with its value spelling (Python's str() of floats: 0.0, not 0), so tools
// that read TAO's file read ours; TAO leaves the model, label and output-blob lines to the
// user, and ours adds them (with the precision) because this export is a plain .onnx that
// DeepStream can load as it is.
import { relative } from 'node:path';
import type { DataType } from '../../export/index';

export interface DsConfigInput {
  channels: number;
  height: number;
  width: number;
  classes: string[];
  /** TAO writes its -k key (empty when none was given). */
  key: string;
  dataType: DataType;
  /** Absolute paths; written relative to the config's folder, as nvinfer resolves them. */
  onnxPath: string;
  dir: string;
  outputNames: string[];
  calCachePath?: string;
}

/** DeepStream's network-mode: 0 FP32, 1 INT8, 2 FP16. */
const NETWORK_MODE: Record<DataType, number> = { fp32: 0, int8: 1, fp16: 2 };

export function nvinferConfig(o: DsConfigInput): string {
  // DetectNet_v2 feeds pixels / 255 with no mean (TAO: scale 1/255, means 0, no channel flip).
  const offsets = o.channels === 3 ? '0.0;0.0;0.0' : '0';
  const tao: Array<[string, string | number]> = [
    ['net-scale-factor', String(1 / 255)],
    ['offsets', offsets],
    ['infer-dims', `${o.channels};${o.height};${o.width}`],
    ['tlt-model-key', o.key],
    ['network-type', 0],
    ['num-detected-classes', o.classes.length],
    // 0 = RGB, 2 = grey; TAO writes 1 (BGR) only for models trained on flipped channels.
    ['model-color-format', o.channels === 3 ? 0 : 2],
    ['maintain-aspect-ratio', 0],
    ['output-tensor-meta', 0],
  ];
  const ours: Array<[string, string | number]> = [
    ['onnx-file', relative(o.dir, o.onnxPath)],
    ['labelfile-path', 'labels.txt'],
    ['output-blob-names', o.outputNames.join(';')],
    ['network-mode', NETWORK_MODE[o.dataType]],
  ];
  if (o.calCachePath) ours.push(['int8-calib-file', relative(o.dir, o.calCachePath)]);
  const line = ([k, v]: [string, string | number]): string => `${k}=${v}\n`;
  return tao.map(line).join('') + ours.map(line).join('');
}

/** One class name per line, in output-channel order (what num-detected-classes counts). */
export function labelsFile(classes: string[]): string {
  return classes.map((c) => `${c}\n`).join('');
}
