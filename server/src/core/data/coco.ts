// COCO-annotated detectors (Hydra YAML): each data source's `json_file` categories against
// `dataset.num_classes`, and its `image_dir`. DINO and Deformable DETR use a COCO category id
// directly as the class index, so num_classes must exceed the largest id (91 for COCO's ids
// 1..90); RT-DETR does the same unless `remap_mscoco_category` maps the ids to 0..n-1.
// Grounding DINO's validation file must number categories 0..n-1 (NVIDIA's train.yaml notes
// "ID must be contiguous and start from 0").
import type { MapNode, ScalarNode } from '../tree';
import { mapAt, numberAt, repeatedValues, textAt } from '../rules/helpers';
import { nodeAtPath } from '../tree-query';
import type { DataScope, Work } from './context';
import { count } from './context';
import { readCocoCategories } from './files';
import { readImageFolder, sampledNote } from './folders';

export const COCO_NETWORKS = new Set(['dino', 'deformable_detr', 'rtdetr', 'grounding_dino', 'mask_grounding_dino']);

const SOURCES = ['train_data_sources', 'val_data_sources', 'test_data_sources'];

interface Seen {
  node: ScalarNode;
  role: string;
  ids: number[];
}

export function* cocoChecks(scope: DataScope): Work<void> {
  const dataset = mapAt(scope.root, 'dataset');
  if (!dataset) return;
  const seen: Seen[] = [];
  for (const role of SOURCES) {
    for (const source of repeatedValues(dataset, role)) {
      if (source.kind !== 'map') continue;
      yield* checkSource(scope, source, role, seen);
    }
  }
  if (seen.length === 0) return;
  const num = numberAt(scope.root, 'dataset.num_classes');
  const remapNode = nodeAtPath(scope.root, 'dataset.remap_mscoco_category');
  const remap = remapNode?.kind === 'scalar' && remapNode.value === true;
  if (num && (scope.network === 'dino' || scope.network === 'deformable_detr' || scope.network === 'rtdetr')) {
    for (const s of seen) {
      if (s.ids.length === 0) continue;
      const maxId = Math.max(...s.ids);
      if (scope.network === 'rtdetr' && remap) {
        if (s.ids.length > num.value) {
          scope.report('warning', 'data-num-classes', num.node.span, `num_classes is ${num.value}, but '${s.node.value}' has ${count(s.ids.length)} categories (remap_mscoco_category numbers them 0..${s.ids.length - 1}).`);
        }
      } else if (maxId >= num.value) {
        scope.report('warning', 'data-num-classes', num.node.span, `num_classes is ${num.value}, but '${s.node.value}' has category ids up to ${maxId}; ${scope.network} uses the category id as the class index, so num_classes must be at least ${maxId + 1}.`);
      }
    }
  }
  if (scope.network === 'grounding_dino' || scope.network === 'mask_grounding_dino') {
    for (const s of seen) {
      if (s.role === 'train_data_sources' || s.ids.length === 0) continue;
      const sorted = [...s.ids].sort((a, b) => a - b);
      if (sorted.some((id, i) => id !== i)) {
        scope.report('warning', 'data-coco-ids', s.node.span, `The category ids of this file are ${sorted.slice(0, 6).join(', ')}${sorted.length > 6 ? ', ...' : ''}; ${scope.network} evaluation expects ids numbered 0..${sorted.length - 1} without gaps.`);
      }
    }
  }
}

function* checkSource(scope: DataScope, source: MapNode, role: string, seen: Seen[]): Work<void> {
  const json = textAt(source, 'json_file')?.node;
  const path = scope.locate(json);
  if (path && json) {
    const read = yield* readCocoCategories(scope, path);
    if (read && 'error' in read) scope.report('warning', 'data-coco', json.span, `This annotation file ${read.error}.`);
    else if (read) {
      if (read.categories.length === 0) scope.report('warning', 'data-coco', json.span, 'This annotation file lists no categories.');
      else if (!seen.some((s) => s.node.span.start === json.span.start)) seen.push({ node: json, role, ids: read.categories.map((c) => c.id) });
    }
  }
  const imageNodes = repeatedValues(source, 'image_dir').filter((n): n is ScalarNode => n.kind === 'scalar');
  for (const node of imageNodes) {
    const dir = scope.locate(node);
    if (!dir) continue;
    const images = yield* readImageFolder(scope, dir);
    if (!images) continue;
    if (images.sampled) sampledNote(scope, node.span, 'entries', scope.limits.imageEntries);
    if (images.images === 0) scope.report('warning', 'data-no-images', node.span, images.entries === 0 ? 'This image folder is empty.' : 'This image folder holds no image files (.jpg, .png, ...).');
  }
}
