// Layer names of a Keras .hdf5 file, for the pretrained-backbone check in the editor and the
// CLI. libhdf5 comes as WebAssembly (h5wasm, the reader the engine uses); its module loads
// asynchronously once (about 4 MB), after which opening a file and reading its root
// attributes is synchronous and cheap: only the attributes are read, not the weights. So the
// probe answers from a cache, or says "pending" and starts the module; whoever waits for
// `kerasReaderReady()` (the CLI before it checks, the server before it re-checks open
// documents) then gets answers. Specs without a .hdf5 path never load it.
import { statSync } from 'node:fs';
import { attributeList, attributeText } from './keras-attributes';

type H5 = typeof import('h5wasm/node', { with: { 'resolution-mode': 'import' } });
type H5Group = InstanceType<H5['Group']>;

let h5: H5 | undefined;
let loading: Promise<void> | undefined;
/** The module could not load: answers are undefined (the check stays silent), never pending. */
let failed = false;
const cache = new Map<string, { stamp: string; names: readonly string[] | undefined }>();

const listeners: Array<() => void> = [];

/**
 * Calls `listener` when the reader has loaded (after an answer was `pending`): the language
 * server re-checks its open documents then.
 */
export function onKerasReaderLoaded(listener: () => void): void {
  listeners.push(listener);
}

/** Starts loading the reader (once); settles when it is ready, or when it failed to load. */
export function kerasReaderReady(): Promise<void> {
  loading ??= (async () => {
    try {
      const module = await import('h5wasm/node');
      await module.ready;
      h5 = module;
      for (const listener of listeners) listener();
    } catch {
      // No reader (a broken install): the check stays silent, as it does for missing files.
      failed = true;
    }
  })();
  return loading;
}

/** Names of the layers a Keras file holds weights for (model_config's layers when there are none). */
function readNames(reader: H5, path: string): string[] | undefined {
  const file = new reader.File(path, 'r');
  try {
    const root = file.keys().includes('model_weights') ? (file.get('model_weights') as H5Group) : file;
    const names = attributeList(root, 'layer_names');
    if (names.length) return names;
    const config = attributeText(file, 'model_config');
    if (!config) return undefined;
    const model = JSON.parse(config) as { config?: { layers?: Array<{ name?: string; config?: { name?: string } }> } };
    return (model.config?.layers ?? []).map((l) => l.name ?? l.config?.name ?? '').filter(Boolean);
  } finally {
    file.close();
  }
}

/**
 * The file's layer names; `pending` while the reader loads (call kerasReaderReady and ask
 * again); undefined when the file is not a readable Keras file.
 */
export function kerasLayerNames(path: string): readonly string[] | 'pending' | undefined {
  let stamp: string;
  try {
    const s = statSync(path);
    if (!s.isFile()) return undefined;
    stamp = `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
  const hit = cache.get(path);
  if (hit && hit.stamp === stamp) return hit.names;
  if (!h5) {
    if (failed) return undefined;
    void kerasReaderReady();
    return 'pending';
  }
  let names: string[] | undefined;
  try {
    names = readNames(h5, path);
  } catch {
    names = undefined;
  }
  if (cache.size > 256) cache.clear();
  cache.set(path, { stamp, names });
  return names;
}
