// KITTI-format detectors: the class names the data uses against target_class_mapping, the
// image folders against image_extension, and TFRecord frames against the image folder.
//
// TAO reads these networks' data two ways, and compares class names differently:
// - label_directory_path (yolo_v3/v4/v4_tiny, ssd, dssd, retinanet): DetectionDataSequence
//   (nvidia_tao_tf1/cv/common/dataio/detection_data_sequence.py) lowercases both the label's
//   class and the mapping keys, and lists images with the extensions .jpg .jpeg .png .bmp .gif
//   only, written in lower case;
// - tfrecords_path (detectnet_v2, faster_rcnn, and the others' TFRecord mode): dataset_convert
//   lowercases class names when it writes the records (kitti_converter_lib.py, _add_targets),
//   and detectnet_v2's dataloader takes target_class_mapping as written (build_dataloader.py),
//   so a key with capitals matches nothing.
import type { MapNode, ScalarNode } from '../tree';
import { mapAt, repeatedValues, textAt } from '../rules/helpers';
import type { DataScope, Work } from './context';
import { count, joinPath, nameList, plural, requote } from './context';
import { expandGlob, readTfExample, tfRecordPayloads } from './files';
import { readImageFolder, readLabelFolder, sampledNote } from './folders';
import type { LabelFolder } from './folders';

export const KITTI_NETWORKS = new Set(['detectnet_v2', 'yolo_v3', 'yolo_v4', 'yolo_v4_tiny', 'ssd', 'dssd', 'retinanet', 'faster_rcnn']);

/** Extensions DetectionDataSequence._add_source accepts, compared exactly. */
const SEQUENCE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'bmp', 'gif'];

interface MappingKey {
  node: ScalarNode;
  key: string;
}

interface Observed {
  objects: number;
  /** The spec value naming the folder or glob where the class was seen first. */
  where: ScalarNode;
}

interface RecordSample {
  classes: Map<string, number>;
  frames: string[];
  records: number;
  files: number;
  /** Not every record of every file was read. */
  partial: boolean;
}

export function* kittiChecks(scope: DataScope): Work<void> {
  const dataset = mapAt(scope.root, 'dataset_config');
  if (!dataset) return;
  const mapping: MappingKey[] = [];
  for (const m of repeatedValues(dataset, 'target_class_mapping')) {
    if (m.kind !== 'map') continue;
    const key = textAt(m, 'key');
    if (key) mapping.push({ node: key.node, key: key.value });
  }
  const extension = textAt(dataset, 'image_extension');
  const sources: MapNode[] = [];
  for (const field of ['data_sources', 'validation_data_sources', 'validation_data_source']) {
    for (const s of repeatedValues(dataset, field)) if (s.kind === 'map') sources.push(s);
  }

  const fromLabels = new Map<string, Observed>();
  const fromRecords = new Map<string, Observed>();
  let labelsSampled = false;
  let recordsPartial = false;
  for (const source of sources) {
    const labelNode = textAt(source, 'label_directory_path')?.node;
    const imageNode = textAt(source, 'image_directory_path')?.node;
    const recordNode = textAt(source, 'tfrecords_path')?.node;

    let labels: LabelFolder | undefined;
    const labelDir = scope.locate(labelNode);
    if (labelDir && labelNode) {
      labels = yield* readLabelFolder(scope, labelDir);
      if (labels) {
        if (labels.sampled) {
          labelsSampled = true;
          sampledNote(scope, labelNode.span, 'label files', scope.limits.labelFiles);
        }
        if (labels.filesRead === 0) scope.report('warning', 'data-no-labels', labelNode.span, 'This label folder holds no .txt label files; TAO finds no training data in it.');
        for (const [name, seen] of Object.entries(labels.classes)) {
          const had = fromLabels.get(name);
          if (had) had.objects += seen.objects;
          else fromLabels.set(name, { objects: seen.objects, where: labelNode });
        }
      }
    }

    let records: RecordSample | undefined;
    const recordPattern = scope.locate(recordNode);
    if (recordPattern && recordNode) {
      records = yield* readRecords(scope, recordPattern);
      if (records && records.records > 0) {
        recordsPartial ||= records.partial;
        for (const [name, objects] of records.classes) {
          const had = fromRecords.get(name);
          if (had) had.objects += objects;
          else fromRecords.set(name, { objects, where: recordNode });
        }
      }
    }

    const imageDir = scope.locate(imageNode);
    if (imageDir && imageNode) {
      if (records && records.frames.length > 0) yield* checkFrames(scope, imageDir, imageNode, records.frames, extension);
      else if (!recordNode) yield* checkImageFolder(scope, imageDir, imageNode, labels, labelNode, extension);
    }
  }

  if (mapping.length === 0) return;
  if (fromLabels.size > 0) compareClasses(scope, mapping, fromLabels, 'labels', labelsSampled);
  if (fromRecords.size > 0) compareClasses(scope, mapping, fromRecords, 'records', recordsPartial);
}

function compareClasses(scope: DataScope, mapping: MappingKey[], observed: Map<string, Observed>, kind: 'labels' | 'records', sampled: boolean): void {
  const lower = (s: string) => s.toLowerCase();
  const where = kind === 'labels' ? 'label file' : 'TFRecord example';
  const sampleNote = sampled ? (kind === 'labels' ? ` among the first ${count(scope.limits.labelFiles)} label files of each folder` : ' in the records read') : '';
  const keys = new Set(mapping.map((m) => m.key));
  const keysLower = new Set(mapping.map((m) => lower(m.key)));
  for (const m of mapping) {
    if (observed.has(m.key)) continue;
    const spelled = [...observed.entries()].filter(([name]) => lower(name) === lower(m.key)).sort((a, b) => b[1].objects - a[1].objects);
    if (spelled.length === 0) {
      scope.report('warning', 'data-class-unused', m.node.span, `No ${where} uses class '${m.key}'${sampleNote}: TAO would train it with no examples. The data has ${nameList([...observed.keys()].sort())}.`);
      continue;
    }
    const [name, seen] = spelled[0];
    const fix = [{ title: `Use the data's spelling '${name}'`, edits: [{ span: m.node.span, newText: requote(m.node, name) }], preferred: true }];
    if (kind === 'labels') {
      scope.report('information', 'data-class-case', m.node.span, `The labels spell this class '${name}' (${plural(seen.objects, 'object')}), differing only in case. TAO's KITTI loader lowercases both names, so they match here, but TFRecords made from these labels and other tools compare them exactly.`, fix);
    } else {
      scope.report('warning', 'data-class-case', m.node.span, `The TFRecords spell this class '${name}' (dataset_convert lowercases KITTI class names) and TAO matches target_class_mapping keys as written, so no object maps to '${m.key}'.`, fix);
    }
  }
  const unmapped = new Map<ScalarNode, string[]>();
  for (const [name, seen] of observed) {
    const covered = kind === 'labels' ? keysLower.has(lower(name)) : keys.has(name) || keysLower.has(lower(name));
    if (covered) continue;
    const list = unmapped.get(seen.where) ?? [];
    list.push(`${name} (${count(seen.objects)})`);
    unmapped.set(seen.where, list);
  }
  for (const [node, names] of unmapped) {
    names.sort();
    scope.report('information', 'data-unmapped-class', node.span, `The ${kind === 'labels' ? 'labels' : 'TFRecords'} use class${names.length > 1 ? 'es' : ''} ${names.join(', ')} that target_class_mapping does not map; TAO leaves those objects out of training.`);
  }
}

/** Class names and frame ids from the first records of the first files a tfrecords_path matches. */
function* readRecords(scope: DataScope, pattern: string): Work<RecordSample | undefined> {
  const glob = yield* expandGlob(scope, pattern);
  let files = glob.files;
  if (!glob.expanded) return undefined;
  if (!/[*?[]/.test(pattern)) {
    const stat = yield* scope.stat(pattern);
    files = stat?.isFile ? [pattern] : [];
  }
  const sample: RecordSample = { classes: new Map(), frames: [], records: 0, files: files.length, partial: files.length > scope.limits.tfrecordFiles };
  for (const file of files.slice(0, scope.limits.tfrecordFiles)) {
    const read = yield* scope.cached('tfrecord', file, function* (stat) {
      const bytes = yield* scope.readBytes(file, 0, scope.limits.tfrecordBytes);
      if (!bytes) return undefined;
      const classes: Record<string, number> = {};
      const frames: string[] = [];
      let records = 0;
      for (const payload of tfRecordPayloads(bytes, scope.limits.labelFiles)) {
        const example = readTfExample(payload);
        if (!example) continue;
        records++;
        for (const c of example.classes) classes[c] = (classes[c] ?? 0) + 1;
        if (example.frameId && frames.length < 20) frames.push(example.frameId);
      }
      return { classes, frames, records, partial: stat.size > bytes.length };
    });
    if (!read) continue;
    sample.records += read.records;
    sample.partial ||= read.partial;
    for (const [c, n] of Object.entries(read.classes)) sample.classes.set(c, (sample.classes.get(c) ?? 0) + n);
    for (const f of read.frames) if (sample.frames.length < 20) sample.frames.push(f);
  }
  return sample;
}

/** TFRecord frames name their image as `frame/id` + "." + image_extension below image_directory_path. */
function* checkFrames(scope: DataScope, imageDir: string, imageNode: ScalarNode, frames: string[], extension: { node: ScalarNode; value: string } | undefined): Work<void> {
  if (!extension) return;
  const ext = extension.value.replace(/^\./, '');
  const tried = frames.slice(0, 5);
  for (const frame of tried) {
    const stat = yield* scope.stat(joinPath(imageDir, `${frame}.${ext}`));
    if (stat) return;
  }
  for (const other of ['png', 'jpg', 'jpeg', 'bmp', 'PNG', 'JPG', 'JPEG']) {
    if (other === ext) continue;
    const stat = yield* scope.stat(joinPath(imageDir, `${tried[0]}.${other}`));
    if (stat) {
      scope.report('warning', 'data-image-extension', extension.node.span, `image_extension is '${ext}', but the TFRecords' frames are .${other} files (e.g. '${tried[0]}.${other}' under the image folder); TAO opens '${tried[0]}.${ext}', which does not exist.`, [
        { title: `Set image_extension to '${other}'`, edits: [{ span: extension.node.span, newText: requote(extension.node, other) }], preferred: true },
      ]);
      return;
    }
  }
  scope.report('warning', 'data-images-missing', imageNode.span, `The images of the TFRecords' frames are not in this folder: '${tried[0]}.${ext}' (and ${tried.length - 1} more frames tried) does not exist below it.`);
}

function* checkImageFolder(
  scope: DataScope,
  imageDir: string,
  imageNode: ScalarNode,
  labels: LabelFolder | undefined,
  labelNode: ScalarNode | undefined,
  extension: { node: ScalarNode; value: string } | undefined,
): Work<void> {
  const images = yield* readImageFolder(scope, imageDir);
  if (!images) return;
  if (images.sampled) sampledNote(scope, imageNode.span, 'entries', scope.limits.imageEntries);
  if (images.images === 0) {
    scope.report('warning', 'data-no-images', imageNode.span, images.entries === 0 ? 'This image folder is empty.' : 'This image folder holds no image files (.jpg, .png, ...).');
    return;
  }
  const exts = Object.entries(images.extensions).sort((a, b) => b[1] - a[1]);
  const described = exts.map(([e, n]) => `.${e} (${count(n)})`).join(', ');
  if (labelNode) {
    const taken = exts.filter(([e]) => SEQUENCE_EXTENSIONS.includes(e)).reduce((n, [, k]) => n + k, 0);
    const skipped = exts.filter(([e]) => !SEQUENCE_EXTENSIONS.includes(e) && SEQUENCE_EXTENSIONS.includes(e.toLowerCase()));
    if (taken === 0 && skipped.length > 0) {
      scope.report('warning', 'data-image-extension', imageNode.span, `TAO's KITTI loader takes only images named .jpg, .jpeg, .png, .bmp or .gif in lower case; this folder's images are ${described}, so it finds none. Rename the files.`);
    }
  }
  if (extension) {
    const declared = extension.value.replace(/^\./, '');
    if (!images.extensions[declared] && exts.length > 0) {
      const [top] = exts[0];
      // With label folders TAO lists images of any supported extension and image_extension
      // only matters for TFRecord sources; a mismatch is then worth knowing, not a warning.
      const message = `image_extension is '${declared}', but the image folder '${imageNode.value}' holds ${described} files${images.sampled ? ' (in the entries read)' : ''}.`;
      scope.report(labelNode ? 'information' : 'warning', 'data-image-extension', extension.node.span, labelNode ? `${message} TAO reads label-folder sources by any image extension, so this matters only for TFRecord sources.` : message, [
        { title: `Set image_extension to '${top}'`, edits: [{ span: extension.node.span, newText: requote(extension.node, top) }], preferred: true },
      ]);
    }
  }
  if (labels?.stems && labelNode && labels.stems.length > 0) {
    const stems = new Set(labels.stems);
    if (!images.stems.some((s) => stems.has(s))) {
      const example = images.examples[exts[0][0]];
      scope.report('warning', 'data-unpaired', imageNode.span, `No image here has a label file of the same name in '${labelNode.value}' (e.g. '${example}' has no '${example.replace(/\.[^.]*$/, '')}.txt'); TAO pairs images with labels by name and skips the rest.`);
    }
  }
}
