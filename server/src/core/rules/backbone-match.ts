// Does a pretrained Keras file hold the backbone a spec builds? TAO loads pretrained weights
// by layer name and silently skips what does not match, so a resnet34 file under a resnet18
// spec trains from a partial backbone (and a resnet10 file leaves most of a resnet18 fresh)
// without a word. The backbone is told from the layer names TAO's templates give: ResNet and
// VGG both use CNNBlock's `block_<stage><a..>_conv_<i>`, told apart by structure (ResNet's
// blocks have two or three convs and projection shortcuts, `block_1a_conv_2`,
// `block_1a_conv_shortcut`; VGG's have one, `block_1a_conv_1` only), MobileNet v1 by
// `conv_dw_<n>`, v2 by `block_<n>_project`. Pure: the engine runs
// it on the models it builds before training, the language server on the names a file's
// model_config lists and the names the spec's arch and depth imply.
import { PRETRAINED_SLOTS, ngcModelFor } from './ngc-models';

export interface BackboneShape {
  family: 'resnet' | 'vgg' | 'mobilenet_v1' | 'mobilenet_v2';
  /** Depth when the layout is a known one (resnet 10/18/34/50/101, vgg 16/19). */
  depth?: number;
  /** Blocks (resnet) or convolutions (vgg) per stage, and MobileNet's block count. */
  layout: number[];
  /** ResNet 50/101 use three-convolution bottleneck blocks. */
  bottleneck?: boolean;
}

const RESNET_DEPTHS: Record<string, number> = { 'basic:1-1-1-1': 10, 'basic:2-2-2-2': 18, 'basic:3-4-6-3': 34, 'bottleneck:3-4-6-3': 50, 'bottleneck:3-4-23-3': 101 };
const VGG_DEPTHS: Record<string, number> = { '2-2-3-3-3': 16, '2-2-4-4-4': 19 };

/** Count of distinct keys per stage 1..max, from `(stage, key)` pairs. */
function perStage(pairs: Array<[number, string]>): number[] {
  const stages = new Map<number, Set<string>>();
  for (const [s, k] of pairs) stages.set(s, (stages.get(s) ?? new Set()).add(k));
  const max = Math.max(...stages.keys());
  return Array.from({ length: max }, (_, i) => stages.get(i + 1)?.size ?? 0);
}

/** The backbone as far as layer names tell it; undefined for families these names do not mark. */
export function describeBackbone(layerNames: readonly string[]): BackboneShape | undefined {
  const cnnBlocks = layerNames.map((n) => /^block_(\d)([a-z])_conv_(\d)$/.exec(n)).filter((m): m is RegExpExecArray => !!m);
  // CNNBlock names: a second conv per block or a shortcut is ResNet; one conv per block is VGG.
  const resnet = cnnBlocks.some((m) => m[3] !== '1') || layerNames.some((n) => /^block_\d[a-z]_conv_shortcut$/.test(n));
  if (cnnBlocks.length && resnet) {
    const layout = perStage(cnnBlocks.map((m) => [Number(m[1]), m[2]]));
    const bottleneck = cnnBlocks.some((m) => m[3] === '3');
    return { family: 'resnet', layout, bottleneck, depth: RESNET_DEPTHS[`${bottleneck ? 'bottleneck' : 'basic'}:${layout.join('-')}`] };
  }
  if (cnnBlocks.length) {
    // VGG: one CNNBlock repeat (letter) per 3x3 conv of a stage.
    const layout = perStage(cnnBlocks.map((m) => [Number(m[1]), m[2]]));
    return { family: 'vgg', layout, depth: VGG_DEPTHS[layout.join('-')] };
  }
  const v1 = layerNames.filter((n) => /^conv_dw_\d+$/.test(n)).length;
  if (v1) return { family: 'mobilenet_v1', layout: [v1] };
  const v2 = layerNames.filter((n) => /^(expanded_conv|block_\d+)_project$/.test(n)).length;
  if (v2) return { family: 'mobilenet_v2', layout: [v2] };
  return undefined;
}

export function backboneLabel(b: BackboneShape): string {
  if (b.depth) return `${b.family} ${b.depth}`;
  if (b.family === 'resnet') return `a resnet with ${b.layout.join('-')} ${b.bottleneck ? 'bottleneck' : 'basic'} blocks per stage`;
  if (b.family === 'vgg') return `a vgg with ${b.layout.join('-')} convolutions per stage`;
  return `${b.family} (${b.layout[0]} blocks)`;
}

/** Does the file's backbone fill every backbone layer of the spec's? */
function fileFits(file: BackboneShape, spec: BackboneShape): boolean {
  if (file.family !== spec.family) return false;
  // A MobileNet file with more blocks fills a shorter trunk completely: TAO's stride-16
  // detection trunks (DetectNet_v2) are the classification ones without their last blocks.
  if (file.family === 'mobilenet_v1' || file.family === 'mobilenet_v2') return file.layout[0] >= spec.layout[0];
  return !!file.bottleneck === !!spec.bottleneck && file.layout.join('-') === spec.layout.join('-');
}

/** The arch / depth values that would build `b`, as the spec would write them. */
function specValues(network: string, b: BackboneShape): string {
  const slot = PRETRAINED_SLOTS[network];
  const depthKey = slot?.layers?.split('.').pop() ?? 'n_layers';
  return b.depth ? `arch: "${b.family}", ${depthKey}: ${b.depth}` : `arch: "${b.family}"`;
}

export interface ArchCheck {
  network: string;
  /** The spec key naming the file, for the message (`pretrained_model_path`). */
  specKey: string;
  file: string;
  fileLayers: readonly string[];
  specLayers: readonly string[];
  /** The spec's arch and depth, to name the NGC model that fits. */
  arch: string;
  nLayers: number;
}

/** Why the file does not fit the spec's backbone, or undefined when it does (or cannot be told). */
export function archMismatch(c: ArchCheck): string | undefined {
  const spec = describeBackbone(c.specLayers);
  if (!spec) return undefined;
  const file = describeBackbone(c.fileLayers);
  if (file && fileFits(file, spec)) return undefined;
  if (!file) {
    // A family these names do not mark (darknet, googlenet, efficientnet, ...): a mismatch
    // only when the file shares no backbone layer with the spec's model, i.e. TAO would load none.
    const fileSet = new Set(c.fileLayers);
    const shared = c.specLayers.filter((n) => fileSet.has(n) && /^(conv1|block|conv_)/.test(n));
    if (shared.length) return undefined;
  }
  const fileText = file ? backboneLabel(file) : 'a backbone with none of the spec\'s layer names';
  const specText = backboneLabel(spec);
  const extra = file && spec.family === file.family ? layerDifference(c.fileLayers, c.specLayers) : '';
  const ngc = ngcModelFor(c.network, c.arch, c.nLayers);
  const fixes = [
    ngc ? `point ${c.specKey} at ${ngc.file ? `${ngc.folder}/${ngc.file}` : `the .hdf5 in ${ngc.folder}/`} (ngc registry model download-version ${ngc.ref})` : undefined,
    file ? `set model_config to the file's backbone (${specValues(c.network, file)})` : undefined,
  ].filter(Boolean);
  return `${c.specKey} ${c.file} holds ${fileText}, but the spec builds ${specText}${extra}; TAO matches layers by name and would silently train from a partial backbone. Fix: ${fixes.join(', or ') || 'use a pretrained file made for this backbone'}.`;
}

/** ` (the file has block_1c..., the spec's model lacks them)`: the first few names either way. */
function layerDifference(fileLayers: readonly string[], specLayers: readonly string[]): string {
  const isBackbone = (n: string): boolean => /^(block|conv_)/.test(n);
  const fileSet = new Set(fileLayers.filter(isBackbone));
  const specSet = new Set(specLayers.filter(isBackbone));
  const onlyFile = [...fileSet].filter((n) => !specSet.has(n));
  const onlySpec = [...specSet].filter((n) => !fileSet.has(n));
  const few = (names: string[]): string => names.slice(0, 3).join(', ') + (names.length > 3 ? `, ... (${names.length})` : '');
  const parts = [onlyFile.length ? `the file has ${few(onlyFile)}, which the spec's model lacks` : '', onlySpec.length ? `the spec's model has ${few(onlySpec)}, which the file lacks` : ''].filter(Boolean);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/** Keras files (NGC's backbones, TAO's checkpoints) are the ones TAO itself would load partly. */
export function isKerasFile(path: string): boolean {
  return /\.(hdf5|h5)$/i.test(path);
}

const RESNET_LAYOUTS: Record<number, { layout: number[]; bottleneck: boolean }> = {
  10: { layout: [1, 1, 1, 1], bottleneck: false },
  18: { layout: [2, 2, 2, 2], bottleneck: false },
  34: { layout: [3, 4, 6, 3], bottleneck: false },
  50: { layout: [3, 4, 6, 3], bottleneck: true },
  101: { layout: [3, 4, 23, 3], bottleneck: true },
};
const VGG_LAYOUTS: Record<number, number[]> = { 16: [2, 2, 3, 3, 3], 19: [2, 2, 4, 4, 4] };

/** MobileNet blocks TAO's templates build at stride 32 and at DetectNet_v2's stride 16. */
const MOBILENET_BLOCKS: Record<string, { stride32: number; stride16: number }> = {
  mobilenet_v1: { stride32: 13, stride16: 11 },
  // Inverted residual blocks 0..16, or 0..12.
  mobilenet_v2: { stride32: 17, stride16: 13 },
};

/**
 * The TAO layer names (convolutions only: enough to tell the backbone) that a spec's arch and
 * depth build, for the families describeBackbone knows; undefined for the others. `network`
 * matters for MobileNet only: DetectNet_v2 asks the templates for stride 16, which leaves out
 * the last blocks.
 */
export function backboneLayerNames(arch: string, depth: number | undefined, network?: string): string[] | undefined {
  const a = arch.trim().toLowerCase();
  const letter = (i: number): string => String.fromCharCode(97 + i);
  if (a === 'resnet') {
    const r = RESNET_LAYOUTS[depth ?? 18];
    if (!r) return undefined;
    const names = ['conv1'];
    r.layout.forEach((count, s) => {
      for (let b = 0; b < count; b++) for (let k = 1; k <= (r.bottleneck ? 3 : 2); k++) names.push(`block_${s + 1}${letter(b)}_conv_${k}`);
    });
    return names;
  }
  const vgg = /^vgg(\d+)?$/.exec(a);
  if (vgg) {
    const layout = VGG_LAYOUTS[Number(vgg[1] ?? depth ?? 16)];
    return layout?.flatMap((n, s) => Array.from({ length: n }, (_, i) => `block_${s + 1}${letter(i)}_conv_1`));
  }
  const blocks = MOBILENET_BLOCKS[a];
  if (!blocks) return undefined;
  const count = network === 'detectnet_v2' ? blocks.stride16 : blocks.stride32;
  // v1: the stem conv and depthwise blocks 1..; v2: the stem, block 0 (`expanded_conv_`), blocks 1...
  if (a === 'mobilenet_v1') return ['conv1', ...Array.from({ length: count }, (_, i) => `conv_dw_${i + 1}`)];
  return ['conv1', 'expanded_conv_project', ...Array.from({ length: count - 1 }, (_, i) => `block_${i + 1}_project`)];
}
