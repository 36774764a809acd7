// Which NVIDIA NGC pretrained model fits a TF1 spec's backbone, and where `ngc registry model
// download-version` puts it. TAO's tutorials start every TF1 network from one of these: the
// spec names the downloaded `.hdf5` in its pretrained key, and a file for another backbone
// (or another network family) loads only partly or not at all.
//
// Facts (NVIDIA's TAO tutorials, model cards and `ngc registry model list` output):
// - a version `V` of `nvidia/tao/<model>` downloads into the folder `<model>_v<V>/`;
// - pretrained_classification files are `resnet_18.hdf5`, `vgg_16.hdf5`, `mobilenet_v1.hdf5`, ...;
// - pretrained_detectnet_v2 files drop the underscore: `resnet18.hdf5`, `resnet10.hdf5`;
// - pretrained_object_detection (YOLO, SSD, DSSD, RetinaNet, FasterRCNN) uses the
//   classification names (`resnet_18.hdf5`, `cspdarknet_tiny.hdf5`), as do UNet's
//   pretrained_semantic_segmentation files.
// Only names seen in NVIDIA's material are given; otherwise the hover names the folder alone.
import type { MapNode } from '../tree';
import { numberAt, textAt } from './helpers';

export interface NgcModel {
  /** `nvidia/tao/pretrained_classification:resnet18` */
  ref: string;
  /** Folder the download creates: `pretrained_classification_vresnet18`. */
  folder: string;
  /** The `.hdf5` inside it, when NVIDIA's material names it. */
  file?: string;
}

interface NgcFamily {
  model: string;
  /** NGC version -> file name (undefined: version exists, file name not confirmed). */
  versions: Record<string, string | undefined>;
}

/** `resnet18` -> `resnet_18.hdf5` for the families that name files that way. */
function underscored(version: string): string {
  return `${version.replace(/^(resnet|vgg|darknet|cspdarknet)(\d+)$/, '$1_$2')}.hdf5`;
}

function family(model: string, named: string[], unnamed: string[] = [], name: (v: string) => string = underscored): NgcFamily {
  const versions: Record<string, string | undefined> = {};
  for (const v of named) versions[v] = name(v);
  for (const v of unnamed) versions[v] = undefined;
  return { model, versions };
}

const CLASSIFICATION = family(
  'pretrained_classification',
  ['resnet10', 'resnet18', 'resnet34', 'resnet50', 'resnet101', 'vgg16', 'vgg19', 'darknet19', 'darknet53', 'cspdarknet19', 'cspdarknet53', 'mobilenet_v1', 'mobilenet_v2', 'googlenet', 'squeezenet'],
  ['efficientnet_b0', 'efficientnet_b1', 'cspdarknet_tiny'],
);

const DETECTNET_V2 = family(
  'pretrained_detectnet_v2',
  ['resnet10', 'resnet18'],
  ['resnet34', 'resnet50', 'vgg16', 'vgg19', 'mobilenet_v1', 'mobilenet_v2', 'googlenet', 'squeezenet', 'darknet19', 'darknet53', 'efficientnet_b0_relu', 'efficientnet_b0_swish'],
  (v) => `${v}.hdf5`,
);

const OBJECT_DETECTION = family(
  'pretrained_object_detection',
  ['resnet18', 'cspdarknet_tiny'],
  ['resnet10', 'resnet34', 'resnet50', 'resnet101', 'vgg16', 'vgg19', 'mobilenet_v1', 'mobilenet_v2', 'googlenet', 'squeezenet', 'darknet19', 'darknet53', 'cspdarknet19', 'cspdarknet53', 'efficientnet_b0', 'efficientnet_b1'],
);

const SEMANTIC_SEGMENTATION = family('pretrained_semantic_segmentation', ['resnet18'], ['resnet10', 'resnet34', 'resnet50', 'resnet101', 'vgg16', 'vgg19', 'mobilenet_v1', 'mobilenet_v2']);

interface PretrainedSlot {
  /** Dotted path of the pretrained-model key. */
  key: string;
  arch: string;
  /** Depth key; absent when the depth rides in arch (FasterRCNN's `resnet:18`). */
  layers?: string;
  /** What TAO builds when arch / depth are not set. */
  defaultArch?: string;
  defaultLayers?: number;
  family: NgcFamily;
}

const OD = (prefix: string): Omit<PretrainedSlot, 'family'> => ({ key: 'training_config.pretrain_model_path', arch: `${prefix}.arch`, layers: `${prefix}.nlayers` });

/** Networks whose spec names an NGC pretrained `.hdf5`, and where they keep arch and depth. */
export const PRETRAINED_SLOTS: Record<string, PretrainedSlot> = {
  classification_tf1: { key: 'train_config.pretrained_model_path', arch: 'model_config.arch', layers: 'model_config.n_layers', defaultArch: 'resnet', defaultLayers: 18, family: CLASSIFICATION },
  detectnet_v2: { key: 'model_config.pretrained_model_file', arch: 'model_config.arch', layers: 'model_config.num_layers', defaultArch: 'resnet', defaultLayers: 18, family: DETECTNET_V2 },
  yolo_v3: { ...OD('yolov3_config'), family: OBJECT_DETECTION },
  yolo_v4: { ...OD('yolov4_config'), family: OBJECT_DETECTION },
  yolo_v4_tiny: { ...OD('yolov4_config'), family: OBJECT_DETECTION },
  ssd: { ...OD('ssd_config'), family: OBJECT_DETECTION },
  dssd: { ...OD('dssd_config'), family: OBJECT_DETECTION },
  retinanet: { ...OD('retinanet_config'), family: OBJECT_DETECTION },
  faster_rcnn: { key: 'training_config.pretrained_weights', arch: 'model_config.arch', family: OBJECT_DETECTION },
  unet: { key: 'model_config.pretrained_model_file', arch: 'model_config.arch', layers: 'model_config.num_layers', family: SEMANTIC_SEGMENTATION },
};

/** Families whose NGC versions carry the depth (`resnet18`, `vgg16`); the rest are one model each. */
const DEEP_FAMILIES = new Set(['resnet', 'vgg', 'darknet', 'cspdarknet']);

/** The NGC version name of a backbone: `resnet` + 18 -> `resnet18`; `resnet:18` -> `resnet18`; `efficientnet:b1` -> `efficientnet_b1`. */
export function backboneVersion(arch: string, layers: number | undefined): string {
  const a = arch.trim().toLowerCase();
  // FasterRCNN writes the depth into arch: `resnet:18`, `vgg:16`, `efficientnet:b1`.
  const colon = /^([a-z_]+):([a-z]?)(\d+)$/.exec(a);
  if (colon) return colon[2] ? `${colon[1]}_${colon[2]}${colon[3]}` : `${colon[1]}${colon[3]}`;
  return DEEP_FAMILIES.has(a) && layers ? `${a}${layers}` : a;
}

export function ngcModelFor(network: string, arch: string, layers: number | undefined): NgcModel | undefined {
  const slot = PRETRAINED_SLOTS[network];
  if (!slot) return undefined;
  const version = backboneVersion(arch, layers);
  // DetectNet_v2's EfficientNet comes in two activations; name both through the first.
  const versions = slot.family.versions;
  const key = version in versions ? version : `${version}_relu` in versions ? `${version}_relu` : undefined;
  if (!key) return undefined;
  const m = slot.family.model;
  return { ref: `nvidia/tao/${m}:${key}`, folder: `${m}_v${key}`, file: slot.family.versions[key] };
}

/** The spec's backbone as TAO reads it (defaults included), and the dotted pretrained key. */
export function specBackbone(network: string, root: MapNode): { key: string; arch?: string; layers?: number } | undefined {
  const slot = PRETRAINED_SLOTS[network];
  if (!slot) return undefined;
  const arch = textAt(root, slot.arch)?.value ?? slot.defaultArch;
  const set = slot.layers ? numberAt(root, slot.layers)?.value : undefined;
  // proto3 reads 0 as unset; TAO then builds its default depth.
  const layers = set || slot.defaultLayers;
  return { key: slot.key, arch, layers };
}

/** Networks whose local engine compares the file's backbone with the spec's before training. */
const ENGINE_CHECKED = new Set(['classification_tf1', 'detectnet_v2']);

/** Hover text for a pretrained key: the NGC model fitting the spec's arch, and how to get it. */
export function ngcHoverMarkdown(network: string, root: MapNode, keyPath: string[]): string | undefined {
  const backbone = specBackbone(network, root);
  if (!backbone || keyPath.join('.') !== backbone.key) return undefined;
  const slot = PRETRAINED_SLOTS[network];
  if (!backbone.arch) return `**NVIDIA pretrained model (NGC)**\n\nSet \`${slot.arch}\`${slot.layers ? ` and \`${slot.layers}\`` : ''} to see which \`${slot.family.model}\` version fits.`;
  const version = backboneVersion(backbone.arch, backbone.layers);
  const model = ngcModelFor(network, backbone.arch, backbone.layers);
  if (!model) {
    return `**NVIDIA pretrained model (NGC)**\n\nNGC's \`nvidia/tao/${slot.family.model}\` has no \`${version}\` version for this backbone; train from scratch (leave the key empty) or pick a backbone it has: ${Object.keys(slot.family.versions).map((v) => `\`${v}\``).join(', ')}.`;
  }
  const inFolder = model.file ? `\`${model.folder}/${model.file}\`` : `the \`.hdf5\` file in \`${model.folder}/\``;
  return [
    '**NVIDIA pretrained model (NGC)**',
    `For this spec's backbone (\`${version}\`): \`${model.ref}\`. The download puts ${inFolder} under \`--dest\`; point this key at that file. A file made for another backbone loads only partly (TAO matches layers by name)${ENGINE_CHECKED.has(network) ? '; the local engine refuses one before training' : ''}.`,
    '```sh\n' + `ngc registry model download-version ${model.ref} --dest pretrained_${version}` + '\n```',
  ].join('\n\n');
}
