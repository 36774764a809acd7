import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemorySchemaCatalog } from '../../server/src/core/schema/catalog';
import type { NetworkSchema } from '../../server/src/core/schema/types';
import { complete } from '../../server/src/core/services/completion';
import type { DirectoryReader } from '../../server/src/core/services/document';
import { classificationSchema, dinoSchema } from '../support/schemas';
import { at } from './helpers';

function items(textWithMarker: string, filePath?: string, directories?: DirectoryReader, catalog?: MemorySchemaCatalog) {
  const c = at(textWithMarker, filePath, catalog);
  return complete(c.doc, c.position, { directories }).items;
}
const labels = (list: Array<{ label: string }>) => list.map((i) => i.label);
const textOf = (list: Array<{ label: string; textEdit?: any }>, label: string) => list.find((i) => i.label === label)?.textEdit?.newText;

const tf1 = `model_config {
  arch: "resnet"
}
train_config {
  batch_size_per_gpu: 8
  |
}
`;

test('protobuf keys: unset fields of the enclosing message, in protobuf syntax', () => {
  const list = items(tf1);
  assert.ok(!labels(list).includes('batch_size_per_gpu'));
  assert.ok(!labels(list).includes('arch'), 'keys of other messages are not offered');
  assert.equal(textOf(list, 'optimizer'), 'optimizer {\n    $0\n  }');
  assert.equal(textOf(list, 'train_dataset_path'), 'train_dataset_path: "$0"');
  assert.equal(textOf(list, 'preprocess_mode'), 'preprocess_mode: "$0"');
  assert.equal(textOf(list, 'image_mean'), 'image_mean {\n    $0\n  }');
});

test('protobuf keys while typing a broken line; replaces the typed word', () => {
  const c = at('train_config {\n  batch_size_per_gpu: 8\n  optim|\n}\n');
  const list = complete(c.doc, c.position).items;
  const optimizer = list.find((i) => i.label === 'optimizer')!;
  assert.deepEqual((optimizer.textEdit as any).range, { start: { line: 2, character: 2 }, end: { line: 2, character: 7 } });
  assert.equal(optimizer.insertTextFormat, 2);
  assert.equal(optimizer.insertTextMode, 1);
});

test('protobuf: repeated fields are offered again, oneof alternatives are not', () => {
  assert.ok(labels(items('model_config {\n  freeze_blocks: 1\n  |\n}\n')).includes('freeze_blocks'));
  const optim = items('train_config {\n  optimizer {\n    sgd { lr: 0.1 }\n    |\n  }\n}\n');
  assert.deepEqual(labels(optim), []);
});

test('protobuf values: enum names bare, booleans', () => {
  assert.deepEqual(labels(items('model_config {\n  resize_interpolation_method: |\n}\n')), ['BILINEAR', 'BICUBIC']);
  assert.deepEqual(textOf(items('model_config {\n  resize_interpolation_method: BI|\n}\n'), 'BICUBIC'), 'BICUBIC');
  assert.deepEqual(labels(items('model_config {\n  use_batch_norm: |\n}\n')), ['true', 'false']);
});

test('YAML keys: sections with a skeleton of required fields; lists of sections', () => {
  const list = items('train:\n  num_epochs: 3\n|\n', '/specs/dino.yaml');
  assert.equal(textOf(list, 'dataset'), 'dataset:\n  num_classes: ${1}');
  assert.equal(textOf(list, 'results_dir'), 'results_dir: ');
  assert.ok(!labels(list).includes('train'));
  const ds = items('dataset:\n  num_classes: 3\n  |\n', '/specs/dino.yaml');
  assert.equal(textOf(ds, 'train_data_sources'), 'train_data_sources:\n    - $0');
  const optim = items('train:\n  optim:\n    lr_|\n', '/specs/dino.yaml');
  assert.equal(textOf(optim, 'lr_steps'), 'lr_steps: [$0]');
});

test('YAML values: enum options plain, booleans', () => {
  assert.deepEqual(labels(items('train:\n  precision: |\n', '/specs/dino.yaml')), ['fp16', 'fp32', 'bf16']);
  assert.deepEqual(labels(items('train:\n  use_amp: t|\n', '/specs/dino.yaml')), ['true', 'false']);
  assert.deepEqual(labels(items('train:\n  optim:\n    optimizer: |\n', '/specs/dino.yaml')), ['AdamW', 'SGD']);
});

test('path fields list the folder relative to the spec', () => {
  const seen: string[] = [];
  const reader: DirectoryReader = {
    list(dir) {
      seen.push(dir);
      return dir === '/specs/data' ? [{ name: 'val', isDirectory: true }, { name: 'a.txt', isDirectory: false }, { name: '.hidden', isDirectory: false }, { name: 'train', isDirectory: true }] : undefined;
    },
    homeDir: () => '/home/me',
  };
  const quoted = items('train_config {\n  train_dataset_path: "data/|"\n}\n', '/specs/spec.txt', reader);
  assert.deepEqual(labels(quoted), ['train/', 'val/', 'a.txt']);
  assert.deepEqual(seen, ['/specs/data']);
  // Without a quote, protobuf text needs one: the item writes it.
  const bare = items('train_config {\n  train_dataset_path: data/|\n}\n', '/specs/spec.txt', reader);
  assert.equal(textOf(bare, 'a.txt'), '"data/a.txt"');
  items('train_config {\n  train_dataset_path: "~/x/|"\n}\n', '/specs/spec.txt', reader);
  assert.equal(seen[seen.length - 1], '/home/me/x');
});

test('network names in the modeline', () => {
  const list = items('# tao: network=cl|\nmodel_config {\n}\n');
  assert.deepEqual(labels(list), ['bpnet', 'classification_tf1', 'dino']);
  assert.equal((list[1].textEdit as any).range.start.character, 15);
});

test('snippet bodies from x-tao-snippet and enum choices in skeletons', () => {
  const schema: NetworkSchema = {
    'x-tao-network': 'toy',
    'x-tao-dialect': 'prototext',
    type: 'object',
    properties: {
      a: { type: 'object', 'x-tao-snippet': 'x: 1\ny: ${1:2}', properties: { x: { type: 'integer' }, y: { type: 'integer' } } },
      b: {
        type: 'object',
        required: ['mode', 'name', 'inner'],
        properties: {
          mode: { type: 'string', enum: ['A', 'B'], 'x-tao-proto-enum': true },
          name: { type: 'string', default: 'n$1' },
          inner: { type: 'object', required: ['on'], properties: { on: { type: 'boolean' } } },
        },
      },
    },
  };
  const catalog = new MemorySchemaCatalog({ toy: schema });
  const list = items('# tao: network=toy\n|\n', '/specs/toy.txt', undefined, catalog);
  assert.equal(textOf(list, 'a'), 'a {\n  x: 1\n  y: ${1:2}\n}');
  assert.equal(textOf(list, 'b'), 'b {\n  mode: ${1|A,B|}\n  name: ${2:"n\\$1"}\n  inner {\n    on: ${3|true,false|}\n  }\n}');
});

test('nothing to offer: no schema, inside comments, unknown sections', () => {
  assert.deepEqual(items('# hello |\n'), []);
  assert.deepEqual(items('train_config {\n  nope {\n    |\n  }\n}\n'), []);
  const none = new MemorySchemaCatalog({});
  assert.deepEqual(items('a {\n  |\n}\n', '/specs/x.txt', undefined, none), []);
});

test('no network recognised: the first lines offer the modeline', () => {
  const list = items('|\n');
  assert.equal(list.length, 1);
  assert.equal((list[0].textEdit as any).newText, '# tao: network=${1|bpnet,classification_tf1,dino|}\n');
  assert.deepEqual(items('something {\n  |\n}\n'), []);
});

void classificationSchema;
void dinoSchema;

test('trigger characters: values after `key: `, nothing for spaces in indentation', () => {
  const run = (textWithMarker: string, triggerCharacter: string, filePath?: string) => {
    const c = at(textWithMarker, filePath);
    return labels(complete(c.doc, c.position, { triggerCharacter }).items);
  };
  assert.deepEqual(run('train:\n  precision: |\n', ' ', '/specs/dino.yaml'), ['fp16', 'fp32', 'bf16']);
  assert.deepEqual(run('train:\n  |\n', ' ', '/specs/dino.yaml'), []);
  assert.deepEqual(run('model_config {\n  resize_interpolation_method:|\n}\n', ':'), ['BILINEAR', 'BICUBIC']);
  assert.deepEqual(run('model_config {\n  arch: "resnet"\n  dropout:| 0.5\n}\n', ':'), []);
  assert.deepEqual(run('# tao: network=|\n', '='), ['bpnet', 'classification_tf1', 'dino']);
  assert.deepEqual(run('a = |\n', '='), []);
});

test('container paths: listed through TAO mounts, mount points offered', () => {
  const reader: DirectoryReader = {
    list: (dir) => (dir === '/host/exp/data' ? [{ name: 'train', isDirectory: true }] : dir === '/' ? [{ name: 'home', isDirectory: true }] : undefined),
    homeDir: () => '/home/me',
    mounts: () => [{ source: '/host/exp', destination: '/workspace/tao-experiments' }],
  };
  const inside = items('train_config {\n  train_dataset_path: "/workspace/tao-experiments/data/|"\n}\n', '/specs/spec.txt', reader);
  assert.deepEqual(labels(inside), ['train/']);
  const root = complete(at('train_config {\n  train_dataset_path: "/|"\n}\n').doc, at('train_config {\n  train_dataset_path: "/|"\n}\n').position, { directories: reader }).items;
  assert.deepEqual(root.map((i) => `${i.label} ${i.detail}`), ['home/ folder', 'workspace/ container folder, mounted from /host/exp']);
});

test('n_layers: the depths the spec\'s arch comes in, and no default depth for fixed-depth archs', () => {
  const depthItems = (arch: string) => labels(items(`model_config {\n  arch: "${arch}"\n  n_layers: |\n}\n`));
  assert.deepEqual(depthItems('darknet'), ['19', '53']);
  assert.deepEqual(depthItems('cspdarknet'), ['19', '53']);
  assert.deepEqual(depthItems('resnet'), ['10', '18', '34', '50', '101']);
  assert.deepEqual(depthItems('cspdarknet_tiny'), [], 'a fixed-depth arch gets no n_layers value (not even the default 18)');
  assert.deepEqual(labels(items('model_config {\n  n_layers: |\n}\n')), ['10', '18', '34', '50', '101'], 'arch unset is resnet');
});
