// Which model files are Keras HDF5, and the clear refusal for TAO's encrypted formats. Facts
// from NVIDIA's tao_tensorflow1_backend: `.tlt` is a Keras HDF5 file encrypted with the key given
// by `-k` (nvidia_tao_tf1/encoding; model_io decrypts it before keras.models.load_model);
// `.etlt` is an exported, encrypted inference graph (UFF or ONNX) for TensorRT / DeepStream,
// not a trainable model; `.hdf5` (TAO 5's checkpoints and NGC's pretrained models) is plain.
import { existsSync } from 'node:fs';
import { EngineError } from '../../tasks/types';
import { isHdf5 } from './keras-file';

/** Extensions that name a Keras model file rather than a tfjs model folder. */
export function isKerasModelPath(path: string): boolean {
  return /\.(hdf5|h5|keras|tlt|etlt)$/i.test(path);
}

/** Throws an EngineError with the way out when `path` is not a plain Keras HDF5 file. */
export function assertReadableKerasFile(path: string): void {
  if (!existsSync(path)) throw new EngineError(`model not found: ${path}`);
  if (/\.etlt$/i.test(path)) {
    throw new EngineError(
      `${path} is an .etlt: TAO's exported, encrypted inference graph for TensorRT/DeepStream, not a trainable Keras model. ` +
        'Use the .hdf5 (or .tlt) it was exported from; TAO 5 keeps trained models as .hdf5 in RESULTS/weights.',
    );
  }
  if (isHdf5(path)) return; // a .tlt written with encryption off is plain HDF5 too
  if (/\.tlt$/i.test(path)) {
    throw new EngineError(
      `${path} is an encrypted TAO model (.tlt: Keras HDF5 encrypted with the -k key), which the engine cannot decrypt. ` +
        "Decrypt it once in TAO's TF1 container: python3 -c \"from nvidia_tao_tf1.cv.common.utils import decode_to_keras; " +
        `decode_to_keras('${path}', b'YOUR_KEY', compile_model=False).save('model.hdf5')\", ` +
        'then point the spec (or -m) at model.hdf5; or download the TAO 5 version of the NGC model, which is a plain .hdf5.',
    );
  }
  throw new EngineError(`${path} is not an HDF5 file (no HDF5 signature); give a Keras .hdf5 model or a tfjs model folder`);
}
