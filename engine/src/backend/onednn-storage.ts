// Where the onednn backend keeps its tensors: each in its own Float32Array (its own
// ArrayBuffer, in Node's memory), not in a WebAssembly heap. The backend began as the wasm
// backend with oneDNN kernels on top, and wasm32's heap cannot grow past 4 GB: training at
// 224x224 with batch 32 stopped there for 15 of TAO's 18 backbones ("Aborted()" from the wasm
// module). Here a process can hold as many tensors as the machine has memory.
//
// The backend is the pure-JavaScript cpu backend's class (its kernels run whatever oneDNN is
// not given), extended with:
// - allocateFloat32 / float32View, through which the native kernels make their outputs and
//   read their inputs without a copy;
// - a pool of freed float32 arrays by length, bounded by a fixed limit and by the most bytes
//   ever alive at once (poolBound). A training step frees and allocates the same
//   sizes again and again; new ArrayBuffers come zero-filled from the system, so every step
//   would fault in and zero its activations' pages anew, and every freed one waits for a
//   garbage collection, which the external memory also keeps triggering;
// - deterministic release: an array leaving the pool (the pool keeps the most recently freed
//   ones) is freed at once by the addon (its ArrayBuffer detached). Left to V8, that memory waits for a garbage
//   collection, and a training step of a large network frees gigabytes between collections:
//   EfficientNet-B0's step at 224x224 batch 32 held 6.6 GB of arrays for 3.9 GB of live
//   tensors, and B4..B7 met the OOM killer at 24 GB;
// - ownership rules that make reusing an array, and the optimizers' in-place updates, safe:
//   no two tensors (different data ids) ever share one ArrayBuffer, values read out are
//   copies, and values written in from outside (tf.tensor(array)) are copied in.
import type * as tfTypes from '@tensorflow/tfjs';

type Tf = typeof tfTypes;
type TensorInfo = tfTypes.TensorInfo;
type DataType = tfTypes.DataType;
type BackendValues = ReturnType<tfTypes.KernelBackend['readSync']>;

/** The cpu backend's record of one tensor's memory (its own field names). */
interface CpuRecord {
  values?: unknown;
  dtype: DataType;
  refCount: number;
  complexTensorInfos?: unknown;
}

interface CpuDataStorage {
  get(dataId: object): CpuRecord;
  has(dataId: object): boolean;
  numDataIds(): number;
}

/** tfjs-backend-cpu's MathBackendCPU, as far as this subclass uses it. */
interface CpuBackend extends tfTypes.KernelBackend {
  data: CpuDataStorage;
  firstUse: boolean;
  write(values: unknown, shape: number[], dtype: DataType): object;
  move(dataId: object, values: unknown, shape: number[], dtype: DataType, refCount: number): void;
  makeTensorInfo(shape: number[], dtype: DataType, values?: unknown): TensorInfo;
  readSync(dataId: object): BackendValues;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
  refCount(dataId: object): number;
}

/** What the native kernels and the in-place optimizer steps use of the onednn backend. */
export interface NativeStorage extends CpuBackend {
  /** A new float32 tensor of `shape` (contents undefined: the kernel writes every value). */
  allocateFloat32(shape: number[]): TensorInfo;
  /** The tensor's own values, for a kernel to read (inputs) or write (its outputs, in-place steps). */
  float32View(t: { dataId: object }): Float32Array;
  /** Bytes of freed arrays held for reuse. */
  pooledBytes(): number;
  /**
   * Declares that `t`'s values never change while it lives (inference's folded weights), so a
   * native kernel may keep what it derives from them (a filter in oneDNN's layout) under the
   * returned token until the tensor is disposed. Never for variables: optimizers update those
   * in place.
   */
  markConstant(t: { dataId: object }): number;
  /** The token markConstant gave `t`'s memory, or 0. */
  constantToken(t: { dataId: object }): number;
}

/** What the storage asks of the addon. */
export interface StorageHooks {
  /** Frees an array's memory at once (the addon detaches its ArrayBuffer); only given arrays no tensor and no pooled entry holds any more. */
  release(values: Float32Array): void;
  /** Drops whatever native kernels kept for a constant tensor's token. */
  forgetConstant(token: number): void;
}

/**
 * Arrays below this many values are not pooled: V8 allocates them quickly, and a pool of
 * thousands of small per-channel vectors would only cost lookups.
 */
const POOL_MIN_LENGTH = 1024;

/** The pool's bound never falls below this (small models: the pool is then still free to serve a whole step). */
const POOL_FLOOR_BYTES = 64 * 2 ** 20;

/**
 * The most memory freed arrays may hold. A training step's sizes repeat, so the pool settles at
 * what one step frees; the bound keeps shapes that never come back (a last, smaller batch; an
 * evaluation at another batch size) from holding memory for good.
 */
export function poolLimitBytes(totalMemory: number): number {
  return Math.min(2 ** 31, Math.floor(totalMemory / 8));
}

const elements = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** The onednn backend's class, built on the cpu backend's (taken from `tf`, so both share one tfjs core). */
export function onednnBackendClass(tf: Tf, totalMemory: number, hooks: StorageHooks): new () => NativeStorage {
  const cpu = tf.findBackend('cpu') as CpuBackend | null;
  if (!cpu) throw new Error('the cpu backend is not registered (the onednn backend is built on it)');
  const Base = cpu.constructor as new () => CpuBackend;
  const limit = poolLimitBytes(totalMemory);

  class OnednnBackend extends Base implements NativeStorage {
    /** Freed arrays by length. */
    private readonly free = new Map<number, Float32Array[]>();
    /** The same arrays in the order they were freed, oldest first: the first to go when the pool is full. */
    private readonly freedOrder = new Set<Float32Array>();
    private freeBytes = 0;
    /** The most bytes of tensors alive at once so far (all backends; the engine's count), which bounds what the pool can usefully hold. */
    private peakLiveBytes = 0;
    /** The ArrayBuffer of every float32 array a tensor of this backend holds (or the pool does). */
    private readonly owned = new WeakSet<ArrayBufferLike>();
    /** Tokens of constant tensors by data id (markConstant). */
    private readonly constants = new WeakMap<object, number>();
    private lastToken = 0;

    constructor() {
      super();
      // The cpu backend's one-time "install tfjs-node" banner is not ours to print.
      this.firstUse = false;
    }

    allocateFloat32(shape: number[]): TensorInfo {
      const values = this.takeArray(elements(shape));
      return { dataId: super.write(values, shape, 'float32'), shape, dtype: 'float32' };
    }

    float32View(t: { dataId: object }): Float32Array {
      const record = this.data.get(t.dataId);
      if (record.values instanceof Float32Array) return record.values;
      // A float32 record holding another kind of array (a cpu kernel may build one from plain
      // numbers): converted once, in place of the old values.
      if (record.dtype !== 'float32') throw new Error(`onednn: a ${record.dtype} tensor was given to a float32 kernel`);
      const converted = this.takeArray((record.values as ArrayLike<number>).length);
      converted.set(record.values as ArrayLike<number>);
      record.values = converted;
      return converted;
    }

    pooledBytes(): number {
      return this.freeBytes;
    }

    markConstant(t: { dataId: object }): number {
      const known = this.constants.get(t.dataId);
      if (known !== undefined) return known;
      const token = ++this.lastToken;
      this.constants.set(t.dataId, token);
      return token;
    }

    constantToken(t: { dataId: object }): number {
      return this.constants.get(t.dataId) ?? 0;
    }

    /** Values from outside the backend (tf.tensor(array), a file's weights): copied in, so later in-place steps never write into the caller's array. */
    override write(values: unknown, shape: number[], dtype: DataType): object {
      return super.write(this.copyIfFloat32(values, dtype), shape, dtype);
    }

    /** Kernel outputs: fresh arrays are adopted as they are; one that shares memory with another tensor (a contiguous slice is a subarray) is copied. */
    override makeTensorInfo(shape: number[], dtype: DataType, values?: unknown): TensorInfo {
      if (dtype === 'float32' && values instanceof Float32Array) {
        const adopted = this.owned.has(values.buffer) ? this.copyIfFloat32(values, dtype) : values;
        this.owned.add((adopted as Float32Array).buffer);
        return { dataId: super.write(adopted, shape, dtype), shape, dtype };
      }
      return super.makeTensorInfo(shape, dtype, values);
    }

    override move(dataId: object, values: unknown, shape: number[], dtype: DataType, refCount: number): void {
      super.move(dataId, this.copyIfFloat32(values, dtype), shape, dtype, refCount);
    }

    /** A copy, so a caller's array never changes when its tensor's memory is reused or updated in place. */
    override readSync(dataId: object): BackendValues {
      const values = super.readSync(dataId);
      return values instanceof Float32Array && this.owned.has(values.buffer) ? values.slice() : values;
    }

    override disposeData(dataId: object, force = false): boolean {
      const record = this.data.has(dataId) ? this.data.get(dataId) : undefined;
      const released = super.disposeData(dataId, force);
      if (record && !this.data.has(dataId)) {
        const token = this.constants.get(dataId);
        if (token !== undefined) {
          this.constants.delete(dataId);
          hooks.forgetConstant(token);
        }
        this.recycle(record.values);
      }
      return released;
    }

    override memory(): { unreliable: boolean; reasons?: string[] } & Record<string, unknown> {
      return { ...super.memory(), pooledBytes: this.freeBytes };
    }

    override dispose(): void {
      for (const values of this.freedOrder) hooks.release(values);
      this.free.clear();
      this.freedOrder.clear();
      this.freeBytes = 0;
      super.dispose();
    }

    /** A float32 array of `length` values from the pool, else a new one; owned either way. */
    private takeArray(length: number): Float32Array {
      const live = tf.engine().state.numBytes;
      if (live > this.peakLiveBytes) this.peakLiveBytes = live;
      const list = this.free.get(length);
      const reused = list?.pop();
      if (reused) {
        this.freeBytes -= reused.byteLength;
        this.freedOrder.delete(reused);
        if (list!.length === 0) this.free.delete(length);
        return reused;
      }
      const fresh = new Float32Array(length);
      this.owned.add(fresh.buffer);
      return fresh;
    }

    private copyIfFloat32(values: unknown, dtype: DataType): unknown {
      if (dtype !== 'float32' || !(values instanceof Float32Array)) return values;
      const copy = this.takeArray(values.length);
      copy.set(values);
      return copy;
    }

    /**
     * Keeps a freed array for reuse when it is one of ours, whole and big enough, making room by
     * freeing the arrays freed longest ago: what was just freed is what the next step (or the
     * next batch) asks for again, while old entries are sizes of a phase that has ended. (A pool
     * that kept its first 2 GB and freed every later array was full of a training step's
     * gradient sizes when inference began, which then faulted in fresh memory for every
     * activation: EfficientNet-B0's inference fell from 34 to 13 img/s.) Small arrays, and
     * views into a larger buffer (a cpu kernel's output adopted as it came), are left to V8.
     */
    private recycle(values: unknown): void {
      if (!(values instanceof Float32Array) || !this.owned.has(values.buffer)) return;
      if (values.length < POOL_MIN_LENGTH || values.byteOffset !== 0 || values.byteLength !== values.buffer.byteLength) return;
      const bound = this.poolBound();
      if (values.byteLength > bound) {
        hooks.release(values);
        return;
      }
      while (this.freeBytes + values.byteLength > bound) this.evictOldest();
      const list = this.free.get(values.length);
      if (list) list.push(values);
      else this.free.set(values.length, [values]);
      this.freedOrder.add(values);
      this.freeBytes += values.byteLength;
    }

    /**
     * What the pool may hold now: the fixed limit, or less while the process has never had that
     * much alive at once. A step can only take back what it freed, so a pool larger than the
     * most ever alive holds arrays nobody asks for: the cpu backend's kernels allocate their own
     * outputs, and the ones they freed (a classifier's [128, 10] logits and their gradients,
     * ~80 KB per training step) piled up to the 2 GB limit over a 30-epoch Fashion-MNIST run
     * (peak RSS 1.75 GB for 89 MB of live tensors).
     */
    private poolBound(): number {
      return Math.min(limit, Math.max(POOL_FLOOR_BYTES, this.peakLiveBytes));
    }

    /** Frees the pooled array freed longest ago. */
    private evictOldest(): void {
      const oldest = this.freedOrder.values().next().value as Float32Array;
      this.freedOrder.delete(oldest);
      const list = this.free.get(oldest.length)!;
      list.splice(list.indexOf(oldest), 1);
      if (list.length === 0) this.free.delete(oldest.length);
      this.freeBytes -= oldest.byteLength;
      hooks.release(oldest);
    }
  }
  return OnednnBackend;
}
