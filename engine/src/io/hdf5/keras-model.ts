// tfjs models to and from Keras .hdf5 files. Writing: the model's own Keras-style config,
// translated for TAO's Keras 2.2.4 (keras-config.ts), and every weight under
// `<layer>/<weight>:0`, in the order Keras assigns them (trainable, then non-trainable).
// Reading: the file's model_config is deserialized by tfjs-layers (it speaks Keras' JSON),
// in channels_last, and each layer takes the file's weights of the same layer name.
import type * as tfTypes from '@tensorflow/tfjs';
import { fromKerasConfig, toKerasConfig, type ModelJson } from './keras-config';
import { readKerasFile, writeKerasFile, type KerasFile, type KerasWeight } from './keras-file';
import { modelWeights, readToHost } from '../../backend/read';
import { registerBackboneLayers } from '../../backbones/split-layer';

type Tf = typeof tfTypes;

/** What the written files claim to be: the Keras of TAO's TF1 containers (TF 1.15). */
export const KERAS_VERSION = '2.2.4-tf';

/** "conv1/kernel" -> "kernel" (tfjs' originalName keeps Keras' weight name; `name` may be uniquified). */
function baseName(variable: { originalName?: string; name: string }): string {
  const full = variable.originalName ?? variable.name;
  return full.slice(full.lastIndexOf('/') + 1).replace(/:\d+$/, '');
}

/** Serialises a model into a Keras file's content (no file written). */
export function kerasContent(model: tfTypes.LayersModel, metadata?: Record<string, unknown>): KerasFile {
  const topology = model.toJSON(null, false) as unknown as ModelJson;
  const weights = new Map<string, KerasWeight[]>();
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const values = layer.getWeights();
    weights.set(
      layer.name,
      layer.weights.map((variable, i) => {
        return { name: `${layer.name}/${baseName(variable)}:0`, shape: values[i].shape, data: values[i].dataSync() as Float32Array };
      }),
    );
  }
  return {
    modelConfig: toKerasConfig(topology, KERAS_VERSION),
    kerasVersion: KERAS_VERSION,
    backend: 'tensorflow',
    layerNames: model.layers.map((l) => l.name),
    weights,
    engineMetadata: metadata,
  };
}

/**
 * Writes `model` as a Keras .hdf5 file that TAO's Keras 2.2.4 loads with
 * keras.models.load_model (channels_first, TAO's layer names, weights under them).
 * `metadata` (classmap, arch, ...) rides along in an attribute Keras ignores.
 */
export async function writeKerasModel(model: tfTypes.LayersModel, path: string, metadata?: Record<string, unknown>): Promise<void> {
  // kerasContent reads weights synchronously; bring them to the host first (GPU backends).
  await readToHost(modelWeights(model));
  await writeKerasFile(path, kerasContent(model, metadata));
}

export interface KerasModel {
  model: tfTypes.LayersModel;
  metadata: Record<string, unknown>;
  file: KerasFile;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Builds the model a Keras file's model_config describes and loads all of its weights. */
export async function readKerasModel(tf: Tf, path: string): Promise<KerasModel> {
  const file = await readKerasFile(path);
  if (!file.modelConfig) {
    throw new Error('the file has weights but no model_config (it was saved with save_weights); save the whole model (model.save) or use it as pretrained_model_path');
  }
  const topology = fromKerasConfig(file.modelConfig);
  // TAO's Split (CSPDarkNet-tiny) is a custom layer the engine implements.
  registerBackboneLayers(tf);
  const model = await tf.models.modelFromJSON({ modelTopology: topology } as never);
  try {
    for (const layer of model.layers) {
      if (layer.weights.length === 0) continue;
      const stored = file.weights.get(layer.name);
      if (!stored) throw new Error(`layer ${layer.name} has no weights in model_weights`);
      if (stored.length !== layer.weights.length) throw new Error(`layer ${layer.name}: ${stored.length} weights in the file, the layer has ${layer.weights.length}`);
      const tensors = layer.weights.map((variable, i) => {
        // Keras' own loader pairs weights by position; the names must agree when they say anything.
        const w = stored[i];
        if (!sameShape(w.shape, variable.shape as number[])) throw new Error(`layer ${layer.name}: weight ${w.name} is ${w.shape.join('x')}, the config builds ${variable.shape.join('x')}`);
        return tf.tensor(w.data, w.shape, 'float32');
      });
      layer.setWeights(tensors);
      tf.dispose(tensors);
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, metadata: file.engineMetadata ?? {}, file };
}
