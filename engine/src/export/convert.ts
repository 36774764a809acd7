// tfjs LayersModel -> ONNX graph. The ONNX graph runs in NCHW (the layout TAO's exported
// classification models use, and ONNX's native conv layout): the input is declared
// [N, C, H, W], conv kernels are transposed once at export, and a Transpose back to NHWC is
// inserted only where Keras semantics depend on memory order (Flatten, Reshape).
// Every layer's final output tensor is named after the layer, so calibration caches and
// debugging refer to names a user sees in model.json.
import type * as tf from '@tensorflow/tfjs';
import { GraphLayer, LayerGraph, UnsupportedModelError, buildGraph, namedWeights } from '../prune/graph';
import { AttrValue, OnnxBuilder, f } from './onnx-builder';

export interface ConvertOptions {
  opset: number;
  /** Fixed batch size, or null for a symbolic batch dimension. */
  batchSize: number | null;
  fp16Weights: boolean;
  /** Also declare every intermediate tensor as a graph output (used to calibrate INT8 ranges). */
  exposeAllTensors?: boolean;
  /**
   * ONNX tensor name for an output layer (layer name -> tensor name), for runtimes that look
   * outputs up by a fixed name (DeepStream's DetectNet_v2 parser wants `output_cov/Sigmoid`).
   * Layers not listed keep their own name.
   */
  outputNames?: Record<string, string>;
}

export const MIN_OPSET = 9;
export const MAX_OPSET = 19;

export interface ConvertedModel {
  bytes: Uint8Array;
  inputName: string;
  /** Input shape as declared in the ONNX graph (batch first, NCHW for images). */
  inputShape: (number | string)[];
  /** The first output's tensor name (single-output models: the only one). */
  outputName: string;
  /** Every output tensor name, in the model's output order. */
  outputNames: string[];
  /** Output shapes as declared in the ONNX graph, in the same order (NCHW for image tensors). */
  outputShapes: (number | string)[][];
  /** Every tensor produced by a node plus the graph input: what a calibration cache may name. */
  tensorNames: string[];
}

interface Tensor {
  name: string;
  /** Rank of the tensor (4 = image tensor, held as NCHW in the graph). */
  rank: number;
}

class Converter {
  private readonly tensors = new Map<string, Tensor>();
  constructor(readonly b: OnnxBuilder, readonly graph: LayerGraph, readonly opts: ConvertOptions) {}

  private need(minOpset: number, g: GraphLayer, what: string): void {
    if (this.opts.opset < minOpset) {
      throw new UnsupportedModelError(`layer "${g.name}" (${g.className}): ${what} needs opset ${minOpset} or newer, target is ${this.opts.opset}`);
    }
  }

  private input(g: GraphLayer, i = 0): Tensor {
    return this.tensors.get(g.inputs[i])!;
  }

  private inShape(g: GraphLayer, i = 0): (number | null)[] {
    return this.graph.byName.get(g.inputs[i])!.outputShape;
  }

  private weightsOf(g: GraphLayer): Map<string, tf.Tensor> {
    return namedWeights(g.layer);
  }

  /** Emits the layer's (fused) activation; `last` is the name the final tensor must carry. */
  private activation(g: GraphLayer, x: string, kind: string, rank: number, last: string): string {
    const b = this.b;
    switch (kind) {
      case 'linear':
        return x === last ? x : b.node('Identity', [x], last);
      case 'relu':
        return b.node('Relu', [x], last);
      case 'relu6':
        return this.clip(x, 0, 6, last);
      case 'sigmoid':
        return b.node('Sigmoid', [x], last);
      case 'tanh':
        return b.node('Tanh', [x], last);
      case 'softmax':
        if (rank !== 2) this.need(13, g, 'softmax over channels of an image tensor');
        return b.node('Softmax', [x], last, { axis: rank === 2 ? 1 : 1 });
      case 'elu':
        return b.node('Elu', [x], last, { alpha: f(1) });
      case 'selu':
        return b.node('Selu', [x], last);
      case 'softplus':
        return b.node('Softplus', [x], last);
      case 'softsign':
        return b.node('Softsign', [x], last);
      case 'hard_sigmoid':
      case 'hardSigmoid':
        return b.node('HardSigmoid', [x], last, { alpha: f(0.2), beta: f(0.5) });
      case 'swish': {
        const s = b.node('Sigmoid', [x], b.unique(`${g.name}/sigmoid`));
        return b.node('Mul', [x, s], last);
      }
      case 'mish': {
        const sp = b.node('Softplus', [x], b.unique(`${g.name}/softplus`));
        const th = b.node('Tanh', [sp], b.unique(`${g.name}/tanh`));
        return b.node('Mul', [x, th], last);
      }
      default:
        throw new UnsupportedModelError(`layer "${g.name}": activation "${kind}" has no ONNX export`);
    }
  }

  private clip(x: string, lo: number, hi: number, out: string): string {
    if (this.opts.opset >= 11) {
      const min = this.b.floatConst(`${out}/min`, [], [lo]);
      const max = this.b.floatConst(`${out}/max`, [], [hi]);
      return this.b.node('Clip', [x, min, max], out);
    }
    return this.b.node('Clip', [x], out, { min: f(lo), max: f(hi) });
  }

  /** Explicit pads for TF "same"/"valid" on a fixed spatial size (TF puts the odd pixel at the end). */
  private pads(g: GraphLayer, kernel: number[], strides: number[], dilation: number[]): number[] {
    if (g.config.padding !== 'same') return [0, 0, 0, 0];
    const shape = this.inShape(g);
    const begin: number[] = [];
    const end: number[] = [];
    for (let i = 0; i < 2; i++) {
      const size = shape[1 + i];
      if (typeof size !== 'number') throw new UnsupportedModelError(`layer "${g.name}": "same" padding needs a fixed input size`);
      const eff = (kernel[i] - 1) * dilation[i] + 1;
      const out = Math.ceil(size / strides[i]);
      const total = Math.max((out - 1) * strides[i] + eff - size, 0);
      begin.push(Math.floor(total / 2));
      end.push(total - Math.floor(total / 2));
    }
    return [...begin, ...end];
  }

  private convAttrs(g: GraphLayer, kernel: number[]): Record<string, AttrValue> {
    const strides = pair(g.config.strides, 1);
    const dilations = pair(g.config.dilation_rate, 1);
    if (g.config.data_format && !['channels_last', 'channelsLast'].includes(String(g.config.data_format))) {
      throw new UnsupportedModelError(`layer "${g.name}": only channels_last models are supported`);
    }
    return { kernel_shape: kernel, strides, dilations, pads: this.pads(g, kernel, strides, dilations) };
  }

  private conv2d(g: GraphLayer, x: string): string {
    const w = this.weightsOf(g);
    const k = w.get('kernel')!;
    const [kh, kw, cin, cout] = k.shape;
    const W = this.b.floatWeight(`${g.name}/kernel`, [cout, cin, kh, kw], permuted(k, [3, 2, 0, 1]));
    const inputs = [x, W];
    const bias = w.get('bias');
    if (bias) inputs.push(this.b.floatWeight(`${g.name}/bias`, [cout], bias.dataSync() as Float32Array));
    const act = String(g.config.activation ?? 'linear');
    const convOut = act === 'linear' ? g.name : this.b.unique(`${g.name}/conv`);
    this.b.node('Conv', inputs, convOut, { ...this.convAttrs(g, [kh, kw]), group: 1 });
    return this.activation(g, convOut, act, 4, g.name);
  }

  /** Depthwise conv as a grouped Conv; `out` names its result. */
  private depthwise(g: GraphLayer, x: string, kernel: tf.Tensor, bias: tf.Tensor | undefined, out: string, stem: string): string {
    const [kh, kw, cin, mult] = kernel.shape;
    // [kh, kw, in, mult] -> [in*mult, 1, kh, kw]: output channel c*mult+m reads input channel c, as in TF.
    const W = this.b.floatWeight(`${stem}/depthwise_kernel`, [cin * mult, 1, kh, kw], permuted(kernel, [2, 0, 1], [kh, kw, cin * mult]));
    const inputs = [x, W];
    if (bias) inputs.push(this.b.floatWeight(`${stem}/bias`, [cin * mult], bias.dataSync() as Float32Array));
    return this.b.node('Conv', inputs, out, { ...this.convAttrs(g, [kh, kw]), group: cin });
  }

  private convert(g: GraphLayer): Tensor {
    const b = this.b;
    const cls = g.className;
    const x = g.inputs.length > 0 ? this.input(g) : undefined;
    const act = String(g.config.activation ?? 'linear');
    switch (cls) {
      case 'Conv2D':
        return { name: this.conv2d(g, x!.name), rank: 4 };
      case 'DepthwiseConv2D': {
        const w = this.weightsOf(g);
        const out = act === 'linear' ? g.name : b.unique(`${g.name}/conv`);
        this.depthwise(g, x!.name, w.get('depthwise_kernel')!, w.get('bias'), out, g.name);
        return { name: this.activation(g, out, act, 4, g.name), rank: 4 };
      }
      case 'SeparableConv2D': {
        const w = this.weightsOf(g);
        const dk = w.get('depthwise_kernel')!;
        const mid = this.depthwise(g, x!.name, dk, undefined, b.unique(`${g.name}/depthwise`), g.name);
        const pk = w.get('pointwise_kernel')!;
        const [, , cmid, cout] = pk.shape;
        const W = b.floatWeight(`${g.name}/pointwise_kernel`, [cout, cmid, 1, 1], permuted(pk, [1, 0], [cmid, cout]));
        const inputs = [mid, W];
        const bias = w.get('bias');
        if (bias) inputs.push(b.floatWeight(`${g.name}/bias`, [cout], bias.dataSync() as Float32Array));
        const out = act === 'linear' ? g.name : b.unique(`${g.name}/conv`);
        b.node('Conv', inputs, out, { kernel_shape: [1, 1], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], group: 1 });
        return { name: this.activation(g, out, act, 4, g.name), rank: 4 };
      }
      case 'Dense': {
        if (x!.rank !== 2) throw new UnsupportedModelError(`layer "${g.name}": Dense on a rank-${x!.rank} tensor has no ONNX export here`);
        const w = this.weightsOf(g);
        const k = w.get('kernel')!;
        const W = b.floatWeight(`${g.name}/kernel`, k.shape, k.dataSync() as Float32Array);
        const inputs = [x!.name, W];
        const bias = w.get('bias');
        if (bias) inputs.push(b.floatWeight(`${g.name}/bias`, bias.shape, bias.dataSync() as Float32Array));
        const out = act === 'linear' ? g.name : b.unique(`${g.name}/gemm`);
        // Gemm's bias input is optional only from opset 11; MatMul covers bias-free layers everywhere.
        b.node(bias ? 'Gemm' : 'MatMul', inputs, out);
        return { name: this.activation(g, out, act, 2, g.name), rank: 2 };
      }
      case 'BatchNormalization': {
        const axis = Number(g.config.axis ?? -1);
        if (axis !== -1 && axis !== g.outputShape.length - 1) throw new UnsupportedModelError(`layer "${g.name}": BatchNormalization must normalize the channel axis`);
        const w = this.weightsOf(g);
        const mean = w.get('moving_mean')!;
        const n = mean.shape[0];
        const vec = (name: string, fallback: number): string => {
          const t = w.get(name);
          return b.floatWeight(`${g.name}/${name}`, [n], t ? (t.dataSync() as Float32Array) : new Float32Array(n).fill(fallback));
        };
        const inputs = [x!.name, vec('gamma', 1), vec('beta', 0), vec('moving_mean', 0), vec('moving_variance', 1)];
        b.node('BatchNormalization', inputs, g.name, { epsilon: f(Number(g.config.epsilon ?? 1e-3)) });
        return { name: g.name, rank: x!.rank };
      }
      case 'Activation':
        return { name: this.activation(g, x!.name, act, x!.rank, g.name), rank: x!.rank };
      case 'ReLU': {
        const max = g.config.max_value;
        if (max !== null && max !== undefined) return { name: this.clip(x!.name, 0, Number(max), g.name), rank: x!.rank };
        return { name: b.node('Relu', [x!.name], g.name), rank: x!.rank };
      }
      case 'LeakyReLU':
        return { name: b.node('LeakyRelu', [x!.name], g.name, { alpha: f(Number(g.config.alpha ?? 0.3)) }), rank: x!.rank };
      case 'ELU':
        return { name: b.node('Elu', [x!.name], g.name, { alpha: f(Number(g.config.alpha ?? 1)) }), rank: x!.rank };
      case 'ThresholdedReLU':
        this.need(10, g, 'ThresholdedRelu');
        return { name: b.node('ThresholdedRelu', [x!.name], g.name, { alpha: f(Number(g.config.theta ?? 1)) }), rank: x!.rank };
      case 'Softmax': {
        const axis = Number(g.config.axis ?? -1);
        if (axis !== -1 && axis !== g.outputShape.length - 1) throw new UnsupportedModelError(`layer "${g.name}": Softmax only over the last axis`);
        return { name: this.activation(g, x!.name, 'softmax', x!.rank, g.name), rank: x!.rank };
      }
      case 'Dropout': case 'SpatialDropout2D': case 'GaussianNoise': case 'GaussianDropout': case 'AlphaDropout': case 'ActivityRegularization':
        // Inference-time identities: the tensor keeps its producer's name.
        return x!;
      case 'Add': case 'Multiply': case 'Subtract': case 'Maximum': case 'Minimum': case 'Average': {
        const names = g.inputs.map((_, i) => this.input(g, i).name);
        const rank = this.input(g).rank;
        if (cls === 'Subtract') return { name: b.node('Sub', names, g.name), rank };
        if (cls === 'Maximum' || cls === 'Minimum' || cls === 'Average') {
          return { name: b.node(cls === 'Maximum' ? 'Max' : cls === 'Minimum' ? 'Min' : 'Mean', names, g.name), rank };
        }
        const op = cls === 'Add' ? 'Add' : 'Mul';
        let acc = names[0];
        for (let i = 1; i < names.length; i++) acc = b.node(op, [acc, names[i]], i === names.length - 1 ? g.name : b.unique(`${g.name}/${i}`));
        return { name: acc, rank };
      }
      case 'Concatenate': {
        const rank = this.input(g).rank;
        let axis = Number(g.config.axis ?? -1);
        if (axis < 0) axis += rank;
        // NHWC axis -> NCHW axis for image tensors.
        const onnxAxis = rank === 4 ? [0, 2, 3, 1][axis] : axis;
        return { name: b.node('Concat', g.inputs.map((_, i) => this.input(g, i).name), g.name, { axis: onnxAxis }), rank };
      }
      case 'Split': {
        // TAO's Split (CSPDarkNet-tiny): one equal group of channels, which is axis 1 in NCHW.
        const channels = Number(this.inShape(g)[this.inShape(g).length - 1]);
        const groups = Number(g.config.groups);
        const size = channels / groups;
        const begin = size * Number(g.config.group_id);
        const axis = x!.rank === 4 ? 1 : x!.rank - 1;
        if (this.opts.opset < 10) return { name: b.node('Slice', [x!.name], g.name, { starts: [begin], ends: [begin + size], axes: [axis] }), rank: x!.rank };
        const starts = b.int64Const(`${g.name}/starts`, [begin]);
        const ends = b.int64Const(`${g.name}/ends`, [begin + size]);
        const axes = b.int64Const(`${g.name}/axes`, [axis]);
        return { name: b.node('Slice', [x!.name, starts, ends, axes], g.name), rank: x!.rank };
      }
      case 'MaxPooling2D': case 'AveragePooling2D': {
        const kernel = pair(g.config.pool_size, 2);
        const strides = pair(g.config.strides ?? g.config.pool_size, 2);
        const attrs: Record<string, AttrValue> = { kernel_shape: kernel, strides, pads: this.pads(g, kernel, strides, [1, 1]) };
        // TF's "same" average excludes padded cells from the mean, as ONNX's count_include_pad=0 does.
        if (cls === 'AveragePooling2D') attrs.count_include_pad = 0;
        return { name: b.node(cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [x!.name], g.name, attrs), rank: 4 };
      }
      case 'GlobalAveragePooling2D': case 'GlobalMaxPooling2D': {
        const pooled = b.node(cls === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool', [x!.name], b.unique(`${g.name}/pool`));
        if (g.outputShape.length === 4) return { name: b.node('Identity', [pooled], g.name), rank: 4 };
        return { name: b.node('Flatten', [pooled], g.name, { axis: 1 }), rank: 2 };
      }
      case 'Flatten': {
        if (x!.rank === 2) return x!;
        // Keras flattens in NHWC order; go back to it so Dense weights line up.
        const nhwc = x!.rank === 4 ? b.node('Transpose', [x!.name], b.unique(`${g.name}/to_nhwc`), { perm: [0, 2, 3, 1] }) : x!.name;
        return { name: b.node('Flatten', [nhwc], g.name, { axis: 1 }), rank: 2 };
      }
      case 'Reshape': {
        const target = (g.config.target_shape as number[]).map(Number);
        if (x!.rank === 2 && target.length === 3 && target[0] === 1 && target[1] === 1) {
          // [N, C] -> NHWC [N, 1, 1, C] (squeeze-excitation) is NCHW [N, C, 1, 1]: one Reshape
          // and no transposes, so the SE gates broadcast over H x W in the following Mul.
          return { name: b.node('Reshape', [x!.name, b.int64Const(`${g.name}/shape`, [0, -1, 1, 1])], g.name), rank: 4 };
        }
        const nhwc = x!.rank === 4 ? b.node('Transpose', [x!.name], b.unique(`${g.name}/to_nhwc`), { perm: [0, 2, 3, 1] }) : x!.name;
        // 0 copies the batch dimension, so the same graph works for any batch size.
        const shape = b.int64Const(`${g.name}/shape`, [0, ...target]);
        const rank = target.length + 1;
        if (rank !== 4) return { name: b.node('Reshape', [nhwc, shape], g.name), rank };
        const r = b.node('Reshape', [nhwc, shape], b.unique(`${g.name}/reshape`));
        return { name: b.node('Transpose', [r], g.name, { perm: [0, 3, 1, 2] }), rank: 4 };
      }
      case 'ZeroPadding2D': {
        const p = g.config.padding as number[][];
        const pads = [0, 0, p[0][0], p[1][0], 0, 0, p[0][1], p[1][1]];
        if (this.opts.opset >= 11) return { name: b.node('Pad', [x!.name, b.int64Const(`${g.name}/pads`, pads)], g.name), rank: 4 };
        return { name: b.node('Pad', [x!.name], g.name, { pads }), rank: 4 };
      }
      default:
        throw new UnsupportedModelError(`layer "${g.name}" (${cls}) has no ONNX export`);
    }
  }

  run(): ConvertedModel {
    const b = this.b;
    if (this.graph.inputNames.length !== 1) throw new UnsupportedModelError('ONNX export supports models with one input');
    const batch: number | string = this.opts.batchSize ?? 'N';
    let inputShape: (number | string)[] = [];
    for (const g of this.graph.layers) {
      if (g.className === 'InputLayer') {
        const s = g.outputShape.slice(1).map((d) => (typeof d === 'number' ? d : -1));
        if (s.some((d) => d < 0)) throw new UnsupportedModelError(`input "${g.name}" needs a fixed shape`);
        inputShape = s.length === 3 ? [batch, s[2], s[0], s[1]] : [batch, ...s];
        b.graphInput(g.name, inputShape);
        this.tensors.set(g.name, { name: g.name, rank: s.length + 1 });
        continue;
      }
      this.tensors.set(g.name, this.convert(g));
    }
    const rename = this.opts.outputNames ?? {};
    for (const layer of Object.keys(rename)) {
      if (!this.graph.outputNames.includes(layer)) throw new UnsupportedModelError(`output name mapping names "${layer}", which is not an output of the model (outputs: ${this.graph.outputNames.join(', ')})`);
    }
    const outNames: string[] = [];
    const outShapes: (number | string)[][] = [];
    for (const layerName of this.graph.outputNames) {
      const outLayer = this.graph.byName.get(layerName)!;
      let out = this.tensors.get(outLayer.name)!;
      // An output that passes its input through (Dropout) would otherwise carry its producer's name.
      if (out.name !== outLayer.name) out = { name: b.node('Identity', [out.name], outLayer.name), rank: out.rank };
      const wanted = rename[layerName];
      if (wanted !== undefined && wanted !== out.name) {
        // Renaming the producing node's tensor (rather than adding an Identity) keeps the graph
        // exactly what a runtime expects: `output_cov/Sigmoid` is the Sigmoid's own output.
        b.renameTensor(out.name, wanted);
        out = { name: wanted, rank: out.rank };
      }
      const os = outLayer.outputShape.slice(1).map((d) => Number(d));
      const outShape = out.rank === 4 ? [batch, os[2], os[0], os[1]] : [batch, ...os];
      b.graphOutput(out.name, outShape);
      outNames.push(out.name);
      outShapes.push(outShape);
    }
    const inputName = this.graph.inputNames[0];
    // Cast nodes only turn fp16 weights back into float32; they are weights, not activations.
    const castOutputs = new Set(b.nodes.filter((n) => n.opType === 'Cast').map((n) => n.output![0]));
    const produced = b.nodes.map((n) => n.output![0]).filter((n) => !castOutputs.has(n));
    const declared = new Set(outNames);
    if (this.opts.exposeAllTensors) for (const n of produced) if (!declared.has(n)) b.graphOutput(n);
    return {
      bytes: b.encode(this.graph.layers[0].layer.name, 'Exported from a TensorFlow.js model; input is NCHW float32.'),
      inputName,
      inputShape,
      outputName: outNames[0],
      outputNames: outNames,
      outputShapes: outShapes,
      tensorNames: [inputName, ...produced],
    };
  }
}

/**
 * A weight's values transposed by `perm` (after viewing them as `shape`), computed in
 * JavaScript from the values already on the host: the export reads every weight once through
 * readToHost (backend/read.ts), and a transpose on a GPU backend would be a new tensor that
 * cannot be read synchronously in Node.
 */
function permuted(t: tf.Tensor, perm: number[], shape: number[] = t.shape): Float32Array {
  const src = t.dataSync() as Float32Array;
  const rank = shape.length;
  const srcStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) srcStrides[i] = srcStrides[i + 1] * shape[i + 1];
  const outShape = perm.map((p) => shape[p]);
  // Walking the output in order, each output axis steps the source by its permuted stride.
  const step = perm.map((p) => srcStrides[p]);
  const out = new Float32Array(src.length);
  const index = new Array<number>(rank).fill(0);
  let from = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = src[from];
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      from += step[axis];
      if (index[axis] < outShape[axis]) break;
      from -= step[axis] * outShape[axis];
      index[axis] = 0;
    }
  }
  return out;
}

function pair(v: unknown, fallback: number): number[] {
  if (Array.isArray(v)) return v.length === 1 ? [Number(v[0]), Number(v[0])] : v.map(Number);
  if (typeof v === 'number') return [v, v];
  return [fallback, fallback];
}

export function convertToOnnx(model: tf.LayersModel, opts: ConvertOptions): ConvertedModel {
  if (!Number.isInteger(opts.opset) || opts.opset < MIN_OPSET || opts.opset > MAX_OPSET) {
    throw new UnsupportedModelError(`target opset ${opts.opset} is not supported (use ${MIN_OPSET}..${MAX_OPSET})`);
  }
  const graph = buildGraph(model);
  const builder = new OnnxBuilder({ opset: opts.opset, fp16Weights: opts.fp16Weights });
  return new Converter(builder, graph, opts).run();
}
