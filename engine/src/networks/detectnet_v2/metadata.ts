// What a DetectNet_v2 model folder records about itself (model.json userDefinedMetadata), so
// evaluate, inference and export need no spec to interpret its outputs.
import type { EngineModelMetadata } from '../../io/model-io';
import type { DetectnetConfig } from './config';
import type * as tfTypes from '@tensorflow/tfjs';
import { BBOX_LAYER, COV_LAYER, STRIDE } from './model';

export interface DetectnetModelInfo {
  classes: string[];
  width: number;
  height: number;
  channels: number;
  bboxScale: number;
  bboxOffset: number;
  /** How training fitted images to the input (enable_auto_resize); older folders: unknown. */
  fit?: 'pad' | 'stretch';
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
    // Export calibrates on images fitted the way training saw them, even without the spec.
    input_fit: cfg.augmentation.preprocessing.enable_auto_resize ? 'stretch' : 'pad',
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
    fit: meta.input_fit === 'pad' || meta.input_fit === 'stretch' ? meta.input_fit : undefined,
  };
}

/**
 * The info of any loaded DetectNet_v2 model: ours carry it in their metadata; a Keras file
 * written by TAO carries none, so its classes and box decoding come from the spec (as TAO's
 * own evaluate and inference take them) and its input size from the graph.
 */
export function detectnetInfoOf(loaded: { model: tfTypes.LayersModel; metadata: EngineModelMetadata }, where: string, spec: DetectnetConfig | undefined): DetectnetModelInfo {
  if (loaded.metadata.network === 'detectnet_v2') return readDetectnetInfo(loaded.metadata, where);
  const outputs = loaded.model.outputNames;
  if (!outputs.includes(COV_LAYER) || !outputs.includes(BBOX_LAYER)) {
    throw new Error(`${where} is not a DetectNet_v2 model: its outputs are [${outputs.join(', ')}], not ${COV_LAYER} and ${BBOX_LAYER}`);
  }
  if (!spec) throw new Error(`${where} carries no class list (a TAO model file): give -e SPEC so the classes and box decoding come from the spec`);
  const covChannels = loaded.model.getLayer(COV_LAYER).outputShape.slice(-1)[0];
  if (covChannels !== spec.classes.length) {
    throw new Error(`${where} predicts ${covChannels} classes, the spec's cost_function_config names ${spec.classes.length} (${spec.classes.join(', ')})`);
  }
  const [, height, width, channels] = loaded.model.inputs[0].shape as number[];
  return {
    classes: [...spec.classes],
    width,
    height,
    channels,
    bboxScale: spec.model.bboxScale,
    bboxOffset: spec.model.bboxOffset,
    fit: spec.augmentation.preprocessing.enable_auto_resize ? 'stretch' : 'pad',
  };
}
