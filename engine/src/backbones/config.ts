// What a backbone builder needs to know: architecture, depth, input shape and TAO's
// model_config switches. Each network maps its own spec fields onto this.

export interface BackboneConfig {
  /** Lower-case arch name without depth, e.g. `resnet`, `mobilenet_v2`, `vgg`. */
  arch: string;
  /** resnet/vgg depth (`n_layers`). */
  nLayers: number;
  channels: 1 | 3;
  height: number;
  width: number;
  resizeInterpolation: 'BILINEAR' | 'BICUBIC';
  retainHead: boolean;
  useBatchNorm: boolean;
  useBias: boolean;
  usePooling: boolean;
  allProjections: boolean;
  freezeBn: boolean;
  freezeBlocks: number[];
  dropout: number;
  bnMomentum: number;
  bnEpsilon: number;
  /** Keras activation name (relu, swish, elu, ...). */
  activation: string;
  activationParams: Record<string, number>;
}

