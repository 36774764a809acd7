// Shared helpers for the architecture builders: seeded initialisers (so a random_seed gives
// the same initial weights on every run), conv+BN+activation blocks named like TAO's Keras
// models, and the record of which layers belong to which freezable block.
import type * as tfTypes from '@tensorflow/tfjs';
import type { BackboneConfig } from './config';

type Tf = typeof tfTypes;
export type SymT = tfTypes.SymbolicTensor;

export class BuildContext {
  private seedCounter = 0;
  /** Layer name -> freeze block index (freeze_blocks in the spec refers to these numbers). */
  readonly blockOf = new Map<string, number>();
  /** Block index currently being built. */
  block = 0;

  constructor(readonly tf: Tf, readonly cfg: BackboneConfig, readonly seed: number) {}

  nextSeed(): number {
    this.seedCounter += 1;
    return (this.seed * 1000 + this.seedCounter) >>> 0;
  }

  kernelInit(): tfTypes.serialization.Serializable {
    return this.tf.initializers.heNormal({ seed: this.nextSeed() }) as unknown as tfTypes.serialization.Serializable;
  }

  /** Tags a layer with the current block and returns it. */
  tag<L extends tfTypes.layers.Layer>(layer: L): L {
    this.blockOf.set(layer.name, this.block);
    return layer;
  }

  get useBias(): boolean {
    return this.cfg.useBias || !this.cfg.useBatchNorm;
  }

  /** `useBias` overrides the shared rule above for templates that take `use_bias` as given (TAO's ResNet). */
  /** `padding` 'valid' pairs with `pad` where a TAO template pads explicitly (MobileNet). */
  conv(x: SymT, name: string, filters: number, kernel: number, strides = 1, useBias = this.useBias, padding: 'same' | 'valid' = 'same'): SymT {
    const layer = this.tf.layers.conv2d({
      name,
      filters,
      kernelSize: kernel,
      strides,
      padding,
      useBias,
      kernelInitializer: this.kernelInit() as never,
    });
    return this.tag(layer).apply(x) as SymT;
  }

  depthwise(x: SymT, name: string, strides = 1, useBias = this.useBias, padding: 'same' | 'valid' = 'same'): SymT {
    const layer = this.tf.layers.depthwiseConv2d({
      name,
      kernelSize: 3,
      strides,
      padding,
      useBias,
      depthwiseInitializer: this.kernelInit() as never,
    });
    return this.tag(layer).apply(x) as SymT;
  }

  /**
   * `freezable` false leaves the layer out of the freeze blocks: templates that hand
   * `trainable` to their convolutions only (CNNBlock, MobileNet) keep BN trainable under
   * freeze_blocks, so only freeze_bn stops it.
   */
  bn(x: SymT, name: string, freezable = true): SymT {
    if (!this.cfg.useBatchNorm) return x;
    const layer = this.tf.layers.batchNormalization({
      name,
      axis: -1,
      momentum: this.cfg.bnMomentum,
      epsilon: this.cfg.bnEpsilon,
    });
    return (freezable ? this.tag(layer) : layer).apply(x) as SymT;
  }

  /** Keras' ZeroPadding2D: `amount` zeros on every side, before a 'valid' convolution. */
  pad(x: SymT, name: string, amount = 1): SymT {
    return this.tag(this.tf.layers.zeroPadding2d({ name, padding: amount })).apply(x) as SymT;
  }

  /** Keras' ReLU layer (class ReLU, as TAO's MobileNet writes it); `maxValue` 6 is relu6. */
  relu(x: SymT, name: string, maxValue?: number): SymT {
    const layer = this.tf.layers.reLU(maxValue === undefined ? { name } : { name, maxValue });
    return this.tag(layer).apply(x) as SymT;
  }

  /** The spec's activation (relu unless `activation` says otherwise); `override` forces one (relu6 in MobileNetV2). */
  act(x: SymT, name: string, override?: string): SymT {
    const type = override ?? this.cfg.activation;
    const tf = this.tf;
    let layer: tfTypes.layers.Layer;
    if (type === 'leaky_relu' || type === 'leakyrelu') {
      layer = tf.layers.leakyReLU({ name, alpha: this.cfg.activationParams.alpha ?? 0.1 });
    } else {
      layer = tf.layers.activation({ name, activation: type as never });
    }
    return this.tag(layer).apply(x) as SymT;
  }

  /** conv -> BN -> activation, the unit most architectures repeat. */
  convBnAct(x: SymT, names: [string, string, string], filters: number, kernel: number, strides = 1, actOverride?: string): SymT {
    return this.act(this.bn(this.conv(x, names[0], filters, kernel, strides), names[1]), names[2], actOverride);
  }
}
