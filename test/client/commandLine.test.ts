// Command lines for the local engine and for NVIDIA's launcher. The launcher case runs a
// stand-in `tao` executable that records its arguments, so what reaches the process (after
// the mounts file's path rewriting) is checked, not just an array.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildCommandLine, displayCommand, majorVersion, CommandLineError, type LaunchSettings, type TaoTaskDefinition } from '../../client/src/core/commandLine';
import { mapToContainer, parseMounts, MountError } from '../../client/src/core/mounts';
import { defaultTaskArgs } from '../../client/src/core/taskArgs';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const fakeTao = path.join(repoRoot, 'test', 'client', 'fixtures', 'fake-tao.js');

const base: LaunchSettings = {
  mode: 'local',
  backend: 'auto',
  enginePath: '/ext/dist/engine.js',
  nodePath: '/usr/bin/node',
  launcherPath: 'tao',
  taoVersion: '5.5.0',
  mounts: [],
};

const def: TaoTaskDefinition = { type: 'tao', network: 'classification_tf1', task: 'train', spec: '/home/u/tao/specs/my spec.txt', results: '/home/u/tao/results/train' };

test('local engine: node dist/engine.js <network> <task> -e SPEC -r RESULTS, backend when chosen', () => {
  const p = buildCommandLine(def, base);
  assert.equal(p.command, '/usr/bin/node');
  assert.deepEqual(p.args, ['/ext/dist/engine.js', 'classification_tf1', 'train', '-e', '/home/u/tao/specs/my spec.txt', '-r', '/home/u/tao/results/train']);
  assert.equal(p.env.ELECTRON_RUN_AS_NODE, '1');
  assert.equal(p.cwd, '/home/u/tao/specs');
  const wasm = buildCommandLine({ ...def, args: ['--gpus', '1'] }, { ...base, backend: 'wasm' });
  assert.deepEqual(wasm.args.slice(-4), ['--backend', 'wasm', '--gpus', '1']);
  // An explicit --backend in the task's args wins over the setting.
  const explicit = buildCommandLine({ ...def, args: ['--backend', 'cpu'] }, { ...base, backend: 'wasm' });
  assert.equal(explicit.args.filter((a) => a === '--backend').length, 1);
  assert.match(displayCommand(p), /'\/home\/u\/tao\/specs\/my spec\.txt'/);
});

test('invalid definitions are refused before anything runs', () => {
  assert.throws(() => buildCommandLine({ ...def, network: 'x; rm -rf /' }, base), CommandLineError);
  assert.throws(() => buildCommandLine({ ...def, spec: '' }, base), CommandLineError);
  assert.throws(() => buildCommandLine({ ...def, args: [1 as unknown as string] }, base), CommandLineError);
});

test('launcher: TAO 5 adds `model`, TAO 4 does not; paths become container paths', () => {
  const mounts = [
    { source: '/home/u/tao', destination: '/workspace/tao' },
    { source: '/home/u/tao/results', destination: '/results' },
  ];
  const p = buildCommandLine({ ...def, task: 'evaluate', args: ['-m', '/home/u/tao/results/train/weights/final', '-k', 'nvidia_tlt'] }, { ...base, mode: 'tao-launcher', mounts });
  assert.equal(p.command, 'tao');
  assert.deepEqual(p.args, ['model', 'classification_tf1', 'evaluate', '-e', '/workspace/tao/specs/my spec.txt', '-r', '/results/train', '-m', '/results/train/weights/final', '-k', 'nvidia_tlt']);
  const v4 = buildCommandLine(def, { ...base, mode: 'tao-launcher', taoVersion: '4.0.1' });
  assert.deepEqual(v4.args.slice(0, 2), ['classification_tf1', 'train']);
  assert.equal(majorVersion('v5.0.0'), 5);
  assert.throws(() => buildCommandLine({ ...def, spec: '/elsewhere/spec.txt' }, { ...base, mode: 'tao-launcher', mounts }), MountError);
});

test('mounts file parsing and longest-prefix mapping', () => {
  const mounts = parseMounts(JSON.stringify({ Mounts: [{ source: '/data', destination: '/workspace/data' }, { source: '/data/big', destination: '/big' }, { bogus: 1 }], DockerOptions: {} }));
  assert.equal(mounts.length, 2);
  assert.equal(mapToContainer('/data/big/x.png', mounts), '/big/x.png');
  assert.equal(mapToContainer('/data/small/x.png', mounts), '/workspace/data/small/x.png');
  assert.equal(mapToContainer('/data', mounts), '/workspace/data');
  assert.equal(mapToContainer('/dataset/x', [{ source: '/dataset', destination: '/d' }]), '/d/x');
  assert.throws(() => mapToContainer('/database/x', mounts), MountError);
  assert.throws(() => parseMounts('{'), MountError);
  assert.throws(() => parseMounts('{"mounts": []}'), MountError);
});

test('the built launcher command line reaches a stand-in `tao` executable unchanged', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-tao-'));
  try {
    const log = path.join(dir, 'calls.jsonl');
    const specDir = path.join(dir, 'specs');
    fs.mkdirSync(specDir);
    const settings: LaunchSettings = { ...base, mode: 'tao-launcher', launcherPath: fakeTao, mounts: [{ source: dir, destination: '/workspace' }] };
    const d: TaoTaskDefinition = { ...def, task: 'prune', spec: path.join(specDir, 'classify spec.txt'), results: path.join(dir, 'results', 'prune') };
    const p = buildCommandLine({ ...d, args: defaultTaskArgs({ task: 'prune', results: d.results, runRoot: path.join(dir, 'results') }) }, settings);
    const r = spawnSync(p.command, p.args, { cwd: p.cwd, env: { ...process.env, ...p.env, FAKE_TAO_LOG: log }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const calls = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[]; cwd: string });
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0].argv, [
      'model', 'classification_tf1', 'prune',
      '-e', '/workspace/specs/classify spec.txt',
      '-r', '/workspace/results/prune',
      '-m', '/workspace/results/train/weights/final',
      '-o', '/workspace/results/prune/model',
    ]);
    assert.equal(calls[0].cwd, specDir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('task defaults chain evaluate/prune/export to the model train wrote', () => {
  const root = '/r/spec';
  assert.deepEqual(defaultTaskArgs({ task: 'train', results: `${root}/train`, runRoot: root }), []);
  assert.deepEqual(defaultTaskArgs({ task: 'evaluate', results: `${root}/evaluate`, runRoot: root }), ['-m', `${root}/train/weights/final`]);
  assert.deepEqual(defaultTaskArgs({ task: 'export', results: `${root}/export`, runRoot: root }), ['-m', `${root}/train/weights/final`, '-o', `${root}/export/model.onnx`]);
  assert.deepEqual(defaultTaskArgs({ task: 'inference', results: `${root}/inference`, runRoot: root, images: '/imgs' }), ['-m', `${root}/train/weights/final`, '-i', '/imgs']);
  // No trained model next door: the spec's own model (tlt_config.model) is left to decide.
  const none = () => false;
  assert.deepEqual(defaultTaskArgs({ task: 'inference', results: `${root}/inference`, runRoot: root, images: '/imgs', exists: none }), ['-i', '/imgs']);
  assert.deepEqual(defaultTaskArgs({ task: 'evaluate', results: `${root}/evaluate`, runRoot: root, exists: none }), []);
  assert.deepEqual(defaultTaskArgs({ task: 'evaluate', results: `${root}/evaluate`, runRoot: root, model: '/m', exists: none }), ['-m', '/m']);
});
