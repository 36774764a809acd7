// Checkpoints shared by every network's training loop: RESULTS/weights/epoch_NNN/ holds the
// model, the optimizer's slots and a state file, written in one atomic folder, so a run
// stopped anywhere resumes from the newest complete epoch with the same result. Next to them,
// the Keras .hdf5 files TAO 5 writes under the same names (`resnet_010.hdf5` per epoch for
// classification_tf1, `model.hdf5` at the end for detectnet_v2), so a run can be continued,
// evaluated or exported in NVIDIA's container; the tfjs folders stay what resume and the panels read.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { saveModel, type EngineModelMetadata } from '../io/model-io';
import { writeKerasModel } from '../io/hdf5/keras-model';
import type { StatusWriter } from '../util/status';
import type { Logger } from '../util/log';
import { EngineError } from '../tasks/types';
import { restoreOptimizer, saveOptimizer } from './optimizer';
import { epochDirName } from '../util/paths';

type Tf = typeof tfTypes;

export const STATE_FILE = 'train_state.json';

export function weightsDir(resultsDir: string): string {
  return join(resultsDir, 'weights');
}

/** Which TAO-named Keras files a training loop writes into RESULTS/weights/. */
export interface KerasOutputs {
  /** With each checkpoint, e.g. epoch => resnet_010.hdf5 (see taoCheckpointName). */
  checkpoint?: (epoch: number) => string;
  /** With the final model. */
  final?: string;
}

/** TAO classification_tf1's checkpoint name: `<model_config.arch>_{epoch:03d}.hdf5`. */
export function taoCheckpointName(arch: string, epoch: number): string {
  return `${arch}_${String(epoch).padStart(3, '0')}.hdf5`;
}

/** TAO detectnet_v2's final model: `weights/<-n model_name>.hdf5`, "model" by default. */
export const TAO_FINAL_MODEL = 'model.hdf5';

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
  keras: KerasOutputs = {},
): Promise<string> {
  const saved = await saveOptimizer(tf, optimizer);
  const dir = join(weightsDir(resultsDir), epochDirName(epoch));
  await saveModel(tf, model, dir, metadata, {
    'optimizer.json': saved.json,
    'optimizer.bin': saved.bin,
    [STATE_FILE]: JSON.stringify(state, null, 2),
  });
  if (keras.checkpoint) await writeKerasModel(model, join(weightsDir(resultsDir), keras.checkpoint(epoch)), metadata);
  return dir;
}

export async function restoreOptimizerFrom(tf: Tf, optimizer: tfTypes.Optimizer, dir: string): Promise<void> {
  await restoreOptimizer(tf, optimizer, {
    json: readFileSync(join(dir, 'optimizer.json'), 'utf8'),
    bin: readFileSync(join(dir, 'optimizer.bin')),
  });
}

/**
 * The end of a training run: the final model when every epoch is done (weights/final/, and
 * `keras.final` as .hdf5: TAO detectnet_v2's model.hdf5 unless the caller says otherwise),
 * else a SKIPPED line saying how to resume (a --stop-after stop); then the optimizer and
 * model are freed.
 */
export async function finishTraining(
  tf: Tf,
  run: { resultsDir: string; log: Logger; status: StatusWriter },
  model: tfTypes.LayersModel,
  optimizer: tfTypes.Optimizer,
  metadata: EngineModelMetadata,
  endEpoch: number,
  epochs: number,
  keras: KerasOutputs = { final: TAO_FINAL_MODEL },
): Promise<void> {
  if (endEpoch < epochs) {
    run.log.info(`stopped after epoch ${endEpoch} of ${epochs} as asked; run the same command again to resume`);
    run.status.write({ status: 'SKIPPED', message: `Training stopped after epoch ${endEpoch} of ${epochs}; resume by running train again.` });
  } else {
    const finalDir = join(weightsDir(run.resultsDir), 'final');
    await saveModel(tf, model, finalDir, metadata);
    run.log.info(`final model: ${finalDir}`);
    if (keras.final) {
      const file = join(weightsDir(run.resultsDir), keras.final);
      await writeKerasModel(model, file, metadata);
      run.log.info(`final model for TAO (Keras .hdf5): ${file}`);
    }
    run.status.write({ status: 'SUCCESS', message: 'Training finished successfully.' });
  }
  optimizer.dispose();
  model.dispose();
}

/** `--stop-after N` of the train tasks: undefined when absent, else a positive integer. */
export function stopAfterFlag(value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' ? Number(value) : NaN;
  if (!(Number.isInteger(n) && n > 0)) throw new EngineError('--stop-after needs a positive integer');
  return n;
}
