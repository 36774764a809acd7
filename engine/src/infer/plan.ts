// Inference without tfjs-layers' executor: a model's graph compiled once per prediction pass
// into a flat list of steps, each reading and writing numbered slots, then run batch after
// batch. Batch norm folds into the convolution before it (./fold-batchnorm.ts) and those
// chains run as one FusedConv2D / FusedDepthwiseConv2D kernel call; the batch-norm, ReLU and
// ZeroPadding2D layers they absorb vanish from the list (their output slot is their input's);
// a Dense layer takes its bias into the matrix product; every other layer runs its own `call`,
// as model.predict would have it run.
//
// Why not model.predict: per batch it slices its input into a copy, walks the graph through a
// feed dictionary, and sends every layer through apply() (input checks, name scopes) and every
// op through its argument checks before the kernel runs. On the onednn backend a small CNN's
// five convolutions take 2.5 ms of a batch; model.predict's JavaScript added 0.3-0.6 ms to a
// warm batch and up to 2 ms to the first ones (code V8 has not optimized yet), so the first
// passes of eight batches after training took 15-70 % longer than with these steps
// (bench/RESULTS.md, "The inference plan").
//
// Tensors between steps are freed as soon as their last reader has run, as tfjs-layers'
// executor frees them, so a pass over a large model at a large input keeps about as much
// memory alive as model.predict did.
import type * as tfTypes from '@tensorflow/tfjs';
import { findFoldChains, foldWeights, type FoldChain } from './fold-batchnorm';
import type { Layer, LayerNode, SymbolicTensor } from './layer-graph';

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;

/** A compiled model: run() it on a batch, dispose() it when the pass is over. */
export interface InferencePlan {
  /** conv -> BN chains folded into one convolution. */
  readonly folded: number;
  /** Of those, how many also apply the ReLU / ReLU6 after the batch norm. */
  readonly fusedActivations: number;
  /** Of those, how many took the ZeroPadding2D before them into their own padding. */
  readonly absorbedPaddings: number;
  /** Steps run per batch: folded convolutions plus layers run through their own `call`. */
  readonly steps: number;
  /**
   * The model's outputs for `inputs` (one tensor per model input, in model.inputs' order), in
   * model.outputs' order, in inference mode. The caller disposes them; nothing else stays.
   */
  run(inputs: Tensor | Tensor[]): Tensor[];
  /** Frees the folded weights. */
  dispose(): void;
}

/** The layer kinds that give a mask to what follows them: the plan does not carry masks, so it refuses such a model (TAO's vision models have none). */
const MASKING_LAYERS = new Set(['Masking', 'Embedding']);

interface Step {
  /** Slots read, in the order the layer takes its inputs. */
  readonly inputs: readonly number[];
  /** Slots written, one per output of the layer. */
  readonly outputs: readonly number[];
  /** Slots whose last reader this step is: freed after it ran. */
  readonly frees: readonly number[];
  readonly compute: (inputs: Tensor[]) => Tensor[];
}

/** Every node the model's outputs depend on, each after the nodes that produce its inputs. */
function nodesInOrder(outputs: readonly SymbolicTensor[], isFed: (t: SymbolicTensor) => boolean): LayerNode[] {
  const order: LayerNode[] = [];
  const state = new Map<LayerNode, 'open' | 'done'>();
  // An explicit stack instead of recursion: a deep network (hundreds of layers in a row) would
  // otherwise recurse once per layer.
  const stack: Array<{ node: LayerNode; next: number }> = [];
  const visit = (t: SymbolicTensor): void => {
    if (isFed(t)) return;
    const node = t.sourceLayer.inboundNodes[t.nodeIndex];
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'open') throw new Error(`the model's graph has a cycle through layer ${t.sourceLayer.name}`);
    state.set(node, 'open');
    stack.push({ node, next: 0 });
  };
  for (const out of outputs) {
    visit(out);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputTensors.length) {
        visit(top.node.inputTensors[top.next++]);
        continue;
      }
      stack.pop();
      state.set(top.node, 'done');
      order.push(top.node);
    }
  }
  return order;
}

/** A layer's own call, as tfjs-layers' apply() makes it (a single input unwrapped; an output that is one of the inputs copied, so freeing that input cannot free it). */
function layerStep(layer: Layer): Step['compute'] {
  return (inputs) => {
    const result = layer.call(inputs.length === 1 ? inputs[0] : inputs, {});
    const outputs = Array.isArray(result) ? result : [result];
    return outputs.map((t) => (inputs.includes(t) ? t.clone() : t));
  };
}

/** The chain's convolution, batch norm (and activation, and padding) as one fused kernel call. */
function foldedStep(tf: Tf, chain: FoldChain, kernel: Tensor, bias: Tensor): Step['compute'] {
  const { conv, depthwise, activation } = chain;
  // The attributes tf.fused.conv2d / depthwiseConv2d pass to the same kernels.
  const attrs = {
    strides: conv.strides,
    pad: chain.padding ? chain.padding.pad : conv.padding,
    dataFormat: 'NHWC',
    dilations: conv.dilationRate ?? [1, 1],
    dimRoundingMode: undefined,
    activation: activation ?? 'linear',
    leakyreluAlpha: undefined,
  };
  const kernelName = depthwise ? 'FusedDepthwiseConv2D' : 'FusedConv2D';
  const engine = tf.engine();
  // The input is 4-D: run() checked the model's inputs, and building the model checked that
  // every convolution layer is fed a 4-D tensor.
  return ([x]) => [engine.runKernel(kernelName, { x, filter: kernel, bias } as never, attrs as never) as Tensor];
}

/**
 * A Dense layer over a 2-D input with its bias added inside the matrix product, also where a
 * softmax follows (tfjs-layers adds the bias as a separate broadcast Add there, which took
 * longer than the product itself: a classifier head's 0.05 of 0.07 ms). Other inputs and
 * activations go through the layer's own call.
 */
function denseStep(tf: Tf, layer: Layer): Step['compute'] {
  const own = layerStep(layer);
  const name = layer.activation?.getClassName();
  const fused = name === 'relu' || name === 'linear' || name === 'elu' ? name : name === 'softmax' ? 'linear' : undefined;
  if (!fused || !layer.kernel) return own;
  const { kernel, bias } = layer;
  return (inputs) => {
    const [x] = inputs;
    if (x.rank !== 2) return own(inputs);
    const y = tf.fused.matMul({ a: x as tfTypes.Tensor2D, b: kernel.read() as tfTypes.Tensor2D, bias: bias ? bias.read() : undefined, activation: fused });
    if (name !== 'softmax') return [y];
    const probabilities = tf.softmax(y);
    y.dispose();
    return [probabilities];
  };
}

/**
 * The check model.predict makes before anything runs: the input's rank and every size the
 * model fixes (all but the batch), so an image of the wrong size is reported by name, not as
 * a failure deep inside some layer.
 */
function checkInputShape(model: tfTypes.LayersModel, index: number, t: Tensor): void {
  const expected = model.inputs[index].shape;
  const fits = t.rank === expected.length && expected.every((size, axis) => size === null || size === t.shape[axis]);
  if (fits) return;
  const show = (shape: ReadonlyArray<number | null>): string => `[${shape.map((d) => (d === null ? 'batch' : String(d))).join(', ')}]`;
  throw new Error(`input ${model.inputs[index].name} of model ${model.name}: expected shape ${show(expected)}, got ${show(t.shape)}`);
}

/** Compiles `model` for inference with the variables' current values (see the file comment). */
export function compileInference(tf: Tf, model: tfTypes.LayersModel): InferencePlan {
  const layers = model.layers as unknown as Layer[];
  const masking = layers.find((l) => MASKING_LAYERS.has(l.getClassName()));
  if (masking) throw new Error(`layer ${masking.name} (${masking.getClassName()}) produces a mask, which an inference plan does not carry`);

  const modelInputs = model.inputs as unknown as SymbolicTensor[];
  const modelOutputs = model.outputs as unknown as SymbolicTensor[];
  const fedIds = new Set(modelInputs.map((t) => t.id));
  const order = nodesInOrder(modelOutputs, (t) => fedIds.has(t.id));

  // Each chain is keyed by its convolution; the layers it absorbs pass their input's slot on.
  const chains = new Map<Layer, FoldChain>();
  const absorbed = new Set<Layer>();
  for (const chain of findFoldChains(model)) {
    chains.set(chain.conv, chain);
    absorbed.add(chain.batchNorm);
    if (chain.activationLayer) absorbed.add(chain.activationLayer);
    if (chain.padding) absorbed.add(chain.padding.layer);
  }

  // Slots: one per symbolic tensor the steps produce, the model's inputs first.
  const slotOf = new Map<number, number>();
  modelInputs.forEach((t, i) => slotOf.set(t.id, i));
  let slots = modelInputs.length;
  const slotFor = (t: SymbolicTensor): number => {
    const slot = slotOf.get(t.id);
    if (slot === undefined) throw new Error(`layer ${t.sourceLayer.name}: its input is computed after it (the model's graph is not in order)`);
    return slot;
  };

  const kept: Tensor[] = [];
  const planned: Array<Omit<Step, 'frees'>> = [];
  let folded = 0;
  let fusedActivations = 0;
  let absorbedPaddings = 0;
  try {
    for (const node of order) {
      const layer = node.outboundLayer;
      const inputs = node.inputTensors.map(slotFor);
      if (absorbed.has(layer)) {
        slotOf.set(node.outputTensors[0].id, inputs[0]);
        continue;
      }
      const outputs = node.outputTensors.map((t) => {
        slotOf.set(t.id, slots);
        return slots++;
      });
      const chain = chains.get(layer);
      if (chain) {
        const { kernel, bias } = foldWeights(tf, chain);
        kept.push(kernel, bias);
        folded++;
        if (chain.activation) fusedActivations++;
        if (chain.padding) absorbedPaddings++;
        planned.push({ inputs, outputs, compute: foldedStep(tf, chain, kernel, bias) });
      } else {
        planned.push({ inputs, outputs, compute: layer.getClassName() === 'Dense' ? denseStep(tf, layer) : layerStep(layer) });
      }
    }
  } catch (err) {
    tf.dispose(kept);
    throw err;
  }

  const resultSlots = modelOutputs.map(slotFor);
  // A slot is freed after its last reader, unless the caller owns it (an input) or receives it (an output).
  const pinned = new Set<number>([...modelInputs.map((_, i) => i), ...resultSlots]);
  const lastReader = new Map<number, number>();
  planned.forEach((step, i) => step.inputs.forEach((slot) => lastReader.set(slot, i)));
  // An output nothing reads (a multi-output layer's unused one) is freed by the step that made it.
  const steps: Step[] = planned.map((step, i) => ({
    ...step,
    frees: [...new Set([...step.inputs, ...step.outputs])].filter((slot) => !pinned.has(slot) && (lastReader.get(slot) ?? i) === i),
  }));
  const inputCount = modelInputs.length;

  return {
    // Counted as compiled: a chain on a branch no output depends on is never run.
    folded,
    fusedActivations,
    absorbedPaddings,
    steps: steps.length,
    run(inputs) {
      const given = Array.isArray(inputs) ? inputs : [inputs];
      if (given.length !== inputCount) throw new Error(`the model takes ${inputCount} input(s), ${given.length} given`);
      given.forEach((t, i) => checkInputShape(model, i, t));
      const values: Array<Tensor | undefined> = new Array(slots);
      given.forEach((t, i) => (values[i] = t));
      try {
        for (const step of steps) {
          const produced = step.compute(step.inputs.map((slot) => values[slot]!));
          step.outputs.forEach((slot, k) => (values[slot] = produced[k]));
          for (const slot of step.frees) {
            values[slot]!.dispose();
            values[slot] = undefined;
          }
        }
        // An output that is one of the inputs is copied: the caller disposes what it receives.
        return resultSlots.map((slot) => (slot < inputCount ? values[slot]!.clone() : values[slot]!));
      } catch (err) {
        for (let slot = inputCount; slot < values.length; slot++) values[slot]?.dispose();
        throw err;
      }
    },
    dispose() {
      tf.dispose(kept.splice(0));
    },
  };
}
