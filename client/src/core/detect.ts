// Decides cheaply, without the server, whether an open document is a TAO spec: the server
// does the real network inference, but the client must choose which files to hand it and
// which `.txt` files to switch to the tao-prototext language.

import { parseModeline } from './modeline';
import { matchesAnyGlob } from './globs';

/**
 * Top-level keys of TAO specs, by dialect. The built-in lists cover specs that have no schema
 * of their own (dataset_convert, inferencer specs); the extension adds every schema's
 * top-level keys at start-up (see `knownKeysFromIndex`).
 */
export interface KnownKeys {
  prototext: ReadonlySet<string>;
  yaml: ReadonlySet<string>;
}

export const BUILTIN_KEYS: KnownKeys = {
  prototext: new Set(['model_config', 'train_config', 'training_config', 'eval_config', 'evaluation_config', 'dataset_config', 'augmentation_config', 'inference_config', 'inferencer_config', 'bbox_handler_config', 'random_seed', 'bbox_rasterizer_config', 'postprocessing_config', 'cost_function_config', 'nms_config', 'yolov3_config', 'yolov4_config', 'ssd_config', 'retinanet_config', 'dssd_config', 'kitti_config', 'coco_config', 'image_directory_path', 'lpr_config', 'classifier_config']),
  yaml: new Set(['results_dir', 'encryption_key', 'model', 'dataset', 'data', 'train', 'evaluate', 'inference', 'export', 'prune', 'gen_trt_engine', 'dataset_convert', 'augment', 'model_config', 'train_config', 'dataset_config', 'gpu_ids', 'num_gpus', 'output_dir', 'key']),
};

/** Keys that no common non-TAO YAML (CI, compose, Kubernetes) has at the top. */
const STRONG_YAML = new Set(['results_dir', 'encryption_key', 'gen_trt_engine', 'dataset_convert', 'model_config', 'train_config', 'dataset_config']);

/** The part of schemas/index.json that detection needs: each network's dialect and dotted keys. */
export interface SchemaIndex {
  networks: Record<string, { dialect: string; keys: readonly string[] }>;
}

/** Every schema's top-level keys by dialect, from the index (top-level keys have no dot). */
export function knownKeysFromIndex(index: SchemaIndex): KnownKeys {
  const prototext = new Set(BUILTIN_KEYS.prototext);
  const yaml = new Set(BUILTIN_KEYS.yaml);
  for (const entry of Object.values(index.networks)) {
    const target = entry.dialect === 'prototext' ? prototext : yaml;
    for (const k of entry.keys) if (!k.includes('.')) target.add(k);
  }
  return { prototext, yaml };
}

export type SpecKind = 'prototext' | 'yaml';

export interface DetectInput {
  path: string;
  text: string;
  globs: readonly string[];
  workspaceRoot?: string;
  known?: KnownKeys;
}

export interface Detection {
  kind: SpecKind;
  reason: 'modeline' | 'glob' | 'content' | 'extension';
}

function kindFromPath(p: string): SpecKind | undefined {
  const lower = p.toLowerCase();
  if (/\.(ya?ml)$/.test(lower)) return 'yaml';
  if (/\.(txt|prototxt|pbtxt|prototext)$/.test(lower)) return 'prototext';
  return undefined;
}

/** Returns how the file was recognized as a spec, or undefined for any other file. */
export function detectSpec(input: DetectInput): Detection | undefined {
  const kind = kindFromPath(input.path);
  if (!kind) return undefined;
  const firstLine = input.text.slice(0, input.text.indexOf('\n') >= 0 ? input.text.indexOf('\n') : undefined);
  if (parseModeline(firstLine)?.fields.network) return { kind, reason: 'modeline' };
  if (/\.(prototxt|pbtxt|prototext)$/i.test(input.path)) return { kind, reason: 'extension' };
  if (matchesAnyGlob(input.path, input.globs, input.workspaceRoot)) return { kind, reason: 'glob' };
  // Only look at the head of large files: specs put their top-level sections early.
  const head = input.text.slice(0, 20000);
  const known = input.known ?? BUILTIN_KEYS;
  if (kind === 'prototext') {
    // Keys at column 0 followed by `:` or `{`; a known block (`key {`) or two known keys is a spec.
    const keys = [...head.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)\s*(:?\s*[{<]|:)/gm)].map((m) => ({ key: m[1], block: /[{<]/.test(m[2]) }));
    const hits = keys.filter((k) => known.prototext.has(k.key));
    if (hits.some((k) => k.block) || new Set(hits.map((k) => k.key)).size >= 2) return { kind, reason: 'content' };
  } else {
    const keys = new Set([...head.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)\s*:/gm)].map((m) => m[1]));
    const hits = [...keys].filter((k) => known.yaml.has(k));
    // Generic words like `model` or `train` alone are common in other YAML; ask for a key only
    // TAO uses, or for most top-level keys being TAO's.
    if (hits.some((k) => STRONG_YAML.has(k)) || (hits.length >= 2 && hits.length / keys.size >= 0.5)) return { kind, reason: 'content' };
  }
  return undefined;
}
