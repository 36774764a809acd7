// A pretrained `.hdf5` that is not on this machine is a `path-not-found` warning (never an
// error: the file may live on the training machine), for both TF1 networks the engine runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeSpec } from '../../server/src/core/analyze';
import { nodeFileProbe } from '../../server/src/core/node-probe';
import { getDefaultCatalog } from '../../server/src/core/schema/catalog';

const folder = mkdtempSync(join(tmpdir(), 'tao-pretrained-'));
const present = join(folder, 'resnet_18.hdf5');
writeFileSync(present, 'not really HDF5; the path check only asks whether it exists');
const missing = join(folder, 'pretrained_classification_vresnet18', 'resnet_18.hdf5');
const noMounts = join(folder, 'no-mounts.json');

function pathWarnings(text: string, file: string): Array<{ severity: string; line: string }> {
  const a = analyzeSpec(text, { filePath: join(folder, file), catalog: getDefaultCatalog(), probe: nodeFileProbe, mountsFile: noMounts });
  return a.diagnostics.filter((d) => d.code === 'path-not-found').map((d) => ({ severity: d.severity, line: text.slice(d.span.start, d.span.end) }));
}

test('classification_tf1: a missing pretrained_model_path .hdf5 is a warning; a present one is not', () => {
  const spec = (path: string): string => `# tao: network=classification_tf1\nmodel_config {\n  arch: "resnet"\n  n_layers: 18\n  input_image_size: "3,224,224"\n}\ntrain_config {\n  pretrained_model_path: "${path}"\n}\n`;
  assert.deepEqual(pathWarnings(spec(missing), 'cls.txt'), [{ severity: 'warning', line: `"${missing}"` }]);
  assert.deepEqual(pathWarnings(spec(present), 'cls.txt'), []);
  const a = analyzeSpec(spec(missing), { filePath: join(folder, 'cls.txt'), catalog: getDefaultCatalog(), probe: nodeFileProbe, mountsFile: noMounts });
  // The missing file is the only thing said about the pretrained key, and nothing is an error.
  assert.equal(a.diagnostics.filter((d) => d.severity === 'error').length, 0, JSON.stringify(a.diagnostics));
});

test('detectnet_v2: a missing model_config.pretrained_model_file .hdf5 is a warning; a present one is not', () => {
  const spec = (path: string): string => `# tao: network=detectnet_v2\nmodel_config {\n  pretrained_model_file: "${path}"\n  num_layers: 18\n  arch: "resnet"\n}\n`;
  const dnv2Missing = join(folder, 'pretrained_detectnet_v2_vresnet18', 'resnet18.hdf5');
  assert.deepEqual(pathWarnings(spec(dnv2Missing), 'dnv2.txt'), [{ severity: 'warning', line: `"${dnv2Missing}"` }]);
  assert.deepEqual(pathWarnings(spec(present), 'dnv2.txt'), []);
});
