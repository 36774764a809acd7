// A pretrained Keras file for another backbone than the spec's is an error in the editor and
// in `tao-spec check`, before any training (issue 14): the file's layer names (read from the
// .hdf5 through h5wasm) say resnet 18, the spec builds resnet 10. Same backbone (another head,
// new classes) and files that are not Keras files say nothing. Checked in the core with the
// node probe, through the CLI as a process, and through the language server over stdio (where
// the reader loads on the first such spec and the document is checked again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { analyzeSpec } from '../../server/src/core/analyze';
import { nodeFileProbe } from '../../server/src/core/node-probe';
import { kerasReaderReady } from '../../server/src/core/keras-names-node';
import { getDefaultCatalog } from '../../server/src/core/schema/catalog';
import { backboneLayerNames, describeBackbone } from '../../server/src/core/rules/backbone-match';
import { buildClassifier } from '../../engine/src/networks/classification_tf1/model';
import { buildConfig } from '../../engine/src/networks/classification_tf1/config-defaults';
import { writeKerasModel } from '../../engine/src/io/hdf5/keras-model';
import { weightedLayerNames } from '../../engine/src/train/arch-match';
import { runBin } from '../support/run';
import { TestClient } from '../lsp/client';

const folder = mkdtempSync(join(tmpdir(), 'tao-pretrained-arch-'));
const noMounts = join(folder, 'no-mounts.json');

function model(arch: string, nLayers: number, classes = 3): tf.LayersModel {
  const cfg = buildConfig({ model_config: { arch, n_layers: nLayers, use_batch_norm: true, input_image_size: '3,32,32' } }).config.model;
  return buildClassifier(tf, cfg, classes, 3).model;
}

const spec = (file: string, nLayers: number): string =>
  `# tao: network=classification_tf1\nmodel_config {\n  arch: "resnet"\n  n_layers: ${nLayers}\n  input_image_size: "3,32,32"\n}\ntrain_config {\n  pretrained_model_path: "${file}"\n}\n`;

let resnet18File = '';

test('setup: a resnet 18 Keras file written the way TAO lays them out', async () => {
  await tf.setBackend('cpu');
  resnet18File = join(folder, 'resnet_18.hdf5');
  const m = model('resnet', 18, 5);
  await writeKerasModel(m, resnet18File);
  m.dispose();
});

test('the names a spec implies describe the backbone the engine builds for it', () => {
  for (const [arch, depth] of [['resnet', 10], ['resnet', 18], ['resnet', 34], ['vgg', 16], ['vgg', 19], ['mobilenet_v1', 0], ['mobilenet_v2', 0]] as const) {
    const built = model(arch, depth);
    assert.deepEqual(describeBackbone(backboneLayerNames(arch, depth || undefined)!), describeBackbone(weightedLayerNames(built)), `${arch} ${depth}`);
    built.dispose();
  }
  assert.equal(backboneLayerNames('googlenet', undefined), undefined, 'families the names cannot tell are left alone');
});

test('core: resnet 18 file under a resnet 10 spec is an error on the path; same backbone is not', async () => {
  await kerasReaderReady();
  const check = (text: string) => analyzeSpec(text, { filePath: join(folder, 'spec.txt'), catalog: getDefaultCatalog(), probe: nodeFileProbe, mountsFile: noMounts }).diagnostics;
  const text = spec(resnet18File, 10);
  const found = check(text).filter((d) => d.code === 'pretrained-architecture');
  assert.equal(found.length, 1, JSON.stringify(check(text)));
  assert.equal(found[0].severity, 'error');
  assert.equal(text.slice(found[0].span.start, found[0].span.end), `"${resnet18File}"`);
  assert.match(found[0].message, /holds resnet 18, but the spec builds resnet 10/);
  assert.match(found[0].message, /pretrained_classification_vresnet10\/resnet_10\.hdf5/);
  // Same backbone with a head for other classes: fine (TAO keeps the new head).
  assert.deepEqual(check(spec(resnet18File, 18)).filter((d) => d.code === 'pretrained-architecture'), []);
  // Not a Keras file inside (or unreadable): silent, as TAO's own error comes at load time.
  const fake = join(folder, 'fake.hdf5');
  writeFileSync(fake, 'not HDF5');
  assert.deepEqual(check(spec(fake, 10)).filter((d) => d.code === 'pretrained-architecture'), []);
});

test('tao-spec check: the wrong backbone fails the check with the error on its line', () => {
  const file = join(folder, 'wrong.txt');
  writeFileSync(file, spec(resnet18File, 10));
  const r = runBin('tao-spec', ['check', file, '--mounts', noMounts]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /wrong\.txt:8:\d+.*error.*holds resnet 18, but the spec builds resnet 10/);
  const right = join(folder, 'right.txt');
  writeFileSync(right, spec(resnet18File, 18));
  assert.equal(runBin('tao-spec', ['check', right, '--mounts', noMounts]).status, 0);
});

test('language server: the error arrives once the reader has loaded, without another edit', async () => {
  const client = await TestClient.start();
  try {
    const uri = pathToFileURL(join(folder, 'open.txt')).href;
    await client.open(uri, spec(resnet18File, 10));
    const pushed = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'pretrained-architecture'), 20000);
    const d = pushed.diagnostics.find((x) => x.code === 'pretrained-architecture')!;
    assert.equal(d.severity, 1, 'an error');
    assert.equal(d.range.start.line, 7);
  } finally {
    await client.stop();
  }
});
