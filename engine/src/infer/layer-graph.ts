// The parts of tfjs-layers' model graph that the inference code reads (its own classes are not
// exported by @tensorflow/tfjs under these names, and the fields read here are public on them).
import type * as tfTypes from '@tensorflow/tfjs';

type Tensor = tfTypes.Tensor;

/** One application of a layer: the tensors it read and wrote, and the layers on either side. */
export interface LayerNode {
  outboundLayer: Layer;
  inboundLayers?: Layer[];
  inputTensors: SymbolicTensor[];
  outputTensors: SymbolicTensor[];
}

/** A tensor of the model's graph: which application of which layer produced it. */
export interface SymbolicTensor {
  readonly id: number;
  readonly sourceLayer: Layer;
  readonly nodeIndex: number;
}

export type Padding2D = [[number, number], [number, number]];

/** The parts of tfjs-layers' Layer (and its conv, batch norm and activation subclasses) read here. */
export interface Layer {
  name: string;
  getClassName(): string;
  inboundNodes: LayerNode[];
  outboundNodes: LayerNode[];
  call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[];
  // Conv2D / DepthwiseConv2D
  rank?: number;
  dataFormat?: string;
  strides?: number[];
  /** Conv2D / DepthwiseConv2D: 'same' | 'valid'; ZeroPadding2D: [[top, bottom], [left, right]]. */
  padding?: string | Padding2D;
  dilationRate?: number | number[];
  activation?: { getClassName(): string };
  kernel?: { read(): Tensor };
  depthwiseKernel?: { read(): Tensor };
  bias?: { read(): Tensor } | null;
  // BatchNormalization
  axis?: number;
  epsilon?: number;
  gamma?: { read(): Tensor } | null;
  beta?: { read(): Tensor } | null;
  movingMean?: { read(): Tensor };
  movingVariance?: { read(): Tensor };
  // ReLU
  maxValue?: number | null;
}

