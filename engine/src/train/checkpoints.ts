// Checkpoints shared by every network's training loop: RESULTS/weights/epoch_NNN/ holds the
// model, the optimizer's slots and a state file, written in one atomic folder, so a run
// stopped anywhere resumes from the newest complete epoch with the same result.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { saveModel, type EngineModelMetadata } from '../io/model-io';
import { restoreOptimizer, saveOptimizer } from './optimizer';
import { epochDirName } from '../util/paths';

type Tf = typeof tfTypes;

export const STATE_FILE = 'train_state.json';

export function weightsDir(resultsDir: string): string {
  return join(resultsDir, 'weights');
}

/** The newest complete checkpoint (epoch_NNN with its state file), if any. */
export function latestCheckpoint<S>(resultsDir: string): { dir: string; state: S } | undefined {
  const dir = weightsDir(resultsDir);
  if (!existsSync(dir)) return undefined;
  const epochs = readdirSync(dir)
    .filter((n) => /^epoch_\d+$/.test(n) && existsSync(join(dir, n, STATE_FILE)))
    .sort();
  const last = epochs[epochs.length - 1];
  if (!last) return undefined;
  return { dir: join(dir, last), state: JSON.parse(readFileSync(join(dir, last, STATE_FILE), 'utf8')) as S };
}

/** Writes weights/epoch_NNN/ (model + optimizer + state) atomically. */
export async function saveCheckpoint(
  tf: Tf,
  resultsDir: string,
  epoch: number,
  model: tfTypes.LayersModel,
  optimizer: tfTypes.Optimizer,
  metadata: EngineModelMetadata,
  state: object,
): Promise<string> {
  const saved = await saveOptimizer(tf, optimizer);
  const dir = join(weightsDir(resultsDir), epochDirName(epoch));
  await saveModel(tf, model, dir, metadata, {
    'optimizer.json': saved.json,
    'optimizer.bin': saved.bin,
    [STATE_FILE]: JSON.stringify(state, null, 2),
  });
  return dir;
}

export async function restoreOptimizerFrom(tf: Tf, optimizer: tfTypes.Optimizer, dir: string): Promise<void> {
  await restoreOptimizer(tf, optimizer, {
    json: readFileSync(join(dir, 'optimizer.json'), 'utf8'),
    bin: readFileSync(join(dir, 'optimizer.bin')),
  });
}
