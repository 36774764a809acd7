// The one door to h5wasm (libhdf5 compiled to WebAssembly). The package is ESM-only and its
// module is a 4 MB WebAssembly payload, so CommonJS code reaches it with a dynamic import, and
// only when a .hdf5 file is read or written: checking specs, and runs that only touch tfjs
// folders, never load it. The bundle keeps it external (tools/build.mjs): its node build finds
// itself through import.meta.url, which a CommonJS bundle cannot provide.
export type H5 = typeof import('h5wasm/node', { with: { 'resolution-mode': 'import' } });

let loading: Promise<H5> | undefined;

export function loadH5(): Promise<H5> {
  loading ??= (async () => {
    const h5 = await import('h5wasm/node');
    await h5.ready;
    return h5;
  })();
  return loading;
}
