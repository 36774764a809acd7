// TAO: New Spec. Writes a starting spec for one network from its schema: every field that
// has a default (and every required field) with its description as a comment above it, in
// the network's own dialect (protobuf text or YAML). Protobuf oneofs get their first
// alternative only, since writing two members of a oneof is an error in TAO.

import type { NetworkSchema, SpecSchema } from '../../../server/src/core/schema/types';
import { PRETRAINED_SLOTS, backboneVersion, ngcModelFor } from '../../../server/src/core/rules/ngc-models';

export interface TemplateOptions {
  /** Include fields that have no default and are not required (off: a short spec). */
  allFields?: boolean;
  /** Wrap comments at this width. */
  width?: number;
}

function firstSentence(text: string): string {
  // Abbreviations end in a dot but not a sentence; hide them while looking for the end.
  const masked = text.trim().replace(/\b(e\.g|i\.e|etc|vs)\./g, (m) => m.replace(/\./g, '\u0000'));
  const m = /^(.+?[.!?])(\s|$)/.exec(masked);
  return (m ? m[1] : masked).replace(/\u0000/g, '.').replace(/\s+/g, ' ');
}

function wrapComment(text: string, indent: string, width: number): string[] {
  const words = firstSentence(text).split(' ');
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && indent.length + 2 + cur.length + 1 + w.length > width) { lines.push(cur); cur = w; }
    else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines.map((l) => `${indent}# ${l}`);
}

function typeOf(s: SpecSchema): string | undefined {
  return Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
}

/** A value for a required field with no default: the first example, enum value, or a typed zero. */
function placeholder(s: SpecSchema): unknown {
  if (s.examples && s.examples.length > 0) return s.examples[0];
  if (s.enum && s.enum.length > 0) return s.enum[0];
  switch (typeOf(s)) {
    case 'string': return s['x-tao-path'] ? '/workspace/path/to/set' : '';
    case 'integer': case 'number': return s.minimum ?? 0;
    case 'boolean': return false;
    case 'array': return [];
    default: return undefined;
  }
}

interface Line { indent: number; text: string; comment?: string; /** Comment lines kept whole (not cut to a sentence). */ note?: string[] }

/**
 * A default as the schema's own constraints accept it. Schemas are generated from TAO's
 * sources, where a default is sometimes a string for a boolean ("TRUE"), outside the
 * field's range, or not among its options; the template must still check clean.
 */
function coerce(v: unknown, s: SpecSchema): unknown {
  const t = typeOf(s);
  if (t === 'boolean' && typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  if ((t === 'number' || t === 'integer') && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) v = Number(v);
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) v = s.minimum;
    if (s.maximum !== undefined && (v as number) > s.maximum) v = s.maximum;
  }
  if (s.enum && s.enum.length > 0 && !s.enum.includes(v)) return s.enum[0];
  if (t === 'boolean' && typeof v !== 'boolean') return false;
  return v;
}

function valueFor(s: SpecSchema, required: boolean, all: boolean): unknown {
  if (s.default !== undefined) return Array.isArray(s.default) && s.items ? s.default.map((x) => coerce(x, s.items as SpecSchema)) : coerce(s.default, s);
  // Dataset and model paths have no sensible default but every run needs them: show them.
  if (required || all || s['x-tao-path']) return placeholder(s);
  return undefined;
}

function protoScalar(v: unknown, s: SpecSchema): string {
  if (typeof v === 'string') return s['x-tao-proto-enum'] ? v : JSON.stringify(v);
  return String(v);
}

function yamlScalar(v: unknown): string {
  if (typeof v === 'string') return v === '' || /^[\w./-]+$/.test(v) === false || /^(true|false|null|yes|no|on|off|~|\d.*)$/i.test(v) ? JSON.stringify(v) : v;
  if (Array.isArray(v)) return `[${v.map(yamlScalar).join(', ')}]`;
  // YAML 1.1 (PyYAML, OmegaConf) reads `1e-8` as a string: floats need a dot and a signed exponent.
  if (typeof v === 'number' && /e/i.test(String(v))) {
    const [mant, exp] = String(v).toLowerCase().split('e');
    return `${mant.includes('.') ? mant : `${mant}.0`}e${/^[-+]/.test(exp) ? exp : `+${exp}`}`;
  }
  if (v === null) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Emits one object's fields; returns false when nothing was written (the caller drops the block). */
function emitObject(schema: SpecSchema, dialect: NetworkSchema['x-tao-dialect'], depth: number, out: Line[], opts: Required<TemplateOptions>): boolean {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const seenOneofs = new Set<string>();
  let wrote = false;
  for (const [key, s] of Object.entries(props)) {
    if (s['x-tao-deprecated'] || s['x-tao-removed'] || (s['x-tao-proto-map'] && !required.has(key))) continue;
    const group = s['x-tao-oneof'];
    if (group && seenOneofs.has(group)) continue;
    const comment = s.description;
    if (typeOf(s) === 'object' || (s.properties && !s.type)) {
      const inner: Line[] = [];
      const has = emitObject(s, dialect, depth + 1, inner, opts);
      if (!has && !required.has(key)) continue;
      if (group) seenOneofs.add(group);
      out.push({ indent: depth, text: dialect === 'prototext' ? `${key} {` : `${key}:`, comment });
      out.push(...inner);
      if (dialect === 'prototext') out.push({ indent: depth, text: '}' });
      wrote = true;
      continue;
    }
    if (typeOf(s) === 'array' && required.has(key) && s.default === undefined && s.items && (typeOf(s.items) === 'object' || s.items.properties)) {
      // A required repeated message: one entry with its own required fields.
      const inner: Line[] = [];
      emitObject(s.items, dialect, depth + 1, inner, { ...opts });
      if (dialect === 'prototext') out.push({ indent: depth, text: `${key} {`, comment }, ...inner, { indent: depth, text: '}' });
      else out.push({ indent: depth, text: `${key}:`, comment }, { indent: depth + 1, text: '-' }, ...inner.map((l) => ({ ...l, indent: l.indent + 1 })));
      wrote = true;
      continue;
    }
    let v = valueFor(s, required.has(key), opts.allFields);
    // A required repeated scalar with nothing to go on still needs one element to be valid.
    if (Array.isArray(v) && v.length === 0 && required.has(key) && s.items) v = [placeholder(s.items)];
    if (v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v))) continue;
    if (group) seenOneofs.add(group);
    if (dialect === 'prototext') {
      const items = Array.isArray(v) ? v : [v];
      if (items.length === 0) continue;
      items.forEach((item, i) => out.push({ indent: depth, text: `${key}: ${protoScalar(item, s.items ?? s)}`, comment: i === 0 ? comment : undefined }));
    } else {
      out.push({ indent: depth, text: `${key}: ${yamlScalar(v)}`, comment });
    }
    wrote = true;
  }
  return wrote;
}

export function generateSpec(schema: NetworkSchema, options: TemplateOptions = {}): string {
  const opts: Required<TemplateOptions> = { allFields: options.allFields ?? false, width: options.width ?? 96 };
  const dialect = schema['x-tao-dialect'];
  const lines: Line[] = [];
  emitObject(schema, dialect, 0, lines, opts);
  noteNgcModel(schema['x-tao-network'], lines);
  const unit = '  ';
  const out: string[] = [`# tao: network=${schema['x-tao-network']}`];
  out.push(`# A starting ${schema['x-tao-network']} spec, generated from the schema's defaults.`);
  out.push('# Fill in the dataset paths before training; hover a field for what it does.');
  for (const l of lines) {
    const indent = unit.repeat(l.indent);
    if (l.comment) out.push(...wrapComment(l.comment, indent, opts.width));
    if (l.note) out.push(...l.note.map((n) => `${indent}# ${n}`));
    out.push(indent + l.text);
  }
  return out.join('\n') + '\n';
}

/**
 * Next to the pretrained key, the NGC model that fits the template's own backbone: TAO's
 * workflow starts from one, and a file for another backbone loads only partly.
 */
function noteNgcModel(network: string, lines: Line[]): void {
  const slot = PRETRAINED_SLOTS[network];
  if (!slot) return;
  const valueOf = (dotted: string | undefined): string | undefined => {
    const key = dotted?.split('.').pop();
    const line = key ? lines.find((l) => l.text.startsWith(`${key}: `)) : undefined;
    return line?.text.slice(key!.length + 2).trim().replace(/^["']|["']$/g, '');
  };
  const arch = valueOf(slot.arch) ?? slot.defaultArch;
  const layers = Number(valueOf(slot.layers)) || slot.defaultLayers;
  const pretrainedKey = slot.key.split('.').pop()!;
  const target = lines.find((l) => l.text.startsWith(`${pretrainedKey}: `));
  const model = arch ? ngcModelFor(network, arch, layers) : undefined;
  if (!target || !model || !arch) return;
  const where = model.file ? `${model.folder}/${model.file}` : `the .hdf5 in ${model.folder}/`;
  target.note = [
    `NGC model for this spec's backbone (${backboneVersion(arch, layers)}): ${model.ref}`,
    `ngc registry model download-version ${model.ref} --dest DIR`,
    `puts DIR/${where}; point this key at that file.`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Task templates. A schema knows every field but not which ones a task needs together, so for
// networks the engine runs, New Spec also offers one spec per step of TAO's workflow, laid out
// the way NVIDIA's tutorial specs are. Paths default to TAO's launcher workspace
// (/workspace/tao-experiments/...) so a TAO user recognises them; callers (and the tests) pass
// real ones.

export interface SpecTemplateChoice {
  /** Stable id: `defaults` (the schema-generated spec) or the task (`train`, `retrain`, ...). */
  id: string;
  label: string;
  detail: string;
  text: string;
}

export type DetectnetTemplateTask = 'dataset_convert' | 'train' | 'retrain' | 'inference';

export interface DetectnetTemplateOptions {
  /** KITTI folder holding image_2/ and label_2/ (TAO's tutorial: .../data/training). */
  dataRoot?: string;
  /** TFRecord file prefix: what `dataset_convert -o` is given and train reads (as PREFIX*). */
  tfrecordsPrefix?: string;
  /** The pruned model folder that retrain starts from (load_graph: true keeps its shapes). */
  prunedModel?: string;
  /** The model inference runs (tlt_config.model; `-m` overrides it). */
  model?: string;
  /** Class names as in the label files, in the order the model predicts them. */
  classes?: string[];
  /** Network input size; both must be multiples of 16 (the output grid's stride). */
  width?: number;
  height?: number;
  epochs?: number;
  batch?: number;
}

const TAO_WORKSPACE = '/workspace/tao-experiments';

interface DetectnetResolved {
  dataRoot: string;
  tfrecordsPrefix: string;
  prunedModel: string;
  model: string;
  classes: string[];
  width: number;
  height: number;
  epochs: number;
  batch: number;
}

function resolveDetectnet(o: DetectnetTemplateOptions): DetectnetResolved {
  return {
    dataRoot: o.dataRoot ?? `${TAO_WORKSPACE}/data/training`,
    tfrecordsPrefix: o.tfrecordsPrefix ?? `${TAO_WORKSPACE}/data/tfrecords/kitti_trainval/kitti_trainval`,
    prunedModel: o.prunedModel ?? `${TAO_WORKSPACE}/detectnet_v2/experiment_dir_pruned/detectnet_v2_resnet18_pruned.hdf5`,
    model: o.model ?? `${TAO_WORKSPACE}/detectnet_v2/experiment_dir_retrain/weights/final`,
    // KITTI's three classes, as in NVIDIA's tutorial.
    classes: o.classes ?? ['car', 'cyclist', 'pedestrian'],
    width: o.width ?? 1248,
    height: o.height ?? 384,
    epochs: o.epochs ?? 120,
    batch: o.batch ?? 4,
  };
}

/** A protobuf text string literal (paths and class names may hold quotes or backslashes). */
const q = (s: string): string => JSON.stringify(s);

function header(task: string, lines: string[]): string {
  return [`# tao: network=detectnet_v2`, `# DetectNet_v2 ${task} spec.`, ...lines.map((l) => `# ${l}`)].join('\n') + '\n';
}

function datasetConvertText(o: DetectnetResolved): string {
  return header('dataset_convert', [
    'tao-engine detectnet_v2 dataset_convert -d THIS_FILE -o ' + o.tfrecordsPrefix,
    'turns KITTI images and labels into the TFRecords that training reads.',
  ]) + `kitti_config {
  # Holds image_dir_name/ and label_dir_name/ (one KITTI label file per image).
  root_directory_path: ${q(o.dataRoot)}
  image_dir_name: "image_2"
  label_dir_name: "label_2"
  image_extension: ".png"
  # Two random partitions: fold 0 (val_split percent of the images) is the validation fold.
  partition_mode: "random"
  num_partitions: 2
  val_split: 14
  num_shards: 10
}
image_directory_path: ${q(o.dataRoot)}
`;
}

function blocks(classes: string[], key: string, body: (c: string) => string, indent = '  '): string {
  return classes.map((c) => `${indent}${key} {\n${indent}  key: ${q(c)}\n${indent}  value {\n${body(c)}${indent}  }\n${indent}}\n`).join('');
}

// DBSCAN settings from NVIDIA's KITTI specs: eps 0.2 groups grid cells whose boxes overlap by
// IoU >= 0.8; confidence 0.9 keeps clusters the trained model is sure of.
const trainClustering = `        clustering_config {
          clustering_algorithm: DBSCAN
          dbscan_confidence_threshold: 0.9
          coverage_threshold: 0.005
          dbscan_eps: 0.2
          dbscan_min_samples: 1
          minimum_bounding_box_height: 20
        }
`;

function trainText(o: DetectnetResolved, retrain: boolean): string {
  const c = o.classes;
  const mapping = c.map((name) => `  target_class_mapping {\n    key: ${q(name)}\n    value: ${q(name)}\n  }\n`).join('');
  const objective = (name: string, w: number) => `    objectives {\n      name: ${q(name)}\n      initial_weight: ${w}\n      weight_target: ${w}\n    }\n`;
  const model = retrain
    ? `  # The pruned model \`prune -o DIR\` wrote (DIR/<model>_pruned.hdf5 for TAO, or DIR itself for
  # tao-engine); load_graph: true trains its pruned shapes instead of
  # rebuilding the full network from num_layers (TAO's retrain spec does the same).
  pretrained_model_file: ${q(o.prunedModel)}
  load_graph: true
`
    : `  # Start from NGC's pretrained backbone (a Keras .hdf5, read by TAO and by tao-engine) or a
  # previous run's weights/final; left out, training starts from random weights. For this
  # spec's resnet 18: ngc registry model download-version nvidia/tao/pretrained_detectnet_v2:resnet18
  # --dest ${TAO_WORKSPACE}/detectnet_v2/pretrained_resnet18 (another backbone needs its own
  # version: pretrained_detectnet_v2:resnet10, :resnet34, :vgg16, :mobilenet_v2, ...).
  # pretrained_model_file: "${TAO_WORKSPACE}/detectnet_v2/pretrained_resnet18/pretrained_detectnet_v2_vresnet18/resnet18.hdf5"
`;
  const steps = retrain
    ? ['tao-engine detectnet_v2 train -e THIS_FILE -r RESULTS_DIR', 're-trains a pruned model to win back the accuracy pruning cost.']
    : ['tao-engine detectnet_v2 train -e THIS_FILE -r RESULTS_DIR', 'then evaluate, prune, re-train (retrain template) and export.'];
  // Re-training starts from weights that already work, so TAO's retrain spec uses a 10x
  // lower learning rate than its train spec.
  const [minLr, maxLr] = retrain ? ['5e-07', '5e-05'] : ['5e-06', '5e-04'];
  return header(retrain ? 'retrain' : 'train', steps) + `random_seed: 42
dataset_config {
  data_sources {
    # The files dataset_convert wrote (its -o prefix, then *).
    tfrecords_path: ${q(`${o.tfrecordsPrefix}*`)}
    image_directory_path: ${q(o.dataRoot)}
  }
  image_extension: "png"
  # Label class -> class the model predicts (several labels may map to one class).
${mapping}  # The partition dataset_convert set aside (val_split) is used for validation.
  validation_fold: 0
}
augmentation_config {
  preprocessing {
    # Multiples of 16: the model predicts one grid cell per 16x16 pixels.
    output_image_width: ${o.width}
    output_image_height: ${o.height}
    min_bbox_width: 1.0
    min_bbox_height: 1.0
    output_image_channel: 3
  }
  spatial_augmentation {
    hflip_probability: 0.5
    zoom_min: 1.0
    zoom_max: 1.0
    translate_max_x: 8.0
    translate_max_y: 8.0
  }
  color_augmentation {
    hue_rotation_max: 25.0
    saturation_shift_max: 0.2
    contrast_scale_max: 0.1
    contrast_center: 0.5
  }
}
# How grid-cell predictions become boxes during validation.
postprocessing_config {
${blocks(c, 'target_class_config', () => trainClustering)}}
model_config {
${model}  num_layers: 18
  use_batch_norm: true
  objective_set {
    bbox {
      scale: 35.0
      offset: 0.5
    }
    cov {
    }
  }
  arch: "resnet"
}
evaluation_config {
  validation_period_during_training: 10
  first_validation_epoch: 30
${c.map((name) => `  minimum_detection_ground_truth_overlap {\n    key: ${q(name)}\n    value: 0.5\n  }\n`).join('')}${blocks(c, 'evaluation_box_config', () => '      minimum_height: 20\n      maximum_height: 9999\n      minimum_width: 10\n      maximum_width: 9999\n')}  average_precision_mode: INTEGRATE
}
cost_function_config {
${c.map((name) => `  target_classes {
    name: ${q(name)}
    class_weight: 1.0
    coverage_foreground_weight: 0.05
${objective('cov', 1)}${objective('bbox', 10)}  }
`).join('')}  enable_autoweighting: false
  max_objective_weight: 0.9999
  min_objective_weight: 0.0001
}
training_config {
  batch_size_per_gpu: ${o.batch}
  num_epochs: ${o.epochs}
  learning_rate {
    soft_start_annealing_schedule {
      min_learning_rate: ${minLr}
      max_learning_rate: ${maxLr}
      soft_start: 0.1
      annealing: 0.7
    }
  }
  regularizer {
    type: L1
    weight: 3e-09
  }
  optimizer {
    adam {
      epsilon: 1e-08
      beta1: 0.9
      beta2: 0.999
    }
  }
  checkpoint_interval: 10
}
# How each ground-truth box is drawn onto the coverage grid the model learns.
bbox_rasterizer_config {
${blocks(c, 'target_class_config', () => '      cov_center_x: 0.5\n      cov_center_y: 0.5\n      cov_radius_x: 1.0\n      cov_radius_y: 1.0\n      bbox_min_radius: 1.0\n')}  deadzone_radius: 0.4
}
`;
}

// Box colours by class index, as in NVIDIA's inference spec (green, cyan, red, ...).
const COLORS: Array<[number, number, number]> = [[0, 255, 0], [0, 255, 255], [255, 0, 0], [255, 255, 0], [255, 0, 255]];

function inferenceText(o: DetectnetResolved): string {
  return header('inference', [
    'tao-engine detectnet_v2 inference -e THIS_FILE -i IMAGES -o OUT_DIR [-m MODEL_DIR]',
    'writes KITTI label files and images with the boxes drawn.',
  ]) + `inferencer_config {
  # The model's classes, in the order it was trained with.
${o.classes.map((c) => `  target_classes: ${q(c)}\n`).join('')}  # The size the model was trained at; images of any size are resized to it.
  image_width: ${o.width}
  image_height: ${o.height}
  image_channels: 3
  batch_size: 16
  tlt_config {
    model: ${q(o.model)}
  }
}
bbox_handler_config {
  kitti_dump: true
  disable_overlay: false
  overlay_linewidth: 2
${o.classes.map((c, i) => {
    const [r, g, b] = COLORS[i % COLORS.length];
    return `  classwise_bbox_handler_config {
    key: ${q(c)}
    value {
      confidence_model: "aggregate_cov"
      output_map: ${q(c)}
      bbox_color {
        R: ${r}
        G: ${g}
        B: ${b}
      }
      clustering_config {
        clustering_algorithm: DBSCAN
        coverage_threshold: 0.005
        dbscan_eps: 0.3
        dbscan_min_samples: 1
        dbscan_confidence_threshold: 0.9
        minimum_bounding_box_height: 4
      }
    }
  }
`;
  }).join('')}}
`;
}

/** One DetectNet_v2 task spec (protobuf text), ready for `tao-spec check` and `tao-engine`. */
export function detectnetTemplate(task: DetectnetTemplateTask, options: DetectnetTemplateOptions = {}): string {
  const o = resolveDetectnet(options);
  switch (task) {
    case 'dataset_convert': return datasetConvertText(o);
    case 'train': return trainText(o, false);
    case 'retrain': return trainText(o, true);
    case 'inference': return inferenceText(o);
  }
}

const DETECTNET_CHOICES: Array<{ task: DetectnetTemplateTask; label: string; detail: string }> = [
  { task: 'train', label: 'train', detail: 'KITTI TFRecords -> ResNet-18 DetectNet_v2 (training_config, evaluation_config, cost_function_config)' },
  { task: 'retrain', label: 'retrain', detail: 'train a pruned model again (pretrained_model_file + load_graph: true)' },
  { task: 'dataset_convert', label: 'dataset_convert', detail: 'KITTI images and labels -> TFRecords (kitti_config)' },
  { task: 'inference', label: 'inference', detail: 'boxes on new images (inferencer_config + bbox_handler_config)' },
];

/**
 * What New Spec offers for a network: the task templates where there are some, then the
 * spec generated from the schema's defaults (every network has that one).
 */
export function specTemplateChoices(schema: NetworkSchema, options: TemplateOptions = {}): SpecTemplateChoice[] {
  const network = schema['x-tao-network'];
  const tasks: SpecTemplateChoice[] = network === 'detectnet_v2'
    ? DETECTNET_CHOICES.map((c) => ({ id: c.task, label: c.label, detail: c.detail, text: detectnetTemplate(c.task) }))
    : [];
  return [...tasks, { id: 'defaults', label: 'all defaults', detail: `every field with a default in the ${network} schema`, text: generateSpec(schema, options) }];
}
