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

export function makePreprocessor(mode: PreprocessMode, channels: number, imageMean: Record<string, number> = {}): Preprocessor {
  if (mode === 'tf') {
    return {
      apply(src, dst, offset) {
        for (let i = 0; i < src.length; i++) dst[offset + i] = src[i] / 127.5 - 1;
      },
    };
  }
  if (mode === 'torch') {
    const mean = channels === 1 ? [imageMean.l ?? 0.449 * 255] : [imageMean.r ?? 0.485 * 255, imageMean.g ?? 0.456 * 255, imageMean.b ?? 0.406 * 255];
    const std = channels === 1 ? [0.226 * 255] : [0.229 * 255, 0.224 * 255, 0.225 * 255];
    return {
      apply(src, dst, offset) {
        for (let i = 0; i < src.length; i++) {
          const k = i % channels;
          dst[offset + i] = (src[i] - mean[k]) / std[k];
        }
      },
    };
  }
  // caffe: output channel order B, G, R.
  const bgrMean = channels === 1 ? [imageMean.l ?? 117.3786] : [imageMean.b ?? 103.939, imageMean.g ?? 116.779, imageMean.r ?? 123.68];
  return {
    apply(src, dst, offset) {
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
