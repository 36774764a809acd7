// Data checks through the real server over stdio: they arrive after the document's other
// diagnostics and are merged into them, their quick fix rewrites the mapping key, the
// `tao.dataCheck` setting turns them off, and a label folder of 100,000 files delays neither
// that document's other diagnostics nor another document's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { JPEG_BYTES, kittiLine, writeTree } from '../support/datasets';
import { TestClient } from './client';

const folder = mkdtempSync(join(tmpdir(), 'tao-lsp-data-'));
const uriOf = (name: string) => pathToFileURL(join(folder, name)).href;
const BIG_FILES = 100_000;

/**
 * The goals: other diagnostics under 100 ms (printed, and the bound asserted loosely as
 * in hostile.test.ts, since loaded CI machines stretch every timing), the data ones within 5 s.
 * What proves the scan does not hold the server up is the order: the spec's other diagnostics
 * and another document's arrive while the scan is still running, before its findings.
 */
const GOAL_MS = 100;
const LOOSE_BOUND_MS = 1000;
const DATA_DIAGNOSTICS_MS = 5000;

function yoloSpec(labels: string, images: string): string {
  return `# tao: network=yolo_v4
dataset_config {
  data_sources {
    label_directory_path: "${labels}"
    image_directory_path: "${images}"
  }
  target_class_mapping {
    key: "car"
    value: "car"
  }
  target_clas_mapping {
    key: "x"
  }
}
`;
}

// classification_tf1 with one misspelled key, and no dataset paths.
const other = `model_config {
  arch: "resnet"
  n_layers: 18
}
train_config {
  batch_size_per_gpu: 64
  n_epoch: 80
}
`;

const hasData = (p: PublishDiagnosticsParams) => p.diagnostics.some((d) => String(d.code).startsWith('data-'));
const hasCode = (code: string) => (p: PublishDiagnosticsParams) => p.diagnostics.some((d) => d.code === code);

before(() => {
  writeTree(folder, {
    'small/label_2/000001.txt': kittiLine('Car'),
    'small/image_2/000001.jpg': JPEG_BYTES,
    'warm/label_2/000001.txt': kittiLine('car') + kittiLine('DontCare'),
  });
  const big = join(folder, 'big', 'label_2');
  mkdirSync(big, { recursive: true });
  const line = kittiLine('car');
  for (let i = 0; i < BIG_FILES; i++) writeFileSync(join(big, `${String(i).padStart(6, '0')}.txt`), line);
});

after(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('data checks in the language server', () => {
  let client: TestClient;
  before(async () => {
    client = await TestClient.start();
  });
  after(async () => {
    assert.equal(await client.stop(), 0, client.stderr);
  });

  test('the case mismatch arrives on the mapping key line, merged with the other diagnostics, with a quick fix', async () => {
    const uri = uriOf('small.txt');
    const text = yoloSpec('small/label_2', 'small/image_2');
    writeFileSync(join(folder, 'small.txt'), text);
    await client.open(uri, text);
    const published = await client.waitForDiagnostics(uri, hasCode('data-class-case'), 15000);
    const cased = published.diagnostics.find((d) => d.code === 'data-class-case')!;
    assert.equal(cased.range.start.line, 7);
    assert.ok(published.diagnostics.some((d) => d.code === 'unknown-key'), 'the other diagnostics stay in the same push');
    const actions = await client.request<Array<{ title: string; edit: { changes: Record<string, Array<{ newText: string }>> } }>>('textDocument/codeAction', {
      textDocument: { uri },
      range: cased.range,
      context: { diagnostics: [cased] },
    });
    const fix = actions.find((a) => /spelling 'Car'/.test(a.title));
    assert.ok(fix, JSON.stringify(actions.map((a) => a.title)));
    assert.equal(fix.edit.changes[uri][0].newText, '"Car"');
  });

  test('a folder of 100,000 label files delays neither the spec\'s other diagnostics nor another document\'s', async () => {
    // Warm up: schemas loaded and the scan code run once, as in an editor that has been open a while.
    const warm = uriOf('warm.txt');
    await client.open(warm, yoloSpec('warm/label_2', 'warm/image_2'));
    await client.waitForDiagnostics(warm, hasData, 15000);
    const otherWarm = uriOf('other-warm.txt');
    await client.open(otherWarm, other);
    await client.waitForDiagnostics(otherWarm, () => true, 15000);

    const uri = uriOf('big.txt');
    const t0 = performance.now();
    await client.open(uri, yoloSpec('big/label_2', 'big/image_2'));
    const first = await client.waitForDiagnostics(uri, () => true, DATA_DIAGNOSTICS_MS);
    const firstMs = performance.now() - t0;
    assert.ok(!hasData(first), 'the first push does not wait for the data scan');
    assert.ok(first.diagnostics.some((d) => d.code === 'unknown-key'));

    // While the big folder is being read, another document's diagnostics come at once.
    const otherUri = uriOf('other.txt');
    const t1 = performance.now();
    await client.open(otherUri, other);
    await client.waitForDiagnostics(otherUri, () => true, DATA_DIAGNOSTICS_MS);
    const otherMs = performance.now() - t1;

    const otherIndex = client.diagnostics.findIndex((p) => p.uri === otherUri);
    const data = await client.waitForDiagnostics(uri, hasData, DATA_DIAGNOSTICS_MS);
    const dataMs = performance.now() - t0;
    const dataIndex = client.diagnostics.indexOf(data);
    assert.ok(otherIndex >= 0 && otherIndex < dataIndex, 'another document\'s diagnostics came while the scan was running, not after it');
    const sampled = data.diagnostics.find((d) => d.code === 'data-sampled');
    assert.ok(sampled, JSON.stringify(data.diagnostics.map((d) => d.code)));
    assert.equal(sampled.range.start.line, 3);
    assert.match(String(sampled.message), /first 5,000 label files/);
    const goal = (ms: number) => (ms < GOAL_MS ? `under the ${GOAL_MS} ms goal` : `OVER the ${GOAL_MS} ms goal (loaded machine?)`);
    console.log(`100,000 label files: other diagnostics ${firstMs.toFixed(1)} ms (${goal(firstMs)}), another document ${otherMs.toFixed(1)} ms (${goal(otherMs)}), data diagnostics ${dataMs.toFixed(0)} ms`);
    assert.ok(firstMs < dataMs && firstMs < LOOSE_BOUND_MS, `the spec's other diagnostics took ${firstMs.toFixed(1)} ms`);
    assert.ok(otherMs < LOOSE_BOUND_MS, `another document's diagnostics took ${otherMs.toFixed(1)} ms`);
    assert.ok(dataMs < DATA_DIAGNOSTICS_MS, `data diagnostics took ${dataMs.toFixed(0)} ms`);

    // Reopened, the folder's unchanged mtime serves the scan from the cache: one push, at once.
    await client.close(uri);
    const t2 = performance.now();
    await client.open(uri, yoloSpec('big/label_2', 'big/image_2'), 'tao-prototext', 5);
    const again = await client.waitForDiagnostics(uri, (p) => p.version === 5, DATA_DIAGNOSTICS_MS);
    assert.ok(hasData(again), 'cached results come with the first push');
    console.log(`reopened (cached): ${(performance.now() - t2).toFixed(1)} ms`);
  });

  test('results for an old version are never published: the scan of the edited text is', async () => {
    const uri = uriOf('edited.txt');
    await client.open(uri, yoloSpec('small/label_2', 'small/image_2'));
    await client.change(uri, 2, yoloSpec('small/label_2', 'small/image_2').replace('key: "car"', 'key: "Car"'));
    const v2 = await client.waitForDiagnostics(uri, (p) => p.version === 2, 15000);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!v2.diagnostics.some((d) => d.code === 'data-class-case'), 'the edit fixed the case');
    const late = client.diagnostics.filter((p) => p.uri === uri && p.version === 1 && hasCode('data-class-case')(p));
    // Version 1 may have had its findings before the edit arrived; never after version 2's.
    const lastV1 = client.diagnostics.lastIndexOf(late[late.length - 1]);
    const firstV2 = client.diagnostics.findIndex((p) => p.uri === uri && p.version === 2);
    assert.ok(late.length === 0 || lastV1 < firstV2);
  });
});

describe('tao.dataCheck: false', () => {
  test('turns the data checks off', async () => {
    const client = await TestClient.start({ initializationOptions: { settings: { tao: { dataCheck: false } } } });
    try {
      const uri = uriOf('off.txt');
      await client.open(uri, yoloSpec('small/label_2', 'small/image_2'));
      const first = await client.waitForDiagnostics(uri, () => true, 15000);
      assert.ok(first.diagnostics.some((d) => d.code === 'unknown-key'));
      await new Promise((r) => setTimeout(r, 1000));
      assert.deepEqual(client.diagnostics.filter((p) => p.uri === uri && hasData(p)), []);
    } finally {
      assert.equal(await client.stop(), 0, client.stderr);
    }
  });
});
