// Every backbone family on every backend the engine has here (issue 19): the forward pass and
// the gradient of every trainable weight on onednn and on webgpu equal the
// pure-JS cpu backend's, for the same weights and images. New layer kinds (Split, Mish, the
// squeeze-excitation multiply, inception/fire concatenations, depthwise convolutions) run on a
// backend only if it has every kernel they need: a missing one fails here, not in a user's run.
// Tolerance: max |backend - cpu| <= 2e-3 * max |cpu| per tensor (float32 sums in another order,
// through 20-50 layers). A backend that does not load here is skipped with its reason, except in
// CI (CI=true), whose machine has both (.ci/run installs oneDNN and Mesa).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../engine/src/backend';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';
import { runEngine } from './helpers';
import { deterministicValues } from './backend-support';

const TOLERANCE = 2e-3;
// One model per layer kind the older backbones did not have (ResNet 50/101 and AlexNet are
// convolutions, pools and additions the other backend tests cover). Batch norm in inference
// mode: with batch statistics over 2 images of a few pixels the normalisation divides by
// near-zero variances and amplifies float32 rounding past any tolerance (seen: 0.5-1% on the
// first convolution's gradient, alike on onednn and webgpu), and EfficientNet's drop-connect
// would draw other masks on each backend. The training path is compared end to end, losses
// included, in webgpu.test.ts and onednn-cli.test.ts.
const CASES: Array<{ label: string; model: Record<string, unknown>; size: number }> = [
  { label: 'darknet 19 (LeakyReLU)', model: { arch: 'darknet', n_layers: 19 }, size: 32 },
  { label: 'cspdarknet_tiny (Split)', model: { arch: 'cspdarknet_tiny' }, size: 32 },
  { label: 'cspdarknet 19 (Mish)', model: { arch: 'cspdarknet', n_layers: 19, activation: { activation_type: 'mish' } }, size: 32 },
  { label: 'efficientnet_b0 (depthwise, squeeze-excitation, swish)', model: { arch: 'efficientnet_b0' }, size: 32 },
  { label: 'googlenet (inception concatenations)', model: { arch: 'googlenet' }, size: 32 },
  { label: 'squeezenet (fire modules)', model: { arch: 'squeezenet' }, size: 32 },
];
const CLASSES = 4;
const BATCH = 2;


/** Why a backend does not load here (probed in a child process, as `tao-engine doctor` does), or undefined. */
function unavailable(name: 'onednn' | 'webgpu'): string | undefined {
  const r = runEngine(['doctor', '--probe', name]);
  try {
    const report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { loads?: boolean; problem?: string };
    return report.loads ? undefined : (report.problem ?? 'does not load');
  } catch {
    return `the probe failed: ${r.stderr.trim().split('\n').pop() ?? ''}`;
  }
}

interface Result {
  output: Float32Array;
  grads: Map<string, Float32Array>;
}

/** Builds the model on `backend` with the given weights; reads the output and every gradient. */
async function run(backend: string, modelCfg: Record<string, unknown>, size: number, weights: Float32Array[]): Promise<Result> {
  assert.ok(await tf.setBackend(backend), `${backend} is active`);
  const cfg = buildConfig({ model_config: { ...modelCfg, use_batch_norm: true, input_image_size: `3,${size},${size}` } } as never).config.model;
  const model = buildClassifier(tf, cfg, CLASSES, 7).model;
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
  const x = tf.tensor4d(deterministicValues(BATCH * size * size * 3, 11), [BATCH, size, size, 3]);
  const y = tf.oneHot(tf.tensor1d([1, 3], 'int32'), CLASSES);
  const { value, grads } = tf.variableGrads(() => {
    const p = model.apply(x, { training: false }) as tf.Tensor;
    return tf.losses.softmaxCrossEntropy(y, tf.log(tf.clipByValue(p, 1e-7, 1))) as tf.Scalar;
  });
  const out = model.apply(x, { training: false }) as tf.Tensor;
  const output = (await out.data()) as Float32Array;
  out.dispose();
  // Keyed by the layer's weight name (`block_1a_conv_1/kernel`): the tf.Variable names get a
  // suffix per model built in this process.
  const read = new Map<string, Float32Array>();
  for (const w of model.trainableWeights) read.set(w.originalName, (await grads[(w.read() as tf.Variable).name].data()) as Float32Array);
  tf.dispose([x, y, value, ...Object.values(grads)]);
  model.dispose();
  return { output, grads: read };
}

function close(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: size`);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
  }
  assert.ok(diff <= TOLERANCE * Math.max(scale, 1e-6), `${what}: max |diff| ${diff} vs max |cpu| ${scale}`);
}

const missing = { onednn: unavailable('onednn'), webgpu: unavailable('webgpu') };

for (const backend of ['onednn', 'webgpu'] as const) {
  const why = missing[backend];
  if (why && process.env.CI) {
    test(`CI has the ${backend} backend`, () => assert.fail(why));
    continue;
  }
  for (const c of CASES) {
    test(`${c.label}: ${backend} forward and gradients equal cpu's`, { skip: why ? `${backend} does not load here: ${why}` : false }, async () => {
      // Activates the backend in this process (registers it with this copy of tfjs).
      await chooseBackend(backend);
      await tf.setBackend('cpu');
      const cfg = buildConfig({ model_config: { ...c.model, use_batch_norm: true, input_image_size: `3,${c.size},${c.size}` } } as never).config.model;
      const reference = buildClassifier(tf, cfg, CLASSES, 7).model;
      const weights = reference.getWeights().map((w) => w.dataSync() as Float32Array);
      reference.dispose();
      const cpu = await run('cpu', c.model, c.size, weights);
      const other = await run(backend, c.model, c.size, weights);
      close(other.output, cpu.output, `${c.label} output`);
      assert.equal(other.grads.size, cpu.grads.size, 'same trainable weights');
      for (const [name, g] of cpu.grads) close(other.grads.get(name)!, g, `${c.label} gradient of ${name}`);
    });
  }
}
