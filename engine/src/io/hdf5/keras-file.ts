// Keras' HDF5 model file, read and written without TensorFlow. The layout (what Keras 2.x's
// save_model / load_model use, and TAO's .hdf5 models):
//   /                     attrs: model_config (JSON), keras_version, backend [, training_config]
//   /model_weights        attrs: layer_names (fixed-length byte strings), keras_version, backend
//   /model_weights/<L>    attrs: weight_names, e.g. [b"conv1/kernel:0", b"conv1/bias:0"]
//   /model_weights/<L>/conv1/kernel:0   the dataset ([kh, kw, in, out] for a conv kernel)
// A weights-only file (save_weights) has the model_weights layout at the root. Strings are
// written as fixed-length byte strings, because Keras 2.2.4 calls .decode() on what h5py gives
// back, which only works for those. Files are written with HDF5 1.8/1.10 object formats so the
// HDF5 1.10 inside TAO's TF1 container reads them (h5wasm itself is HDF5 2.0).
import { openSync, readSync, closeSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadH5, type H5 } from './h5';
import type { ModelJson } from './keras-config';
import { attributeList, attributeText } from '../../../../server/src/core/keras-attributes';

export interface KerasWeight {
  /** As stored in weight_names, e.g. "conv1/kernel:0". */
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface KerasFile {
  /** Absent in weights-only files. */
  modelConfig?: ModelJson;
  kerasVersion?: string;
  backend?: string;
  /** Layer names in file order (all layers, with or without weights). */
  layerNames: string[];
  /** Layer name -> its weights, in weight_names order (trainable first, as Keras saves). */
  weights: Map<string, KerasWeight[]>;
  /** The engine's own model metadata (classmap, arch, ...), when an engine wrote the file. */
  engineMetadata?: Record<string, unknown>;
}

/** Root attribute holding the engine's metadata; Keras ignores attributes it does not read. */
export const ENGINE_METADATA_ATTR = 'tao_engine_metadata';

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** HDF5 files start with a signature at 0, 512, 1024, 2048, ... (after an optional user block). */
export function isHdf5(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(8);
    for (let offset = 0; offset <= 1 << 20; offset = offset === 0 ? 512 : offset * 2) {
      if (readSync(fd, buf, 0, 8, offset) < 8) return false;
      if (buf.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

type H5Group = InstanceType<H5['Group']>;
type H5Dataset = InstanceType<H5['Dataset']>;

function toFloat32(value: unknown, where: string): Float32Array {
  if (value instanceof Float32Array) return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Float32Array.from(value as unknown as ArrayLike<number>, Number);
  if (typeof value === 'number') return Float32Array.of(value);
  throw new Error(`${where}: not a numeric dataset`);
}

export async function readKerasFile(path: string): Promise<KerasFile> {
  const h5 = await loadH5();
  const file = new h5.File(path, 'r');
  try {
    const rootKeys = new Set(file.keys());
    const weightsRoot = rootKeys.has('model_weights') ? (file.get('model_weights') as H5Group) : file;
    const configText = attributeText(file, 'model_config');
    const metaText = attributeText(file, ENGINE_METADATA_ATTR);
    const layerNames = attributeList(weightsRoot, 'layer_names');
    if (layerNames.length === 0 && !configText) throw new Error('no model_config and no model_weights/layer_names: not a Keras model file');
    const weights = new Map<string, KerasWeight[]>();
    for (const layer of layerNames) {
      const group = weightsRoot.get(layer) as H5Group | null;
      if (!group) continue;
      const list: KerasWeight[] = [];
      for (const name of attributeList(group, 'weight_names')) {
        const ds = group.get(name) as H5Dataset | null;
        if (!ds) throw new Error(`model_weights/${layer}/${name} is listed in weight_names but missing`);
        list.push({ name, shape: ds.shape ?? [], data: toFloat32(ds.value, `model_weights/${layer}/${name}`) });
      }
      if (list.length) weights.set(layer, list);
    }
    return {
      modelConfig: configText ? (JSON.parse(configText) as ModelJson) : undefined,
      kerasVersion: attributeText(file, 'keras_version') ?? attributeText(weightsRoot, 'keras_version'),
      backend: attributeText(file, 'backend') ?? attributeText(weightsRoot, 'backend'),
      layerNames,
      weights,
      engineMetadata: metaText ? (JSON.parse(metaText) as Record<string, unknown>) : undefined,
    };
  } finally {
    file.close();
  }
}

/** A fixed-length byte-string attribute (scalar or list), the kind Keras 2.2.4 decodes. */
function putStrings(group: H5Group, name: string, value: string | string[]): void {
  const list = Array.isArray(value) ? value : [value];
  const width = Math.max(1, ...list.map((s) => Buffer.byteLength(s, 'utf8')));
  if (Array.isArray(value)) group.create_attribute(name, list, [list.length], `S${width}`);
  else group.create_attribute(name, value, null, `S${width}`);
}

/** Writes the file to a temporary sibling and renames it into place (never a half file). */
export async function writeKerasFile(path: string, content: KerasFile): Promise<void> {
  const h5 = await loadH5();
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
  // HDF5 1.8 .. 1.10 object formats: TAO's TF1 container reads with HDF5 1.10, and 1.8's dense
  // attribute storage is what lets model_config grow past 64 KB (a MobileNetV2's does).
  const file = new h5.File(tmp, 'w', { libver: ['v108', 'v110'] });
  try {
    const kerasVersion = content.kerasVersion ?? '2.2.4-tf';
    const backend = content.backend ?? 'tensorflow';
    putStrings(file, 'keras_version', kerasVersion);
    putStrings(file, 'backend', backend);
    if (content.modelConfig) putStrings(file, 'model_config', JSON.stringify(content.modelConfig));
    if (content.engineMetadata) putStrings(file, ENGINE_METADATA_ATTR, JSON.stringify(content.engineMetadata));
    const mw = file.create_group('model_weights');
    putStrings(mw, 'layer_names', content.layerNames);
    putStrings(mw, 'backend', backend);
    putStrings(mw, 'keras_version', kerasVersion);
    for (const layer of content.layerNames) {
      const group = mw.create_group(layer);
      const list = content.weights.get(layer) ?? [];
      // Keras writes an empty weight_names for layers without weights; an empty list cannot be a
      // fixed-length string attribute here, and h5py stores Keras' empty list as float64 too.
      if (list.length === 0) group.create_attribute('weight_names', new Float64Array(0), [0], '<d');
      else putStrings(group, 'weight_names', list.map((w) => w.name));
      for (const w of list) {
        // "conv1/kernel:0" -> subgroup conv1, dataset kernel:0 (what h5py does with the path).
        const parts = w.name.split('/');
        let g = group;
        for (const part of parts.slice(0, -1)) g = (g.keys().includes(part) ? g.get(part) : g.create_group(part)) as H5Group;
        g.create_dataset({ name: parts[parts.length - 1], data: w.data, shape: w.shape, dtype: '<f' });
      }
    }
  } catch (err) {
    file.close();
    rmSync(tmp, { force: true });
    throw err;
  }
  file.close();
  // h5wasm reports some HDF5 failures on stderr without throwing: read the file back before it replaces anything.
  const check = await readKerasFile(tmp).catch((err: Error) => err);
  const wanted = [...content.weights.values()].reduce((n, l) => n + l.length, 0);
  const got = check instanceof Error ? -1 : [...check.weights.values()].reduce((n, l) => n + l.length, 0);
  if (check instanceof Error || got !== wanted || (content.modelConfig && !check.modelConfig)) {
    rmSync(tmp, { force: true });
    throw new Error(`writing ${path} failed: ${check instanceof Error ? check.message : `${got} of ${wanted} weights read back`}`);
  }
  renameSync(tmp, path);
}
