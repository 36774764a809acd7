// The one place that decides which TensorFlow.js backend runs. Tasks receive the chosen `tf`
// namespace and never import a backend package themselves, so a new backend (WebGPU, native
// CPU kernels) is one more entry in CANDIDATES.
//
// Order for `auto`: tfjs-node-gpu (CUDA) -> tfjs-node (libtensorflow) -> wasm (XNNPACK, SIMD)
// -> cpu (pure JS). The first two are optional packages that only load where their native
// library was installed; failures there are expected and only reported with --verbose.
import type * as tfTypes from '@tensorflow/tfjs';
import { registerBackpropKernels } from '../kernels/backprop';
import { registerBatchNormGradient } from '../kernels/batchnorm-grad';

type Tf = typeof tfTypes;

export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface ChosenBackend {
  tf: Tf;
  /** tfjs backend name actually active (`tensorflow`, `wasm`, `cpu`). */
  name: string;
  /** Human-readable description printed at start. */
  description: string;
  /** Why earlier candidates were skipped (for --verbose). */
  skipped: string[];
}

interface Candidate {
  choice: Exclude<BackendChoice, 'auto'>;
  load(): Promise<{ tf: Tf; name: string; description: string }>;
}

// Quiet the pure JS backend's "install the node backend" banner (printed on its first
// write): we already tried the node backend and say so ourselves. (tfjs' IS_TEST flag would
// also hide it, but it turns on kernel leak checks that misfire on fused ops.)
function quietCpuBanner(tf: Tf): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

const CANDIDATES: Candidate[] = [
  {
    choice: 'tensorflow-gpu',
    async load() {
      const tf = require('@tensorflow/tfjs-node-gpu') as Tf;
      await tf.setBackend('tensorflow');
      return { tf, name: 'tensorflow', description: 'tfjs-node-gpu (libtensorflow with CUDA)' };
    },
  },
  {
    choice: 'tensorflow',
    async load() {
      const tf = require('@tensorflow/tfjs-node') as Tf;
      await tf.setBackend('tensorflow');
      return { tf, name: 'tensorflow', description: 'tfjs-node (libtensorflow, CPU)' };
    },
  },
  {
    choice: 'wasm',
    async load() {
      const tf = require('@tensorflow/tfjs') as Tf;
      require('@tensorflow/tfjs-backend-wasm');
      const added = registerBackpropKernels(
        tf,
        'wasm',
        ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'],
        false,
      );
      // The stock wasm Conv2DBackpropInput is a scalar loop: replace it with an XNNPACK conv.
      added.push(...registerBackpropKernels(tf, 'wasm', ['Conv2DBackpropInput'], true));
      registerBatchNormGradient(tf);
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
export async function chooseBackend(choice: BackendChoice = 'auto'): Promise<ChosenBackend> {
  const skipped: string[] = [];
  const list = choice === 'auto' ? CANDIDATES : CANDIDATES.filter((c) => c.choice === choice);
  for (const candidate of list) {
    try {
      const got = await candidate.load();
      return { ...got, skipped };
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0];
      if (choice !== 'auto') throw new Error(`backend ${candidate.choice} is not available: ${reason}`);
      skipped.push(`${candidate.choice}: ${reason}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be loaded (${skipped.join('; ')})`);
}
