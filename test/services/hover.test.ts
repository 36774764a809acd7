import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hover } from '../../server/src/core/services/hover';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getDefaultCatalog } from '../../server/src/core/schema/catalog';
import { TestClient } from '../lsp/client';
import { at } from './helpers';

function hoverText(textWithMarker: string, filePath?: string): string | undefined {
  const c = at(textWithMarker, filePath);
  const h = hover(c.doc, c.position);
  return h ? (h.contents as { value: string }).value : undefined;
}

test('on a key: description, type, facts and its dotted path', () => {
  const text = hoverText('model_config {\n  ar|ch: "resnet"\n}\n')!;
  assert.match(text, /\*\*arch\*\* — `model_config.arch`/);
  assert.match(text, /Backbone family\./);
  assert.match(text, /Type: quoted text/);
});

test('on a value: the field it belongs to, with range facts', () => {
  const text = hoverText('model_config {\n  arch: "resnet"\n  dropout: 0.|5\n}\n')!;
  assert.match(text, /\*\*dropout\*\*/);
  assert.match(text, /Range: ≥ 0, ≤ 1/);
});

test('the hover range is the key or the value', () => {
  const c = at('model_config {\n  arch: "resnet"\n  n_lay|ers: 18\n}\n');
  assert.deepEqual(hover(c.doc, c.position)!.range, { start: { line: 2, character: 2 }, end: { line: 2, character: 10 } });
});

test('on the first line: the network, why, and how to change it', () => {
  const text = hoverText('mod|el_config {\n  arch: "resnet"\n}\n')!;
  assert.match(text, /TAO network: `classification_tf1`/);
  assert.match(text, /inferred from the keys/);
  assert.match(text, /# tao: network=NAME/);
  const modeline = hoverText('# tao: netw|ork=dino\ntrain:\n  num_epochs: 1\n', '/specs/x.yaml')!;
  assert.match(modeline, /set by the modeline/);
  assert.match(modeline, /edit the modeline/);
});

test('interpolations show what they resolve to', () => {
  const text = hoverText('train:\n  num_epochs: 10\n  results_dir: /r/${train.num_epochs}/${.num_epochs}/${oc.env:HOME}/${missing.key}|\n', '/specs/dino.yaml')!;
  assert.match(text, /`\$\{train.num_epochs\}` → `10`/);
  assert.match(text, /`\$\{.num_epochs\}` → `10`/);
  assert.match(text, /oc.env:HOME.*resolver/);
  assert.match(text, /missing.key.*not set in this file/);
});

test('nothing on blank space, comments and unknown documents', () => {
  assert.equal(hoverText('model_config {\n  arch: "resnet"\n}\n|\n'), undefined);
  assert.equal(hoverText('model_config {\n  # a comm|ent\n  arch: "resnet"\n}\n'), undefined);
});

test('a key being typed on a broken line still gets its hover', () => {
  const text = hoverText('train:\n  num_epochs: 3\n  optim:\n    optimi|zer\n', '/specs/dino.yaml');
  assert.ok(text === undefined || /optimizer|optim/.test(text));
  const proto = hoverText('train_config {\n  optimi|zer\n}\n')!;
  assert.match(proto, /\*\*optimizer\*\*/);
});

test('an item of a list shows the list field', () => {
  const text = hoverText('train:\n  optim:\n    lr_steps: [10, 2|0]\n', '/specs/dino.yaml')!;
  assert.match(text, /\*\*lr_steps\*\* — `train.optim.lr_steps`/);
  const block = hoverText('train:\n  optim:\n    lr_steps:\n      - 10\n      - 2|0\n', '/specs/dino.yaml')!;
  assert.match(block, /\*\*lr_steps\*\*/);
});

// Range provenance, against the generated catalogue: hover says which bounds TAO enforces (and
// where) and which are only its recommended range.
const detectnetSpec = `model_config {
  arch: "resnet"
  dropout_rate: 0.1
}
augmentation_config {
  preprocessing {
    output_image_width: 160
  }
}
`;

function realHover(textWithMarker: string, filePath: string): string {
  const c = at(textWithMarker, filePath, getDefaultCatalog());
  return (hover(c.doc, c.position)!.contents as { value: string }).value;
}

test('hover on a bounded key names the source of each bound: enforced by TAO vs recommended', () => {
  const width = realHover(`# tao: network=detectnet_v2\n${detectnetSpec.replace('output_image_width', 'output_|image_width')}`, '/specs/dnv2.txt');
  assert.match(width, /\*\*Range and where it comes from\*\*/);
  assert.match(width, /- ≥ 16, multiple of 16 pixels — DetectNet_v2's code needs a multiple of the output stride \(16\)/);
  assert.match(width, /- > 0 pixels — checked by TAO, which stops the task otherwise \(nvidia_tao_tf1\/cv\/detectnet_v2\/spec_handler\/constants\.py TRAINVAL_VALUE_CHECK_DICT\)/);
  const dropout = realHover(`# tao: network=detectnet_v2\n${detectnetSpec.replace('dropout_rate: 0.1', 'dropout_rate: 0.|1')}`, '/specs/dnv2.txt');
  assert.match(dropout, /- recommended 0–1 \(TAO's parameter sheet; not enforced by TAO\)/);
  const epochs = realHover('train:\n  num_ep|ochs: 10\n', '/specs/dino.yaml');
  assert.match(epochs, /- recommended ≥ 1 epochs \(TAO's config dataclass metadata; not enforced by TAO\)/);
});

test('hover over LSP shows where a range comes from', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'tao-hover-'));
  const client = await TestClient.start();
  try {
    const uri = pathToFileURL(join(folder, 'dnv2.txt')).href;
    const text = `# tao: network=detectnet_v2\n${detectnetSpec}`;
    await client.open(uri, text);
    const onWidth = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 8 } });
    assert.match(onWidth.contents.value, /multiple of 16 pixels — DetectNet_v2's code needs a multiple of the output stride/);
    const onDropout = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 18 } });
    assert.match(onDropout.contents.value, /recommended 0–1 \(TAO's parameter sheet; not enforced by TAO\)/);
  } finally {
    await client.stop();
  }
});

// NGC pretrained models (issue 14): hover on the pretrained key names the model and folder that
// fit the spec's current arch and depth, and the command that downloads it.
test('hover on classification_tf1 pretrained_model_path names the NGC model for resnet18', () => {
  const spec = `# tao: network=classification_tf1
model_config {
  arch: "resnet"
  n_layers: 18
}
train_config {
  pretrained_model_path: "/workspace/pretrained/resnet_18.hdf5"
}
`;
  const onKey = realHover(spec.replace('pretrained_model_path', 'pretrained_|model_path'), '/specs/cls.txt');
  assert.match(onKey, /\*\*pretrained_model_path\*\*/);
  assert.match(onKey, /`nvidia\/tao\/pretrained_classification:resnet18`/);
  assert.match(onKey, /`pretrained_classification_vresnet18\/resnet_18\.hdf5`/);
  assert.match(onKey, /ngc registry model download-version nvidia\/tao\/pretrained_classification:resnet18 --dest pretrained_resnet18/);
  // The depth is read from the document as it is now.
  const r34 = realHover(spec.replace('n_layers: 18', 'n_layers: 34').replace('/resnet_18.hdf5"', '/resnet_18.hd|f5"'), '/specs/cls.txt');
  assert.match(r34, /pretrained_classification_vresnet34\/resnet_34\.hdf5/);
  // No depth given: TAO's default (resnet 18).
  const noDepth = realHover(spec.replace('  n_layers: 18\n', '').replace('pretrained_model_path', 'pretrained_model_pa|th'), '/specs/cls.txt');
  assert.match(noDepth, /pretrained_classification:resnet18/);
  const vgg = realHover(spec.replace('"resnet"', '"vgg"').replace('n_layers: 18', 'n_layers: 16').replace('pretrained_model_path', 'pretrained_model_pa|th'), '/specs/cls.txt');
  assert.match(vgg, /pretrained_classification_vvgg16\/vgg_16\.hdf5/);
});

test('hover on detectnet_v2 pretrained_model_file names the NGC model for resnet18', () => {
  const spec = `# tao: network=detectnet_v2
model_config {
  pretrained_model_file: "/workspace/tao-experiments/pretrained/resnet18.hdf5"
  num_layers: 18
  arch: "resnet"
}
`;
  const text = realHover(spec.replace('pretrained_model_file', 'pretrained_mo|del_file'), '/specs/dnv2.txt');
  assert.match(text, /`nvidia\/tao\/pretrained_detectnet_v2:resnet18`/);
  assert.match(text, /`pretrained_detectnet_v2_vresnet18\/resnet18\.hdf5`/);
  assert.match(text, /download-version nvidia\/tao\/pretrained_detectnet_v2:resnet18/);
  assert.match(text, /the local engine refuses one before training/);
  // A backbone whose file name NVIDIA's material does not give: the folder alone.
  const r34 = realHover(spec.replace('num_layers: 18', 'num_layers: 34').replace('pretrained_model_file', 'pretrained_mo|del_file'), '/specs/dnv2.txt');
  assert.match(r34, /the `\.hdf5` file in `pretrained_detectnet_v2_vresnet34\/`/);
  // Other keys get no NGC section.
  assert.doesNotMatch(realHover(spec.replace('num_layers', 'num_la|yers'), '/specs/dnv2.txt'), /NGC/);
});

test('hover on the other TF1 detectors: object-detection models, FasterRCNN arch "resnet:18"', () => {
  const yolo = realHover('# tao: network=yolo_v4\nyolov4_config {\n  arch: "resnet"\n  nlayers: 18\n}\ntraining_config {\n  pretrain_mo|del_path: "x/resnet_18.hdf5"\n}\n', '/specs/yolo.txt');
  assert.match(yolo, /pretrained_object_detection_vresnet18\/resnet_18\.hdf5/);
  const frcnn = realHover('# tao: network=faster_rcnn\nmodel_config {\n  arch: "resnet:18"\n}\ntraining_config {\n  pretrained_wei|ghts: "x/resnet_18.hdf5"\n}\n', '/specs/frcnn.txt');
  assert.match(frcnn, /nvidia\/tao\/pretrained_object_detection:resnet18/);
});
