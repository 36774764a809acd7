// Small stand-ins for the engine's architectures (same layer kinds and wiring, tiny widths) so
// prune and export tests run in seconds on the cpu backend. Weights, including BatchNorm
// statistics, are random but seeded, so every check sees non-trivial values.
import * as tf from '@tensorflow/tfjs';

type Sym = tf.SymbolicTensor;
let seed = 1;
const init = () => tf.initializers.glorotNormal({ seed: seed++ });

function conv(x: Sym, name: string, filters: number, kernel: number, strides = 1, extra: Record<string, unknown> = {}): Sym {
  return tf.layers.conv2d({ name, filters, kernelSize: kernel, strides, padding: 'same', kernelInitializer: init(), biasInitializer: 'glorotUniform' as never, ...extra }).apply(x) as Sym;
}
function bn(x: Sym, name: string): Sym {
  return tf.layers.batchNormalization({ name, epsilon: 1e-3 }).apply(x) as Sym;
}
function act(x: Sym, name: string, a: string): Sym {
  return tf.layers.activation({ name, activation: a as never }).apply(x) as Sym;
}
function dw(x: Sym, name: string, strides = 1): Sym {
  return tf.layers.depthwiseConv2d({ name, kernelSize: 3, strides, padding: 'same', depthwiseInitializer: init() }).apply(x) as Sym;
}
function head(x: Sym, classes: number): Sym {
  x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Sym;
  x = tf.layers.dense({ name: 'predictions', units: classes, kernelInitializer: init() }).apply(x) as Sym;
  return act(x, 'softmax_out', 'softmax');
}

/** Fills BatchNorm statistics and biases with random values so they matter in comparisons. */
export function randomizeStats(model: tf.LayersModel, s = 7): tf.LayersModel {
  let k = s;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const ws = layer.getWeights().map((w, i) => {
      k += 1;
      const u = tf.randomUniform(w.shape, 0, 1, 'float32', k);
      // gamma, beta, mean: any sign; variance must stay positive.
      return i === 3 ? u.add(0.5) : u.mul(2).sub(1);
    });
    layer.setWeights(ws);
  }
  return model;
}

export function tinyResnet(allProjections: boolean, size = 32): tf.LayersModel {
  seed = 11;
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = act(bn(conv(input, 'conv1', 16, 3, 2), 'bn_conv1'), 'activation_1', 'relu');
  // 3x3/2 "same" pooling pads only at the end (TF rule); the ONNX export must match it.
  x = tf.layers.maxPooling2d({ name: 'pool1', poolSize: 3, strides: 2, padding: 'same' }).apply(x) as Sym;
  const widths = [16, 24];
  widths.forEach((w, i) => {
    const p = `block_${i + 1}a`;
    const strides = i === 0 ? 1 : 2;
    let y = act(bn(conv(x, `${p}_conv_1`, w, 3, strides), `${p}_bn_1`), `${p}_relu_1`, 'relu');
    y = bn(conv(y, `${p}_conv_2`, w, 3), `${p}_bn_2`);
    let sc = x;
    if (allProjections || strides !== 1) sc = bn(conv(x, `${p}_conv_shortcut`, w, 1, strides), `${p}_bn_shortcut`);
    x = act(tf.layers.add({ name: `${p}_add` }).apply([y, sc]) as Sym, `${p}_relu`, 'relu');
  });
  return randomizeStats(tf.model({ inputs: input, outputs: head(x, 5), name: 'tiny_resnet' }));
}

export function tinyMobilenetV1(size = 32): tf.LayersModel {
  seed = 21;
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = act(bn(conv(input, 'conv1', 16, 3, 2, { useBias: false }), 'conv1_bn'), 'conv1_relu', 'relu6');
  [[24, 1], [32, 2]].forEach(([f, s], i) => {
    x = act(bn(dw(x, `conv_dw_${i + 1}`, s), `conv_dw_${i + 1}_bn`), `conv_dw_${i + 1}_relu`, 'relu6');
    x = act(bn(conv(x, `conv_pw_${i + 1}`, f, 1, 1, { useBias: false }), `conv_pw_${i + 1}_bn`), `conv_pw_${i + 1}_relu`, 'relu6');
  });
  x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Sym;
  x = tf.layers.dropout({ name: 'dropout', rate: 0.3 }).apply(x) as Sym;
  const out = tf.layers.dense({ name: 'predictions', units: 5, activation: 'softmax', kernelInitializer: init() }).apply(x) as Sym;
  return randomizeStats(tf.model({ inputs: input, outputs: out, name: 'tiny_mobilenet_v1' }));
}

export function tinyMobilenetV2(size = 32): tf.LayersModel {
  seed = 31;
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = tf.layers.zeroPadding2d({ name: 'conv1_pad', padding: [[0, 1], [0, 1]] }).apply(input) as Sym;
  x = act(bn(conv(x, 'conv1', 16, 3, 2), 'bn_conv1'), 're_lu_0', 'relu6');
  const block = (x0: Sym, i: number, out: number, strides: number): Sym => {
    const inC = x0.shape[3] as number;
    let y = act(bn(conv(x0, `expanded_conv_${i}_expand`, inC * 3, 1), `expanded_conv_${i}_expand_bn`), `re_lu_${i}a`, 'relu6');
    y = act(bn(dw(y, `expanded_conv_${i}_depthwise`, strides), `expanded_conv_${i}_depthwise_bn`), `re_lu_${i}b`, 'relu6');
    y = bn(conv(y, `expanded_conv_${i}_project`, out, 1), `expanded_conv_${i}_project_bn`);
    if (strides === 1 && inC === out) y = tf.layers.add({ name: `expanded_conv_${i}_add` }).apply([x0, y]) as Sym;
    return y;
  };
  x = block(x, 1, 16, 1);
  x = block(x, 2, 24, 2);
  x = block(x, 3, 24, 1);
  x = act(bn(conv(x, 'conv_last', 32, 1), 'conv_last_bn'), 're_lu_last', 'relu6');
  return randomizeStats(tf.model({ inputs: input, outputs: head(x, 5), name: 'tiny_mobilenet_v2' }));
}

export function tinyVgg(size = 32, withBias = true): tf.LayersModel {
  seed = 41;
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = conv(input, 'block1_conv1', 16, 3, 1, { activation: 'relu', useBias: withBias });
  x = conv(x, 'block1_conv2', 16, 3, 1, { activation: 'relu', useBias: withBias });
  x = tf.layers.maxPooling2d({ name: 'block1_pool', poolSize: 2, strides: 2 }).apply(x) as Sym;
  x = conv(x, 'block2_conv1', 24, 3, 1, { activation: 'relu', useBias: withBias });
  x = tf.layers.maxPooling2d({ name: 'block2_pool', poolSize: 2, strides: 2 }).apply(x) as Sym;
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as Sym;
  x = tf.layers.dense({ name: 'fc1', units: 32, activation: 'relu', kernelInitializer: init() }).apply(x) as Sym;
  x = tf.layers.dropout({ name: 'drop1', rate: 0.5 }).apply(x) as Sym;
  const out = tf.layers.dense({ name: 'predictions', units: 5, activation: 'softmax', kernelInitializer: init() }).apply(x) as Sym;
  return tf.model({ inputs: input, outputs: out, name: 'tiny_vgg' });
}

/** Two branches joined by Concatenate, then a conv: exercises channel offsets. */
export function tinyConcat(size = 16): tf.LayersModel {
  seed = 51;
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  const a = conv(input, 'branch_a', 16, 3, 1, { activation: 'relu' });
  const b = act(bn(conv(input, 'branch_b', 24, 1), 'branch_b_bn'), 'branch_b_relu', 'relu');
  let x = tf.layers.concatenate({ name: 'concat', axis: -1 }).apply([a, b]) as Sym;
  // Average pooling with "same" padding: TF leaves padded cells out of the mean.
  x = tf.layers.averagePooling2d({ name: 'avg_same', poolSize: 3, strides: 1, padding: 'same' }).apply(x) as Sym;
  x = conv(x, 'fuse', 16, 3, 2, { activation: 'relu' });
  return randomizeStats(tf.model({ inputs: input, outputs: head(x, 3), name: 'tiny_concat' }));
}

/** A Sequential model: checks that the graph walk finds its implicit input layer. */
export function tinySequential(size = 16): tf.LayersModel {
  seed = 61;
  return tf.sequential({
    name: 'tiny_seq',
    layers: [
      tf.layers.conv2d({ inputShape: [size, size, 1], name: 'c1', filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: init() }),
      tf.layers.maxPooling2d({ name: 'p1', poolSize: 2 }),
      tf.layers.conv2d({ name: 'c2', filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      tf.layers.flatten({ name: 'f' }),
      tf.layers.dense({ name: 'out', units: 3, kernelInitializer: init() }),
    ],
  });
}

/**
 * The remaining layer kinds the exporter writes: separable and dilated convs, "valid"
 * strides, leaky ReLU / ELU / swish / tanh / hard sigmoid, a squeeze-excite style Multiply
 * through Reshape, Maximum / Average merges, global max pooling and a bias-free Dense.
 */
export function tinyZoo(size = 16): tf.LayersModel {
  seed = 71;
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = tf.layers.separableConv2d({ name: 'sep1', filters: 16, kernelSize: 3, padding: 'same', depthwiseInitializer: init(), pointwiseInitializer: init(), biasInitializer: 'glorotUniform' as never }).apply(input) as Sym;
  x = tf.layers.leakyReLU({ name: 'leaky', alpha: 0.2 }).apply(x) as Sym;
  x = conv(x, 'dilated', 16, 3, 1, { dilationRate: 2, activation: 'elu' });
  x = conv(x, 'valid_s2', 24, 3, 2, { padding: 'valid', activation: 'swish' });
  const se = tf.layers.globalAveragePooling2d({ name: 'se_pool' }).apply(x) as Sym;
  const se1 = tf.layers.dense({ name: 'se_reduce', units: 8, activation: 'tanh', kernelInitializer: init() }).apply(se) as Sym;
  const se2 = tf.layers.dense({ name: 'se_expand', units: 24, activation: 'hardSigmoid' as never, kernelInitializer: init() }).apply(se1) as Sym;
  const gate = tf.layers.reshape({ name: 'se_reshape', targetShape: [1, 1, 24] }).apply(se2) as Sym;
  const scaled = tf.layers.multiply({ name: 'se_scale' }).apply([x, conv(gate, 'se_broadcast', 24, 1, 1, { padding: 'valid' })]) as Sym;
  const other = conv(x, 'branch', 24, 1, 1, { activation: 'sigmoid' });
  x = tf.layers.maximum({ name: 'max_merge' }).apply([scaled, other]) as Sym;
  x = tf.layers.average({ name: 'avg_merge' }).apply([x, scaled]) as Sym;
  x = tf.layers.globalMaxPooling2d({ name: 'max_pool' }).apply(x) as Sym;
  const out = tf.layers.dense({ name: 'predictions', units: 4, useBias: false, kernelInitializer: init() }).apply(x) as Sym;
  return tf.model({ inputs: input, outputs: out, name: 'tiny_zoo' });
}

export const TINY_MODELS: Record<string, () => tf.LayersModel> = {
  resnet_identity: () => tinyResnet(false),
  resnet_all_projections: () => tinyResnet(true),
  mobilenet_v1: () => tinyMobilenetV1(),
  mobilenet_v2: () => tinyMobilenetV2(),
  vgg: () => tinyVgg(),
  concat: () => tinyConcat(),
  sequential: () => tinySequential(),
  zoo: () => tinyZoo(),
};

/** Deterministic pseudo-images in [0, 1). */
export function randomImages(n: number, shape: number[], s = 3): tf.Tensor {
  return tf.randomUniform([n, ...shape], 0, 1, 'float32', s);
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);
}
