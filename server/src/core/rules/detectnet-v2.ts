// detectnet_v2: the class lists of the cost function, rasterizer, post-processing and
// evaluation must name the target classes of target_class_mapping, which must not be empty.
import type { SpecDiagnostic } from '../tree';
import { CLASSIFICATION_DEPTHS } from './classification-tf1';
import { diag, mapAt, numberAt, repeatedValues, textAt } from './helpers';
import type { RuleContext } from './types';

export function detectnetV2Rules(ctx: RuleContext): SpecDiagnostic[] {
  const root = ctx.spec.root;
  const out: SpecDiagnostic[] = [];
  const dataset = mapAt(root, 'dataset_config');
  const mappings = repeatedValues(dataset, 'target_class_mapping');
  const targets = new Set<string>();
  for (const m of mappings) {
    if (m.kind !== 'map') continue;
    const value = textAt(m, 'value');
    if (value) targets.add(value.value);
  }
  if (dataset && dataset.entries.some((e) => e.key === 'data_sources') && mappings.length === 0) {
    const at = root.entries.find((e) => e.key === 'dataset_config')!.keySpan;
    out.push(diag('error', 'class-mapping', at, 'dataset_config needs at least one target_class_mapping { key: "dataset class" value: "target class" }; TAO stops without it.'));
  }
  if (targets.size > 0) {
    const check = (section: string, nodes: ReturnType<typeof repeatedValues>, field: string, what: string): void => {
      const seen = new Set<string>();
      for (const n of nodes) {
        if (n.kind !== 'map') continue;
        const name = textAt(n, field);
        if (!name) continue;
        seen.add(name.value);
        if (!targets.has(name.value)) {
          // A warning: TAO ignores settings for classes it does not train (NVIDIA's default
          // detectnet_v2 spec configures post-processing for an unmapped "cyclist").
          out.push(diag('warning', 'unknown-class', name.node.span, `${what} names class "${name.value}", which is not a target class of target_class_mapping (${[...targets].join(', ')}); TAO ignores it.`));
        }
      }
      if (nodes.length > 0) {
        for (const t of targets) {
          if (!seen.has(t)) {
            const entry = root.entries.find((e) => e.key === section);
            if (entry) out.push(diag('warning', 'class-missing', entry.keySpan, `${section} has no entry for target class "${t}"; TAO needs one per class.`));
          }
        }
      }
    };
    check('cost_function_config', repeatedValues(mapAt(root, 'cost_function_config'), 'target_classes'), 'name', 'cost_function_config.target_classes');
    check('bbox_rasterizer_config', repeatedValues(mapAt(root, 'bbox_rasterizer_config'), 'target_class_config'), 'key', 'bbox_rasterizer_config.target_class_config');
    check('postprocessing_config', repeatedValues(mapAt(root, 'postprocessing_config'), 'target_class_config'), 'key', 'postprocessing_config.target_class_config');
  }

  const arch = textAt(root, 'model_config.arch')?.value;
  const layers = numberAt(root, 'model_config.num_layers');
  const depths = arch ? CLASSIFICATION_DEPTHS[arch] : undefined;
  if (layers && depths && layers.value !== 0 && !depths.includes(layers.value)) {
    out.push(diag('error', 'n-layers', layers.node.span, `num_layers ${layers.value} does not exist for arch "${arch}": use one of ${depths.join(', ')}.`));
  }

  for (const dim of ['output_image_width', 'output_image_height']) {
    const v = numberAt(root, `augmentation_config.preprocessing.${dim}`);
    if (v && v.value % 16 !== 0) {
      out.push(diag('error', 'image-size', v.node.span, `${dim} must be a multiple of 16 for DetectNet_v2's stride-16 output grid; ${v.value} is not (try ${Math.max(16, Math.round(v.value / 16) * 16)}).`));
    }
  }

  const sched = mapAt(root, 'training_config.learning_rate.soft_start_annealing_schedule');
  if (sched) {
    const lo = numberAt(sched, 'min_learning_rate');
    const hi = numberAt(sched, 'max_learning_rate');
    if (lo && hi && lo.value > hi.value) out.push(diag('error', 'lr-schedule', lo.node.span, `min_learning_rate (${lo.value}) is above max_learning_rate (${hi.value}).`));
    const start = numberAt(sched, 'soft_start');
    const anneal = numberAt(sched, 'annealing');
    for (const v of [start, anneal]) {
      if (v && (v.value < 0 || v.value > 1)) out.push(diag('error', 'lr-schedule', v.node.span, `soft_start and annealing are fractions of the run in [0, 1]; got ${v.value}.`));
    }
    if (start && anneal && start.value >= anneal.value) {
      out.push(diag('error', 'lr-schedule', start.node.span, `soft_start (${start.value}) must come before annealing (${anneal.value}).`));
    }
  }
  return out;
}
