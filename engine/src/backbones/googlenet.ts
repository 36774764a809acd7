// GoogLeNet (Inception v1) as TAO's Keras template builds it for classification and
// detection: conv1 7x7/2, pool1, conv2_reduce 1x1, conv2 3x3, pool2, inception 3a 3b, pool3,
// 4a..4e, 5a 5b. There is no pool4 without TAO's own head, so the output stride is 16
// (stride16 changes nothing); with retain_head, pool4 sits between 4e and 5a (1/32). Layer
// names are TAO's (inception_3a_3x3_reduce, inception_3a_pool_proj_bn, inception_3a_output, ...).
//
// TAO facts kept here: `use_bias` is used as given (even without BN), `use_batch_norm` adds a
// BN after every conv (the LRN its docstring mentions is never built), the activation is
// relu (TAO's classification builder passes it), kernels use Keras' default glorot_uniform.
// freeze_blocks: 0 = the three stem convs, 1..9 = inception 3a, 3b, 4a..4e, 5a, 5b; only
// convs freeze (BN follows freeze_bn alone).
import type * as tfTypes from '@tensorflow/tfjs';
import { BuildContext, type SymT } from './context';
import type { BackboneOptions } from './index';

/** Per inception block: 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool projection. */
const INCEPTION: Array<[string, number[]]> = [
  ['3a', [64, 96, 128, 16, 32, 32]],
  ['3b', [128, 128, 192, 32, 96, 64]],
  ['4a', [192, 96, 208, 16, 48, 64]],
  ['4b', [160, 112, 224, 24, 64, 64]],
  ['4c', [128, 128, 256, 24, 64, 64]],
  ['4d', [112, 144, 288, 32, 64, 64]],
  ['4e', [256, 160, 320, 32, 128, 128]],
  ['5a', [256, 160, 320, 32, 128, 128]],
  ['5b', [384, 192, 384, 48, 128, 128]],
];

function apply(c: BuildContext, layer: tfTypes.layers.Layer, x: SymT | SymT[], tagged = true): SymT {
  return (tagged ? c.tag(layer) : layer).apply(x) as SymT;
}

/** conv (+ BN) + relu; the conv carries `name`, BN `bnName`, the activation `${name}_relu`. */
function unit(c: BuildContext, x: SymT, name: string, bnName: string, filters: number, kernel: number, strides = 1): SymT {
  const tf = c.tf;
  let y = apply(c, tf.layers.conv2d({
    name, filters, kernelSize: kernel, strides, padding: 'same', useBias: c.cfg.useBias,
    kernelInitializer: tf.initializers.glorotUniform({ seed: c.nextSeed() }) as never,
  }), x);
  if (c.cfg.useBatchNorm) {
    y = apply(c, tf.layers.batchNormalization({ name: bnName, axis: -1, momentum: c.cfg.bnMomentum, epsilon: c.cfg.bnEpsilon }), y, false);
  }
  return apply(c, tf.layers.activation({ name: `${name}_relu`, activation: 'relu' }), y);
}

function maxPool(c: BuildContext, x: SymT, name: string, size: number, strides: number): SymT {
  return apply(c, c.tf.layers.maxPooling2d({ name, poolSize: size, strides, padding: 'same' }), x);
}

function inception(c: BuildContext, x: SymT, index: string, f: number[]): SymT {
  const p = `inception_${index}`;
  const b1 = unit(c, x, `${p}_1x1`, `${p}_1x1_bn`, f[0], 1);
  let b2 = unit(c, x, `${p}_3x3_reduce`, `${p}_3x3_reduce_bn`, f[1], 1);
  b2 = unit(c, b2, `${p}_3x3`, `${p}_3x3_bn`, f[2], 3);
  let b3 = unit(c, x, `${p}_5x5_reduce`, `${p}_5x5_reduce_bn`, f[3], 1);
  b3 = unit(c, b3, `${p}_5x5`, `${p}_5x5_bn`, f[4], 5);
  let b4 = maxPool(c, x, `${p}_pool`, 3, 1);
  b4 = unit(c, b4, `${p}_pool_proj`, `${p}_pool_proj_bn`, f[5], 1);
  return apply(c, c.tf.layers.concatenate({ name: `${p}_output`, axis: -1 }), [b1, b2, b3, b4]);
}

export function buildGoogLeNet(c: BuildContext, input: SymT, _opts: BackboneOptions = {}): SymT {
  c.block = 0;
  let x = unit(c, input, 'conv1', 'bn_conv1', 64, 7, 2);
  x = maxPool(c, x, 'pool1', 2, 2);
  x = unit(c, x, 'conv2_reduce', 'bn_conv2_reduce', 64, 1);
  x = unit(c, x, 'conv2', 'bn_conv2', 192, 3);
  x = maxPool(c, x, 'pool2', 2, 2);
  INCEPTION.forEach(([index, filters], i) => {
    c.block = i + 1;
    x = inception(c, x, index, filters);
    if (index === '3b') x = maxPool(c, x, 'pool3', 2, 2);
    // TAO adds pool4 (1/32) only in front of its own head (retain_head).
    if (index === '4e' && c.cfg.retainHead) x = maxPool(c, x, 'pool4', 2, 2);
  });
  return x;
}
