// retain_head: the ImageNet-style heads TAO's Keras templates build themselves when
// classification_tf1's model_config.retain_head is true (makenet's model_builder passes it on
// as the template's `add_head` and then skips its own avg_pool + flatten + `predictions`).
// Facts per template (nvidia_tao_tf1/core/templates/*.py in NVIDIA's tao_tensorflow1_backend):
//
// - resnet: the template's own output (with use_pooling its 7x7/7 "same" average pool), then
//   utils.add_dense_head: Flatten + Dense(nclasses, softmax) named `head_fc<nclasses>`.
//   Without use_pooling the 1/16 map is flattened as it is (no pooling at all).
// - vgg: block5_pool (2x2/2 "same" max-pool, only with use_pooling; without it the 1/16 map is
//   flattened as it is), Flatten `flatten`, Dense 4096 relu `fc1`, Dropout,
//   Dense 4096 relu `fc2`, Dropout (both only when dropout > 0; the spec's dropout), Dense
//   softmax `output_fc`.
// - alexnet: Flatten of conv5 (1/16, no pool5), Dense 4096 relu `fc6`, `fc7`, softmax
//   `head_fc8`; freeze_blocks 6, 7, 8 freeze them.
// - squeezenet: Dropout `fire9_dropout` (makenet passes a fixed 1e-3, whatever the spec
//   says), 1x1 conv `conv10` with a bias, relu `conv10_relu`, global average pool `pool10`,
//   softmax activation `output`.
// - googlenet: pool4 between 4e and 5a (googlenet.ts), AveragePooling2D 7x7 stride 1 "same"
//   `avg_pool` (it keeps the map's size, so the Dense sees H/32 x W/32 x 1024), Flatten
//   `flatten`, Dropout 0.4, Dense softmax `output_fc`.
// - mobilenet_v1 / v2: AveragePooling2D 7x7 "valid" (stride 7), Flatten `flatten_1`, v1 a
//   Dropout `dropout` (makenet passes rate 0.0), Dense softmax `predictions`. The pool needs a
//   7x7 map: at the classification stride of 32 that is an input of at least 193 (224 in TAO).
// - efficientnet_b0..b7: AveragePooling2D over the whole map `avg_pool`, Flatten `flatten`,
//   Dropout `top_dropout` at the variant's rate (0.2 B0/B1, 0.3 B2/B3, 0.4 B4/B5, 0.5 B6/B7),
//   Dense softmax `predictions` with the EfficientNet dense initializer.
// - darknet / cspdarknet / cspdarknet_tiny: GlobalAveragePooling2D `avgpool`, Dense softmax
//   `predictions` (the comment there about stride 32 describes no code; the trunk is unchanged).
//
// Where TAO leaves a weightless layer (Flatten, Dropout, a pool) to Keras' automatic naming,
// a fixed name is used here; weights load by name, so only the weighted layers' names matter.
import type * as tfTypes from '@tensorflow/tfjs';
import type { BuildContext, SymT } from './context';

/** EfficientNet's top dropout rate per variant (the third argument TAO passes to EfficientNet()). */
const EFFICIENTNET_TOP_DROPOUT: Record<string, number> = {
  efficientnet_b0: 0.2,
  efficientnet_b1: 0.2,
  efficientnet_b2: 0.3,
  efficientnet_b3: 0.3,
  efficientnet_b4: 0.4,
  efficientnet_b5: 0.4,
  efficientnet_b6: 0.5,
  efficientnet_b7: 0.5,
};

/** The dropout TAO's own GoogLeNet head always uses. */
const GOOGLENET_HEAD_DROPOUT = 0.4;
/** The dropout makenet's get_squeezenet always hands SqueezeNet's head. */
const SQUEEZENET_HEAD_DROPOUT = 1e-3;
/** Width of the hidden dense layers in TAO's VGG and AlexNet heads. */
const HIDDEN_FC = 4096;

/** Smallest input side the retained head builds at, where it needs more than the trunk does. */
export function retainedHeadMinInput(arch: string): number {
  // MobileNet's 7x7 "valid" pool at stride 32: ceil(side / 32) must reach 7.
  return arch === 'mobilenet_v1' || arch === 'mobilenet_v2' ? 193 : 0;
}

class HeadBuilder {
  constructor(readonly c: BuildContext, readonly classes: number) {}

  get tf(): BuildContext['tf'] {
    return this.c.tf;
  }

  apply(layer: tfTypes.layers.Layer, x: SymT, block?: number): SymT {
    // Only AlexNet's fc layers have freeze block numbers in TAO; other head layers stay untagged.
    if (block !== undefined) {
      this.c.block = block;
      this.c.tag(layer);
    }
    return layer.apply(x) as SymT;
  }

  flatten(x: SymT, name = 'flatten'): SymT {
    return this.apply(this.tf.layers.flatten({ name }), x);
  }

  dropout(x: SymT, name: string, rate: number): SymT {
    return this.apply(this.tf.layers.dropout({ name, rate }), x);
  }

  dense(x: SymT, name: string, units: number, activation: 'relu' | 'softmax', block?: number, init?: tfTypes.serialization.Serializable): SymT {
    const kernelInitializer = init ?? this.tf.initializers.glorotUniform({ seed: this.c.nextSeed() });
    return this.apply(this.tf.layers.dense({ name, units, activation, kernelInitializer: kernelInitializer as never }), x, block);
  }

  /** AveragePooling2D over the whole map ("valid"), as TAO's EfficientNet head and makenet's dense head do. */
  poolWholeMap(x: SymT, name: string): SymT {
    const [h, w] = (x.shape as number[]).slice(1, 3);
    return this.apply(this.tf.layers.averagePooling2d({ name, poolSize: [h, w], strides: [h, w], padding: 'valid' }), x);
  }
}

/**
 * Builds `arch`'s own head on top of the trunk's output `x` (what TAO builds with
 * retain_head: true) and returns the softmax output.
 */
export function buildRetainedHead(c: BuildContext, x: SymT, classes: number): SymT {
  const h = new HeadBuilder(c, classes);
  const tf = c.tf;
  const arch = c.cfg.arch;
  c.block = Number.MAX_SAFE_INTEGER;
  if (arch === 'resnet') {
    return h.dense(h.flatten(x), `head_fc${classes}`, classes, 'softmax');
  }
  if (arch === 'vgg') {
    // The trunk ends at 1/16 (vgg.ts); TAO's head adds block5_pool only with use_pooling, and
    // without it flattens the 1/16 map as it is.
    let y = x;
    if (c.cfg.usePooling) y = h.apply(tf.layers.maxPooling2d({ name: 'block5_pool', poolSize: 2, strides: 2, padding: 'same' }), y);
    y = h.dense(h.flatten(y), 'fc1', HIDDEN_FC, 'relu');
    if (c.cfg.dropout > 0) y = h.dropout(y, 'dropout_1', c.cfg.dropout);
    y = h.dense(y, 'fc2', HIDDEN_FC, 'relu');
    if (c.cfg.dropout > 0) y = h.dropout(y, 'dropout_2', c.cfg.dropout);
    return h.dense(y, 'output_fc', classes, 'softmax');
  }
  if (arch === 'alexnet') {
    let y = h.dense(h.flatten(x), 'fc6', HIDDEN_FC, 'relu', 6);
    y = h.dense(y, 'fc7', HIDDEN_FC, 'relu', 7);
    return h.dense(y, 'head_fc8', classes, 'softmax', 8);
  }
  if (arch === 'squeezenet') {
    let y = h.dropout(x, 'fire9_dropout', SQUEEZENET_HEAD_DROPOUT);
    y = h.apply(tf.layers.conv2d({
      name: 'conv10', filters: classes, kernelSize: 1, padding: 'same', useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: c.nextSeed() }) as never,
    }), y);
    y = h.apply(tf.layers.activation({ name: 'conv10_relu', activation: 'relu' }), y);
    y = h.apply(tf.layers.globalAveragePooling2d({ name: 'pool10' }), y);
    return h.apply(tf.layers.activation({ name: 'output', activation: 'softmax' }), y);
  }
  if (arch === 'googlenet') {
    let y = h.apply(tf.layers.averagePooling2d({ name: 'avg_pool', poolSize: 7, strides: 1, padding: 'same' }), x);
    y = h.dropout(h.flatten(y), 'dropout', GOOGLENET_HEAD_DROPOUT);
    return h.dense(y, 'output_fc', classes, 'softmax');
  }
  if (arch === 'mobilenet_v1' || arch === 'mobilenet_v2') {
    let y = h.apply(tf.layers.averagePooling2d({ name: 'avg_pool', poolSize: 7, strides: 7, padding: 'valid' }), x);
    y = h.flatten(y, 'flatten_1');
    // makenet hands MobileNet dropout=0.0; the (no-op) layer is kept for its place in the graph.
    if (arch === 'mobilenet_v1') y = h.dropout(y, 'dropout', 0);
    return h.dense(y, 'predictions', classes, 'softmax');
  }
  if (arch in EFFICIENTNET_TOP_DROPOUT) {
    let y = h.flatten(h.poolWholeMap(x, 'avg_pool'));
    y = h.dropout(y, 'top_dropout', EFFICIENTNET_TOP_DROPOUT[arch]);
    // TAO's DENSE_KERNEL_INITIALIZER: variance scaling 1/3, fan out, uniform.
    const init = tf.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanOut', distribution: 'uniform', seed: c.nextSeed() });
    return h.dense(y, 'predictions', classes, 'softmax', undefined, init as unknown as tfTypes.serialization.Serializable);
  }
  if (arch === 'darknet' || arch === 'cspdarknet' || arch === 'cspdarknet_tiny') {
    const y = h.apply(tf.layers.globalAveragePooling2d({ name: 'avgpool' }), x);
    return h.dense(y, 'predictions', classes, 'softmax');
  }
  throw new Error(`retain_head: no head known for arch "${arch}"`);
}
