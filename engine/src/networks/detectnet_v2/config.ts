// Typed view of a DetectNet_v2 spec (training, evaluation and inference specs all read through
// here), with the defaults TAO's code applies to proto3 zero values. Sections a task does not
// need may be absent: each task checks for what it needs and says which key is missing.
import type { BackboneConfig } from '../../backbones/config';
import type { LrConfig, OptimizerConfig, RegConfig } from '../../train/config';
import { Reader, obj, type Obj, type PathProblem } from '../../spec/reader';
import { ARCH_SPELLINGS } from '../../backbones/index';
import { depthProblem } from '../../backbones/depths';
import type { Plain } from '../../spec/plain';
import { augmentationConfigFromPlain, type DetectionAugmentConfig } from '../../data/detection-augment';

export interface DataSource {
  /** Glob of TFRecord files (`.../kitti_trainval/*`). */
  tfrecordsPath: string;
  imageDirectoryPath: string;
}

export interface DatasetConfig {
  sources: DataSource[];
  validationSources: DataSource[];
  /** Fold used for validation when no validation_data_sources are given; undefined = none. */
  validationFold: number | undefined;
  imageExtension: string;
  /** Label class name (as written in the KITTI files) -> target class. */
  targetClassMapping: Record<string, string>;
}

export interface RasterizerClass {
  covCenterX: number;
  covCenterY: number;
  covRadiusX: number;
  covRadiusY: number;
  bboxMinRadius: number;
}

export interface RasterizerConfig {
  perClass: Record<string, RasterizerClass>;
  deadzoneRadius: number;
}

export interface ObjectiveWeights {
  initial: number;
  target: number;
}

export interface CostClass {
  name: string;
  classWeight: number;
  coverageForegroundWeight: number;
  cov: ObjectiveWeights;
  bbox: ObjectiveWeights;
}

export interface CostConfig {
  classes: CostClass[];
  enableAutoweighting: boolean;
  minObjectiveWeight: number;
  maxObjectiveWeight: number;
}

export interface DetectnetModelConfig extends BackboneConfig {
  bboxScale: number;
  bboxOffset: number;
  pretrainedModelFile: string;
  /** Train the pretrained file's own graph (a pruned model) instead of the spec's architecture. */
  loadGraph: boolean;
}

export interface DetectnetTrainingConfig {
  batchSize: number;
  epochs: number;
  lr: LrConfig;
  optimizer: OptimizerConfig;
  reg: RegConfig;
  checkpointInterval: number;
}

export interface DetectnetEvaluationConfig {
  validationPeriod: number;
  firstValidationEpoch: number;
}

export interface InferencerConfig {
  targetClasses: string[];
  imageWidth: number;
  imageHeight: number;
  imageChannels: number;
  batchSize: number;
  modelPath: string;
}

export interface DetectnetConfig {
  randomSeed: number;
  /** Output classes in model order: cost_function_config's target_classes, else the mapping's targets. */
  classes: string[];
  dataset: DatasetConfig | undefined;
  model: DetectnetModelConfig;
  rasterizer: RasterizerConfig;
  cost: CostConfig;
  training: DetectnetTrainingConfig;
  evaluation: DetectnetEvaluationConfig;
  inferencer: InferencerConfig | undefined;
  /** augmentation_config with TAO's defaults (data/detection-augment.ts reads it). */
  augmentation: DetectionAugmentConfig;
  /** Raw sections read by their own modules (postprocess.ts, metrics.ts, augmentation). */
  raw: {
    augmentation: Obj;
    postprocessing: Obj;
    evaluation: Obj;
    bboxHandler: Obj;
  };
}

/** Repeated messages arrive as one object or an array of them. */
function list(v: Plain | undefined): Obj[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => obj(x));
}

/** Proto map fields (`target_class_mapping { key: value: }`) -> entries in file order. */
export function mapEntries(v: Plain | undefined): Array<[string, Plain]> {
  return list(v)
    .filter((kv) => kv.key !== undefined)
    .map((kv) => [String(kv.key), kv.value ?? null]);
}

function dataSources(v: Plain | undefined): DataSource[] {
  return list(v).map((s) => ({
    tfrecordsPath: String(s.tfrecords_path ?? ''),
    imageDirectoryPath: String(s.image_directory_path ?? ''),
  }));
}

function datasetConfig(r: Reader, d: Obj | undefined): DatasetConfig | undefined {
  if (!d) return undefined;
  const mapping: Record<string, string> = {};
  for (const [key, value] of mapEntries(d.target_class_mapping)) mapping[key] = String(value);
  const hasFold = d.validation_fold !== undefined && d.validation_fold !== null;
  return {
    sources: dataSources(d.data_sources),
    validationSources: dataSources(d.validation_data_sources),
    validationFold: hasFold ? r.num(d, 'validation_fold', 'dataset_config', 0, false) : undefined,
    imageExtension: r.str(d, 'image_extension', 'png').replace(/^\./, ''),
    targetClassMapping: mapping,
  };
}

const ARCHS = ARCH_SPELLINGS;

/** Every arch TAO's DetectNet_v2 accepts; the engine builds those in ARCHS. */
const TAO_ARCHS = ['resnet', 'vgg', 'vgg16', 'vgg19', 'googlenet', 'mobilenet_v1', 'mobilenet_v2', 'squeezenet', 'darknet', 'efficientnet_b0'];

function modelConfig(r: Reader, m: Obj, pre: Obj): DetectnetModelConfig {
  const rawArch = r.str(m, 'arch', 'resnet').toLowerCase();
  // The backbone library builds more than TAO's DetectNet_v2 offers (cspdarknet, alexnet, ...):
  // only DetectNet_v2's own archs resolve.
  const alias = TAO_ARCHS.includes(rawArch) ? ARCHS[rawArch] : undefined;
  const supported = TAO_ARCHS.filter((a) => ARCHS[a]).join(', ');
  if (!alias) {
    r.problems.push({
      path: 'model_config.arch',
      message: TAO_ARCHS.includes(rawArch)
        ? `arch "${rawArch}" is valid for TAO but not built by the local engine yet (supported: ${supported})`
        : `unknown arch "${rawArch}" for DetectNet_v2 (supported: ${supported})`,
    });
  }
  const nLayers = r.num(m, 'num_layers', 'model_config', alias?.depth ?? 18);
  const badDepth = alias ? depthProblem(alias.arch, nLayers) : undefined;
  if (badDepth) r.problems.push({ path: 'model_config.num_layers', message: `num_layers ${nLayers} does not exist: ${badDepth}` });
  const bbox = obj(obj(m.objective_set).bbox);
  const width = r.num(pre, 'output_image_width', 'augmentation_config.preprocessing', 960);
  const height = r.num(pre, 'output_image_height', 'augmentation_config.preprocessing', 544);
  const channels = r.num(pre, 'output_image_channel', 'augmentation_config.preprocessing', 3);
  // DetectNet_v2 predicts on a 1/16 grid: TAO's own code needs the input to divide by 16.
  for (const [key, value] of [['output_image_width', width], ['output_image_height', height]] as const) {
    if (!Number.isInteger(value) || value % 16 !== 0 || value < 16) {
      r.problems.push({ path: `augmentation_config.preprocessing.${key}`, message: `${key} must be a positive multiple of 16 (the network's output stride), got ${value}` });
    }
  }
  if (channels !== 1 && channels !== 3) r.problems.push({ path: 'augmentation_config.preprocessing.output_image_channel', message: `output_image_channel must be 1 or 3, got ${channels}` });
  const freezeBlocks = r.nums(m, 'freeze_blocks');
  return {
    arch: alias?.arch ?? rawArch,
    nLayers,
    channels: (channels === 1 ? 1 : 3) as 1 | 3,
    height,
    width,
    resizeInterpolation: 'BILINEAR',
    retainHead: false,
    useBatchNorm: r.bool(m, 'use_batch_norm', 'model_config'),
    // TAO's DetectNet_v2 leaves use_bias at each template's default: ResNet's True, DarkNet's False.
    useBias: alias?.arch !== 'darknet',
    usePooling: r.bool(m, 'use_pooling', 'model_config'),
    allProjections: r.bool(m, 'all_projections', 'model_config'),
    freezeBn: r.bool(m, 'freeze_bn', 'model_config'),
    freezeBlocks,
    dropout: r.num(m, 'dropout_rate', 'model_config', 0, false),
    bnMomentum: 0.9,
    bnEpsilon: 1e-3,
    activation: 'relu',
    activationParams: {},
    bboxScale: r.num(bbox, 'scale', 'model_config.objective_set.bbox', 35),
    bboxOffset: r.num(bbox, 'offset', 'model_config.objective_set.bbox', 0.5),
    pretrainedModelFile: r.str(m, 'pretrained_model_file'),
    loadGraph: r.bool(m, 'load_graph', 'model_config'),
  };
}

function rasterizerConfig(r: Reader, b: Obj): RasterizerConfig {
  const perClass: Record<string, RasterizerClass> = {};
  for (const [name, value] of mapEntries(b.target_class_config)) {
    const v = obj(value);
    const p = `bbox_rasterizer_config.target_class_config.${name}`;
    perClass[name] = {
      covCenterX: r.num(v, 'cov_center_x', p, 0.5, false),
      covCenterY: r.num(v, 'cov_center_y', p, 0.5, false),
      covRadiusX: r.num(v, 'cov_radius_x', p, 1.0),
      covRadiusY: r.num(v, 'cov_radius_y', p, 1.0),
      bboxMinRadius: r.num(v, 'bbox_min_radius', p, 1.0),
    };
  }
  return { perClass, deadzoneRadius: r.num(b, 'deadzone_radius', 'bbox_rasterizer_config', 0, false) };
}

function costConfig(r: Reader, c: Obj): CostConfig {
  const classes: CostClass[] = list(c.target_classes).map((t, i) => {
    const p = `cost_function_config.target_classes`;
    const objectives: Record<string, ObjectiveWeights> = {};
    for (const o of list(t.objectives)) {
      const name = String(o.name ?? '');
      objectives[name] = { initial: r.num(o, 'initial_weight', p, 0, false), target: r.num(o, 'weight_target', p, 0, false) };
    }
    for (const name of Object.keys(objectives)) {
      if (name !== 'cov' && name !== 'bbox') r.problems.push({ path: p, message: `objective "${name}" is not one DetectNet_v2 has (cov, bbox)` });
    }
    return {
      name: String(t.name ?? `class_${i}`),
      classWeight: r.num(t, 'class_weight', p, 1),
      coverageForegroundWeight: r.num(t, 'coverage_foreground_weight', p, 0.05, false),
      cov: objectives.cov ?? { initial: 1, target: 1 },
      bbox: objectives.bbox ?? { initial: 10, target: 10 },
    };
  });
  return {
    classes,
    enableAutoweighting: r.bool(c, 'enable_autoweighting', 'cost_function_config'),
    minObjectiveWeight: r.num(c, 'min_objective_weight', 'cost_function_config', 1e-4),
    maxObjectiveWeight: r.num(c, 'max_objective_weight', 'cost_function_config', 0.9999),
  };
}

function trainingConfig(r: Reader, t: Obj): DetectnetTrainingConfig {
  const p = 'training_config';
  const batchSize = r.num(t, 'batch_size_per_gpu', p, 4);
  const epochs = r.num(t, 'num_epochs', p, 1);
  if (!Number.isInteger(batchSize) || batchSize < 1) r.problems.push({ path: `${p}.batch_size_per_gpu`, message: 'batch_size_per_gpu must be a positive integer' });
  if (!Number.isInteger(epochs) || epochs < 1) r.problems.push({ path: `${p}.num_epochs`, message: 'num_epochs must be a positive integer' });
  const s = obj(obj(t.learning_rate).soft_start_annealing_schedule);
  const sp = `${p}.learning_rate.soft_start_annealing_schedule`;
  const maxLr = r.num(s, 'max_learning_rate', sp, 5e-4);
  const minLr = r.num(s, 'min_learning_rate', sp, maxLr / 100);
  const lr: LrConfig = { type: 'soft_start_annealing', learningRate: maxLr, minLr, softStart: r.num(s, 'soft_start', sp, 0, false), annealing: r.num(s, 'annealing', sp, 1, false) };
  const o = obj(t.optimizer);
  let optimizer: OptimizerConfig;
  if (o.sgd !== undefined) {
    const g = obj(o.sgd);
    optimizer = { type: 'sgd', lr: maxLr, decay: 0, momentum: r.num(g, 'momentum', `${p}.optimizer.sgd`, 0, false), nesterov: r.bool(g, 'nesterov', `${p}.optimizer.sgd`) };
  } else if (o.rmsprop !== undefined) {
    const g = obj(o.rmsprop);
    optimizer = { type: 'rmsprop', lr: maxLr, rho: r.num(g, 'rho', `${p}.optimizer.rmsprop`, 0.9), epsilon: r.num(g, 'epsilon', `${p}.optimizer.rmsprop`, 1e-7), decay: 0 };
  } else {
    const a = obj(o.adam);
    const ap = `${p}.optimizer.adam`;
    optimizer = { type: 'adam', lr: maxLr, beta1: r.num(a, 'beta1', ap, 0.9), beta2: r.num(a, 'beta2', ap, 0.999), epsilon: r.num(a, 'epsilon', ap, 1e-8), decay: 0 };
  }
  const g = obj(t.regularizer);
  const type = r.str(g, 'type', 'NO_REG').toUpperCase();
  const reg: RegConfig = { type: type === 'L1' ? 'L1' : type === 'L2' ? 'L2' : 'None', scope: ['Conv2D', 'DepthwiseConv2D', 'Dense'], weightDecay: r.num(g, 'weight', `${p}.regularizer`, 0, false) };
  return { batchSize, epochs, lr, optimizer, reg, checkpointInterval: r.num(t, 'checkpoint_interval', p, 10) };
}

function inferencerConfig(r: Reader, i: Obj | undefined): InferencerConfig | undefined {
  if (!i) return undefined;
  const p = 'inferencer_config';
  const raw = i.target_classes;
  const targetClasses = (Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw]).map(String);
  return {
    targetClasses,
    imageWidth: r.num(i, 'image_width', p, 0),
    imageHeight: r.num(i, 'image_height', p, 0),
    imageChannels: r.num(i, 'image_channels', p, 3),
    batchSize: r.num(i, 'batch_size', p, 1),
    modelPath: r.str(obj(i.tlt_config), 'model') || r.str(obj(i.tensorrt_config), 'etlt_model'),
  };
}

export function buildDetectnetConfig(spec: Obj): { config: DetectnetConfig; problems: PathProblem[] } {
  const problems: PathProblem[] = [];
  const r = new Reader(problems);
  const aug = obj(spec.augmentation_config);
  const dataset = datasetConfig(r, spec.dataset_config === undefined ? undefined : obj(spec.dataset_config));
  const cost = costConfig(r, obj(spec.cost_function_config));
  const inferencer = inferencerConfig(r, spec.inferencer_config === undefined ? undefined : obj(spec.inferencer_config));
  let classes = cost.classes.map((c) => c.name);
  if (classes.length === 0 && dataset) classes = [...new Set(Object.values(dataset.targetClassMapping))];
  if (classes.length === 0 && inferencer) classes = inferencer.targetClasses;
  if (dataset) {
    const targets = new Set(Object.values(dataset.targetClassMapping));
    for (const c of classes) {
      if (!targets.has(c)) problems.push({ path: 'cost_function_config.target_classes', message: `target class "${c}" is not a value of dataset_config.target_class_mapping (${[...targets].join(', ')})` });
    }
  }
  const evaluation = obj(spec.evaluation_config);
  const model = modelConfig(r, obj(spec.model_config), obj(aug.preprocessing));
  // Inference and dataset specs have no augmentation_config: neutral settings at the model size.
  const augmentation =
    spec.augmentation_config !== undefined
      ? augmentationConfigFromPlain(aug, problems)
      : augmentationConfigFromPlain({ preprocessing: { output_image_width: model.width, output_image_height: model.height } }, []);
  const config: DetectnetConfig = {
    randomSeed: r.num(spec, 'random_seed', '', 0, false),
    classes,
    dataset,
    model,
    rasterizer: rasterizerConfig(r, obj(spec.bbox_rasterizer_config)),
    cost,
    training: trainingConfig(r, obj(spec.training_config)),
    evaluation: {
      validationPeriod: r.num(evaluation, 'validation_period_during_training', 'evaluation_config', 10),
      firstValidationEpoch: r.num(evaluation, 'first_validation_epoch', 'evaluation_config', 1),
    },
    inferencer,
    augmentation,
    raw: { augmentation: aug, postprocessing: obj(spec.postprocessing_config), evaluation, bboxHandler: obj(spec.bbox_handler_config) },
  };
  return { config, problems };
}
