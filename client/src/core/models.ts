// The models a group of runs produced, for the Models tree: train's final model and its epoch
// checkpoints (our tfjs folders weights/final and weights/epoch_NNN, the Keras .hdf5 files
// TAO names <arch>_NNN.hdf5), pruned models (a folder with prune_report.json, *_pruned.hdf5)
// and exported .onnx files with what export leaves beside them (the INT8 calibration cache,
// DeepStream's nvinfer config and labels, TensorRT engines). Sizes come from stat; parameter
// counts only where they are cheap: the shapes in a tfjs model.json, the prune report.
// Plain Node, read only when the tree expands a group.

import * as fs from 'node:fs';
import * as path from 'node:path';

export type ModelKind = 'final' | 'checkpoint' | 'pruned' | 'keras' | 'onnx' | 'engine';

export interface Companion {
  path: string;
  role: 'calibration cache' | 'DeepStream config' | 'labels' | 'TensorRT engine' | 'tfjs copy';
}

export interface ModelEntry {
  path: string;
  kind: ModelKind;
  /** The run folder (train/, prune/, export/...) the model is in. */
  run: string;
  /** Epoch of a checkpoint, when its name says it. */
  epoch?: number;
  isFolder: boolean;
  bytes: number | undefined;
  params: number | undefined;
  companions: Companion[];
}

function list(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function fileSize(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

/** Total size of a model folder's files (one level: the tfjs format has no sub-folders). */
function folderSize(dir: string): number | undefined {
  let total = 0;
  let any = false;
  for (const e of list(dir)) {
    // A Keras or ONNX file beside the tfjs files is a model of its own, listed by itself.
    if (!e.isFile() || /\.(hdf5|h5|tlt|onnx)$/i.test(e.name)) continue;
    const n = fileSize(path.join(dir, e.name));
    if (n !== undefined) { total += n; any = true; }
  }
  return any ? total : undefined;
}

/** Parameters of a tfjs model folder: the product of each weight's shape in model.json. */
export function tfjsParams(dir: string): number | undefined {
  let manifest: unknown;
  try {
    manifest = (JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest?: unknown }).weightsManifest;
  } catch {
    return undefined;
  }
  if (!Array.isArray(manifest)) return undefined;
  let n = 0;
  for (const group of manifest as { weights?: { shape?: number[] }[] }[]) {
    for (const w of group.weights ?? []) if (Array.isArray(w.shape)) n += w.shape.reduce((a, b) => a * b, 1);
  }
  return n;
}

function pruneReportParams(dir: string): number | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(path.join(dir, 'prune_report.json'), 'utf8')) as { params_after?: unknown };
    return typeof r.params_after === 'number' ? r.params_after : undefined;
  } catch {
    return undefined;
  }
}

const EPOCH_DIR = /^epoch_(\d+)$/;
const EPOCH_FILE = /_(\d{3,})\.(hdf5|h5|tlt)$/i;

function folderModel(dir: string, run: string, kind: ModelKind, epoch?: number): ModelEntry {
  return { path: dir, kind, run, epoch, isFolder: true, bytes: folderSize(dir), params: tfjsParams(dir) ?? pruneReportParams(dir), companions: [] };
}

function fileModel(file: string, run: string, kind: ModelKind, epoch?: number): ModelEntry {
  return { path: file, kind, run, epoch, isFolder: false, bytes: fileSize(file), params: undefined, companions: [] };
}

/** What export leaves beside an .onnx file. */
function companionsOf(dir: string, names: string[], folders: string[], onnx: string): Companion[] {
  const out: Companion[] = [];
  const tfjs = `${onnx.replace(/\.onnx$/i, '')}_tfjs`;
  if (folders.includes(tfjs)) out.push({ path: path.join(dir, tfjs), role: 'tfjs copy' });
  for (const n of names) {
    const p = path.join(dir, n);
    if (/^cal.*\.(bin|cache|txt)$|\.cal(ib)?$|calibration.*\.(bin|cache|txt)$/i.test(n)) out.push({ path: p, role: 'calibration cache' });
    else if (/^(nvinfer|config_infer|pgie|sgie).*\.(txt|ya?ml)$/i.test(n)) out.push({ path: p, role: 'DeepStream config' });
    else if (/^labels?\.txt$/i.test(n)) out.push({ path: p, role: 'labels' });
    else if (/\.(engine|trt|plan)$/i.test(n)) out.push({ path: p, role: 'TensorRT engine' });
  }
  return out;
}

/** The models of one run folder: its weights/ and what prune and export wrote into it. */
export function findModels(runFolder: string): ModelEntry[] {
  const out: ModelEntry[] = [];
  const weights = path.join(runFolder, 'weights');
  for (const e of list(weights)) {
    const full = path.join(weights, e.name);
    if (e.isDirectory() && e.name === 'final') out.push(folderModel(full, runFolder, 'final'));
    else if (e.isDirectory() && EPOCH_DIR.test(e.name)) out.push(folderModel(full, runFolder, 'checkpoint', Number(EPOCH_DIR.exec(e.name)?.[1])));
    else if (e.isFile() && /\.(hdf5|h5|tlt)$/i.test(e.name)) {
      const epoch = EPOCH_FILE.exec(e.name);
      out.push(fileModel(full, runFolder, epoch ? 'checkpoint' : /_pruned\./i.test(e.name) ? 'pruned' : 'keras', epoch ? Number(epoch[1]) : undefined));
    }
  }
  const scanLevel = (dir: string, depth: number): void => {
    const entries = list(dir);
    const names = entries.filter((e) => e.isFile()).map((e) => e.name);
    const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name);
    // export's tfjs copy (<name>_tfjs/) belongs to its .onnx, not among the models.
    const copies = new Set(names.filter((n) => /\.onnx$/i.test(n)).map((n) => `${n.replace(/\.onnx$/i, '')}_tfjs`));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isFile()) {
        if (/\.onnx$/i.test(e.name)) out.push({ ...fileModel(full, runFolder, 'onnx'), companions: companionsOf(dir, names, folders, e.name) });
        else if (/\.(hdf5|h5|tlt)$/i.test(e.name) && dir !== weights) out.push(fileModel(full, runFolder, /_pruned\./i.test(e.name) || fs.existsSync(path.join(dir, 'prune_report.json')) ? 'pruned' : 'keras'));
        else if (/\.(engine|trt|plan)$/i.test(e.name) && !names.some((n) => /\.onnx$/i.test(n))) out.push(fileModel(full, runFolder, 'engine'));
      } else if (e.isDirectory() && depth > 0 && e.name !== 'weights' && !copies.has(e.name) && !['labels', 'images_annotated', 'tensorboard', 'logs'].includes(e.name)) {
        // prune's output folder (`-o RESULTS/model`): a tfjs model beside prune_report.json.
        if (fs.existsSync(path.join(full, 'model.json'))) {
          const pruned = fs.existsSync(path.join(full, 'prune_report.json')) || /pruned/i.test(e.name);
          out.push(folderModel(full, runFolder, pruned ? 'pruned' : 'keras'));
        }
        scanLevel(full, depth - 1);
      }
    }
  };
  scanLevel(runFolder, 1);
  return out;
}

const KIND_ORDER: Record<ModelKind, number> = { final: 0, pruned: 1, onnx: 2, engine: 3, keras: 4, checkpoint: 5 };

/** Models of several runs, the ones a user picks first on top, checkpoints by epoch. */
export function sortModels(models: ModelEntry[]): ModelEntry[] {
  return [...models].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.epoch ?? 0) - (b.epoch ?? 0) || a.path.localeCompare(b.path));
}

/** "1.2 MB", "820 KB". */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '';
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} KB`;
  return `${n} B`;
}

/** "1.23M params", "45.6K params". */
export function formatParams(n: number | undefined): string {
  if (n === undefined) return '';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M params`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K params`;
  return `${n} params`;
}
