// TAO: New Spec must hand the user a spec that checks clean. Generates one for every
// network in schemas/ and runs the project's own checker (`tao-spec check`) on them all.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { generateSpec } from '../../client/src/core/specTemplate';
import { parseModeline } from '../../client/src/core/modeline';
import type { NetworkSchema } from '../../server/src/core/schema/types';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const schemaDir = path.join(repoRoot, 'schemas');

function schemas(): NetworkSchema[] {
  return fs.readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json')).map((f) => JSON.parse(fs.readFileSync(path.join(schemaDir, f), 'utf8')) as NetworkSchema);
}

test('a generated spec for every network passes `tao-spec check` with no errors or warnings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'new-spec-'));
  try {
    const all = schemas();
    assert.ok(all.length >= 50, `${all.length} schemas`);
    const files = all.map((s) => {
      const file = path.join(dir, `${s['x-tao-network']}${s['x-tao-dialect'] === 'prototext' ? '.txt' : '.yaml'}`);
      fs.writeFileSync(file, generateSpec(s));
      return file;
    });
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'check', '--no-path-check', ...files], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, new RegExp(`${files.length} file\\(s\\) checked: 0 error\\(s\\), 0 warning\\(s\\)`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the template carries the modeline, comments from the schema, and values in the dialect', () => {
  const cls = schemas().find((s) => s['x-tao-network'] === 'classification_tf1');
  assert.ok(cls);
  const text = generateSpec(cls);
  assert.equal(parseModeline(text.split('\n')[0])?.fields.network, 'classification_tf1');
  assert.match(text, /^model_config \{$/m);
  assert.match(text, /^ {2}arch: "resnet"$/m);
  assert.match(text, /^ {2}# .+\n {2}n_epochs: \d+$/m, 'a comment above n_epochs');
  // Exactly one member of each oneof: one optimizer, one learning-rate schedule.
  const optimizer = text.slice(text.indexOf('optimizer {'), text.indexOf('}', text.indexOf('optimizer {')));
  assert.equal((optimizer.match(/^\s+(sgd|adam|rmsprop) \{/gm) ?? []).length, 1);
  const yamlSchema = schemas().find((s) => s['x-tao-dialect'] !== 'prototext');
  assert.ok(yamlSchema);
  assert.doesNotMatch(generateSpec(yamlSchema), /\{$/m, 'YAML output has no protobuf blocks');
});
