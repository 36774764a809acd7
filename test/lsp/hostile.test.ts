// A hostile document must not block the server: while one that takes seconds to analyse is
// re-analysed on every keystroke, requests on another document still answer at once, and the
// hostile one's diagnostics arrive for its latest version only. The real server over stdio.
// (The 50 ms goal is measured by bench/lsp-hostile; the bound here is loose for loaded CI.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { deepBlocksDoc, deepNestingDoc, flowListDoc, strayQuotesDoc, unclosedQuotesDoc } from '../../bench/lsp-hostile/documents';
import { TestClient } from './client';

const folder = mkdtempSync(join(tmpdir(), 'tao-lsp-hostile-'));
const uriOf = (name: string) => pathToFileURL(join(folder, name)).href;

/** Far above the 50 ms goal, far below the seconds a blocked server takes. */
const ANSWER_BOUND_MS = 1000;

// classification_tf1, one misspelled key (so its diagnostics are recognisable).
const normal = `model_config {
  arch: "resnet"
  n_layers: 18
  input_image_size: "3,224,224"
}
train_config {
  batch_size_per_gpu: 64
  n_epoch: 80
}
`;
const onArch = { line: 1, character: 4 };
const afterArch = { line: 1, character: 2 };

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await run();
  return { ms: performance.now() - t0, value };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let client: TestClient;

before(async () => {
  client = await TestClient.start({ initializationOptions: { settings: { tao: { pathCheck: false } } } });
});

after(async () => {
  const code = await client.stop();
  rmSync(folder, { recursive: true, force: true });
  assert.equal(code, 0, `server exit code (stderr: ${client.stderr})`);
});

describe('a hostile document does not block the server', () => {
  test('hover and completion on another document answer while it is re-analysed on every keystroke', async () => {
    const normalUri = uriOf('normal.txt');
    await client.open(normalUri, normal);
    await client.waitForDiagnostics(normalUri, (p) => p.version === 1, 15000);

    const hostile = unclosedQuotesDoc();
    const hostileUri = uriOf(hostile.fileName);
    await client.open(hostileUri, hostile.text, hostile.languageId);
    const hoverMs: number[] = [];
    const completionMs: number[] = [];
    const lastVersion = 6;
    for (let version = 2; version <= lastVersion; version++) {
      // One keystroke at the end of the modeline's line, then a pause past the server's
      // debounce (150 ms), so the new version is being analysed when the requests arrive.
      const end = { line: 0, character: 33 + version - 2 };
      await client.edit(hostileUri, version, { start: end, end }, ' ');
      await sleep(250);
      const hover = await timed(() => client.request<any>('textDocument/hover', { textDocument: { uri: normalUri }, position: onArch }, 10000));
      assert.match(String(hover.value?.contents?.value), /arch/, 'hover on the normal document has its content');
      hoverMs.push(hover.ms);
      const completion = await timed(() => client.request<any>('textDocument/completion', { textDocument: { uri: normalUri }, position: afterArch }, 10000));
      assert.ok(completion.value.items.length > 0, 'completion on the normal document has items');
      completionMs.push(completion.ms);
    }
    const slowest = (xs: number[]) => Math.max(...xs).toFixed(0);
    assert.ok(Math.max(...hoverMs) < ANSWER_BOUND_MS, `hover took up to ${slowest(hoverMs)} ms: ${hoverMs.map((m) => m.toFixed(0)).join(', ')}`);
    assert.ok(Math.max(...completionMs) < ANSWER_BOUND_MS, `completion took up to ${slowest(completionMs)} ms: ${completionMs.map((m) => m.toFixed(0)).join(', ')}`);

    // Requests on the hostile document itself answer too (empty is allowed), without waiting.
    const own = await timed(() => client.request('textDocument/hover', { textDocument: { uri: hostileUri }, position: { line: 1, character: 1 } }, 10000));
    assert.ok(own.ms < ANSWER_BOUND_MS, `hover on the hostile document took ${own.ms.toFixed(0)} ms`);

    // Its diagnostics: the latest version's, once; superseded versions are never published.
    const final = await client.waitForDiagnostics(hostileUri, (p) => p.version === lastVersion, 60000);
    assert.match(final.diagnostics.map((d) => d.message).join('\n'), hostile.expect);
    assert.ok(final.diagnostics.length <= 1001, `published ${final.diagnostics.length} diagnostics`);
    assert.equal(final.diagnostics[final.diagnostics.length - 1].code, 'too-many-problems');
    await sleep(500);
    const pushed = client.diagnostics.filter((p) => p.uri === hostileUri).map((p) => p.version);
    assert.deepEqual(pushed, [lastVersion], `versions published for the hostile document: ${pushed.join(', ')}`);
    await client.close(hostileUri);
  });

  // The other cases (the unclosed quotes are the keystroke test's document above).
  for (const hostile of [flowListDoc(), strayQuotesDoc(), deepNestingDoc(), deepBlocksDoc()]) {
    test(`${hostile.name}: diagnostics arrive, the other document still answers`, async () => {
      const uri = uriOf(`each-${hostile.fileName}`);
      await client.open(uri, hostile.text, hostile.languageId);
      const hover = await timed(() => client.request<any>('textDocument/hover', { textDocument: { uri: uriOf('normal.txt') }, position: onArch }, 10000));
      assert.ok(hover.ms < ANSWER_BOUND_MS, `hover took ${hover.ms.toFixed(0)} ms`);
      const pushed = await client.waitForDiagnostics(uri, (p) => p.version === 1, 60000);
      assert.match(pushed.diagnostics.map((d) => d.message).join('\n'), hostile.expect);
      await client.close(uri);
    });
  }
});

describe('diagnostics on the main thread (TAO_SPEC_ANALYSIS_WORKERS=0)', () => {
  test('still published, for the switch the benchmark compares with', async () => {
    const inline = await TestClient.start({ env: { ...process.env, TAO_SPEC_ANALYSIS_WORKERS: '0' } });
    try {
      const uri = uriOf('inline.txt');
      await inline.open(uri, normal);
      const pushed = await inline.waitForDiagnostics(uri, (p) => p.version === 1);
      assert.ok(pushed.diagnostics.some((d) => d.code === 'unknown-key'), JSON.stringify(pushed.diagnostics));
    } finally {
      assert.equal(await inline.stop(), 0);
    }
  });
});
