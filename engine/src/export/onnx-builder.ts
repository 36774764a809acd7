// A small accumulator for an ONNX graph: nodes, initializers and typed inputs/outputs, then
// one protobuf encode. Knows nothing about tfjs; the converter decides what to emit.
import { onnx } from 'onnx-proto';
import { float32ToFloat16Bits } from '../io/float16';

const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

/** number = INT, number[] = INTS, string = STRING, { float } = FLOAT (ONNX types attributes strictly). */
export type AttrValue = number | number[] | string | { float: number };

export interface BuilderOptions {
  opset: number;
  /** Store float weights as float16 and cast them back to float32 inside the graph. */
  fp16Weights: boolean;
}

export class OnnxBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  readonly inputs: onnx.IValueInfoProto[] = [];
  readonly outputs: onnx.IValueInfoProto[] = [];
  private names = new Set<string>();

  constructor(readonly opts: BuilderOptions) {}

  /** Reserves a tensor name, adding a numeric suffix when it is already taken. */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  node(opType: string, inputs: string[], output: string, attrs: Record<string, AttrValue> = {}): string {
    const attribute: onnx.IAttributeProto[] = Object.entries(attrs).map(([name, v]) => attr(name, v));
    this.names.add(output);
    this.nodes.push({ opType, input: inputs, output: [output], name: output, attribute });
    return output;
  }

  /**
   * Gives an existing tensor a new name everywhere it is produced or read (the node producing
   * it takes the name too, as nodes are named after their output here).
   */
  renameTensor(from: string, to: string): void {
    if (this.names.has(to)) throw new Error(`tensor name "${to}" is already used in the graph`);
    if (this.inputs.some((v) => v.name === from)) throw new Error(`cannot rename graph input "${from}"`);
    for (const n of this.nodes) {
      n.input = n.input!.map((i) => (i === from ? to : i));
      if (n.output![0] === from) {
        n.output = [to];
        n.name = to;
      }
    }
    for (const v of this.outputs) if (v.name === from) v.name = to;
    this.names.delete(from);
    this.names.add(to);
  }

  /** Float weights; in fp16 mode they are stored as half floats followed by a Cast to float32. */
  floatWeight(base: string, dims: number[], data: Float32Array): string {
    const name = this.unique(base);
    if (!this.opts.fp16Weights) {
      this.initializers.push({ name, dims, dataType: DT.FLOAT, rawData: bytesOf(data) });
      return name;
    }
    const half = this.unique(`${base}_fp16`);
    const bits = new Uint16Array(data.length);
    for (let i = 0; i < data.length; i++) bits[i] = float32ToFloat16Bits(data[i]);
    this.initializers.push({ name: half, dims, dataType: DT.FLOAT16, rawData: new Uint8Array(bits.buffer) });
    return this.node('Cast', [half], name, { to: DT.FLOAT });
  }

  /** Small float constants (Clip bounds) stay float32 so they never round. */
  floatConst(base: string, dims: number[], values: number[]): string {
    const name = this.unique(base);
    this.initializers.push({ name, dims, dataType: DT.FLOAT, rawData: bytesOf(new Float32Array(values)) });
    return name;
  }

  int64Const(base: string, values: number[]): string {
    const name = this.unique(base);
    this.initializers.push({ name, dims: [values.length], dataType: DT.INT64, rawData: bytesOf(new BigInt64Array(values.map(BigInt))) });
    return name;
  }

  graphInput(name: string, shape: (number | string)[]): void {
    this.names.add(name);
    this.inputs.push(valueInfo(name, shape));
  }

  /** Without a shape, the output's shape is left for the runtime to infer (calibration taps). */
  graphOutput(name: string, shape?: (number | string)[]): void {
    this.outputs.push(valueInfo(name, shape));
  }

  encode(graphName: string, docString: string): Uint8Array {
    const model: onnx.IModelProto = {
      irVersion: irVersionFor(this.opts.opset),
      producerName: 'tao-spec-studio',
      producerVersion: '0.1.0',
      docString,
      opsetImport: [{ domain: '', version: this.opts.opset }],
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}

/** IR version released together with an opset (older readers reject newer IR versions). */
export function irVersionFor(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  return 9;
}

function bytesOf(a: Float32Array | BigInt64Array): Uint8Array {
  // ONNX raw_data is little-endian, like every machine Node ships for.
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

function valueInfo(name: string, shape?: (number | string)[]): onnx.IValueInfoProto {
  const tensorType: onnx.TypeProto.ITensor = { elemType: DT.FLOAT };
  if (shape) tensorType.shape = { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) };
  return { name, type: { tensorType } };
}

function attr(name: string, v: AttrValue): onnx.IAttributeProto {
  if (typeof v === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
  if (typeof v === 'object') return { name, type: AT.FLOAT, f: v.float };
  return { name, type: AT.INT, i: v };
}

/** Marks a float attribute (alpha, epsilon, ...). */
export function f(value: number): AttrValue {
  return { float: value };
}
