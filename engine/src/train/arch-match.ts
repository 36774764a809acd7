// The engine's side of the pretrained-backbone check (the check itself lives in the language
// core, server/src/core/rules/backbone-match.ts, which the editor runs too): the layer names of
// the models the engine builds, and the refusal before the first epoch.
import type * as tfTypes from '@tensorflow/tfjs';
import { archMismatch, isKerasFile, type ArchCheck } from '../../../server/src/core/rules/backbone-match';
import { EngineError } from '../tasks/types';

export { archMismatch, backboneLabel, describeBackbone, isKerasFile, type ArchCheck, type BackboneShape } from '../../../server/src/core/rules/backbone-match';

/** Layers that carry weights: the ones a pretrained file can fill. */
export function weightedLayerNames(model: tfTypes.LayersModel): string[] {
  return model.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
}

/** Refuses, before training, a Keras file whose backbone is not the spec's. */
export function assertPretrainedFits(c: Omit<ArchCheck, 'fileLayers' | 'specLayers'> & { fileModel: tfTypes.LayersModel; specModel: tfTypes.LayersModel }): void {
  if (!isKerasFile(c.file)) return;
  const why = archMismatch({ ...c, fileLayers: weightedLayerNames(c.fileModel), specLayers: weightedLayerNames(c.specModel) });
  if (why) throw new EngineError(why);
}
