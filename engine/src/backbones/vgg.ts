// VGG 16/19: five stages of 3x3 convolutions, each closed by a 2x2 max-pool.
// Freeze blocks: 1..5 = stages.
import { BuildContext, type SymT } from './context';
import type { BackboneOptions } from './index';

const LAYOUT: Record<number, number[]> = { 16: [2, 2, 3, 3, 3], 19: [2, 2, 4, 4, 4] };
const WIDTHS = [64, 128, 256, 512, 512];

export function buildVgg(c: BuildContext, input: SymT, opts: BackboneOptions = {}): SymT {
  const layout = LAYOUT[c.cfg.nLayers];
  if (!layout) throw new Error(`vgg depth ${c.cfg.nLayers} is not supported (use 16 or 19)`);
  let x = input;
  layout.forEach((count, stage) => {
    c.block = stage + 1;
    for (let i = 1; i <= count; i++) {
      const base = `block${stage + 1}_conv${i}`;
      x = c.convBnAct(x, [base, `${base}_bn`, `${base}_relu`], WIDTHS[stage], 3, 1);
    }
    // Detection stops at 1/16: the fifth stage keeps its resolution.
    if (opts.stride16 && stage === layout.length - 1) return;
    x = c.tag(c.tf.layers.maxPooling2d({ name: `block${stage + 1}_pool`, poolSize: 2, strides: 2, padding: 'same' })).apply(x) as SymT;
  });
  return x;
}
