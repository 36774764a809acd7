// Plain spec object -> ClassificationConfig. Proto3 leaves unset fields at zero, and TAO's
// code then substitutes its own defaults; the substitutions we apply are all here. Problems
// are reported with the dotted path of the offending field so the caller can locate it.
import type { ClassificationConfig, LrConfig, ModelConfig, OptimizerConfig, TrainConfig, EvalConfig, RegConfig } from './config';

import { Reader, obj, type Obj, type PathProblem } from '../../spec/reader';
import { ARCH_SPELLINGS } from '../../backbones/index';
import { depthProblem, minInputSize } from '../../backbones/depths';
import { retainedHeadMinInput } from '../../backbones/heads';

export type { PathProblem };

const ARCH_ALIASES = ARCH_SPELLINGS;

/** Every arch name TAO's classification accepts; the engine builds the ones in ARCH_ALIASES. */
export const TAO_ARCHS = [
  'resnet', 'vgg', 'alexnet', 'googlenet', 'mobilenet_v1', 'mobilenet_v2', 'squeezenet', 'darknet',
  'efficientnet_b0', 'efficientnet_b1', 'efficientnet_b2', 'efficientnet_b3', 'efficientnet_b4',
  'efficientnet_b5', 'efficientnet_b6', 'efficientnet_b7', 'cspdarknet', 'cspdarknet_tiny', 'byom',
];

function modelConfig(r: Reader, m: Obj): ModelConfig {
  const rawArch = r.str(m, 'arch', 'resnet').toLowerCase();
  const alias = ARCH_ALIASES[rawArch];
  if (!alias) {
    const known = TAO_ARCHS.includes(rawArch);
    r.problems.push({
      path: 'model_config.arch',
      message: known
        ? `arch "${rawArch}" is valid for TAO but not supported by the local engine (supported: ${Object.keys(ARCH_ALIASES).join(', ')})`
        : `unknown arch "${rawArch}" (supported: ${Object.keys(ARCH_ALIASES).join(', ')})`,
    });
  }
  const size = r.str(m, 'input_image_size', '3,224,224');
  const parts = size.split(',').map((p) => Number(p.trim()));
  let [channels, height, width] = [3, 224, 224];
  if (parts.length !== 3 || parts.some((p) => !Number.isInteger(p)) || (parts[0] !== 1 && parts[0] !== 3) || parts[1] < 16 || parts[2] < 16) {
    r.problems.push({ path: 'model_config.input_image_size', message: `input_image_size must be "C,H,W" with C 1 or 3 and H, W >= 16, got "${size}"` });
  } else {
    [channels, height, width] = parts;
  }
  const bn = obj(m.batch_norm_config);
  const act = obj(m.activation);
  const params: Record<string, number> = {};
  const rawParams = act.activation_parameters;
  // Proto map fields arrive as repeated {key, value} entries.
  for (const item of Array.isArray(rawParams) ? rawParams : rawParams ? [rawParams] : []) {
    const kv = obj(item);
    if (kv.key !== undefined) params[String(kv.key)] = Number(kv.value);
  }
  const interp = r.str(m, 'resize_interpolation_method', 'BILINEAR').toUpperCase();
  // TAO reads an unset n_layers as 18, which darknet/cspdarknet do not come in: said here, not mid-build.
  const nLayers = r.num(m, 'n_layers', 'model_config', alias?.depth ?? 18);
  const badDepth = alias ? depthProblem(alias.arch, nLayers) : undefined;
  if (badDepth) r.problems.push({ path: 'model_config.n_layers', message: `n_layers ${nLayers} does not exist: ${badDepth}` });
  const minSize = alias ? minInputSize(alias.arch) : 0;
  if (Math.min(height, width) < minSize) {
    r.problems.push({ path: 'model_config.input_image_size', message: `${alias!.arch} needs input_image_size height and width of at least ${minSize} (its last block pools a 2x2 map), got "${size}"` });
  }
  const retainHead = r.bool(m, 'retain_head', 'model_config');
  const headMin = retainHead && alias ? retainedHeadMinInput(alias.arch) : 0;
  if (Math.min(height, width) < headMin) {
    r.problems.push({ path: 'model_config.retain_head', message: `${alias!.arch}'s own head (retain_head) pools a 7x7 map at stride 32, so input_image_size needs a height and width of at least ${headMin}, got "${size}"` });
  }
  return {
    arch: alias?.arch ?? rawArch,
    nLayers,
    channels: channels as 1 | 3,
    height,
    width,
    resizeInterpolation: interp === 'BICUBIC' ? 'BICUBIC' : 'BILINEAR',
    retainHead,
    useBatchNorm: r.bool(m, 'use_batch_norm', 'model_config'),
    useBias: r.bool(m, 'use_bias', 'model_config'),
    usePooling: r.bool(m, 'use_pooling', 'model_config'),
    allProjections: r.bool(m, 'all_projections', 'model_config'),
    freezeBn: r.bool(m, 'freeze_bn', 'model_config'),
    freezeBlocks: r.nums(m, 'freeze_blocks'),
    dropout: r.num(m, 'dropout', 'model_config', 0),
    bnMomentum: r.num(bn, 'momentum', 'model_config.batch_norm_config', 0.9),
    bnEpsilon: r.num(bn, 'epsilon', 'model_config.batch_norm_config', 1e-3),
    // TAO's EfficientNet template turns an unset activation_type into swish; the others use relu.
    // CSPDarkNet's conv unit maps anything but mish/relu (the unset "" included) to LeakyReLU.
    activation: r.str(act, 'activation_type', rawArch.startsWith('efficientnet') ? 'swish' : rawArch.startsWith('cspdarknet') ? 'leaky_relu' : 'relu').toLowerCase(),
    activationParams: params,
  };
}

function optimizerConfig(r: Reader, t: Obj): OptimizerConfig {
  const o = obj(t.optimizer);
  const p = 'train_config.optimizer';
  if (o.adam !== undefined) {
    const a = obj(o.adam);
    return { type: 'adam', lr: r.num(a, 'lr', p + '.adam', 1e-3), beta1: r.num(a, 'beta_1', p + '.adam', 0.9), beta2: r.num(a, 'beta_2', p + '.adam', 0.999), epsilon: r.num(a, 'epsilon', p + '.adam', 1e-7), decay: r.num(a, 'decay', p + '.adam', 0) };
  }
  if (o.rmsprop !== undefined) {
    const a = obj(o.rmsprop);
    return { type: 'rmsprop', lr: r.num(a, 'lr', p + '.rmsprop', 1e-3), rho: r.num(a, 'rho', p + '.rmsprop', 0.9), epsilon: r.num(a, 'epsilon', p + '.rmsprop', 1e-7), decay: r.num(a, 'decay', p + '.rmsprop', 0) };
  }
  const s = obj(o.sgd);
  return { type: 'sgd', lr: r.num(s, 'lr', p + '.sgd', 0.01), decay: r.num(s, 'decay', p + '.sgd', 0), momentum: r.num(s, 'momentum', p + '.sgd', 0, false), nesterov: r.bool(s, 'nesterov', p + '.sgd') };
}

function lrConfig(r: Reader, t: Obj, optimizerLr: number): LrConfig {
  const l = obj(t.lr_config);
  const p = 'train_config.lr_config';
  if (l.step !== undefined) {
    const s = obj(l.step);
    return { type: 'step', learningRate: r.num(s, 'learning_rate', p + '.step', optimizerLr), stepSize: r.num(s, 'step_size', p + '.step', 10), gamma: r.num(s, 'gamma', p + '.step', 0.1) };
  }
  if (l.soft_anneal !== undefined) {
    const s = obj(l.soft_anneal);
    return {
      type: 'soft_anneal',
      learningRate: r.num(s, 'learning_rate', p + '.soft_anneal', optimizerLr),
      softStart: r.num(s, 'soft_start', p + '.soft_anneal', 0, false),
      annealingDivider: r.num(s, 'annealing_divider', p + '.soft_anneal', 10),
      annealingPoints: r.nums(s, 'annealing_points'),
    };
  }
  if (l.cosine !== undefined) {
    const s = obj(l.cosine);
    return { type: 'cosine', learningRate: r.num(s, 'learning_rate', p + '.cosine', optimizerLr), minLrRatio: r.num(s, 'min_lr_ratio', p + '.cosine', 0, false), softStart: r.num(s, 'soft_start', p + '.cosine', 0, false) };
  }
  return { type: 'constant', learningRate: optimizerLr };
}

function regConfig(r: Reader, t: Obj): RegConfig {
  const g = obj(t.reg_config);
  const type = r.str(g, 'type', 'None');
  const norm = type.toUpperCase() === 'L1' ? 'L1' : type.toUpperCase() === 'L2' ? 'L2' : 'None';
  if (!['L1', 'L2', 'NONE'].includes(type.toUpperCase())) r.problems.push({ path: 'train_config.reg_config.type', message: `reg_config.type must be L1, L2 or None, got "${type}"` });
  const scope = r.str(g, 'scope', 'Conv2D,Dense').split(',').map((s) => s.trim()).filter(Boolean);
  return { type: norm, scope, weightDecay: r.num(g, 'weight_decay', 'train_config.reg_config', 0, false) };
}

function imageMean(t: Obj): Record<string, number> {
  const out: Record<string, number> = {};
  const raw = t.image_mean;
  for (const item of Array.isArray(raw) ? raw : raw ? [raw] : []) {
    const kv = obj(item);
    if (kv.key !== undefined) out[String(kv.key)] = Number(kv.value);
  }
  return out;
}

function trainConfig(r: Reader, t: Obj): TrainConfig {
  const optimizer = optimizerConfig(r, t);
  const mode = r.str(t, 'preprocess_mode', 'caffe').toLowerCase();
  const epochs = r.num(t, 'n_epochs', 'train_config', 1);
  const batchSize = r.num(t, 'batch_size_per_gpu', 'train_config', 32);
  if (epochs < 1 || !Number.isInteger(epochs)) r.problems.push({ path: 'train_config.n_epochs', message: 'n_epochs must be a positive integer' });
  if (batchSize < 1 || !Number.isInteger(batchSize)) r.problems.push({ path: 'train_config.batch_size_per_gpu', message: 'batch_size_per_gpu must be a positive integer' });
  return {
    trainDatasetPath: r.str(t, 'train_dataset_path'),
    valDatasetPath: r.str(t, 'val_dataset_path'),
    pretrainedModelPath: r.str(t, 'pretrained_model_path'),
    optimizer,
    lr: lrConfig(r, t, optimizer.lr),
    reg: regConfig(r, t),
    batchSize,
    epochs,
    randomSeed: r.num(t, 'random_seed', 'train_config', 0, false),
    labelSmoothing: r.num(t, 'label_smoothing', 'train_config', 0, false),
    mixupAlpha: r.num(t, 'mixup_alpha', 'train_config', 0, false),
    enableRandomCrop: r.bool(t, 'enable_random_crop', 'train_config'),
    enableCenterCrop: r.bool(t, 'enable_center_crop', 'train_config'),
    enableColorAugmentation: r.bool(t, 'enable_color_augmentation', 'train_config'),
    disableHorizontalFlip: r.bool(t, 'disable_horizontal_flip', 'train_config'),
    preprocessMode: mode === 'tf' ? 'tf' : mode === 'torch' ? 'torch' : 'caffe',
    imageMean: imageMean(t),
  };
}

function evalConfig(r: Reader, e: Obj, trainBatch: number): EvalConfig {
  return {
    topK: r.num(e, 'top_k', 'eval_config', 5),
    evalDatasetPath: r.str(e, 'eval_dataset_path'),
    modelPath: r.str(e, 'model_path'),
    batchSize: r.num(e, 'batch_size', 'eval_config', trainBatch),
    enableCenterCrop: r.bool(e, 'enable_center_crop', 'eval_config'),
  };
}

export function buildConfig(spec: Obj): { config: ClassificationConfig; problems: PathProblem[] } {
  const problems: PathProblem[] = [];
  const r = new Reader(problems);
  const model = modelConfig(r, obj(spec.model_config));
  const train = trainConfig(r, obj(spec.train_config));
  const evalCfg = evalConfig(r, obj(spec.eval_config), train.batchSize);
  return { config: { model, train, eval: evalCfg }, problems };
}
