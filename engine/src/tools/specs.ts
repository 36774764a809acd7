// Spec text the demo and pretrain scripts write: a classification_tf1 spec in protobuf text,
// as a user would write it for the engine.
export interface SpecParams {
  arch: string;
  nLayers?: number;
  size: string;
  train: string;
  val?: string;
  test?: string;
  pretrained?: string;
  epochs: number;
  batch: number;
  lr: number;
  seed?: number;
  flip?: boolean;
  randomCrop?: boolean;
}

export function classificationSpec(p: SpecParams): string {
  return `# Written by the tao-engine demo/pretrain scripts.
model_config {
  arch: "${p.arch}"
  n_layers: ${p.nLayers ?? 18}
  use_batch_norm: true
  input_image_size: "${p.size}"
  dropout: 0.1
}
train_config {
  train_dataset_path: "${p.train}"
${p.val ? `  val_dataset_path: "${p.val}"\n` : ''}${p.pretrained ? `  pretrained_model_path: "${p.pretrained}"\n` : ''}  optimizer {
    adam { lr: ${p.lr} }
  }
  lr_config {
    cosine { learning_rate: ${p.lr} min_lr_ratio: 0.05 soft_start: 0.05 }
  }
  batch_size_per_gpu: ${p.batch}
  n_epochs: ${p.epochs}
  random_seed: ${p.seed ?? 42}
  preprocess_mode: "torch"
  disable_horizontal_flip: ${p.flip === false ? 'true' : 'false'}
  enable_random_crop: ${p.randomCrop ? 'true' : 'false'}
}
eval_config {
${p.test ? `  eval_dataset_path: "${p.test}"\n` : ''}  top_k: 2
  batch_size: 128
}
`;
}
