// The shared backbone library: every network (classification_tf1, detectnet_v2, ...) builds
// its feature extractor here and adds its own heads. Layer names follow TAO's Keras templates
// so pretrained weights and pruning find layers by name.
import type * as tfTypes from '@tensorflow/tfjs';
import type { BackboneConfig } from './config';
import { BuildContext, type SymT } from './context';
import { buildResnet } from './resnet';
import { buildVgg } from './vgg';
import { buildMobilenetV1, buildMobilenetV2 } from './mobilenet';
import { EFFICIENTNET_VARIANTS, buildEfficientNet } from './efficientnet';
import { buildGoogLeNet } from './googlenet';
import { buildSqueezeNet } from './squeezenet';
import { buildAlexNet } from './alexnet';
import { buildDarknet } from './darknet';
import { buildCspDarknet } from './cspdarknet';
import { buildCspDarknetTiny } from './cspdarknet-tiny';

export type { BackboneConfig } from './config';
export { BuildContext, type SymT } from './context';
export { applyFreezing } from './freeze';
export { registerBackboneLayers } from './split-layer';

/** Options that differ between the networks using a backbone. */
export interface BackboneOptions {
  /**
   * Output stride 16 instead of 32, as TAO's detection templates build them (DetectNet_v2
   * predicts on a 1/16 grid): most families keep stride 1 in their last downsampling stage;
   * TAO's MobileNets leave their last blocks out instead, and VGG's trunk is 1/16 already.
   */
  stride16?: boolean;
}

type Builder = (c: BuildContext, input: SymT, opts: BackboneOptions) => SymT;

const BUILDERS: Record<string, Builder> = {
  resnet: buildResnet,
  vgg: buildVgg,
  mobilenet_v1: buildMobilenetV1,
  mobilenet_v2: buildMobilenetV2,
  // One builder for B0..B7: the arch name picks the width/depth coefficients.
  ...Object.fromEntries(Object.keys(EFFICIENTNET_VARIANTS).map((name) => [name, buildEfficientNet])),
  googlenet: buildGoogLeNet,
  squeezenet: buildSqueezeNet,
  alexnet: buildAlexNet,
  darknet: buildDarknet,
  cspdarknet: buildCspDarknet,
  cspdarknet_tiny: buildCspDarknetTiny,
};

/**
 * model_config.arch spellings the engine builds -> backbone and the depth a spell implies
 * (vgg16 is vgg with 16 layers); every network's config reader resolves arch through this.
 */
export const ARCH_SPELLINGS: Readonly<Record<string, { arch: string; depth?: number }>> = {
  resnet: { arch: 'resnet' },
  vgg: { arch: 'vgg', depth: 16 },
  vgg16: { arch: 'vgg', depth: 16 },
  vgg19: { arch: 'vgg', depth: 19 },
  mobilenet_v1: { arch: 'mobilenet_v1' },
  mobilenet_v2: { arch: 'mobilenet_v2' },
  ...Object.fromEntries(Object.keys(EFFICIENTNET_VARIANTS).map((name) => [name, { arch: name }])),
  googlenet: { arch: 'googlenet' },
  squeezenet: { arch: 'squeezenet' },
  alexnet: { arch: 'alexnet' },
  darknet: { arch: 'darknet' },
  cspdarknet: { arch: 'cspdarknet' },
  cspdarknet_tiny: { arch: 'cspdarknet_tiny' },
};

/** Architectures the engine can build (model_config.arch values). */
export function supportedArchs(): string[] {
  return Object.keys(BUILDERS);
}

export function buildBackbone(c: BuildContext, input: SymT, opts: BackboneOptions = {}): SymT {
  const builder = BUILDERS[c.cfg.arch];
  if (!builder) throw new Error(`arch "${c.cfg.arch}" is not supported by the local engine (supported: ${supportedArchs().join(', ')})`);
  return builder(c, input, opts);
}

export type Tf = typeof tfTypes;
