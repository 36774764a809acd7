// Builds the pruned model: the original topology with smaller `filters`/`units`, then the
// kept slices of every weight copied in. Going through the model's own JSON keeps layer
// names, order and every other setting exactly as they were.
import * as tf from '@tensorflow/tfjs';
import { LayerGraph, UnsupportedModelError, namedWeights } from './graph';
import { LayerPlan, PrunePlan } from './plan';
import { registerBackboneLayers } from '../backbones/split-layer';

type LayerJson = { class_name: string; config: Record<string, unknown> };

function topologyLayers(topology: Record<string, unknown>): LayerJson[] {
  const config = topology.config as { layers?: LayerJson[] } | LayerJson[];
  // Old Sequential JSON stored the layer list directly as its config.
  const list = Array.isArray(config) ? config : config.layers;
  if (!list) throw new UnsupportedModelError('model topology has no layer list');
  return list;
}

function gather(t: tf.Tensor, keep: number[] | null, axis: number): tf.Tensor {
  // Clone when nothing is cut: getWeights() hands out the live variables, which the caller disposes.
  if (!keep) return t.clone();
  // wasm's GatherV2 computes in rank 4 and reshapes, so the result shares a rank-4 buffer, and
  // wasm's FusedConv2D reads a bias' rank from that buffer ("rank-1 bias but got rank 4"):
  // an element-wise op gives the slice a buffer of its own shape.
  return tf.mul(tf.gather(t, tf.tensor1d(keep, 'int32'), axis), 1);
}

/** Weight tensors of the pruned layer, in the layer's own weight order. */
function slicedWeights(g: LayerGraph['layers'][number], p: LayerPlan): tf.Tensor[] {
  const order = g.layer.weights.map((w) => {
    const full = (w as unknown as { originalName?: string }).originalName ?? w.name;
    return full.split('/').pop()!.replace(/_\d+$/, '');
  });
  const named = namedWeights(g.layer);
  const slice = (name: string, t: tf.Tensor): tf.Tensor => {
    switch (g.className) {
      case 'Conv2D':
        return name === 'kernel' ? gather(gather(t, p.inKeep, 2), p.outKeep, 3) : gather(t, p.outKeep, 0);
      case 'Dense':
        return name === 'kernel' ? gather(gather(t, p.inKeep, 0), p.outKeep, 1) : gather(t, p.outKeep, 0);
      case 'DepthwiseConv2D':
        // Multiplier 1 only ever reaches here pruned; the plan fixes other multipliers.
        return name === 'depthwise_kernel' ? gather(t, p.inKeep, 2) : gather(t, p.outKeep, 0);
      case 'SeparableConv2D':
        if (name === 'depthwise_kernel') return gather(t, p.inKeep, 2);
        if (name === 'pointwise_kernel') return gather(gather(t, p.inKeep, 2), p.outKeep, 3);
        return gather(t, p.outKeep, 0);
      case 'BatchNormalization':
        return gather(t, p.inKeep, 0);
      case 'PReLU':
        return gather(t, p.inKeep, t.rank - 1);
      default:
        if (p.inKeep || p.outKeep) {
          throw new UnsupportedModelError(`cannot prune weights of layer "${g.name}" (${g.className})`);
        }
        return t;
    }
  };
  return order.map((name) => slice(name, named.get(name)!));
}

export async function rebuildPruned(model: tf.LayersModel, graph: LayerGraph, plan: PrunePlan): Promise<tf.LayersModel> {
  const topology = model.toJSON(null, false) as unknown as Record<string, unknown>;
  for (const lj of topologyLayers(topology)) {
    const name = lj.config.name as string;
    const p = plan.layers.get(name);
    if (!p || !p.outKeep) continue;
    if (lj.class_name === 'Conv2D' || lj.class_name === 'SeparableConv2D') lj.config.filters = p.outKeep.length;
    else if (lj.class_name === 'Dense') lj.config.units = p.outKeep.length;
    else if (lj.class_name === 'Reshape') {
      // Only channel unsqueezes (squeeze-excitation) reach here pruned; their last axis shrinks.
      const target = [...(lj.config.target_shape as number[])];
      if (target[target.length - 1] !== -1) target[target.length - 1] = p.outKeep.length;
      lj.config.target_shape = target;
    }
  }
  // The topology may hold the engine's own layers (CSPDarkNet-tiny's Split).
  registerBackboneLayers(tf);
  const pruned = await tf.models.modelFromJSON({ modelTopology: topology } as tf.io.ModelJSON as never);
  for (const g of graph.layers) {
    if (g.layer.weights.length === 0) continue;
    const target = pruned.getLayer(g.name);
    const p = plan.layers.get(g.name)!;
    const weights = tf.tidy(() => slicedWeights(g, p));
    try {
      target.setWeights(weights);
    } catch (e) {
      throw new UnsupportedModelError(`pruned weights of "${g.name}" do not fit: ${(e as Error).message}`);
    } finally {
      tf.dispose(weights);
    }
  }
  return pruned;
}
