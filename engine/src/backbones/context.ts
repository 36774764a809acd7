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
  conv(x: SymT, name: string, filters: number, kernel: number, strides = 1, useBias = this.useBias): SymT {
    const layer = this.tf.layers.conv2d({
      name,
      filters,
      kernelSize: kernel,
      strides,
      padding: 'same',
      useBias,
      kernelInitializer: this.kernelInit() as never,
    });
    return this.tag(layer).apply(x) as SymT;
  }

  depthwise(x: SymT, name: string, strides = 1): SymT {
    const layer = this.tf.layers.depthwiseConv2d({
      name,
      kernelSize: 3,
      strides,
      padding: 'same',
      useBias: this.useBias,
      depthwiseInitializer: this.kernelInit() as never,
    });
    return this.tag(layer).apply(x) as SymT;
  }

  bn(x: SymT, name: string): SymT {
    if (!this.cfg.useBatchNorm) return x;
    const layer = this.tf.layers.batchNormalization({
      name,
      axis: -1,
      momentum: this.cfg.bnMomentum,
      epsilon: this.cfg.bnEpsilon,
    });
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
