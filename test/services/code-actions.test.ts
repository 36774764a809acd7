import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeActions } from '../../server/src/core/services/code-actions';
import { MemorySchemaCatalog } from '../../server/src/core/schema/catalog';
import { classificationSchema } from '../support/schemas';
import { docOf } from './helpers';

const range = (line: number, character = 0) => ({ start: { line, character }, end: { line, character } });

test('core fixes become quick fixes on their diagnostic, preferred flag kept', () => {
  const doc = docOf('model_config {\n  arch: "resnet"\n  n_layer: 18\n}\n');
  const actions = codeActions(doc, { range: range(2, 4) });
  const fix = actions.find((a) => a.title === "Change to 'n_layers'")!;
  assert.ok(fix, actions.map((a) => a.title).join(' | '));
  assert.equal(fix.kind, 'quickfix');
  assert.equal(fix.isPreferred, true);
  assert.equal(fix.diagnostics![0].code, 'unknown-key');
  assert.equal(fix.diagnostics![0].source, 'tao-spec');
  assert.deepEqual(fix.edit!.changes![doc.uri], [{ range: { start: { line: 2, character: 2 }, end: { line: 2, character: 9 } }, newText: 'n_layers' }]);
});

test('PyYAML float fix is offered as a quick fix', () => {
  const doc = docOf('__class_name__: BpNetTrainer\noptimizer:\n  __class_name__: Adam\n  learning_rate: 2e-4\n', '/specs/bpnet.yaml');
  const actions = codeActions(doc, { range: range(3, 18) });
  const fix = actions.find((a) => /PyYAML/.test(a.title))!;
  assert.ok(fix, actions.map((a) => a.title).join(' | '));
  assert.equal(fix.edit!.changes![doc.uri][0].newText, '2.0e-4');
});

test('missing required fields: one fix each, and one for all', () => {
  const dino = docOf('train:\n  num_epochs: 1\ndataset:\n  batch_size: 4\n', '/specs/dino.yaml');
  const actions = codeActions(dino, { range: range(2, 2) });
  const add = actions.find((a) => a.title === "Add 'num_classes'")!;
  assert.ok(add, actions.map((a) => a.title).join(' | '));
  assert.equal(add.edit!.changes![dino.uri][0].newText, '\n  num_classes: 0');
});

test('choose network: modeline inserted, or replaced when one exists; picker command', () => {
  // A second protobuf network sharing model_config, so the keys leave a runner-up.
  const catalog = new MemorySchemaCatalog({
    classification_tf1: classificationSchema,
    other_tf1: { 'x-tao-network': 'other_tf1', 'x-tao-dialect': 'prototext', type: 'object', properties: { model_config: { type: 'object', properties: { arch: { type: 'string' } } } } },
  });
  const doc = docOf('model_config {\n  arch: "resnet"\n  n_layers: 10\n}\n', '/specs/spec.txt', catalog);
  const actions = codeActions(doc, { range: range(0) });
  const set = actions.filter((a) => a.title.startsWith('Set the network to '));
  assert.equal(set.length, 1);
  assert.ok(!set.some((a) => a.title.includes('classification_tf1')), 'the current network is not proposed');
  assert.deepEqual(set[0].edit!.changes![doc.uri][0].range, range(0));
  assert.match(set[0].edit!.changes![doc.uri][0].newText, /^# tao: network=other_tf1\n$/);
  const picker = actions.find((a) => a.command)!;
  assert.deepEqual(picker.command, { title: 'Choose the TAO network', command: 'tao.selectNetwork', arguments: [doc.uri] });

  // The modeline names bpnet, the keys say dino: the action rewrites the name in place.
  const withModeline = docOf('# tao: network=bpnet\ntrain:\n  num_epochs: 1\n', '/specs/a.yaml');
  const replace = codeActions(withModeline, { range: range(0, 3) }).filter((a) => a.title.startsWith('Set the network to '));
  assert.equal(replace.length, 1);
  assert.deepEqual(replace[0].edit!.changes![withModeline.uri][0], { range: { start: { line: 0, character: 15 }, end: { line: 0, character: 20 } }, newText: 'dino' });
});

test('an unknown modeline network gets did-you-mean fixes', () => {
  const doc = docOf('# tao: network=dinno\ntrain:\n  num_epochs: 1\n', '/specs/a.yaml');
  const actions = codeActions(doc, { range: range(0, 16) });
  assert.ok(actions.some((a) => a.title === 'Use network dino' && a.isPreferred), actions.map((a) => a.title).join(' | '));
});

test('no network actions in the middle of a recognised document; `only` filters kinds', () => {
  const doc = docOf('model_config {\n  arch: "resnet"\n  n_layers: 18\n}\n');
  assert.deepEqual(codeActions(doc, { range: range(2, 3) }), []);
  assert.deepEqual(codeActions(doc, { range: range(0), only: ['refactor'] }), []);
  assert.ok(codeActions(doc, { range: range(0), only: ['quickfix'] }).length > 0);
});

test('an empty section gets all its required fields in one fix', () => {
  const proto = docOf('model_config {\n}\ntrain_config {\n  optimizer {}\n}\n');
  const fix = codeActions(proto, { range: range(0, 3) }).find((a) => a.title === "Add the required fields of 'model_config'")!;
  assert.ok(fix);
  assert.equal(fix.isPreferred, true);
  assert.deepEqual(fix.edit!.changes![proto.uri], [{ range: { start: { line: 0, character: 13 }, end: { line: 1, character: 1 } }, newText: '{\n  arch: ""\n}' }]);
  const yaml = docOf('train:\n  num_epochs: 1\ndataset: {}\n', '/specs/dino.yaml');
  const add = codeActions(yaml, { range: range(2, 2) }).find((a) => a.title === "Add the required fields of 'dataset'")!;
  assert.deepEqual(add.edit!.changes![yaml.uri], [{ range: { start: { line: 2, character: 7 }, end: { line: 2, character: 11 } }, newText: ':\n  num_classes: 0' }]);
});
