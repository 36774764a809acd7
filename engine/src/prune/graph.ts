// A flat, topologically ordered view of a tfjs LayersModel: one entry per layer with its
// class, Keras-style config, input layer names and output shape. Pruning and ONNX export both
// walk this instead of tfjs internals, so Sequential and functional models look the same.
import type * as tf from '@tensorflow/tfjs';

export interface GraphLayer {
  name: string;
  className: string;
  /** The layer's own config (snake_case keys, as in model.json). */
  config: Record<string, unknown>;
  /** Names of the layers feeding this one, in call order. */
  inputs: string[];
  /** Output shape with the batch dimension (null) first. */
  outputShape: (number | null)[];
  layer: tf.layers.Layer;
}

export interface LayerGraph {
  layers: GraphLayer[];
  byName: Map<string, GraphLayer>;
  inputNames: string[];
  outputNames: string[];
  /** Names of the layers consuming each layer's output. */
  consumers: Map<string, string[]>;
}

/** Error for models this code cannot handle; the CLI turns it into one clear message. */
export class UnsupportedModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedModelError';
  }
}

// Internal tfjs fields we read. They are public in practice (Keras semantics) but not typed.
interface NodeLike {
  inboundLayers: tf.layers.Layer[];
  tensorIndices: number[];
}
interface LayerInternals {
  inboundNodes: NodeLike[];
}

function snakeConfig(layer: tf.layers.Layer): Record<string, unknown> {
  // Most tfjs layers report Keras' snake_case keys, but some (pooling: poolSize, dataFormat)
  // report camelCase; one spelling keeps every reader of the config honest.
  const raw = JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) out[k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())] = v;
  return out;
}

function singleOutputShape(layer: tf.layers.Layer): (number | null)[] {
  const shape = layer.outputShape as unknown;
  if (Array.isArray(shape) && shape.length > 0 && Array.isArray(shape[0])) {
    throw new UnsupportedModelError(`layer "${layer.name}" has several outputs; only single-output layers are supported`);
  }
  return shape as (number | null)[];
}

export function buildGraph(model: tf.LayersModel): LayerGraph {
  const order: tf.layers.Layer[] = [];
  const seen = new Set<string>();
  const visiting = new Set<string>();

  // Depth-first from the outputs gives a topological order without relying on model.layers,
  // which omits the InputLayer for Sequential models.
  const visit = (layer: tf.layers.Layer): void => {
    if (seen.has(layer.name)) return;
    if (visiting.has(layer.name)) throw new UnsupportedModelError(`cycle at layer "${layer.name}"`);
    visiting.add(layer.name);
    const nodes = (layer as unknown as LayerInternals).inboundNodes;
    if (nodes.length > 1) {
      throw new UnsupportedModelError(`layer "${layer.name}" is called ${nodes.length} times; shared layers are not supported`);
    }
    if (nodes.length === 1) for (const parent of nodes[0].inboundLayers) visit(parent);
    visiting.delete(layer.name);
    seen.add(layer.name);
    order.push(layer);
  };
  for (const out of model.outputs) visit(out.sourceLayer as tf.layers.Layer);

  const layers: GraphLayer[] = order.map((layer) => {
    const className = layer.getClassName();
    if (className === 'Sequential' || className === 'Model' || className === 'Functional') {
      throw new UnsupportedModelError(`layer "${layer.name}" is a nested model; flatten it first`);
    }
    const nodes = (layer as unknown as LayerInternals).inboundNodes;
    const node = nodes[0];
    if (node && node.tensorIndices.some((i) => i !== 0)) {
      throw new UnsupportedModelError(`layer "${layer.name}" reads a secondary output of another layer`);
    }
    return {
      name: layer.name,
      className,
      config: snakeConfig(layer),
      inputs: node ? node.inboundLayers.map((l) => l.name) : [],
      outputShape: singleOutputShape(layer),
      layer,
    };
  });

  const byName = new Map(layers.map((l) => [l.name, l]));
  const consumers = new Map<string, string[]>(layers.map((l) => [l.name, []]));
  for (const l of layers) for (const i of l.inputs) consumers.get(i)!.push(l.name);
  return {
    layers,
    byName,
    inputNames: model.inputs.map((t) => (t.sourceLayer as tf.layers.Layer).name),
    outputNames: model.outputs.map((t) => (t.sourceLayer as tf.layers.Layer).name),
    consumers,
  };
}

/** Weights of a layer keyed by their short name ("kernel", "bias", "gamma", ...). */
export function namedWeights(layer: tf.layers.Layer): Map<string, tf.Tensor> {
  const values = layer.getWeights();
  const out = new Map<string, tf.Tensor>();
  layer.weights.forEach((w, i) => {
    const full = (w as unknown as { originalName?: string }).originalName ?? w.name;
    const short = full.split('/').pop()!.replace(/_\d+$/, '');
    out.set(short, values[i]);
  });
  return out;
}

/** Output channel count (last axis) of a layer. */
export function channelsOf(g: GraphLayer): number {
  const c = g.outputShape[g.outputShape.length - 1];
  if (typeof c !== 'number') throw new UnsupportedModelError(`layer "${g.name}" has an unknown channel count`);
  return c;
}
