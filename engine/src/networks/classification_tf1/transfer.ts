// Transfer learning: copy a pretrained model's weights into a freshly built one.
// Layers are matched by name when names agree (our own models, TAO-named Keras models),
// otherwise by position among layers whose weight shapes agree (any other tfjs model).
// The classification head is special: its columns follow class names, so classes the
// pretrained model already knew keep their rows and predict from epoch 0; new classes
// start from the fresh initialisation.
import type * as tfTypes from '@tensorflow/tfjs';
import { HEAD_LAYER } from './model';

type Tf = typeof tfTypes;

export interface TransferReport {
  copiedLayers: number;
  skippedLayers: string[];
  /** Why each skipped layer kept its fresh weights (the head included when it was not copied). */
  skipped: Array<{ name: string; why: string }>;
  /** Classes whose head rows came from the pretrained model. */
  keptClasses: string[];
  matchedBy: 'name' | 'position';
}

function shapesOf(layer: tfTypes.layers.Layer): string {
  return layer.getWeights().map((w) => w.shape.join('x')).join('|');
}

function sameShapes(a: tfTypes.layers.Layer, b: tfTypes.layers.Layer): boolean {
  return a.weights.length === b.weights.length && a.weights.every((w, i) => w.shape.join('x') === b.weights[i].shape.join('x'));
}

/**
 * Grayscale <-> colour: a first conv kernel [kh, kw, 1, co] is spread over 3 input channels
 * (divided by 3, so a gray image gives the same response), and [kh, kw, 3, co] is summed to 1.
 */
function adaptInputChannels(tf: Tf, layer: tfTypes.layers.Layer, src: tfTypes.layers.Layer): boolean {
  if (layer.weights.length !== src.weights.length || layer.weights.length === 0) return false;
  const target = layer.weights.map((w) => w.shape);
  const source = src.weights.map((w) => w.shape);
  const [t0, s0] = [target[0], source[0]];
  if (t0.length !== 4 || s0.length !== 4) return false;
  const sameElse = t0[0] === s0[0] && t0[1] === s0[1] && t0[3] === s0[3] && target.slice(1).every((s, i) => s.join() === source[i + 1].join());
  if (!sameElse || !((t0[2] === 3 && s0[2] === 1) || (t0[2] === 1 && s0[2] === 3))) return false;
  const weights = src.getWeights();
  const kernel = tf.tidy(() => (t0[2] === 3 ? tf.div(tf.tile(weights[0], [1, 1, 3, 1]), 3) : tf.sum(weights[0], 2, true)));
  layer.setWeights([kernel, ...weights.slice(1)]);
  kernel.dispose();
  return true;
}

/**
 * TAO's test for "this pretrained file is a pruned model": walking the file's layers in
 * order, a layer the spec's model also has whose weights do not fit, before the file's
 * `predictions` head is reached (TAO then trains the file's own graph; makenet's train.py).
 * A first convolution that differs only in input channels (gray vs colour) is not a sign of
 * pruning here: transferWeights adapts it. Returns the first such layer, or undefined.
 */
export function prunedLayerIn(target: tfTypes.LayersModel, source: tfTypes.LayersModel): { name: string; file: string; spec: string } | undefined {
  const targetByName = new Map(target.layers.map((l) => [l.name, l]));
  for (const layer of source.layers) {
    if (layer.name === HEAD_LAYER) return undefined;
    const mine = targetByName.get(layer.name);
    if (!mine || layer.weights.length === 0 || sameShapes(mine, layer)) continue;
    if (onlyInputChannelsDiffer(mine, layer)) continue;
    return { name: layer.name, file: shapesOf(layer), spec: shapesOf(mine) };
  }
  return undefined;
}

function onlyInputChannelsDiffer(a: tfTypes.layers.Layer, b: tfTypes.layers.Layer): boolean {
  if (a.weights.length !== b.weights.length || a.weights.length === 0) return false;
  const [ka, kb] = [a.weights[0].shape, b.weights[0].shape];
  if (ka.length !== 4 || kb.length !== 4) return false;
  const rest = a.weights.slice(1).every((w, i) => w.shape.join() === b.weights[i + 1].shape.join());
  return rest && ka[0] === kb[0] && ka[1] === kb[1] && ka[3] === kb[3] && new Set([ka[2], kb[2]]).size === 2 && [ka[2], kb[2]].every((c) => c === 1 || c === 3);
}

export function transferWeights(
  tf: Tf,
  target: tfTypes.LayersModel,
  source: tfTypes.LayersModel,
  targetClasses: string[],
  sourceClassmap: Record<string, number> | undefined,
): TransferReport {
  const report: TransferReport = { copiedLayers: 0, skippedLayers: [], skipped: [], keptClasses: [], matchedBy: 'name' };
  const skip = (name: string, why: string): void => {
    report.skippedLayers.push(name);
    report.skipped.push({ name, why });
  };
  const body = target.layers.filter((l) => l.weights.length > 0 && l.name !== HEAD_LAYER);
  const sourceByName = new Map(source.layers.map((l) => [l.name, l]));
  const byName = body.filter((l) => sourceByName.has(l.name)).length;
  if (byName > 0) {
    for (const layer of body) {
      const src = sourceByName.get(layer.name);
      if (src && sameShapes(layer, src)) {
        layer.setWeights(src.getWeights());
        report.copiedLayers++;
      } else if (src && adaptInputChannels(tf, layer, src)) {
        report.copiedLayers++;
      } else if (!src) {
        skip(layer.name, 'not in the pretrained model');
      } else {
        skip(layer.name, `shape mismatch: ${shapesOf(src).replace(/\|/g, ', ')} in the pretrained model, ${shapesOf(layer).replace(/\|/g, ', ')} here`);
      }
    }
  } else {
    // Foreign model: walk both weight-carrying layer lists in order while shapes agree.
    report.matchedBy = 'position';
    const srcLayers = source.layers.filter((l) => l.weights.length > 0);
    let j = 0;
    for (const layer of body) {
      while (j < srcLayers.length && shapesOf(srcLayers[j]) !== shapesOf(layer)) j++;
      if (j >= srcLayers.length) {
        skip(layer.name, 'no pretrained layer of this shape left (matched by position)');
        continue;
      }
      layer.setWeights(srcLayers[j].getWeights());
      report.copiedLayers++;
      j++;
    }
  }

  // Head: copy the columns of classes both models know.
  const head = target.layers.find((l) => l.name === HEAD_LAYER);
  const srcHead = source.layers.find((l) => l.name === HEAD_LAYER) ?? source.layers[source.layers.length - 1];
  if (head && srcHead && !sourceClassmap && report.matchedBy === 'name' && srcHead.name === HEAD_LAYER) {
    // A model without class names (TAO's .hdf5 files): TAO copies the head when its shape fits
    // (same number of classes) and otherwise keeps the new head for the new classes.
    if (sameShapes(head, srcHead)) {
      head.setWeights(srcHead.getWeights());
      report.copiedLayers++;
    } else {
      skip(head.name, `shape mismatch: ${shapesOf(srcHead).replace(/\|/g, ', ')} in the pretrained model, ${shapesOf(head).replace(/\|/g, ', ')} here (new head for the new classes)`);
    }
  } else if (head && srcHead && sourceClassmap && srcHead.weights.length === 2) {
    const [kernel, bias] = head.getWeights();
    const [sKernel, sBias] = srcHead.getWeights();
    if (kernel.shape[0] === sKernel.shape[0]) {
      // Source column per target column, -1 where the class is new. The copy is done with
      // tensor ops (gather + where), not by reading the weights: GPU backends cannot read
      // synchronously in Node, and this keeps transferWeights synchronous.
      const columns = kernel.shape[1] as number;
      const from = new Array<number>(columns).fill(-1);
      targetClasses.forEach((name, col) => {
        const src = sourceClassmap[name];
        if (col >= columns || src === undefined || src >= sBias.shape[0]) return;
        from[col] = src;
        report.keptClasses.push(name);
      });
      const [newK, newB] = tf.tidy(() => {
        const keep = tf.tensor1d(from.map((c) => c >= 0), 'bool');
        const index = tf.tensor1d(from.map((c) => Math.max(c, 0)), 'int32');
        const k = tf.where(tf.broadcastTo(tf.reshape(keep, [1, columns]), kernel.shape), tf.gather(sKernel, index, 1), kernel);
        const b = tf.where(keep, tf.gather(sBias, index), bias);
        return [k, b];
      });
      head.setWeights([newK, newB]);
      tf.dispose([newK, newB]);
    } else {
      skip(head.name, `shape mismatch: ${sKernel.shape[0]} features in the pretrained head, ${kernel.shape[0]} here`);
    }
  }
  return report;
}
