// TensorRT's text calibration cache: a header naming the TensorRT version and calibrator,
// then "tensor: scale" lines where the scale (dynamic range / 127) is written as the
// big-endian hex of its float32 bits. onnxruntime's TensorRT provider reads the same file.

export type CalibrationAlgorithm = 'entropy' | 'minmax';

/** TensorRT 8.5.1 -> 8501: the version number the header carries. */
export const TRT_VERSION_TAG = 8501;

export function cacheHeader(algo: CalibrationAlgorithm, version = TRT_VERSION_TAG): string {
  return `TRT-${version}-${algo === 'entropy' ? 'EntropyCalibration2' : 'MinMaxCalibration'}`;
}

/** Hex of float32(range / 127): range 1.0 -> "3c010204". */
export function scaleHex(range: number): string {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, range / 127, false);
  return view.getUint32(0, false).toString(16).padStart(8, '0');
}

export function parseScaleHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, parseInt(hex, 16), false);
  return view.getFloat32(0, false);
}

/**
 * The range written for a tensor that was zero on every calibration image (a ReLU that never
 * fired): a scale of 0 would make TensorRT divide by zero when it quantizes, while any positive
 * scale quantizes zeros to zero, so the smallest range a float32 scale still holds exactly.
 */
export const MIN_RANGE = 127 * 2 ** -126;

export function formatCalibrationCache(ranges: Map<string, number>, algo: CalibrationAlgorithm): string {
  const lines = [cacheHeader(algo)];
  for (const [name, range] of ranges) lines.push(`${name}: ${scaleHex(range > MIN_RANGE ? range : MIN_RANGE)}`);
  return lines.join('\n') + '\n';
}

export function parseCalibrationCache(text: string): { header: string; scales: Map<string, number> } {
  const [header, ...rest] = text.trimEnd().split('\n');
  const scales = new Map<string, number>();
  for (const line of rest) {
    const at = line.lastIndexOf(': ');
    scales.set(line.slice(0, at), parseScaleHex(line.slice(at + 2)));
  }
  return { header, scales };
}
