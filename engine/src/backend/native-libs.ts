// Where the native libraries a backend loads at run time would come from. The dynamic loader
// finds a library through LD_LIBRARY_PATH, then its cache (/etc/ld.so.cache, listed by
// `ldconfig -p`), then the default folders; we look in the same places, so that a backend
// can say which library is missing instead of failing deep inside a native module, and the
// doctor can name the package that provides it. Linux only: elsewhere the answer is unknown.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const DEFAULT_DIRS = ['/lib', '/usr/lib', '/lib64', '/usr/lib64', '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu'];

let cache: Map<string, string> | undefined;

/** soname -> path from the loader's cache (empty when ldconfig is not there). */
function loaderCache(): Map<string, string> {
  if (cache) return cache;
  cache = new Map();
  for (const bin of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      const text = execFileSync(bin, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
      // "	libvulkan.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libvulkan.so.1"
      for (const m of text.matchAll(/^\s*(\S+)\s+\([^)]*\)\s+=>\s+(\S+)\s*$/gm)) if (!cache.has(m[1])) cache.set(m[1], m[2]);
      break;
    } catch {
      // Try the next location; no ldconfig at all leaves only the folder scan.
    }
  }
  return cache;
}

/**
 * Path the dynamic loader would use for `soname` (e.g. `libvulkan.so.1`), or undefined when
 * it is not found. Returns undefined on other operating systems too: check `process.platform`.
 */
export function findSharedLibrary(soname: string): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const fromEnv = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  for (const dir of fromEnv) if (existsSync(join(dir, soname))) return join(dir, soname);
  const cached = loaderCache().get(soname);
  if (cached) return cached;
  for (const dir of DEFAULT_DIRS) if (existsSync(join(dir, soname))) return join(dir, soname);
  return undefined;
}

/** Files in the first folders that exist, e.g. Vulkan's driver manifests. */
function filesIn(dirs: string[], suffix: string): string[] {
  const found: string[] = [];
  for (const dir of dirs) {
    try {
      for (const name of readdirSync(dir)) if (name.endsWith(suffix)) found.push(join(dir, name));
    } catch {
      // Missing folder: nothing installed there.
    }
  }
  return found;
}

/** Vulkan drivers (ICD manifests) the Vulkan loader would read. */
export function vulkanDrivers(): string[] {
  const fromEnv = (process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES ?? '').split(':').filter(Boolean);
  if (fromEnv.length > 0) return fromEnv.filter((f) => existsSync(f));
  return filesIn(['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d'], '.json');
}

/** A Vulkan driver manifest that describes a CPU renderer (Mesa's lavapipe, SwiftShader). */
export function isSoftwareVulkanDriver(manifest: string): boolean {
  return /lvp_icd|lavapipe|swiftshader/i.test(manifest);
}

/** GPU device nodes the kernel exposes (none inside a container without GPU passthrough). */
export function gpuDeviceNodes(): string[] {
  const nodes: string[] = [];
  try {
    for (const name of readdirSync('/dev/dri')) if (name.startsWith('renderD')) nodes.push(`/dev/dri/${name}`);
  } catch {
    // No DRM devices.
  }
  if (existsSync('/dev/nvidia0')) nodes.push('/dev/nvidia0');
  // WSL 2 exposes the Windows GPU through one paravirtual device (Mesa's d3d12/dozen drivers).
  if (existsSync('/dev/dxg')) nodes.push('/dev/dxg');
  return nodes;
}

/** Mesa's EGL vendor manifest for libglvnd (Debian's libegl-mesa0). */
export function mesaEglVendor(): string | undefined {
  return filesIn(['/etc/glvnd/egl_vendor.d', '/usr/share/glvnd/egl_vendor.d'], '.json').find((f) => /mesa/i.test(f));
}

/** Mesa's software rasterizer DRI driver (Debian's libgl1-mesa-dri), used by llvmpipe over EGL. */
export function mesaSoftwareDriver(): string | undefined {
  const dirs = ['/usr/lib/x86_64-linux-gnu/dri', '/usr/lib/aarch64-linux-gnu/dri', '/usr/lib64/dri', '/usr/lib/dri'];
  for (const dir of dirs) if (existsSync(join(dir, 'swrast_dri.so'))) return join(dir, 'swrast_dri.so');
  return undefined;
}

/**
 * The CUDA 11.2 / cuDNN 8.1 libraries libtensorflow 2.9 (tfjs-node-gpu 4.x) opens. When any is
 * missing it logs a warning and runs every op on the CPU, so a present package proves nothing.
 */
export const CUDA_LIBRARIES = ['libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11', 'libcudnn.so.8'];

export function missingCudaLibraries(): string[] {
  return CUDA_LIBRARIES.filter((lib) => !findSharedLibrary(lib));
}
