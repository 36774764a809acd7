// Classification: one subfolder per class in each split. TAO (Keras' flow_from_directory in
// classification_tf1/tf2, torchvision-style folders in classification_pyt) numbers classes by
// the sorted folder names of each split separately, so a class missing from one split shifts
// every index after it; an empty class folder trains or scores nothing.
import type { ScalarNode } from '../tree';
import { numberAt, textAt } from '../rules/helpers';
import { nodeAtPath } from '../tree-query';
import type { DataScope, Work } from './context';
import { count, nameList, plural } from './context';
import { readClassFolders, sampledNote } from './folders';
import type { ClassFolders } from './folders';

export const CLASSIFICATION_NETWORKS = new Set(['classification_tf1', 'classification_tf2', 'classification_pyt']);

type Role = 'train' | 'val' | 'eval';

const SPLITS: Record<string, Array<{ path: string; role: Role; unlessSet?: string }>> = {
  classification_tf1: [
    { path: 'train_config.train_dataset_path', role: 'train' },
    { path: 'train_config.val_dataset_path', role: 'val' },
    { path: 'eval_config.eval_dataset_path', role: 'eval' },
  ],
  classification_tf2: [
    { path: 'dataset.train_dataset_path', role: 'train' },
    { path: 'dataset.val_dataset_path', role: 'val' },
    { path: 'evaluate.dataset_path', role: 'eval' },
  ],
  classification_pyt: [
    { path: 'dataset.train_dataset.images_dir', role: 'train' },
    { path: 'dataset.val_dataset.images_dir', role: 'val' },
    { path: 'dataset.test_dataset.images_dir', role: 'eval' },
    // mmpretrain-style sections: folders per class unless an annotation file lists the images.
    { path: 'dataset.data.train.data_prefix', role: 'train', unlessSet: 'dataset.data.train.ann_file' },
    { path: 'dataset.data.val.data_prefix', role: 'val', unlessSet: 'dataset.data.val.ann_file' },
    { path: 'dataset.data.test.data_prefix', role: 'eval', unlessSet: 'dataset.data.test.ann_file' },
  ],
};

const NUM_CLASSES: Record<string, string[]> = {
  classification_tf2: ['dataset.num_classes'],
  classification_pyt: ['dataset.num_classes', 'model.head.num_classes'],
};

interface Split {
  role: Role;
  node: ScalarNode;
  folders: ClassFolders;
}

export function* classificationChecks(scope: DataScope): Work<void> {
  const splits: Split[] = [];
  for (const s of SPLITS[scope.network] ?? []) {
    if (s.unlessSet) {
      const ann = nodeAtPath(scope.root, s.unlessSet);
      if (ann?.kind === 'scalar' && typeof ann.value === 'string' && ann.value.trim()) continue;
    }
    const node = textAt(scope.root, s.path)?.node;
    const dir = scope.locate(node);
    if (!dir || !node) continue;
    const folders = yield* readClassFolders(scope, dir);
    if (!folders) continue;
    if (folders.sampled) sampledNote(scope, node.span, 'class folders', scope.limits.classFolders);
    if (splits.some((x) => x.node.span.start === node.span.start)) continue;
    splits.push({ role: s.role, node, folders });
    checkSplit(scope, node, folders);
  }
  const train = splits.find((s) => s.role === 'train' && s.folders.classes.length > 0);
  const reference = train ?? splits.find((s) => s.role === 'val' && s.folders.classes.length > 0);
  if (reference) {
    const names = new Set(reference.folders.classes.map((c) => c.name));
    for (const split of splits) {
      if (split === reference || split.folders.classes.length === 0 || split.folders.sampled || reference.folders.sampled) continue;
      const own = new Set(split.folders.classes.map((c) => c.name));
      const missing = [...names].filter((n) => !own.has(n));
      const extra = [...own].filter((n) => !names.has(n));
      const refName = reference.role === 'train' ? 'training' : 'validation';
      // classification_tf1 stops when train and val differ in class count (makenet/scripts/
      // train.py, load_data: "Number of classes in train and val don't match").
      const stops = scope.network === 'classification_tf1' && reference.role === 'train' && split.role === 'val' && own.size !== names.size;
      if (stops) {
        scope.report('error', 'data-class-split', split.node.span, `This validation set has ${plural(own.size, 'class folder')} and the training set ${names.size}; TAO stops: "Number of classes in train and val don't match" (makenet/scripts/train.py, load_data).${missing.length ? ` Missing here: ${nameList(missing)}.` : ''}${extra.length ? ` Only here: ${nameList(extra)}.` : ''}`);
        continue;
      }
      if (missing.length) {
        scope.report('warning', 'data-class-split', split.node.span, `This ${split.role === 'eval' ? 'evaluation' : 'validation'} set has no folder for class${missing.length > 1 ? 'es' : ''} ${nameList(missing)} of the ${refName} set ('${reference.node.value}'). TAO numbers classes by sorted folder name in each set, so the indices after it no longer line up.`);
      }
      if (extra.length) {
        scope.report('warning', 'data-class-split', split.node.span, `This ${split.role === 'eval' ? 'evaluation' : 'validation'} set has class folder${extra.length > 1 ? 's' : ''} ${nameList(extra)} that the ${refName} set ('${reference.node.value}') lacks; the model never learns ${extra.length > 1 ? 'them' : 'it'} and TAO's class indices shift.`);
      }
    }
  }
  if (train && !train.folders.sampled && scope.network === 'classification_tf1' && train.folders.classes.length === 1) {
    scope.report('error', 'data-class-folders', train.node.span, `The training set has one class folder ('${train.folders.classes[0].name}'); TAO needs at least two: "Number of classes should be greater than 1" (makenet/scripts/train.py, load_data).`);
  }
  if (train && !train.folders.sampled) {
    for (const path of NUM_CLASSES[scope.network] ?? []) {
      const n = numberAt(scope.root, path);
      if (!n || n.value <= 0) continue;
      const classes = train.folders.classes.length;
      if (n.value !== classes) {
        scope.report('warning', 'data-num-classes', n.node.span, `${path.split('.').pop()} is ${n.value}, but the training set '${train.node.value}' has ${count(classes)} class folder${classes === 1 ? '' : 's'}.`);
      }
    }
  }
}

function checkSplit(scope: DataScope, node: ScalarNode, folders: ClassFolders): void {
  if (folders.classes.length === 0) {
    scope.report('warning', 'data-class-folders', node.span, folders.looseFiles > 0
      ? `This folder holds ${count(folders.looseFiles)} files but no class folders; TAO reads one subfolder per class (e.g. '${node.value}/cat/*.jpg').`
      : 'This folder is empty; TAO reads one subfolder per class.');
    return;
  }
  const empty = folders.classes.filter((c) => c.entries === 0).map((c) => c.name);
  const noImages = folders.classes.filter((c) => c.entries > 0 && c.images === 0).map((c) => c.name);
  const unreadable = folders.classes.filter((c) => c.images > 0 && c.readable === false).map((c) => c.name);
  if (empty.length) scope.report('warning', 'data-class-empty', node.span, `Class folder${empty.length > 1 ? 's' : ''} ${nameList(empty)} ${empty.length > 1 ? 'are' : 'is'} empty.`);
  if (noImages.length) scope.report('warning', 'data-class-empty', node.span, `Class folder${noImages.length > 1 ? 's' : ''} ${nameList(noImages)} hold${noImages.length > 1 ? '' : 's'} no image files (.jpg, .png, ...).`);
  if (unreadable.length) scope.report('warning', 'data-class-unreadable', node.span, `The images in class folder${unreadable.length > 1 ? 's' : ''} ${nameList(unreadable)} are not readable images (the first files do not start like JPEG, PNG, BMP, GIF, TIFF or WebP).`);
}
