// Cross-field checks TAO's own code makes for the KITTI-format detectors, each an error only
// where TAO stops on it (an assert or an exception), with the source that does so:
// - yolo_v3: nvidia_tao_tf1/cv/yolo_v3/utils/spec_loader.py, load_experiment_spec (data source
//   formats, image_extension for TFRecords, image_mean keys per output_channel), and
//   yolo_v3/models/yolov3_model.py (anchor strings are eval'd, must not be empty, and are
//   reshaped to (w, h) pairs in anchor_to_relative);
// - yolo_v4, yolo_v4_tiny: nvidia_tao_tf1/cv/yolo_v4/utils/spec_loader.py, load_experiment_spec
//   (the same, plus output_depth, and the three anchor levels, of which cspdarknet_tiny has two);
// - ssd, dssd: nvidia_tao_tf1/cv/ssd/utils/spec_loader.py, _SSD_VALUE_CHECKER_ (variances: four
//   values above 0; aspect ratios, scales, steps above 0; offsets in (0, 1)).
import type { MapNode, ScalarNode, SpecDiagnostic, SpecNode } from '../tree';
import { diag, mapAt, numberAt, repeatedValues, textAt } from './helpers';
import type { RuleContext } from './types';

/** A Python literal of numbers in nested lists/tuples (`[(1, 2), (3, 4.5)]`); undefined otherwise. */
export function parseNumberLiteral(text: string): unknown[] | number | undefined {
  let at = 0;
  const skip = () => {
    while (at < text.length && /\s/.test(text[at])) at++;
  };
  const value = (): unknown[] | number | undefined => {
    skip();
    const c = text[at];
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      at++;
      const items: unknown[] = [];
      for (;;) {
        skip();
        if (text[at] === close) {
          at++;
          return items;
        }
        const item = value();
        if (item === undefined) return undefined;
        items.push(item);
        skip();
        if (text[at] === ',') at++;
        else if (text[at] !== close) return undefined;
      }
    }
    // A number, or numbers joined by * and / (`1.0/3.0` in NVIDIA's SSD specs).
    let result = number();
    for (;;) {
      if (result === undefined) return undefined;
      skip();
      const op = text[at];
      if (op !== '/' && op !== '*') return result;
      at++;
      skip();
      const right = number();
      if (right === undefined) return undefined;
      result = op === '/' ? result / right : result * right;
    }
  };
  const number = (): number | undefined => {
    const m = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(text.slice(at));
    if (!m) return undefined;
    at += m[0].length;
    return Number(m[0]);
  };
  const result = value();
  skip();
  return result !== undefined && at === text.length ? result : undefined;
}

function flatten(v: unknown[] | number): number[] {
  return typeof v === 'number' ? [v] : v.flatMap((x) => flatten(x as unknown[] | number));
}

/** The entry key span of `key` in `map` (for problems about a field that is absent or empty). */
function keySpanOf(map: MapNode, key: string) {
  return map.entries.find((e) => e.key === key)?.keySpan;
}

function labelFormat(source: SpecNode): 'label_directory_path' | 'tfrecords_path' | undefined {
  if (source.kind !== 'map') return undefined;
  // A oneof: the last of the two set wins, as text_format.Merge does.
  for (let i = source.entries.length - 1; i >= 0; i--) {
    const k = source.entries[i].key;
    if (k === 'label_directory_path' || k === 'tfrecords_path') return k;
  }
  return undefined;
}

function datasetRules(ctx: RuleContext, source: string, out: SpecDiagnostic[]): void {
  const root = ctx.spec.root;
  const dataset = mapAt(root, 'dataset_config');
  if (!dataset) return;
  const extension = textAt(dataset, 'image_extension')?.value ?? '';
  const datasetKey = root.entries.find((e) => e.key === 'dataset_config')!.keySpan;
  for (const field of ['data_sources', 'validation_data_sources']) {
    const sources = repeatedValues(dataset, field);
    const formats = sources.map(labelFormat);
    const first = formats.find((f) => f);
    const odd = sources.findIndex((s, i) => formats[i] && formats[i] !== first);
    if (odd >= 0) {
      const s = sources[odd] as MapNode;
      out.push(diag('error', 'label-format', keySpanOf(s, formats[odd]!) ?? s.span, `All ${field} must use the same label format; this one uses ${formats[odd]} and an earlier one ${first}. TAO stops: "Label format should be identical" (${source}).`));
    }
    if (first === 'tfrecords_path' && !extension) {
      out.push(diag('error', 'image-extension-required', datasetKey, `${field} read TFRecords, so dataset_config needs image_extension (e.g. "png"); TAO stops without it (${source}).`));
    }
  }
  const training = repeatedValues(dataset, 'data_sources');
  if (training.length > 0 && repeatedValues(dataset, 'validation_data_sources').length === 0 && labelFormat(training[0]) === 'label_directory_path') {
    const s = training[0] as MapNode;
    out.push(diag('error', 'validation-source', keySpanOf(s, 'label_directory_path') ?? s.span, `Without validation_data_sources TAO splits validation off with validation_fold, which needs TFRecords; training from label_directory_path needs validation_data_sources too (${source}).`));
  }
}

function imageMeanRules(ctx: RuleContext, source: string, withDepth: boolean, out: SpecDiagnostic[]): void {
  const root = ctx.spec.root;
  const aug = mapAt(root, 'augmentation_config');
  if (!aug) return;
  const channel = numberAt(aug, 'output_channel');
  const means = repeatedValues(aug, 'image_mean').filter((m): m is MapNode => m.kind === 'map');
  const keys = new Set(means.map((m) => textAt(m, 'key')?.value).filter((k): k is string => !!k));
  const meanSpan = keySpanOf(aug, 'image_mean');
  if (channel && means.length > 0 && meanSpan) {
    if (channel.value === 3 && !['r', 'g', 'b'].every((k) => keys.has(k))) {
      out.push(diag('error', 'image-mean', meanSpan, `output_channel is 3, so image_mean needs the keys 'r', 'g' and 'b' (it has ${[...keys].map((k) => `'${k}'`).join(', ') || 'none'}); TAO stops otherwise (${source}).`));
    } else if (channel.value === 1 && !keys.has('l')) {
      out.push(diag('error', 'image-mean', meanSpan, `output_channel is 1, so image_mean needs the key 'l'; TAO stops otherwise (${source}).`));
    }
  }
  if (!withDepth || !channel) return;
  const depth = numberAt(aug, 'output_depth');
  if (!depth || depth.value === 0) return;
  if (channel.value === 3 && depth.value !== 8) {
    out.push(diag('error', 'output-depth', depth.node.span, `RGB images (output_channel 3) support only output_depth 8; TAO stops otherwise (${source}).`));
  } else if (channel.value === 1 && depth.value !== 8 && depth.value !== 16) {
    out.push(diag('error', 'output-depth', depth.node.span, `Grayscale images support output_depth 8 or 16; TAO stops otherwise (${source}).`));
  } else if (channel.value === 1 && depth.value === 16) {
    const ext = textAt(root, 'dataset_config.image_extension');
    if (ext && ext.value !== 'png' && ext.value !== 'PNG') {
      out.push(diag('error', 'output-depth', ext.node.span, `16-bit images must be PNG, but image_extension is '${ext.value}'; TAO stops otherwise (${source}).`));
    }
  }
}

/** Each anchor string: a Python list of (w, h) pairs, eval'd by TAO and reshaped to pairs. */
function anchorRules(config: MapNode, levels: Array<{ key: string; required: boolean; forbidden?: boolean }>, source: string, configKey: string, configSpan: SpecDiagnostic['span'], out: SpecDiagnostic[]): void {
  for (const level of levels) {
    const node = textAt(config, level.key);
    const value = node?.value.trim() ?? '';
    if (level.forbidden) {
      if (node && value) out.push(diag('error', 'anchor-shape', node.node.span, `${level.key} is not supported by the cspdarknet_tiny backbone (two output levels); remove it (${source}).`));
      continue;
    }
    if (!value) {
      if (level.required) out.push(diag('error', 'anchor-shape', node?.node.span ?? keySpanOf(config, level.key) ?? configSpan, `${configKey}.${level.key} is required (a list of (w, h) anchor sizes); TAO stops without it (${source}).`));
      continue;
    }
    const parsed = parseNumberLiteral(value);
    // TAO evaluates the text as Python; what this reader cannot follow is left alone.
    if (parsed === undefined || typeof parsed === 'number') continue;
    const numbers = flatten(parsed);
    if (numbers.length === 0 || numbers.length % 2 !== 0) {
      out.push(diag('error', 'anchor-shape', node!.node.span, `${level.key} has ${numbers.length} number${numbers.length === 1 ? '' : 's'}, which do not make (w, h) pairs; TAO reshapes the anchors to pairs and stops.`));
    } else if (numbers.some((n) => n <= 0)) {
      out.push(diag('warning', 'anchor-shape', node!.node.span, `${level.key} has an anchor size of 0 or below; anchor widths and heights are pixels of the network input.`));
    }
  }
}

export function yoloV3Rules(ctx: RuleContext): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  const source = 'yolo_v3/utils/spec_loader.py';
  datasetRules(ctx, source, out);
  imageMeanRules(ctx, source, false, out);
  const entry = ctx.spec.root.entries.find((e) => e.key === 'yolov3_config');
  if (entry?.value?.kind === 'map') {
    const levels = ['big_anchor_shape', 'mid_anchor_shape', 'small_anchor_shape'].map((key) => ({ key, required: true }));
    anchorRules(entry.value, levels, 'yolo_v3/models/yolov3_model.py', 'yolov3_config', entry.keySpan, out);
  }
  return out;
}

export function yoloV4Rules(ctx: RuleContext): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  const source = 'yolo_v4/utils/spec_loader.py';
  datasetRules(ctx, source, out);
  imageMeanRules(ctx, source, true, out);
  const entry = ctx.spec.root.entries.find((e) => e.key === 'yolov4_config');
  if (entry?.value?.kind === 'map') {
    const config = entry.value;
    const tiny = textAt(config, 'arch')?.value === 'cspdarknet_tiny';
    anchorRules(config, [
      { key: 'big_anchor_shape', required: true },
      { key: 'mid_anchor_shape', required: true },
      { key: 'small_anchor_shape', required: !tiny, forbidden: tiny },
    ], source, 'yolov4_config', entry.keySpan, out);
    const extend = numberAt(config, 'small_grid_xy_extend');
    if (tiny && extend && extend.value !== 0) {
      out.push(diag('error', 'anchor-shape', extend.node.span, `small_grid_xy_extend is not supported by the cspdarknet_tiny backbone; remove it or set 0 (${source}).`));
    }
  }
  return out;
}

const SSD_SOURCE = 'ssd/utils/spec_loader.py, _SSD_VALUE_CHECKER_';

export function ssdRules(ctx: RuleContext): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  for (const section of ['ssd_config', 'dssd_config']) {
    const config = mapAt(ctx.spec.root, section);
    if (!config) continue;
    const numbersOf = (key: string): { node: ScalarNode; numbers: number[] } | undefined => {
      const t = textAt(config, key);
      if (!t || !t.value.trim()) return undefined;
      const parsed = parseNumberLiteral(t.value.trim());
      if (parsed === undefined) return undefined; // Python this reader cannot follow: left alone
      return { node: t.node, numbers: flatten(parsed) };
    };
    const variances = numbersOf('variances');
    if (variances && variances.numbers.length !== 4) {
      out.push(diag('error', 'ssd-list', variances.node.span, `variances needs exactly 4 values (cx, cy, w, h), not ${variances.numbers.length}; TAO stops otherwise (${SSD_SOURCE}).`));
    }
    for (const key of ['variances', 'aspect_ratios', 'aspect_ratios_global', 'scales', 'steps', 'offsets']) {
      const list = key === 'variances' ? variances : numbersOf(key);
      if (!list) continue;
      if (list.numbers.length === 0) {
        out.push(diag('error', 'ssd-list', list.node.span, `${key} is an empty list; TAO needs at least one value when the field is set (${SSD_SOURCE}).`));
      } else if (list.numbers.some((n) => n <= 0)) {
        out.push(diag('error', 'ssd-list', list.node.span, `Every value of ${key} must be above 0; TAO stops otherwise (${SSD_SOURCE}).`));
      } else if (key === 'offsets' && list.numbers.some((n) => n >= 1)) {
        out.push(diag('error', 'ssd-list', list.node.span, `Every offset must be below 1 (a fraction of the step); TAO stops otherwise (${SSD_SOURCE}).`));
      }
    }
  }
  return out;
}
