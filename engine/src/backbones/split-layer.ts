// TAO's `Split` layer (nvidia_tao_tf1/cv/yolo_v4/layers/split.py), which CSPDarkNet-tiny uses
// to hand one half of a block's channels to its inner path: the input's channels cut into
// `groups` equal groups, group `group_id` kept. TAO slices its channels_first axis 1; the
// engine works channels_last, so the same config slices the last axis. The class is
// registered under TAO's class name and config keys, so .hdf5 files and model.json folders
// written by either side deserialize into the same layer.
import type * as tfTypes from '@tensorflow/tfjs';

type Tf = typeof tfTypes;

export const SPLIT_CLASS = 'Split';

export interface SplitArgs {
  name?: string;
  trainable?: boolean;
  groups: number;
  /** TAO's key; tfjs hands a deserialized config over camel-cased (groupId). */
  group_id?: number;
  groupId?: number;
}

type SplitCtor = new (args: SplitArgs) => tfTypes.layers.Layer;

// One class per tfjs module: the registry lives in that module, and tests may load tfjs
// separately from the engine's bundle.
const classes = new WeakMap<object, SplitCtor>();

function defineSplit(tf: Tf): SplitCtor {
  class Split extends tf.layers.Layer {
    static className = SPLIT_CLASS;
    readonly groups: number;
    readonly groupId: number;

    constructor(args: SplitArgs) {
      super({ name: args.name, trainable: args.trainable });
      this.groups = Number(args.groups);
      this.groupId = Number(args.group_id ?? args.groupId);
      if (!Number.isInteger(this.groups) || this.groups < 1) throw new Error(`Split: groups must be a positive integer, got ${args.groups}`);
      if (!Number.isInteger(this.groupId) || this.groupId < 0 || this.groupId >= this.groups) {
        throw new Error(`Split: group_id must be in 0..${this.groups - 1}, got ${args.group_id ?? args.groupId}`);
      }
    }

    private groupSize(channels: number): number {
      if (channels % this.groups !== 0) throw new Error(`Split "${this.name}": ${channels} channels do not divide into ${this.groups} groups`);
      return channels / this.groups;
    }

    override computeOutputShape(inputShape: tfTypes.Shape | tfTypes.Shape[]): tfTypes.Shape {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfTypes.Shape;
      const channels = shape[shape.length - 1];
      return [...shape.slice(0, -1), channels === null ? null : this.groupSize(channels)];
    }

    override call(inputs: tfTypes.Tensor | tfTypes.Tensor[]): tfTypes.Tensor {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const channels = x.shape[x.rank - 1];
      const size = this.groupSize(channels);
      const begin = x.shape.map((_, i) => (i === x.rank - 1 ? size * this.groupId : 0));
      const extent = x.shape.map((d, i) => (i === x.rank - 1 ? size : d));
      return tf.slice(x, begin, extent);
    }

    override getConfig(): tfTypes.serialization.ConfigDict {
      return { ...super.getConfig(), groups: this.groups, group_id: this.groupId };
    }
  }
  return Split as unknown as SplitCtor;
}

/** Registers the engine's custom backbone layers with `tf` (idempotent); call before deserializing a model. */
export function registerBackboneLayers(tf: Tf): SplitCtor {
  const key = tf.serialization as unknown as object;
  let ctor = classes.get(key);
  if (!ctor) {
    ctor = defineSplit(tf);
    tf.serialization.registerClass(ctor as never);
    classes.set(key, ctor);
  }
  return ctor;
}

/** A Split layer for `tf`, its class registered first. */
export function splitLayer(tf: Tf, args: SplitArgs): tfTypes.layers.Layer {
  const Split = registerBackboneLayers(tf);
  return new Split(args);
}
