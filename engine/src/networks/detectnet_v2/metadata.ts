// What a DetectNet_v2 model folder records about itself (model.json userDefinedMetadata), so
// evaluate, inference and export need no spec to interpret its outputs.
import type { EngineModelMetadata } from '../../io/model-io';
import type { DetectnetConfig } from './config';
import { STRIDE } from './model';

export interface DetectnetModelInfo {
  classes: string[];
  width: number;
  height: number;
  channels: number;
  bboxScale: number;
  bboxOffset: number;
}

export function detectnetMetadata(cfg: DetectnetConfig, classes: string[]): EngineModelMetadata {
  const m = cfg.model;
  return {
    network: 'detectnet_v2',
    classes,
    classmap: Object.fromEntries(classes.map((c, i) => [c, i])),
    inputImageSize: `${m.channels},${m.height},${m.width}`,
    arch: m.arch === 'resnet' || m.arch === 'vgg' ? `${m.arch}${m.nLayers}` : m.arch,
    bbox_scale: m.bboxScale,
    bbox_offset: m.bboxOffset,
    stride: STRIDE,
    preprocessing: 'scale 1/255, RGB, no mean',
  };
}

/** Reads the info back; undefined fields mean the folder is not a DetectNet_v2 model. */
export function readDetectnetInfo(meta: EngineModelMetadata, where: string): DetectnetModelInfo {
  if (meta.network !== 'detectnet_v2' || !Array.isArray(meta.classes)) {
    throw new Error(`${where} is not a DetectNet_v2 model of this engine (model.json has no detectnet_v2 metadata)`);
  }
  const [channels, height, width] = String(meta.inputImageSize ?? '').split(',').map(Number);
  return {
    classes: meta.classes as string[],
    width,
    height,
    channels,
    bboxScale: Number(meta.bbox_scale ?? 35),
    bboxOffset: Number(meta.bbox_offset ?? 0.5),
  };
}
