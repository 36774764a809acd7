// Shared by the engine tests: a tiny generated dataset, spec writing, and running the CLI
// bundle as a separate process (the way users and the extension run it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeSyntheticDataset } from '../../engine/src/data/synthetic';

export const repoRoot = resolve(__dirname, '..', '..', '..');
export const engineBin = join(repoRoot, 'bin', 'tao-engine.js');

/**
 * Folders made by tempDir, removed when the test process exits: runs write models, datasets
 * and (on webgpu) close to 1 GB each, and CI's machine is the one these accumulate on.
 * TAO_KEEP_TEST_DIRS=1 keeps them for a post-mortem.
 */
const madeDirs: string[] = [];
process.on('exit', () => {
  if (process.env.TAO_KEEP_TEST_DIRS === '1') return;
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tao-engine-${prefix}-`));
  madeDirs.push(dir);
  return dir;
}

/** 3 classes of 16x16 grayscale images: 12 train, 4 val, 4 test per class. */
export function tinyDataset(root: string, classes = 3): { train: string; val: string; test: string } {
  const dirs = writeSyntheticDataset(root, { classes, size: 16, channels: 1, perClass: { train: 12, val: 4, test: 4 }, seed: 3 });
  return { train: dirs.train, val: dirs.val, test: dirs.test };
}

export interface SpecOptions {
  arch?: string;
  nLayers?: number;
  train: string;
  val?: string;
  test?: string;
  epochs?: number;
  extraModel?: string;
  extraTrain?: string;
}

export function writeSpec(path: string, o: SpecOptions): string {
  const text = `model_config {
  arch: "${o.arch ?? 'resnet'}"
  n_layers: ${o.nLayers ?? 10}
  use_batch_norm: true
  input_image_size: "1,16,16"
  dropout: 0.2
${o.extraModel ?? ''}}
train_config {
  train_dataset_path: "${o.train}"
  ${o.val ? `val_dataset_path: "${o.val}"` : ''}
  optimizer { adam { lr: 0.002 } }
  batch_size_per_gpu: 8
  n_epochs: ${o.epochs ?? 2}
  random_seed: 7
  preprocess_mode: "torch"
  enable_random_crop: true
${o.extraTrain ?? ''}}
eval_config {
  ${o.test ? `eval_dataset_path: "${o.test}"` : ''}
  top_k: 2
  batch_size: 16
}
`;
  writeFileSync(path, text);
  return path;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runEngine(args: string[], cwd = repoRoot): RunResult {
  const r = spawnSync(process.execPath, [engineBin, ...args], { cwd, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
