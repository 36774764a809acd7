// faster_rcnn: cross-field checks of TAO's ExperimentSpec.validate_spec
// (nvidia_tao_tf1/cv/faster_rcnn/spec_loader/spec_wrapper.py), all of which stop TAO with an
// assertion or a KeyError, so all are errors.
import type { MapNode, SpecDiagnostic } from '../tree';
import { diag, mapAt, numberAt, repeatedValues, textAt } from './helpers';
import { nodeAtPath } from '../tree-query';
import type { RuleContext } from './types';

const SOURCE = 'faster_rcnn/spec_loader/spec_wrapper.py';

function mapKeys(section: MapNode | undefined, field: string): { keys: Set<string>; span?: SpecDiagnostic['span'] } {
  const entries = repeatedValues(section, field).filter((m): m is MapNode => m.kind === 'map');
  const keys = new Set(entries.map((m) => textAt(m, 'key')?.value).filter((k): k is string => !!k));
  return { keys, span: section?.entries.find((e) => e.key === field)?.keySpan };
}

export function fasterRcnnRules(ctx: RuleContext): SpecDiagnostic[] {
  const root = ctx.spec.root;
  const out: SpecDiagnostic[] = [];

  // image_mean_values: the channel means must name the channels of image_type.
  const input = mapAt(root, 'model_config.input_image_config');
  if (input) {
    const typeNode = nodeAtPath(input, 'image_type');
    const type = typeNode?.kind === 'scalar' ? typeNode.value : undefined;
    const grayscale = type === 'GRAY_SCALE' || type === 'GRAYSCALE' || type === 1;
    const { keys, span } = mapKeys(input, 'image_channel_mean');
    if (span && keys.size > 0) {
      const wanted = grayscale ? ['l'] : ['r', 'g', 'b'];
      const missing = wanted.filter((k) => !keys.has(k));
      if (missing.length > 0) {
        out.push(diag('error', 'image-mean', span, `image_type ${grayscale ? 'GRAY_SCALE' : 'RGB'} needs image_channel_mean for ${wanted.map((k) => `'${k}'`).join(', ')} (missing ${missing.map((k) => `'${k}'`).join(', ')}); TAO stops (${SOURCE}, image_mean_values).`));
      }
    }
  }

  const stride = numberAt(root, 'model_config.rpn_stride');
  if (stride && stride.value !== 16) {
    out.push(diag('error', 'rpn-stride', stride.node.span, `TAO's Faster R-CNN supports only rpn_stride 16 (${SOURCE}, rpn_stride).`));
  }

  // validate_augmentation: the augmentation output size must be the model's input size.
  for (const [dim, aug] of [['width', 'output_image_width'], ['height', 'output_image_height']] as const) {
    const model = numberAt(root, `model_config.input_image_config.size_height_width.${dim}`);
    const produced = numberAt(root, `augmentation_config.preprocessing.${aug}`);
    if (model && produced && model.value > 0 && produced.value > 0 && model.value !== produced.value) {
      out.push(diag('error', 'image-size', produced.node.span, `${aug} ${produced.value} differs from the model input ${dim} ${model.value} (model_config.input_image_config.size_height_width); TAO stops (${SOURCE}, validate_augmentation).`));
    }
  }

  // Overlaps: min below max, for RPN anchors and for classifier RoIs.
  for (const [lo, hi] of [['rpn_min_overlap', 'rpn_max_overlap'], ['classifier_min_overlap', 'classifier_max_overlap']]) {
    const min = numberAt(root, `training_config.${lo}`);
    const max = numberAt(root, `training_config.${hi}`);
    if (min && max && min.value >= max.value) {
      out.push(diag('error', 'overlap-range', min.node.span, `${lo} (${min.value}) must be below ${hi} (${max.value}); TAO stops (${SOURCE}, validate_training_config).`));
    }
  }

  // NMS: the boxes kept after NMS must be fewer than the boxes kept before it.
  for (const section of ['training_config', 'eval_config', 'inference_config']) {
    const pre = numberAt(root, `${section}.rpn_pre_nms_top_N`);
    const post = numberAt(root, `${section}.rpn_nms_max_boxes`);
    if (pre && post && post.value >= pre.value) {
      out.push(diag('error', 'nms-top-n', post.node.span, `${section}.rpn_nms_max_boxes (${post.value}) must be below rpn_pre_nms_top_N (${pre.value}); TAO stops (${SOURCE}).`));
    }
  }

  const training = mapAt(root, 'training_config');
  const regr = mapKeys(training, 'classifier_regr_std');
  if (regr.span && regr.keys.size > 0) {
    const missing = ['x', 'y', 'w', 'h'].filter((k) => !regr.keys.has(k));
    if (missing.length) out.push(diag('error', 'regr-std', regr.span, `classifier_regr_std needs the keys 'x', 'y', 'w' and 'h' (missing ${missing.map((k) => `'${k}'`).join(', ')}); TAO stops with a KeyError (${SOURCE}, rcnn_regr_std).`));
  }

  for (const m of repeatedValues(mapAt(root, 'dataset_config'), 'target_class_mapping')) {
    if (m.kind !== 'map') continue;
    const key = textAt(m, 'key');
    if (key?.value === 'background') {
      out.push(diag('error', 'class-mapping', key.node.span, `target_class_mapping must not map a 'background' class: TAO adds it itself and stops (${SOURCE}, class_mapping).`));
    }
  }
  return out;
}
