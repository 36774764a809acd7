// Translating model configs between tfjs-layers and the Keras 2.x that TAO's TF1 containers
// run (Keras 2.2.4-tf on TensorFlow 1.15). Both speak Keras' JSON (class_name + snake_case
// config + inbound_nodes), so most layers pass through untouched; what differs:
//   - data layout: TAO builds every TF1 model channels_first (NCHW; its train/evaluate set
//     K.set_image_data_format('channels_first') and feed NCHW batches), while the engine works
//     channels_last (NHWC). Kernels are stored layout-free ([kh, kw, in, out]), so only the
//     config changes: data_format, the batch-norm / concatenate axis, the input shape.
//   - names Keras 2.2.4 does not know: tfjs writes `Activation(relu6)`, Keras has no such
//     activation; TAO's MobileNets use `ReLU(max_value=6)`, which both understand.
//   - TAO's custom layers (CUSTOM_OBJS in nvidia_tao_tf1/cv/common/utils.py) have no tfjs
//     implementation: they are refused by name. Split (CSPDarkNet-tiny) is the exception: the
//     engine implements it (backbones/split-layer.ts) on the channel axis of either layout.
// Pure JSON, no TensorFlow: the reader, the writer and tests use it alike.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface LayerJson {
  class_name: string;
  name?: string;
  config: { [key: string]: Json };
  inbound_nodes?: Json;
}
export interface ModelJson {
  class_name: string;
  config: { name?: string; layers: LayerJson[]; input_layers?: Json; output_layers?: Json; [key: string]: unknown };
  keras_version?: string;
  backend?: string;
}

export type Layout = 'channels_first' | 'channels_last';

/** Layers whose config carries a `data_format`. */
const SPATIAL = new Set([
  'Conv1D', 'Conv2D', 'Conv2DTranspose', 'Conv3D', 'DepthwiseConv2D', 'SeparableConv2D',
  'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D',
  'ZeroPadding2D', 'Cropping2D', 'UpSampling2D',
  // Flatten's data_format names the layout of its input: Keras (and tfjs) flatten a
  // channels_first map in (h, w, c) order too, so a Dense after it keeps its rows as they are.
  'Flatten',
]);
/** Layers whose `axis` names the channel axis when it is the layout's channel axis. */
const AXIS = new Set(['BatchNormalization', 'Concatenate', 'Softmax']);
/** Layers whose meaning depends on the layout in ways a config rewrite cannot follow. */
const LAYOUT_BOUND = new Set(['Reshape', 'Permute', 'Lambda']);

/** Custom layer class names TAO registers (CUSTOM_OBJS) that tfjs cannot build. */
export const TAO_CUSTOM_LAYERS = new Set([
  'CropAndResize', 'NmsInputs', 'OutputParser', 'Proposal', 'ProposalTarget', 'TFReshape', 'PriorProbability',
  'RetinaAnchorBoxes', 'AnchorBoxes', 'YOLOAnchorBox', 'BBoxPostProcessingLayer', 'QDQ', 'QuantizedConv2D',
  'QuantizedDepthwiseConv2D', 'QuantizedDense',
]);

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** The layout a Keras config was built in: the first layer that says so decides. */
export function layoutOf(model: ModelJson): Layout {
  for (const layer of model.config.layers) {
    const f = layer.config.data_format;
    if (SPATIAL.has(layer.class_name) && (f === 'channels_first' || f === 'channels_last')) return f;
  }
  return 'channels_last';
}

/** [batch, a, b, c] from one layout to the other (only rank-4 shapes move). */
function moveShape(shape: Json, to: Layout): Json {
  if (!Array.isArray(shape) || shape.length !== 4) return shape;
  const [n, a, b, c] = shape;
  return to === 'channels_first' ? [n, c, a, b] : [n, b, c, a];
}

/** Rewrites a rank-4 model config from one layout to the other. */
export function changeLayout(model: ModelJson, to: Layout): ModelJson {
  const out = clone(model);
  const from: Layout = to === 'channels_first' ? 'channels_last' : 'channels_first';
  for (const layer of out.config.layers) {
    const cfg = layer.config;
    const unsqueezed = layer.class_name === 'Reshape' ? unsqueezeChannels(cfg.target_shape, from) : undefined;
    if (unsqueezed !== undefined) {
      // Squeeze-excitation's reshape of pooled channels to a 1x1 map: the channel count moves
      // to the layout's channel axis. TAO writes it as -1, which tfjs cannot infer on a
      // symbolic batch, so NHWC gets the count from the layers before it.
      const c = unsqueezed === -1 && to === 'channels_last' ? channelsBefore(out, layer) : unsqueezed;
      cfg.target_shape = to === 'channels_first' ? [c, 1, 1] : [1, 1, c];
      continue;
    }
    if (LAYOUT_BOUND.has(layer.class_name)) {
      throw new Error(`layer ${layer.name ?? cfg.name} (${layer.class_name}) depends on the ${from} layout and cannot be converted to ${to}`);
    }
    if (layer.class_name === 'InputLayer') cfg.batch_input_shape = moveShape(cfg.batch_input_shape, to);
    if (SPATIAL.has(layer.class_name)) cfg.data_format = to;
    if (AXIS.has(layer.class_name)) {
      // The channel axis is 1 in NCHW and 3 (or -1) in NHWC; other axes are left alone.
      const axis = Array.isArray(cfg.axis) && cfg.axis.length === 1 ? cfg.axis[0] : cfg.axis;
      const isChannel = from === 'channels_first' ? axis === 1 : axis === -1 || axis === 3;
      if (isChannel) cfg.axis = to === 'channels_first' ? 1 : -1;
    }
  }
  return out;
}

/** X of a (1, 1, X) target in channels_last or (X, 1, 1) in channels_first; undefined otherwise. */
function unsqueezeChannels(target: Json, from: Layout): number | undefined {
  if (!Array.isArray(target) || target.length !== 3 || !target.every((d) => typeof d === 'number')) return undefined;
  const dims = target as number[];
  const [c, ones] = from === 'channels_last' ? [dims[2], dims.slice(0, 2)] : [dims[0], dims.slice(1)];
  return ones.every((d) => d === 1) ? c : undefined;
}

/** First inbound layer name of a layer (Keras and tfjs: [[[name, node, tensor, kwargs], ...]]). */
function firstInbound(layer: LayerJson): string | undefined {
  const nodes = layer.inbound_nodes;
  if (!Array.isArray(nodes) || !Array.isArray(nodes[0]) || !Array.isArray(nodes[0][0])) return undefined;
  const name = nodes[0][0][0];
  return typeof name === 'string' ? name : undefined;
}

/**
 * Channel count reaching a layer: walk back through channel-preserving layers (BN,
 * activations, pooling, depthwise convs, padding) to the conv or dense that sets it.
 */
function channelsBefore(model: ModelJson, layer: LayerJson): number {
  const byName = new Map(model.config.layers.map((l) => [String(l.name ?? l.config.name), l]));
  let current: LayerJson | undefined = layer;
  for (let steps = 0; current && steps < model.config.layers.length; steps++) {
    const name = firstInbound(current);
    current = name === undefined ? undefined : byName.get(name);
    if (!current) break;
    const cfg = current.config;
    if (typeof cfg.filters === 'number') return cfg.filters;
    if (typeof cfg.units === 'number') return cfg.units;
    if (['Concatenate', 'Reshape', 'Flatten', 'Permute', 'Lambda', 'InputLayer'].includes(current.class_name)) break;
  }
  throw new Error(`layer ${String(layer.name ?? layer.config.name)} (Reshape): cannot tell its channel count for channels_last`);
}

/** tfjs -> Keras 2.2.4 (TAO's containers): channels_first, and class names Keras knows. */
export function toKerasConfig(tfjs: ModelJson, kerasVersion: string): ModelJson {
  const out = changeLayout(tfjs, 'channels_first');
  for (const layer of out.config.layers) {
    const cfg = layer.config;
    if (layer.class_name === 'Activation' && cfg.activation === 'relu6') {
      layer.class_name = 'ReLU';
      layer.config = { name: cfg.name, trainable: cfg.trainable ?? true, max_value: 6, negative_slope: 0, threshold: 0 };
    }
    if (layer.config.dtype === undefined && layer.class_name !== 'InputLayer') layer.config.dtype = 'float32';
  }
  out.keras_version = kerasVersion;
  out.backend = 'tensorflow';
  return out;
}

/** Keras (TAO's files, or ours) -> a config tfjs-layers deserializes, channels_last. */
export function fromKerasConfig(keras: ModelJson): ModelJson {
  if (keras.class_name === 'Sequential') {
    throw new Error('Sequential Keras models are not read; TAO saves functional models (class_name Model)');
  }
  const unknown = keras.config.layers.filter((l) => TAO_CUSTOM_LAYERS.has(l.class_name));
  if (unknown.length > 0) {
    const names = [...new Set(unknown.map((l) => l.class_name))].join(', ');
    throw new Error(`the model uses TAO custom layers (${names}) that the engine does not implement; only backbone + head models (classification_tf1, detectnet_v2) are read`);
  }
  const out = layoutOf(keras) === 'channels_first' ? changeLayout(keras, 'channels_last') : clone(keras);
  // tf.keras 2.4+ names functional models "Functional"; tfjs-layers only knows "Model".
  if (out.class_name === 'Functional') out.class_name = 'Model';
  for (const layer of out.config.layers) {
    const cfg = layer.config;
    if (layer.class_name === 'ReLU') {
      // tfjs' ReLU layer has max_value only; a leaky or thresholded ReLU has no tfjs twin.
      if ((typeof cfg.negative_slope === 'number' && cfg.negative_slope !== 0) || (typeof cfg.threshold === 'number' && cfg.threshold !== 0)) {
        throw new Error(`layer ${String(cfg.name)}: ReLU with negative_slope/threshold is not supported`);
      }
      delete cfg.negative_slope;
      delete cfg.threshold;
      if (cfg.max_value === null) delete cfg.max_value;
    }
  }
  return out;
}

/** Layer names in config order, and the class of each. */
export function layerClasses(model: ModelJson): Map<string, string> {
  return new Map(model.config.layers.map((l) => [String(l.name ?? l.config.name), l.class_name]));
}
