// TensorFlow.js on WebGPU in Node: Dawn (npm `webgpu`, a prebuilt dawn.node) under
// @tensorflow/tfjs-backend-webgpu. A GPU path that needs only the graphics driver a machine
// already has (Vulkan on Linux, Metal on macOS, D3D12 on Windows), unlike tfjs-node-gpu's
// exact CUDA 11.2 + cuDNN 8.1.
//
// Adapters: a hardware adapter from Dawn's default backend first. Only when software is
// allowed (the user forced --backend webgpu; `auto` never picks one, the CPU path is faster)
// a software adapter is taken: a CPU Vulkan driver on the default backend (lavapipe), else
// Mesa's llvmpipe through Dawn's OpenGL ES backend on a surfaceless EGL display, which offers
// only WebGPU's 'compatibility' feature level. tfjs' own backend factory requests a default
// adapter with neither option, so we register our own factory around the device we found.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type * as tfTypes from '@tensorflow/tfjs';
import { findSharedLibrary } from './native-libs';

type Tf = typeof tfTypes;

// The little of WebGPU's API we touch, typed here so the build needs no @webgpu/types.
interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuDevice {
  lost: Promise<{ reason?: string; message?: string }>;
  limits: Record<string, number>;
  onuncapturederror: ((event: { error?: { message?: string } }) => void) | null;
  destroy(): void;
}
interface GpuAdapter {
  info?: GpuAdapterInfo;
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestDevice(descriptor?: Record<string, unknown>): Promise<GpuDevice>;
}
interface Gpu {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapter | null>;
}
interface Dawn {
  create(flags: string[]): Gpu;
  globals: Record<string, unknown>;
}

/** The adapter the backend runs on, as the log, status.json and the doctor show it. */
export interface WebGpuAdapter {
  /** e.g. "NVIDIA GeForce RTX 4090" or "llvmpipe (LLVM 15.0.6, 256 bits), OpenGL ES 3.2 Mesa 22.3.6". */
  name: string;
  /** A CPU renderer (llvmpipe, lavapipe, SwiftShader): correct but slower than our CPU backends. */
  software: boolean;
  /** Dawn's backend that gave the adapter: `default` (Vulkan/Metal/D3D12) or `opengles`. */
  dawnBackend: 'default' | 'opengles';
  /** WebGPU feature level the device was made at. */
  featureLevel: 'core' | 'compatibility';
}

export class NoAdapterError extends Error {}

const SOFTWARE_NAME = /llvmpipe|lavapipe|softpipe|swiftshader|software/i;

let dawnLoaded: Promise<Dawn> | undefined;

/**
 * Loads dawn.node. The `webgpu` package is an ES module that finds its binary through
 * import.meta.url, so it is imported from node_modules by file URL: a computed specifier that
 * esbuild leaves alone (a literal one would be bundled into dist/engine.js, where
 * import.meta.url is empty), and a real import rather than require(esm), which Node 20 warns about.
 */
export function loadDawn(): Promise<Dawn> {
  dawnLoaded ??= (async () => {
    let entry: string;
    try {
      entry = createRequire(__filename).resolve('webgpu');
    } catch {
      throw new Error('webgpu is not installed');
    }
    const mod = (await import(pathToFileURL(entry).href)) as Partial<Dawn>;
    if (typeof mod.create !== 'function' || !mod.globals) throw new Error(`the webgpu package at ${entry} does not export create() and globals`);
    return mod as Dawn;
  })();
  dawnLoaded.catch(() => (dawnLoaded = undefined));
  return dawnLoaded;
}

function describe(adapter: GpuAdapter, dawnBackend: WebGpuAdapter['dawnBackend'], featureLevel: WebGpuAdapter['featureLevel']): WebGpuAdapter {
  const info = adapter.info ?? {};
  // Vulkan: device "NVIDIA GeForce RTX 4090", description the driver. OpenGL ES: device a slug
  // of the renderer ("llvmpipe-llvm-15-0-6-256-bits-"), description "OpenGL version OpenGL ES 3.2 Mesa 22.3.6".
  const device = (info.device ?? '').replace(/-+$/, '').trim();
  const detail = (info.description ?? '').replace(/^OpenGL version /, '').trim();
  const name =
    (device && detail && detail !== device ? `${device} (${detail})` : device || detail) || [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unnamed adapter';
  const software = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE_NAME.test(name);
  return { name, software, dawnBackend, featureLevel };
}

interface Found {
  gpu: Gpu;
  adapter: GpuAdapter;
  described: WebGpuAdapter;
}

async function request(gpu: Gpu, options: Record<string, unknown>): Promise<GpuAdapter | null> {
  try {
    return await gpu.requestAdapter(options);
  } catch {
    return null;
  }
}

/**
 * On Linux Dawn's native backend is Vulkan: without the Vulkan loader there is no hardware
 * adapter to find, and asking Dawn anyway only prints its warning on every run.
 */
export function vulkanLoaderMissing(): boolean {
  return process.platform === 'linux' && !findSharedLibrary('libvulkan.so.1');
}

/** Finds an adapter: hardware first; a software one only when `allowSoftware`. */
async function findAdapter(dawn: Dawn, allowSoftware: boolean): Promise<Found> {
  const gpu = vulkanLoaderMissing() ? undefined : dawn.create([]);
  const first = gpu ? await request(gpu, { powerPreference: 'high-performance' }) : null;
  const described = first ? describe(first, 'default', 'core') : undefined;
  if (gpu && first && described && !described.software) return { gpu, adapter: first, described };
  if (!allowSoftware) {
    throw new NoAdapterError(
      described
        ? `only a software adapter (${described.name}); auto does not use it (slower than the CPU backends), --backend webgpu forces it`
        : 'no GPU adapter (Dawn found no Vulkan/Metal/D3D12 device; `tao-engine doctor` says what is missing)',
    );
  }
  if (gpu && first && described) return { gpu, adapter: first, described };
  // Mesa llvmpipe over OpenGL ES. EGL must pick its surfaceless platform (no display server);
  // the variable is read when Dawn opens EGL, so it is set before the adapter is requested.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const gles = dawn.create(['backend=opengles']);
  const second = await request(gles, { featureLevel: 'compatibility' });
  if (!second) throw new NoAdapterError('no GPU adapter, and no software adapter either (Vulkan: none; OpenGL ES through EGL: none; `tao-engine doctor` says what is missing)');
  return { gpu: gles, adapter: second, described: describe(second, 'opengles', 'compatibility') };
}

/** Makes `gpu` what tfjs' WebGPU backend sees as navigator.gpu (Node 21+ has a navigator object already). */
function installNavigatorGpu(gpu: Gpu): void {
  const g = globalThis as { navigator?: object };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: `Node.js/${process.versions.node}` }, configurable: true, writable: true });
}

// Limits tfjs' own factory raises to the adapter's maximum (larger buffers, bigger workgroups),
// and the storage buffers a shader may bind, which tfjs leaves at WebGPU's default (8).
const RAISED_LIMITS = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage'];

/**
 * tfjs' WebGPU AddN binds every input in one shader; past the device's storage-buffer limit
 * the pipeline is invalid and the sum silently reads 0 (the regularizer adds one term per
 * kernel: 21 for ResNet-18). This AddN sums at most `limit - 1` inputs per program, in
 * rounds, with the stock kernel.
 */
function chunkAddN(tf: Tf, device: GpuDevice): void {
  const stock = tf.getKernel('AddN', 'webgpu');
  if (!stock) return;
  const maxInputs = Math.max(2, (device.limits.maxStorageBuffersPerShaderStage ?? 8) - 1);
  const run = stock.kernelFunc as (args: { inputs: unknown; backend: unknown; attrs?: unknown }) => tfTypes.TensorInfo;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({
    kernelName: 'AddN',
    backendName: 'webgpu',
    kernelFunc: (({ inputs, backend, attrs }: { inputs: unknown; backend: { disposeData(id: object): void }; attrs?: unknown }) => {
      let level = inputs as tfTypes.TensorInfo[];
      const partial: tfTypes.TensorInfo[] = [];
      while (level.length > maxInputs) {
        const next: tfTypes.TensorInfo[] = [];
        for (let i = 0; i < level.length; i += maxInputs) {
          const chunk = level.slice(i, i + maxInputs);
          if (chunk.length === 1) {
            next.push(chunk[0]);
            continue;
          }
          const sum = run({ inputs: chunk, backend, attrs });
          partial.push(sum);
          next.push(sum);
        }
        level = next;
      }
      const result = run({ inputs: level, backend, attrs });
      // Released once the queued programs that read them have run (the backend defers it).
      for (const t of partial) backend.disposeData(t.dataId);
      return result;
    }) as never,
  });
}

/**
 * A WebGPU error nobody handles (an invalid pipeline, a buffer over a limit) leaves a kernel's
 * output unwritten and training continues on zeros. Say what happened and stop: the results
 * of this run would be wrong.
 */
function failOnDeviceErrors(device: GpuDevice, adapterName: string): void {
  device.onuncapturederror = (event) => {
    const message = (event.error?.message ?? 'unknown error').trim().split('\n')[0];
    process.stderr.write(`error: WebGPU on ${adapterName}: ${message}\nerror: results computed after this error would be wrong; stopping (other backends: tao-engine doctor)\n`);
    process.exit(1);
  };
}

/**
 * Sets up tfjs' `webgpu` backend on the adapter found and makes it the active backend.
 * Throws NoAdapterError when no acceptable adapter exists, and other errors when the
 * packages are missing or the device fails.
 */
export async function loadWebGpu(tf: Tf, allowSoftware: boolean): Promise<WebGpuAdapter> {
  const dawn = await loadDawn();
  // The adapter first: without one (auto on a machine with no GPU) nothing else is touched.
  const { gpu, adapter, described } = await findAdapter(dawn, allowSoftware);
  // GPUBufferUsage, GPUMapMode, ...: tfjs reads them as globals, as in a browser.
  Object.assign(globalThis, dawn.globals);
  // Loaded while navigator.gpu is still unset, so the package registers its kernels but not
  // its own factory (that one would ask for a default adapter); ours is registered below.
  let backendPackage: { WebGPUBackend: new (device: GpuDevice, info?: GpuAdapterInfo) => tfTypes.KernelBackend };
  try {
    backendPackage = require('@tensorflow/tfjs-backend-webgpu') as typeof backendPackage;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND' && e.message.includes("'@tensorflow/tfjs-backend-webgpu'")) throw new Error('@tensorflow/tfjs-backend-webgpu is not installed');
    throw err;
  }
  const { WebGPUBackend } = backendPackage;
  // Kernels registered with another copy of tfjs-core (a version other than ours) would leave
  // every op "not registered for backend 'webgpu'"; say so at once.
  if (!tf.getKernel('Conv2D', 'webgpu')) throw new Error(`@tensorflow/tfjs-backend-webgpu registered no kernels with this @tensorflow/tfjs (${tf.version.tfjs}): install the same version of both`);
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) if (typeof adapter.limits[name] === 'number') requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ requiredLimits });
  failOnDeviceErrors(device, described.name);
  void device.lost.then((why) => {
    if (why.reason !== 'destroyed') process.stderr.write(`error: the WebGPU device was lost (${why.reason ?? 'unknown'}): ${why.message ?? ''}\n`);
  });
  installNavigatorGpu(gpu);
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, adapter.info), 3);
  const ok = await tf.setBackend('webgpu');
  if (!ok) throw new Error(`the webgpu backend failed to initialise on ${described.name}`);
  await tf.ready();
  chunkAddN(tf, device);
  return described;
}
