// Cross-field rules for yolo_v3, yolo_v4, yolo_v4_tiny, ssd and dssd that TAO's own code
// enforces (server/src/core/rules/kitti-detectors.ts), through analyzeSpec with the real
// schemas: each is reported on the line that causes it, and NVIDIA's own spec shapes pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSpec } from '../../server/src/core/analyze';
import { parseNumberLiteral } from '../../server/src/core/rules/kitti-detectors';

const RULE_CODES = new Set(['label-format', 'image-extension-required', 'validation-source', 'image-mean', 'output-depth', 'anchor-shape', 'ssd-list']);

/** `code@line` (1-based) of the rule findings. */
function findings(text: string, network: string): string[] {
  const { diagnostics } = analyzeSpec(text, { network });
  return diagnostics
    .filter((d) => RULE_CODES.has(d.code))
    .map((d) => `${d.severity}:${d.code}@${text.slice(0, d.span.start).split('\n').length}`)
    .sort();
}

const dataset = `dataset_config {
  data_sources {
    label_directory_path: "/data/train/labels"
    image_directory_path: "/data/train/images"
  }
  validation_data_sources {
    label_directory_path: "/data/val/labels"
    image_directory_path: "/data/val/images"
  }
  target_class_mapping {
    key: "car"
    value: "car"
  }
}
`;

const yolo4 = (config: string, aug = '  output_channel: 3\n') => `${dataset}augmentation_config {
${aug}}
yolov4_config {
${config}}
`;

const anchors = `  big_anchor_shape: "[(114.94, 60.67), (159.06, 114.59), (297.59, 176.38)]"
  mid_anchor_shape: "[(42.99, 31.91), (79.57, 31.75), (56.80, 56.93)]"
  small_anchor_shape: "[(15.60, 13.88), (30.25, 20.25), (20.67, 49.63)]"
  arch: "cspdarknet"
`;

test('a well-formed yolo_v4 spec has no rule findings', () => {
  assert.deepEqual(findings(yolo4(anchors), 'yolo_v4'), []);
});

test('yolo_v4 anchors: odd number count is an error on the value; a missing level on its config; tiny forbids small anchors', () => {
  const odd = anchors.replace('(79.57, 31.75)', '(79.57, 31.75, 4)');
  assert.deepEqual(findings(yolo4(odd), 'yolo_v4'), ['error:anchor-shape@20']);
  const noMid = anchors.split('\n').filter((l) => !l.includes('mid_anchor')).join('\n');
  assert.deepEqual(findings(yolo4(noMid), 'yolo_v4'), ['error:anchor-shape@18']);
  const tiny = anchors.replace('"cspdarknet"', '"cspdarknet_tiny"');
  assert.deepEqual(findings(yolo4(tiny), 'yolo_v4_tiny'), ['error:anchor-shape@21']);
  const tinyOk = tiny.split('\n').filter((l) => !l.includes('small_anchor')).join('\n');
  assert.deepEqual(findings(yolo4(tinyOk), 'yolo_v4_tiny'), []);
});

test('yolo: mixed label formats, TFRecords without image_extension, label folders without validation sources', () => {
  const mixed = yolo4(anchors).replace('    label_directory_path: "/data/val/labels"', '    tfrecords_path: "/data/val/*"');
  assert.deepEqual(findings(mixed.replace('  validation_data_sources {\n    tfrecords_path: "/data/val/*"', '  data_sources {\n    tfrecords_path: "/data/val/*"'), 'yolo_v4'), [
    'error:label-format@7',
    'error:validation-source@3',
  ]);
  const records = yolo4(anchors).replace(/label_directory_path: "([^"]*)"/g, 'tfrecords_path: "$1/*"');
  assert.deepEqual(findings(records, 'yolo_v4'), ['error:image-extension-required@1', 'error:image-extension-required@1']);
  assert.deepEqual(findings(records.replace('  target_class_mapping {', '  image_extension: "jpg"\n  target_class_mapping {'), 'yolo_v4'), []);
  const noVal = yolo4(anchors).replace(/  validation_data_sources \{[^}]*\}\n/, '');
  assert.deepEqual(findings(noVal, 'yolo_v4'), ['error:validation-source@3']);
});

test('yolo: image_mean keys must fit output_channel; yolo_v4 output_depth', () => {
  const mean = (keys: string[]) => keys.map((k) => `  image_mean {\n    key: "${k}"\n    value: 100\n  }\n`).join('');
  assert.deepEqual(findings(yolo4(anchors, `  output_channel: 3\n${mean(['r', 'g'])}`), 'yolo_v4'), ['error:image-mean@17']);
  assert.deepEqual(findings(yolo4(anchors, `  output_channel: 1\n${mean(['l'])}`), 'yolo_v4'), []);
  assert.deepEqual(findings(yolo4(anchors, '  output_channel: 3\n  output_depth: 16\n'), 'yolo_v4'), ['error:output-depth@17']);
  const v3 = `${dataset}augmentation_config {\n  output_channel: 1\n${mean(['r'])}}\nyolov3_config {\n${anchors.replace('  arch: "cspdarknet"\n', '')}}\n`;
  assert.deepEqual(findings(v3, 'yolo_v3'), ['error:image-mean@17']);
});

test('ssd/dssd: variances need four values above 0; offsets below 1; Python arithmetic in lists is read', () => {
  const ssd = (config: string) => `${dataset}ssd_config {\n${config}}\n`;
  assert.deepEqual(findings(ssd('  aspect_ratios_global: "[1.0, 2.0, 0.5, 3.0, 1.0/3.0]"\n  variances: "[0.1, 0.1, 0.2, 0.2]"\n'), 'ssd'), []);
  assert.deepEqual(findings(ssd('  variances: "[0.1, 0.1, 0.2]"\n'), 'ssd'), ['error:ssd-list@16']);
  assert.deepEqual(findings(ssd('  offsets: "[0.5, 1.5]"\n'), 'ssd'), ['error:ssd-list@16']);
  assert.deepEqual(findings(`${dataset}dssd_config {\n  scales: "[0.1, 0, 0.3]"\n}\n`, 'dssd'), ['error:ssd-list@16']);
});

test('the literal reader follows Python lists, tuples and simple arithmetic, and declines the rest', () => {
  assert.deepEqual(parseNumberLiteral('[(1, 2), (3.5, 4e1)]'), [[1, 2], [3.5, 40]]);
  assert.deepEqual(parseNumberLiteral('[1.0/4, 2*3,]'), [0.25, 6]);
  assert.equal(parseNumberLiteral('[(1, 2)] * 3'), undefined);
  assert.equal(parseNumberLiteral('np.array([1])'), undefined);
});

const FRCNN_CODES = new Set(['image-mean', 'rpn-stride', 'image-size', 'overlap-range', 'nms-top-n', 'regr-std', 'class-mapping']);

function frcnnFindings(text: string): string[] {
  return analyzeSpec(text, { network: 'faster_rcnn' })
    .diagnostics.filter((d) => FRCNN_CODES.has(d.code))
    .map((d) => `${d.code}@${text.slice(0, d.span.start).split('\n').length}`)
    .sort();
}

const frcnn = `model_config {
  input_image_config {
    image_type: RGB
    size_height_width {
      height: 384
      width: 1280
    }
    image_channel_mean {
      key: 'b'
      value: 103.9
    }
    image_channel_mean {
      key: 'g'
      value: 116.8
    }
    image_channel_mean {
      key: 'r'
      value: 123.7
    }
  }
  rpn_stride: 16
}
dataset_config {
  target_class_mapping {
    key: 'car'
    value: 'car'
  }
}
augmentation_config {
  preprocessing {
    output_image_width: 1280
    output_image_height: 384
  }
}
training_config {
  rpn_min_overlap: 0.3
  rpn_max_overlap: 0.7
  classifier_min_overlap: 0.0
  classifier_max_overlap: 0.5
  classifier_regr_std {
    key: 'x'
    value: 10.0
  }
  classifier_regr_std {
    key: 'y'
    value: 10.0
  }
  classifier_regr_std {
    key: 'w'
    value: 5.0
  }
  classifier_regr_std {
    key: 'h'
    value: 5.0
  }
  rpn_pre_nms_top_N: 12000
  rpn_nms_max_boxes: 2000
}
`;

test('faster_rcnn: NVIDIA-shaped spec passes; each spec_wrapper.py assertion is reported on its line', () => {
  assert.deepEqual(frcnnFindings(frcnn), []);
  assert.deepEqual(frcnnFindings(frcnn.replace('image_type: RGB', 'image_type: GRAY_SCALE')), ['image-mean@8']);
  assert.deepEqual(frcnnFindings(frcnn.replace('rpn_stride: 16', 'rpn_stride: 8')), ['rpn-stride@21']);
  assert.deepEqual(frcnnFindings(frcnn.replace('output_image_width: 1280', 'output_image_width: 1248')), ['image-size@31']);
  assert.deepEqual(frcnnFindings(frcnn.replace('rpn_min_overlap: 0.3', 'rpn_min_overlap: 0.8')), ['overlap-range@36']);
  assert.deepEqual(frcnnFindings(frcnn.replace('rpn_nms_max_boxes: 2000', 'rpn_nms_max_boxes: 20000')), ['nms-top-n@57']);
  assert.deepEqual(frcnnFindings(frcnn.replace("key: 'h'", "key: 'z'")), ['regr-std@40']);
  assert.deepEqual(frcnnFindings(frcnn.replace("key: 'car'", "key: 'background'")), ['class-mapping@25']);
});
