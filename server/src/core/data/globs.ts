// File patterns in any network's spec (`tfrecords_path: ".../train-*"`): when the pattern's
// folder exists here but no file in it matches, the training would find no data.
// detectnet_v2 stops on it (build_dataloader.py's _pattern_to_files asserts "No files match
// pattern"), and so does faster_rcnn (spec_wrapper.py's training_dataset asserts "No TFRecord
// file found"); elsewhere it is a warning.
import type { SpecNode } from '../tree';
import type { DataScope, Work } from './context';
import { expandGlob, hasGlob } from './files';

const PATTERN_KEY = /(?:path|pattern|file|files|dir|glob)s?$/;

export function* globChecks(scope: DataScope): Work<void> {
  const found: Array<{ node: Extract<SpecNode, { kind: 'scalar' }>; key: string }> = [];
  const visit = (node: SpecNode | undefined, key: string): void => {
    if (!node) return;
    if (node.kind === 'map') for (const e of node.entries) visit(e.value, e.key);
    else if (node.kind === 'list') for (const item of node.items) visit(item, key);
    else if (typeof node.value === 'string' && PATTERN_KEY.test(key) && hasGlob(node.value) && node.form !== 'interpolation') found.push({ node, key });
  };
  visit(scope.root, '');
  for (const { node, key } of found) {
    const pattern = scope.locate(node);
    if (!pattern) continue;
    const result = yield* expandGlob(scope, pattern);
    if (!result.expanded || result.files.length > 0 || !result.complete) continue;
    const enforced = (scope.network === 'detectnet_v2' || scope.network === 'faster_rcnn') && key === 'tfrecords_path';
    scope.report(enforced ? 'error' : 'warning', 'data-glob-empty', node.span, `No file matches '${node.value}' on this machine${enforced ? '; TAO stops with "No files match pattern"' : ''}. Check the pattern against the folder's file names.`);
  }
}
