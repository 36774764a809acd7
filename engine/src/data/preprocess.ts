// Pixel scaling before the network, per TAO's preprocess_mode:
// - tf:    x / 127.5 - 1
// - torch: x / 255, minus ImageNet mean, divided by ImageNet std (RGB)
// - caffe: RGB -> BGR, minus per-channel means in 0..255 (TAO's default)
// image_mean in the spec (keys r/g/b or l) overrides the means for caffe and torch.

export type PreprocessMode = 'tf' | 'caffe' | 'torch';

export interface Preprocessor {
  /** Writes `count` floats from `src` (HWC uint8) into `dst` at `offset`. */
  apply(src: Uint8Array, dst: Float32Array, offset: number): void;
}

/**
 * The same three loops in native code (the onednn addon's preprocess: mode 0 tf, 1 torch with
 * params [means..., stds...], 2 caffe with params the means in output order), giving the same
 * bits: each value in double precision, the same operations in the same order, rounded once to
 * float32. A backend that has them installs them here; below NATIVE_MIN values the call costs
 * more than the loop.
 */
export type NativePreprocess = (mode: 0 | 1 | 2, channels: number, src: Uint8Array, dst: Float32Array, offset: number, params: Float64Array) => void;

let native: NativePreprocess | undefined;
const NATIVE_MIN = 4096;

/** Installs (or, with undefined, removes) the native loops for every preprocessor. */
export function setNativePreprocess(fn: NativePreprocess | undefined): void {
  native = fn;
}

export function makePreprocessor(mode: PreprocessMode, channels: number, imageMean: Record<string, number> = {}): Preprocessor {
  // Channel counts other than 1 and 3 keep the JavaScript loops, whatever they make of them.
  const nativeFor = (mode: 0 | 1 | 2, params: number[]): ((src: Uint8Array, dst: Float32Array, offset: number) => boolean) => {
    const packed = Float64Array.from(params);
    return (src, dst, offset) => {
      if (!native || src.length < NATIVE_MIN || (channels !== 1 && channels !== 3) || !(src instanceof Uint8Array)) return false;
      native(mode, channels, src, dst, offset, packed);
      return true;
    };
  };
  if (mode === 'tf') {
    const fast = nativeFor(0, []);
    return {
      apply(src, dst, offset) {
        if (fast(src, dst, offset)) return;
        for (let i = 0; i < src.length; i++) dst[offset + i] = src[i] / 127.5 - 1;
      },
    };
  }
  if (mode === 'torch') {
    const mean = channels === 1 ? [imageMean.l ?? 0.449 * 255] : [imageMean.r ?? 0.485 * 255, imageMean.g ?? 0.456 * 255, imageMean.b ?? 0.406 * 255];
    const std = channels === 1 ? [0.226 * 255] : [0.229 * 255, 0.224 * 255, 0.225 * 255];
    const fast = nativeFor(1, [...mean, ...std]);
    return {
      apply(src, dst, offset) {
        if (fast(src, dst, offset)) return;
        for (let i = 0; i < src.length; i++) {
          const k = i % channels;
          dst[offset + i] = (src[i] - mean[k]) / std[k];
        }
      },
    };
  }
  // caffe: output channel order B, G, R.
  const bgrMean = channels === 1 ? [imageMean.l ?? 117.3786] : [imageMean.b ?? 103.939, imageMean.g ?? 116.779, imageMean.r ?? 123.68];
  const fast = nativeFor(2, bgrMean);
  return {
    apply(src, dst, offset) {
      if (fast(src, dst, offset)) return;
      if (channels === 1) {
        for (let i = 0; i < src.length; i++) dst[offset + i] = src[i] - bgrMean[0];
        return;
      }
      for (let i = 0; i < src.length; i += 3) {
        dst[offset + i] = src[i + 2] - bgrMean[0];
        dst[offset + i + 1] = src[i + 1] - bgrMean[1];
        dst[offset + i + 2] = src[i] - bgrMean[2];
      }
    },
  };
}
