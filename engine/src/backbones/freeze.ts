// freeze_blocks / freeze_bn, shared by every network: frozen layers keep their weights
// (trainable = false). A frozen BatchNormalization also normalises with its moving statistics
// while training (and so stops updating them), as Keras does for a non-trainable BN;
// tfjs-layers would otherwise keep using batch statistics, so we pin `training: false` on
// those layer instances.
import type * as tfTypes from '@tensorflow/tfjs';

export function applyFreezing(model: tfTypes.LayersModel, cfg: { freezeBlocks: number[]; freezeBn: boolean }, blockOf: Map<string, number>): void {
  const frozen = new Set(cfg.freezeBlocks);
  for (const layer of model.layers) {
    const block = blockOf.get(layer.name);
    const isBn = layer.getClassName() === 'BatchNormalization';
    if (block !== undefined && frozen.has(block)) layer.trainable = false;
    if (cfg.freezeBn && isBn) layer.trainable = false;
    if (isBn && !layer.trainable) {
      const call = layer.call.bind(layer);
      layer.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
    }
  }
}
