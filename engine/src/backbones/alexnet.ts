// AlexNet as TAO's Keras template builds it without its own head: five convs with a fused
// relu (conv1 96 11x11/4, conv2 256 5x5, conv3 384, conv4 384, conv5 256, all 'same' with a
// bias) and 3x3/2 max-pools after conv1 and conv2, so the output stride is 16. No LRN and no
// BN: TAO's template has neither, and ignores use_bias / use_batch_norm for AlexNet. TAO's
// fc6/fc7/head_fc8 exist only with retain_head (heads.ts; freeze blocks 6..8).
// freeze_blocks: 1..5 = conv1..conv5 (TAO numbers them from 1 here).
import { BuildContext, type SymT } from './context';
import type { BackboneOptions } from './index';

/** (filters, kernel, stride, max-pool after) per conv. */
const CONVS: Array<[number, number, number, boolean]> = [
  [96, 11, 4, true], [256, 5, 1, true], [384, 3, 1, false], [384, 3, 1, false], [256, 3, 1, false],
];

export function buildAlexNet(c: BuildContext, input: SymT, _opts: BackboneOptions = {}): SymT {
  const tf = c.tf;
  let x = input;
  CONVS.forEach(([filters, kernel, strides, pool], i) => {
    const n = i + 1;
    c.block = n;
    const conv = tf.layers.conv2d({
      name: `conv${n}`, filters, kernelSize: kernel, strides, padding: 'same', useBias: true, activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: c.nextSeed() }) as never,
    });
    x = c.tag(conv).apply(x) as SymT;
    if (pool) x = c.tag(tf.layers.maxPooling2d({ name: `pool${n}`, poolSize: 3, strides: 2, padding: 'same' })).apply(x) as SymT;
  });
  return x;
}
