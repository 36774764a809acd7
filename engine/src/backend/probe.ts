// One backend, checked the way `tao-engine doctor` reports it: does it load and compute here,
// on which device, with which package versions, and when it does not, which piece is missing
// and the command that installs it. The knowledge of each backend's native pieces lives here,
// next to the code that loads them (index.ts, webgpu.ts).
import { existsSync, readFileSync } from 'node:fs';
import type * as tfTypes from '@tensorflow/tfjs';
import { dirname, join } from 'node:path';
import { chooseBackend, type ConcreteBackend } from './index';
import { loadOnednnAddon, OnednnMissing } from './onednn';
import { findSharedLibrary, gpuDeviceNodes, isSoftwareVulkanDriver, mesaEglVendor, mesaSoftwareDriver, missingCudaLibraries, vulkanDrivers } from './native-libs';

/** Versions the project pins (package.json; test/engine/doctor.test.ts keeps them equal). */
export const PINNED = {
  tfjs: '4.22.0',
  webgpu: '0.6.2',
};

export interface BackendReport {
  backend: ConcreteBackend;
  /** Loaded and computed a small product correctly. */
  loads: boolean;
  /** `auto` would take it when it gets that far (a software WebGPU adapter: no). */
  auto: boolean;
  /** Adapter or device name, when the backend knows one. */
  device?: string;
  software?: boolean;
  /** The engine's one-line description (what `backend:` prints at start). */
  description?: string;
  /** Package -> installed version (absent packages are left out). */
  versions: Record<string, string>;
  /** What is missing or wrong, exactly; absent when nothing is. */
  problem?: string;
  /** Commands that install the missing piece, in order. */
  fixes: string[];
  notes: string[];
}

const PACKAGES: Record<ConcreteBackend, string[]> = {
  'tensorflow-gpu': ['@tensorflow/tfjs-node-gpu'],
  webgpu: ['webgpu', '@tensorflow/tfjs-backend-webgpu'],
  tensorflow: ['@tensorflow/tfjs-node'],
  onednn: ['@tensorflow/tfjs-backend-cpu'],
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  cpu: ['@tensorflow/tfjs-backend-cpu'],
};

/** Folder of an installed package, or undefined. Resolved like the engine's own require(). */
function packageDir(name: string): string | undefined {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    try {
      // Packages whose `exports` hide package.json: walk up from the entry point.
      let dir = dirname(require.resolve(name));
      while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
      return dir;
    } catch {
      return undefined;
    }
  }
}

export function packageVersion(name: string): string | undefined {
  const dir = packageDir(name);
  if (!dir) return undefined;
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function firstLine(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).split('\n')[0];
}

function linuxApt(packages: string[]): string {
  return `sudo apt-get install ${packages.join(' ')}`;
}

/** tfjs-node(-gpu): not installed, installed without its addon, or (GPU) without CUDA. */
function explainTensorflow(r: BackendReport, pkg: string, gpu: boolean): void {
  const platform = `${process.platform}-${process.arch}`;
  if (gpu && !['linux-x64', 'win32-x64'].includes(platform)) {
    r.problem = `@tensorflow/tfjs-node-gpu has no build for ${platform} (Linux or Windows x64 with an NVIDIA GPU only)`;
    r.notes.push('webgpu is the GPU path on this machine');
    return;
  }
  if (!r.versions[pkg]) {
    r.problem = `${pkg} is not installed`;
    r.fixes.push(`npm install ${pkg}@${PINNED.tfjs}`);
    r.notes.push('its install script downloads libtensorflow 2.9.1 from storage.googleapis.com (offline mirrors: docs/engine.md)');
    if (gpu) r.notes.push('needs exactly CUDA 11.2 and cuDNN 8.1 at run time (CUDA 12 is not used: it falls back to the CPU)');
    return;
  }
  if (gpu && r.problem?.startsWith('CUDA 11.2')) {
    r.fixes.push('sudo apt-get install cuda-libraries-11-2 libcudnn8=8.1.1.33-1+cuda11.2   # from NVIDIA\'s CUDA apt repository');
    r.fixes.push('export LD_LIBRARY_PATH=/usr/local/cuda-11.2/lib64:$LD_LIBRARY_PATH');
    if (!existsSync('/dev/nvidia0')) r.notes.push('no NVIDIA GPU device (/dev/nvidia0) is visible on this machine');
    return;
  }
  if (r.problem && /tfjs_binding|napi-v\d|Cannot find module|libtensorflow/i.test(r.problem)) {
    r.problem = `${pkg} is installed without its native addon or libtensorflow (its install script downloads them and failed or did not run): ${r.problem}`;
    r.fixes.push(`npm rebuild ${pkg}`);
  }
}

/**
 * What keeps Dawn from a hardware adapter on Linux: a GPU the machine can see, the Vulkan
 * loader, a Vulkan driver for the GPU. The first missing one is the problem; the others are
 * noted, and every fix is listed.
 */
function missingForGpuOnLinux(r: BackendReport): void {
  const missing: string[] = [];
  if (gpuDeviceNodes().length === 0) {
    missing.push('no GPU device is visible (no /dev/dri/renderD*, no /dev/nvidia0; in a container, pass the GPU in: docker run --gpus all, or --device /dev/dri)');
  }
  if (!findSharedLibrary('libvulkan.so.1')) {
    missing.push('libvulkan.so.1 (the Vulkan loader) is not installed');
    r.fixes.push(linuxApt(['libvulkan1']));
  }
  const drivers = vulkanDrivers();
  if (!drivers.some((d) => !isSoftwareVulkanDriver(d))) {
    missing.push(drivers.length === 0 ? 'no Vulkan driver (ICD) is installed' : `only a software Vulkan driver is installed (${drivers.join(', ')})`);
    r.fixes.push("NVIDIA: install NVIDIA's driver with its Vulkan ICD (Debian: sudo apt-get install nvidia-driver nvidia-vulkan-icd)");
    r.fixes.push(`AMD or Intel: ${linuxApt(['mesa-vulkan-drivers'])}`);
  }
  if (missing.length === 0) {
    missing.push('the Vulkan loader, a driver and a GPU device are present, yet Dawn found no adapter (check the driver with `vulkaninfo --summary`, package vulkan-tools)');
  }
  r.problem = `no hardware adapter: ${missing[0]}`;
  r.notes.push(...missing.slice(1).map((m) => `also: ${m}`));
}

/** What the software adapter (Mesa llvmpipe over EGL + OpenGL ES) needs on Linux. */
function missingForSoftwareOnLinux(): string[] {
  const missing: string[] = [];
  if (!findSharedLibrary('libEGL.so.1')) missing.push('libegl1');
  if (!mesaEglVendor()) missing.push('libegl-mesa0');
  if (!findSharedLibrary('libGLESv2.so.2')) missing.push('libgles2');
  if (!mesaSoftwareDriver()) missing.push('libgl1-mesa-dri');
  return missing;
}

function explainWebGpu(r: BackendReport): void {
  if (!r.loads && /is not installed$/.test(r.problem ?? '')) {
    // (A bundled @tensorflow/tfjs-backend-webgpu has no package.json to read a version from,
    // so the load error, not the version list, says what is absent.)
    r.fixes.push(`npm install webgpu@${PINNED.webgpu} @tensorflow/tfjs-backend-webgpu@${PINNED.tfjs}`);
    r.notes.push('in a checkout, in the repository (both are optional dependencies); for the installed extension, in a folder above it (e.g. cd ~ first), where Node looks for packages the bundle does not carry');
    return;
  }
  const dir = packageDir('webgpu');
  const binary = `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`;
  if (dir && !existsSync(join(dir, 'dist', binary, 'dawn.node'))) {
    r.problem = `the webgpu package has no prebuilt dawn.node for ${binary}`;
    return;
  }
  if (r.loads && !r.software) return;
  if (r.loads && r.software) {
    r.notes.push('a software adapter: correct but slower than wasm, so auto skips it; --backend webgpu uses it');
  }
  if (process.platform !== 'linux') {
    r.problem ??= 'Dawn found no adapter (macOS needs Metal, Windows D3D12: update the graphics driver)';
    return;
  }
  // Keep the load error (if any) as a note; the problem names the missing piece.
  const loadError = r.problem;
  missingForGpuOnLinux(r);
  if (loadError && !/^no GPU adapter/.test(loadError)) r.notes.push(`loading said: ${loadError}`);
  if (!r.loads) {
    const soft = missingForSoftwareOnLinux();
    if (soft.length > 0) r.notes.push(`a software adapter (Mesa llvmpipe, for --backend webgpu without a GPU) also needs: ${linuxApt(soft)}`);
  }
}

/** onednn: the library version, ISA and threads when it loads; else the missing piece and its install commands. */
function explainOnednn(r: BackendReport): void {
  try {
    const info = loadOnednnAddon().info();
    r.versions.oneDNN = info.version;
    if (r.loads) r.notes.push(`oneDNN ${info.version} (${info.cpuRuntime}) on ${info.isa}, ${info.threads} threads (--threads N, setting tao.engine.threads)`);
  } catch (err) {
    if (!(err instanceof OnednnMissing)) return;
    r.problem = err.message;
    r.fixes.push(...err.fixes);
  }
}

/** Loads `backend` in this process and reports on it. Run it in a process of its own: loading is one-way. */
export async function probeBackend(backend: ConcreteBackend): Promise<BackendReport> {
  const r: BackendReport = { backend, loads: false, auto: false, versions: {}, fixes: [], notes: [] };
  // In the shipped bundle tfjs has no package.json beside it: ask the bundled copy instead.
  r.versions['@tensorflow/tfjs'] = packageVersion('@tensorflow/tfjs') ?? (require('@tensorflow/tfjs') as typeof tfTypes).version.tfjs;
  for (const pkg of PACKAGES[backend]) {
    const v = packageVersion(pkg);
    if (v) r.versions[pkg] = v;
  }
  try {
    const chosen = await chooseBackend(backend);
    const { tf } = chosen;
    // A real computation, read back: a backend can initialise and still fail at its first kernel.
    const product = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]]));
    const values = Array.from(await product.data());
    product.dispose();
    if (values[0] !== 17 || values[1] !== 39) throw new Error(`computes wrong results ([${values.join(', ')}] for [17, 39])`);
    r.loads = true;
    r.auto = !chosen.software;
    r.device = chosen.device;
    r.software = chosen.software;
    r.description = chosen.description;
  } catch (err) {
    r.problem = firstLine(err).replace(/^backend \S+ is not available: /, '');
  }
  if (backend === 'tensorflow-gpu') explainTensorflow(r, '@tensorflow/tfjs-node-gpu', true);
  else if (backend === 'tensorflow') explainTensorflow(r, '@tensorflow/tfjs-node', false);
  else if (backend === 'webgpu') explainWebGpu(r);
  else if (backend === 'onednn') explainOnednn(r);
  else if (!r.loads) r.fixes.push(`npm install ${PACKAGES[backend][0]}@${PINNED.tfjs}`);
  if (backend === 'tensorflow-gpu' && r.loads && process.platform === 'linux' && missingCudaLibraries().length === 0 && !existsSync('/dev/nvidia0')) {
    r.notes.push('CUDA libraries are present but no NVIDIA GPU device (/dev/nvidia0) is visible');
  }
  return r;
}
