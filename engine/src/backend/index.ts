// The one place that decides which TensorFlow.js backend runs. Tasks receive the chosen `tf`
// namespace and never import a backend package themselves, so a new backend (native CPU
// kernels, ...) is one more entry in CANDIDATES.
//
// Order for `auto`: tfjs-node-gpu (CUDA) -> webgpu on a hardware adapter (Dawn: Vulkan, Metal,
// D3D12) -> tfjs-node (libtensorflow) -> onednn (oneDNN kernels on the wasm backend's memory,
// onednn.ts) -> wasm (XNNPACK, SIMD) -> cpu (pure JS). The native ones
// are optional packages that only load where their native pieces are installed; failures there
// are expected and only reported with --verbose (`tao-engine doctor` explains each one).
// A software WebGPU adapter (llvmpipe, lavapipe) is slower than wasm: only an explicit
// `--backend webgpu` uses it.
import { totalmem } from 'node:os';
import type * as tfTypes from '@tensorflow/tfjs';
import { registerBackpropKernels } from '../kernels/backprop';
import { registerBatchNormGradient } from '../kernels/batchnorm-grad';
import { gpuDeviceNodes, missingCudaLibraries } from './native-libs';
import { releaseBackpropMemoryEarly } from '../train/early-release';
import { loadOnednnAddon, OnednnMissing, ONEDNN_KERNELS, registerOnednnBackend, setOnednnThreads } from './onednn';
import { loadWebGpu, vulkanLoaderMissing } from './webgpu';
import { useShippedWasmFiles } from './wasm-paths';

type Tf = typeof tfTypes;

export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'onednn', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface ChosenBackend {
  tf: Tf;
  /** tfjs backend name actually active (`tensorflow`, `webgpu`, `wasm`, `cpu`). */
  name: string;
  /** Human-readable description printed at start. */
  description: string;
  /** The GPU adapter, for backends that know it (webgpu). */
  device?: string;
  /** The device is a CPU renderer posing as a GPU (a software WebGPU adapter). */
  software?: boolean;
  /** Why earlier candidates were skipped (for --verbose). */
  skipped: string[];
  /** Threads the backend computes with, where it has a choice (onednn). */
  threads?: number;
}

export interface BackendOptions {
  /** Threads for backends that use several (onednn); default: every core. */
  threads?: number;
}

export type ConcreteBackend = Exclude<BackendChoice, 'auto'>;

interface Loaded {
  tf: Tf;
  name: string;
  description: string;
  device?: string;
  software?: boolean;
  threads?: number;
}

interface Candidate {
  choice: ConcreteBackend;
  /** `explicit`: the user named this backend (a software WebGPU adapter is acceptable then). */
  load(explicit: boolean, options: BackendOptions): Promise<Loaded>;
}

/**
 * Loads the wasm backend package with the gradient kernels the engine adds to it; returns
 * their names.
 */
function prepareWasm(tf: Tf): string[] {
  useShippedWasmFiles(require('@tensorflow/tfjs-backend-wasm'));
  const added = registerBackpropKernels(
    tf,
    'wasm',
    ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'],
    false,
  );
  // The stock wasm Conv2DBackpropInput is a scalar loop: replace it with an XNNPACK conv.
  added.push(...registerBackpropKernels(tf, 'wasm', ['Conv2DBackpropInput'], true));
  registerBatchNormGradient(tf);
  return added;
}

// Quiet the pure JS backend's "install the node backend" banner (printed on its first
// write): we already tried the node backend and say so ourselves. (tfjs' IS_TEST flag would
// also hide it, but it turns on kernel leak checks that misfire on fused ops.)
function quietCpuBanner(tf: Tf): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

/** Throws a plain "not installed" error before a require() that would say much less. */
function requirePresent(pkg: string): void {
  try {
    require.resolve(pkg);
  } catch {
    throw new Error(`${pkg} is not installed`);
  }
}

const CANDIDATES: Candidate[] = [
  {
    choice: 'tensorflow-gpu',
    async load() {
      requirePresent('@tensorflow/tfjs-node-gpu');
      // Without these libtensorflow silently runs every op on the CPU (the usual story on
      // machines with CUDA 12): better to skip to the next GPU path than to pretend.
      const missing = process.platform === 'linux' ? missingCudaLibraries() : [];
      if (missing.length > 0) throw new Error(`CUDA 11.2 / cuDNN 8.1 libraries not found (${missing.join(', ')}); tfjs-node-gpu would run on the CPU`);
      const tf = require('@tensorflow/tfjs-node-gpu') as Tf;
      await tf.setBackend('tensorflow');
      return { tf, name: 'tensorflow', description: 'tfjs-node-gpu (libtensorflow with CUDA)' };
    },
  },
  {
    choice: 'webgpu',
    async load(explicit) {
      // Checked before loading Dawn (a 20 MB native module) for nothing.
      if (!explicit && vulkanLoaderMissing()) throw new Error('no GPU adapter: libvulkan.so.1 (the Vulkan loader) is not installed');
      // Nor when no GPU device node is visible (a headless server, a container without GPU
      // passthrough): Dawn would only find a software renderer, after printing the Vulkan
      // drivers' start-up warnings into every run's output.
      if (!explicit && process.platform === 'linux' && gpuDeviceNodes().length === 0) throw new Error('no GPU adapter: no GPU device is visible (/dev/dri/renderD*, /dev/nvidia0, /dev/dxg)');
      const tf = require('@tensorflow/tfjs') as Tf;
      // The same gradient as the CPU backends (no Tile of the activations); gradients are
      // registered per kernel, not per backend.
      registerBatchNormGradient(tf);
      const adapter = await loadWebGpu(tf, explicit);
      const kind = adapter.software ? 'software adapter, slower than wasm' : 'GPU';
      const level = adapter.featureLevel === 'compatibility' ? ', compatibility mode' : '';
      return { tf, name: 'webgpu', description: `webgpu on ${adapter.name}; Dawn ${adapter.dawnBackend === 'opengles' ? 'OpenGL ES' : 'native'} backend${level}; ${kind}`, device: adapter.name, software: adapter.software };
    },
  },
  {
    choice: 'tensorflow',
    async load() {
      requirePresent('@tensorflow/tfjs-node');
      const tf = require('@tensorflow/tfjs-node') as Tf;
      await tf.setBackend('tensorflow');
      return { tf, name: 'tensorflow', description: 'tfjs-node (libtensorflow, CPU)' };
    },
  },
  {
    choice: 'onednn',
    async load(_explicit, options) {
      // The addon first: when oneDNN or the build is missing, nothing of tfjs is touched.
      let addon;
      try {
        addon = loadOnednnAddon();
      } catch (err) {
        // One line that also says how to get it (`--backend onednn` fails with exactly this).
        if (err instanceof OnednnMissing) throw new Error(`${err.message}; install: ${err.fixes[0].replace(/\s+#.*$/, '')}`);
        throw err;
      }
      const tf = require('@tensorflow/tfjs') as Tf;
      // The cpu backend's kernels are the fallbacks of the native ones; its Conv2DBackpropFilter
      // is the engine's (the stock one is a scalar loop).
      registerBackpropKernels(tf, 'cpu', ['Conv2DBackpropFilter'], true);
      registerBatchNormGradient(tf);
      registerOnednnBackend(tf, addon, totalmem());
      const threads = setOnednnThreads(addon, options.threads);
      const ok = await tf.setBackend('onednn');
      if (!ok) throw new Error('onednn backend failed to initialise');
      await tf.ready();
      const info = addon.info();
      return {
        tf,
        name: 'onednn',
        threads,
        description: `onednn (oneDNN ${info.version}, ${info.isa}, ${info.cpuRuntime}, ${threads} thread${threads === 1 ? '' : 's'}; ${ONEDNN_KERNELS.length} native kernels, the rest the cpu backend's)`,
      };
    },
  },
  {
    choice: 'wasm',
    async load() {
      const tf = require('@tensorflow/tfjs') as Tf;
      const added = prepareWasm(tf);
      const ok = await tf.setBackend('wasm');
      if (!ok) throw new Error('wasm backend failed to initialise');
      await tf.ready();
      return { tf, name: 'wasm', description: `wasm (XNNPACK, SIMD; engine gradient kernels: ${added.join(', ') || 'none needed'})` };
    },
  },
  {
    choice: 'cpu',
    async load() {
      const tf = require('@tensorflow/tfjs') as Tf;
      registerBackpropKernels(tf, 'cpu', ['Conv2DBackpropFilter'], true);
      registerBatchNormGradient(tf);
      const ok = await tf.setBackend('cpu');
      if (!ok) throw new Error('cpu backend failed to initialise');
      quietCpuBanner(tf);
      return { tf, name: 'cpu', description: 'cpu (pure JavaScript; slow, last resort)' };
    },
  },
];

export function isBackendChoice(value: string): value is BackendChoice {
  return (BACKEND_CHOICES as readonly string[]).includes(value);
}

/** Loads the requested backend, or the first that works for `auto`. Throws when an explicit choice fails. */
export async function chooseBackend(choice: BackendChoice = 'auto', options: BackendOptions = {}): Promise<ChosenBackend> {
  const skipped: string[] = [];
  const list = choice === 'auto' ? CANDIDATES : CANDIDATES.filter((c) => c.choice === choice);
  for (const candidate of list) {
    try {
      const got = await candidate.load(choice !== 'auto', options);
      releaseBackpropMemoryEarly(got.tf);
      return { ...got, skipped };
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0];
      if (choice !== 'auto') throw new Error(`backend ${candidate.choice} is not available: ${reason}`);
      skipped.push(`${candidate.choice}: ${reason}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be loaded (${skipped.join('; ')})`);
}

/** What status.json and the panels show: the backend, and its adapter when it has one. */
export function backendLabel(chosen: Pick<ChosenBackend, 'name' | 'device' | 'software'>): string {
  if (!chosen.device) return chosen.name;
  return `${chosen.name} (${chosen.device}${chosen.software ? ', software' : ''})`;
}

/** `auto`'s order; a software WebGPU adapter does not count for it. */
export const AUTO_ORDER: readonly ConcreteBackend[] = CANDIDATES.map((c) => c.choice);
