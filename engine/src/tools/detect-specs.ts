// DetectNet_v2 spec files for the detection demo, the tests and the benchmark: the same
// sections as NVIDIA's tutorial specs (detectnet_v2_tfrecords_kitti_trainval.txt,
// detectnet_v2_train_resnet18_kitti.txt, detectnet_v2_inference_kitti_tlt.txt), sized for a
// CPU: small inputs, few epochs, one cluster setting per class.

export interface DetectSpecOptions {
  classes: string[];
  width: number;
  height: number;
  arch?: string;
  layers?: number;
  epochs: number;
  batch: number;
  maxLr?: number;
  minLr?: number;
  tfrecords: string;
  images: string;
  imageExtension?: string;
  validationFold?: number;
  firstValidationEpoch?: number;
  validationPeriod?: number;
  checkpointInterval?: number;
  seed?: number;
  augment?: boolean;
  pretrained?: string;
  loadGraph?: boolean;
  apMode?: 'SAMPLE' | 'INTEGRATE';
  /** cost_function_config coverage_foreground_weight (TAO's KITTI spec: 0.05). */
  foregroundWeight?: number;
  autoweighting?: boolean;
  /** bbox objective weight (initial and target); TAO's KITTI spec: 10 against cov's 1. */
  bboxWeight?: number;
  /** Validation clustering: DBSCAN (TAO's tutorial) or NMS (steadier on a briefly trained model). */
  clustering?: 'DBSCAN' | 'NMS';
}

export function datasetConvertSpec(o: { root: string; valSplit: number; shards: number; imageDir?: string; labelDir?: string }): string {
  return `kitti_config {
  root_directory_path: "${o.root}"
  image_dir_name: "${o.imageDir ?? 'image_2'}"
  label_dir_name: "${o.labelDir ?? 'label_2'}"
  image_extension: ".png"
  partition_mode: "random"
  num_partitions: 2
  val_split: ${o.valSplit}
  num_shards: ${o.shards}
}
image_directory_path: "${o.root}"
`;
}

function perClass(classes: string[], body: (c: string) => string, key: string): string {
  return classes.map((c) => `  ${key} {\n    key: "${c}"\n    value {\n${body(c)}    }\n  }\n`).join('');
}

// eps 0.4: cells whose boxes overlap by IoU >= 0.6 vote together; a small model's boxes
// scatter more than a fully trained one's, and 0.3 (TAO's inference spec) splits its clusters.
// NMS keeps the best-covered cell's own box, which holds up while boxes still scatter; on the
// evaluate path TAO filters NMS results by dbscan_confidence_threshold (its parameters are
// swapped there), so both thresholds are set alike.
const nmsClustering = `        clustering_algorithm: NMS
        nms_iou_threshold: 0.3
        nms_confidence_threshold: 0.2
        dbscan_confidence_threshold: 0.2
        coverage_threshold: 0.005
        minimum_bounding_box_height: 4
`;

const clustering = `        clustering_algorithm: DBSCAN
        dbscan_confidence_threshold: 0.1
        coverage_threshold: 0.005
        dbscan_eps: 0.4
        dbscan_min_samples: 1
        minimum_bounding_box_height: 4
`;

export function detectTrainSpec(o: DetectSpecOptions): string {
  const mapping = o.classes.map((c) => `  target_class_mapping {\n    key: "${c}"\n    value: "${c}"\n  }\n`).join('');
  const aug = o.augment === false
    ? ''
    : `  spatial_augmentation {
    hflip_probability: 0.5
    zoom_min: 1.0
    zoom_max: 1.0
    translate_max_x: 4.0
    translate_max_y: 4.0
  }
  color_augmentation {
    hue_rotation_max: 25.0
    saturation_shift_max: 0.2
    contrast_scale_max: 0.1
    contrast_center: 0.5
  }
`;
  return `random_seed: ${o.seed ?? 42}
dataset_config {
  data_sources {
    tfrecords_path: "${o.tfrecords}"
    image_directory_path: "${o.images}"
  }
  image_extension: "${o.imageExtension ?? 'png'}"
${mapping}  validation_fold: ${o.validationFold ?? 0}
}
augmentation_config {
  preprocessing {
    output_image_width: ${o.width}
    output_image_height: ${o.height}
    min_bbox_width: 1.0
    min_bbox_height: 1.0
    output_image_channel: 3
  }
${aug}}
postprocessing_config {
${perClass(o.classes, () => `      clustering_config {\n${o.clustering === 'NMS' ? nmsClustering : clustering}      }\n`, 'target_class_config')}}
model_config {
${o.pretrained ? `  pretrained_model_file: "${o.pretrained}"\n` : ''}${o.loadGraph ? '  load_graph: true\n' : ''}  num_layers: ${o.layers ?? 18}
  use_batch_norm: true
  objective_set {
    bbox {
      scale: 35.0
      offset: 0.5
    }
    cov {
    }
  }
  arch: "${o.arch ?? 'resnet'}"
}
evaluation_config {
  validation_period_during_training: ${o.validationPeriod ?? 5}
  first_validation_epoch: ${o.firstValidationEpoch ?? o.epochs}
${o.classes.map((c) => `  minimum_detection_ground_truth_overlap {\n    key: "${c}"\n    value: 0.5\n  }\n`).join('')}${o.classes.map((c) => `  evaluation_box_config {\n    key: "${c}"\n    value {\n      minimum_height: 4\n      maximum_height: 9999\n      minimum_width: 4\n      maximum_width: 9999\n    }\n  }\n`).join('')}  average_precision_mode: ${o.apMode ?? 'INTEGRATE'}
}
cost_function_config {
${o.classes.map((c) => `  target_classes {
    name: "${c}"
    class_weight: 1.0
    coverage_foreground_weight: ${o.foregroundWeight ?? 0.05}
    objectives {
      name: "cov"
      initial_weight: 1.0
      weight_target: 1.0
    }
    objectives {
      name: "bbox"
      initial_weight: ${o.bboxWeight ?? 10}
      weight_target: ${o.bboxWeight ?? 10}
    }
  }
`).join('')}  enable_autoweighting: ${o.autoweighting ?? false}
  max_objective_weight: 0.9999
  min_objective_weight: 0.0001
}
training_config {
  batch_size_per_gpu: ${o.batch}
  num_epochs: ${o.epochs}
  learning_rate {
    soft_start_annealing_schedule {
      min_learning_rate: ${o.minLr ?? 5e-6}
      max_learning_rate: ${o.maxLr ?? 5e-4}
      soft_start: 0.1
      annealing: 0.7
    }
  }
  regularizer {
    type: L1
    weight: 3e-9
  }
  optimizer {
    adam {
      epsilon: 1e-08
      beta1: 0.9
      beta2: 0.999
    }
  }
  checkpoint_interval: ${o.checkpointInterval ?? 1}
}
bbox_rasterizer_config {
${perClass(o.classes, () => `      cov_center_x: 0.5\n      cov_center_y: 0.5\n      cov_radius_x: 1.0\n      cov_radius_y: 1.0\n      bbox_min_radius: 1.0\n`, 'target_class_config')}  deadzone_radius: 0.4
}
`;
}

export function detectInferenceSpec(o: { classes: string[]; width: number; height: number; model?: string; clustering?: 'DBSCAN' | 'NMS' }): string {
  const colors = [[0, 255, 0], [0, 255, 255], [255, 0, 0], [255, 255, 0], [255, 0, 255]];
  return `inferencer_config {
${o.classes.map((c) => `  target_classes: "${c}"\n`).join('')}  image_width: ${o.width}
  image_height: ${o.height}
  image_channels: 3
  batch_size: 8
${o.model ? `  tlt_config {\n    model: "${o.model}"\n  }\n` : ''}}
bbox_handler_config {
  kitti_dump: true
  disable_overlay: false
  overlay_linewidth: 2
${o.classes.map((c, i) => `  classwise_bbox_handler_config {
    key: "${c}"
    value {
      confidence_model: "aggregate_cov"
      output_map: "${c}"
      bbox_color {
        R: ${colors[i % colors.length][0]}
        G: ${colors[i % colors.length][1]}
        B: ${colors[i % colors.length][2]}
      }
      clustering_config {
${o.clustering === 'NMS' ? nmsClustering.replace('nms_confidence_threshold: 0.2', 'nms_confidence_threshold: 0.35') : clustering}      }
    }
  }
`).join('')}}
`;
}
