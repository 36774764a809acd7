// Starting DetectNet_v2's heads from a pretrained detector whose classes differ: the heads'
// output channels follow class names (output_cov: one per class; output_bbox: four per
// class), so every class the pretrained model already knew keeps its channels and detects
// from the first step; new classes start from the fresh initialisation.
import type * as tfTypes from '@tensorflow/tfjs';
import { BBOX_LAYER, COV_LAYER } from './model';

type Tf = typeof tfTypes;

/** Copies head channels class by class; returns the classes that kept pretrained channels. */
export function transferHeadsByClass(tf: Tf, target: tfTypes.LayersModel, source: tfTypes.LayersModel, classes: string[], sourceClasses: string[]): string[] {
  const kept = classes.filter((c) => sourceClasses.includes(c));
  if (kept.length === 0) return [];
  for (const [name, per] of [[COV_LAYER, 1], [BBOX_LAYER, 4]] as const) {
    const dst = target.getLayer(name);
    const src = source.getLayer(name);
    const [dk, db] = dst.getWeights();
    const [sk, sb] = src.getWeights();
    // Same feature depth is required: a pruned or different backbone cannot lend its heads.
    if (!dk || !sk || dk.shape[2] !== sk.shape[2] || !db || !sb) return [];
    // Source channel per target channel (-1: keep the fresh one), copied with gather + where
    // rather than by reading the weights, which GPU backends cannot do synchronously in Node.
    const channels = dk.shape[3] as number;
    const from = new Array<number>(channels).fill(-1);
    for (const c of kept) {
      const to = classes.indexOf(c) * per;
      const src = sourceClasses.indexOf(c) * per;
      for (let j = 0; j < per; j++) from[to + j] = src + j;
    }
    const [k, b] = tf.tidy(() => {
      const keep = tf.tensor1d(from.map((c) => c >= 0), 'bool');
      const index = tf.tensor1d(from.map((c) => Math.max(c, 0)), 'int32');
      const kernel = tf.where(tf.broadcastTo(tf.reshape(keep, [1, 1, 1, channels]), dk.shape), tf.gather(sk, index, 3), dk);
      return [kernel, tf.where(keep, tf.gather(sb, index), db)];
    });
    dst.setWeights([k, b]);
    // getWeights() hands out the layers' own variables: only the new tensors are ours to free.
    tf.dispose([k, b]);
  }
  return kept;
}
