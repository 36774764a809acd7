// Saving and loading Keras-style tfjs layers models (model.json + weights.bin) to plain
// folders. tfjs-node's file:// handler is not available with the wasm/cpu backends, so we
// write the artifacts ourselves through tf.io.withSaveHandler and read them back through
// tf.io.fromMemory. The format is the standard one: any tfjs tool can load our folders, and
// we can load any tfjs layers model.json (weights possibly split in several shards).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { writeDirAtomic, type FileMap } from './atomic';
import { float32ToHalfBytes } from './float16';
import { assertReadableKerasFile, isKerasModelPath } from './hdf5/model-file';
// h5wasm itself loads only when a Keras file is read or written (hdf5/h5.ts).
import { readKerasModel } from './hdf5/keras-model';
import { registerBackboneLayers } from '../backbones/split-layer';

type Tf = typeof tfTypes;

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** What we store in model.json's `userDefinedMetadata` so a model folder is self-describing. */
export interface EngineModelMetadata {
  /** Class name -> output index, as in classmap.json. */
  classmap?: Record<string, number>;
  /** "C,H,W" the model expects. */
  inputImageSize?: string;
  preprocessMode?: string;
  arch?: string;
  [key: string]: unknown;
}

function toBytes(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out;
}

/** Rewrites float32 weights as float16 (half the bytes; tfjs widens them again on load). */
function halveWeights(specs: tfTypes.io.WeightsManifestEntry[], data: Uint8Array): { specs: tfTypes.io.WeightsManifestEntry[]; data: Uint8Array } {
  const parts: Uint8Array[] = [];
  const out: tfTypes.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = count * 4; // every weight of our models is float32 (or int32, also 4 bytes)
    const chunk = data.slice(offset, offset + bytes);
    offset += bytes;
    if (spec.dtype === 'float32' && !spec.quantization) {
      parts.push(float32ToHalfBytes(new Float32Array(chunk.buffer, 0, count)));
      out.push({ ...spec, quantization: { dtype: 'float16' } });
    } else {
      parts.push(chunk);
      out.push(spec);
    }
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return { specs: out, data: joined };
}

export interface SaveOptions {
  /** Store float32 weights as float16 (for models shipped with the project). */
  float16?: boolean;
}

/** Serialises a model into the files of a model folder (without writing them). */
export async function modelFiles(tf: Tf, model: tfTypes.LayersModel, metadata: EngineModelMetadata = {}, options: SaveOptions = {}): Promise<FileMap> {
  let files: FileMap = {};
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      let specs = artifacts.weightSpecs ?? [];
      let data = toBytes(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
      if (options.float16) ({ specs, data } = halveWeights(specs, data));
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: 'tao-engine',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: specs }],
        userDefinedMetadata: metadata,
      };
      files = { [MODEL_JSON]: JSON.stringify(json), [WEIGHTS_BIN]: data };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return files;
}

/** Writes `dir/model.json` + `dir/weights.bin` (+ `extra` files) atomically. */
export async function saveModel(
  tf: Tf,
  model: tfTypes.LayersModel,
  dir: string,
  metadata: EngineModelMetadata = {},
  extra: FileMap = {},
  options: SaveOptions = {},
): Promise<void> {
  const files = await modelFiles(tf, model, metadata, options);
  writeDirAtomic(dir, { ...files, ...extra });
}

/** Accepts a model folder or a path to its model.json. */
export function resolveModelJson(path: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) return join(path, MODEL_JSON);
  return path;
}

export interface LoadedModel {
  model: tfTypes.LayersModel;
  metadata: EngineModelMetadata;
  /** Folder the model was read from. */
  dir: string;
}

/**
 * Loads a tfjs model folder (or its model.json), or a Keras .hdf5 file (TAO's models and NGC's
 * pretrained ones, ours from writeKerasModel): the architecture from its model_config, pruned
 * shapes included. Encrypted TAO files (.tlt, .etlt) are refused with the way out.
 */
export async function loadModel(tf: Tf, path: string): Promise<LoadedModel> {
  if (isKerasModelPath(path)) {
    assertReadableKerasFile(path);
    const keras = await readKerasModel(tf, path);
    return { model: keras.model, metadata: keras.metadata as EngineModelMetadata, dir: dirname(path) };
  }
  const jsonPath = resolveModelJson(path);
  if (!existsSync(jsonPath)) throw new Error(`model not found: ${jsonPath}`);
  const json = JSON.parse(readFileSync(jsonPath, 'utf8'));
  if (!json.modelTopology) throw new Error(`${jsonPath}: not a tfjs layers model (no modelTopology)`);
  const dir = join(jsonPath, '..');
  const specs: tfTypes.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of (json.weightsManifest ?? []) as tfTypes.io.WeightsManifestConfig) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(readFileSync(join(dir, p)));
  }
  const weightData = toBytes(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer)).buffer as ArrayBuffer;
  registerBackboneLayers(tf); // the engine's own layers (CSPDarkNet-tiny's Split) must be known first
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }));
  return { model, metadata: (json.userDefinedMetadata ?? {}) as EngineModelMetadata, dir };
}

/** Reads only model.json's metadata (no TensorFlow needed). */
export function readModelMetadata(path: string): EngineModelMetadata {
  const json = JSON.parse(readFileSync(resolveModelJson(path), 'utf8'));
  return (json.userDefinedMetadata ?? {}) as EngineModelMetadata;
}
