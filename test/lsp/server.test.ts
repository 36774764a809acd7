// The language server as a process, spoken to over stdio the way editors do, with the
// schemas that ship in schemas/. Documents live in a temporary folder so that relative
// paths and path completion have something real to look at.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cursor, TestClient } from './client';

const folder = mkdtempSync(join(tmpdir(), 'tao-lsp-'));
mkdirSync(join(folder, 'data', 'train'), { recursive: true });
mkdirSync(join(folder, 'data', 'val'), { recursive: true });
writeFileSync(join(folder, 'data', 'classes.txt'), 'cat\ndog\n');
const uriOf = (name: string) => pathToFileURL(join(folder, name)).href;

// classification_tf1 in protobuf text with one misspelled key (n_epoch).
const classification = `model_config {
  arch: "resnet"
  n_layers: 18
  input_image_size: "3,224,224"
  resize_interpolation_method: BILINEAR
}
train_config {
  train_dataset_path: "data/train"
  val_dataset_path: "data/val"
  batch_size_per_gpu: 64
  n_epoch: 80
  optimizer {
    sgd {
      lr: 0.01
      momentum: 0.9
    }
  }
}
eval_config {
  eval_dataset_path: "data/val"
  model_path: "data/model.tlt"
  top_k: 3
}
`;

// classification_pyt Hydra YAML.
const hydra = `# tao: network=classification_pyt
results_dir: /results
model:
  backbone:
    type: faster_vit_0_224
    freeze_backbone: false
  head:
    type: TAOLinearClsHead
dataset:
  root_dir: data
  batch_size: 8
train:
  num_gpus: 1
`;

let client: TestClient;

before(async () => {
  client = await TestClient.start();
});

after(async () => {
  const code = await client.stop();
  rmSync(folder, { recursive: true, force: true });
  assert.equal(code, 0, `server exit code (stderr: ${client.stderr})`);
});

describe('language server over stdio', () => {
  test('initialize announces the features', () => {
    const caps = client.initializeResult.capabilities;
    assert.equal(caps.textDocumentSync, 2);
    assert.ok(caps.completionProvider);
    assert.equal(caps.hoverProvider, true);
    assert.ok(caps.codeActionProvider);
    assert.equal(caps.documentSymbolProvider, true);
    assert.equal(caps.foldingRangeProvider, true);
    assert.equal(caps.documentFormattingProvider, true);
    assert.equal(caps.documentRangeFormattingProvider, true);
    assert.equal(client.initializeResult.serverInfo.name, 'tao-spec-server');
  });

  test('didOpen pushes diagnostics at once, with code, source and exact range; network is announced', async () => {
    const uri = uriOf('classification.txt');
    await client.open(uri, classification);
    const pushed = await client.waitForDiagnostics(uri, (p) => p.version === 1);
    const unknown = pushed.diagnostics.find((d) => d.code === 'unknown-key');
    assert.ok(unknown, JSON.stringify(pushed.diagnostics));
    assert.equal(unknown.source, 'tao-spec');
    assert.equal(unknown.severity, 1);
    assert.deepEqual(unknown.range, { start: { line: 10, character: 2 }, end: { line: 10, character: 9 } });
    assert.match(String(unknown.message), /n_epochs/);
    const network = await client.waitForNetwork(uri);
    assert.equal(network.network, 'classification_tf1');
    assert.equal(network.source, 'content');
    assert.match(network.reason, /classification_tf1/);
  });

  test('the did-you-mean fix is a preferred quick fix', async () => {
    const uri = uriOf('classification.txt');
    const actions = await client.request<any[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 10, character: 4 }, end: { line: 10, character: 4 } },
      context: { diagnostics: [] },
    });
    const fix = actions.find((a) => a.title === "Change to 'n_epochs'");
    assert.ok(fix, JSON.stringify(actions.map((a) => a.title)));
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.isPreferred, true);
    assert.equal(fix.diagnostics[0].code, 'unknown-key');
    assert.deepEqual(fix.edit.changes[uri], [{ range: { start: { line: 10, character: 2 }, end: { line: 10, character: 9 } }, newText: 'n_epochs' }]);
  });

  test('didChange re-checks the new version (incremental edit)', async () => {
    const uri = uriOf('classification.txt');
    await client.edit(uri, 2, { start: { line: 10, character: 9 }, end: { line: 10, character: 9 } }, 's');
    const pushed = await client.waitForDiagnostics(uri, (p) => p.version === 2);
    assert.equal(pushed.diagnostics.filter((d) => d.code === 'unknown-key').length, 0, JSON.stringify(pushed.diagnostics));
  });

  test('bursts of changes are debounced to the last version', async () => {
    const uri = uriOf('burst.txt');
    await client.open(uri, classification);
    await client.waitForDiagnostics(uri, (p) => p.version === 1);
    for (let v = 2; v <= 6; v++) await client.change(uri, v, classification.replace('n_epoch:', `n_epoch${'x'.repeat(v)}:`));
    const last = await client.waitForDiagnostics(uri, (p) => p.version === 6);
    assert.match(String(last.diagnostics.find((d) => d.code === 'unknown-key')!.message), /n_epochxxxxxx/);
    const pushes = client.diagnostics.filter((p) => p.uri === uri).length;
    assert.ok(pushes < 6, `expected fewer pushes than versions, got ${pushes}`);
  });

  test('completion while the line is being typed (no colon yet)', async () => {
    const uri = uriOf('typing.txt');
    const { text, position } = cursor(classification.replace('  n_epoch: 80\n', '  n_epochs: 80\n  optim|\n').replace(/  optimizer \{[\s\S]*?\n  \}\n/, ''));
    await client.open(uri, text);
    const list = await client.request<any>('textDocument/completion', { textDocument: { uri }, position });
    const labels = list.items.map((i: any) => i.label);
    assert.ok(labels.includes('optimizer'), labels.join(','));
    assert.ok(!labels.includes('n_epochs'), 'keys already set are not offered again');
    const optimizer = list.items.find((i: any) => i.label === 'optimizer');
    assert.equal(optimizer.insertTextFormat, 2);
    assert.equal(optimizer.textEdit.newText, 'optimizer {\n    $0\n  }');
    assert.deepEqual(optimizer.textEdit.range, { start: { line: position.line, character: 2 }, end: position });
  });

  test('completion of enum values, booleans and paths', async () => {
    const uri = uriOf('values.txt');
    const enumAt = cursor(classification.replace('resize_interpolation_method: BILINEAR', 'resize_interpolation_method: |'));
    await client.open(uri, enumAt.text);
    let list = await client.request<any>('textDocument/completion', { textDocument: { uri }, position: enumAt.position });
    const enumTexts = list.items.map((i: any) => i.textEdit.newText);
    assert.ok(enumTexts.includes('BILINEAR') && enumTexts.includes('BICUBIC'), enumTexts.join(','));
    assert.ok(list.items.every((i: any) => i.kind === 20 && /^[A-Z_]+$/.test(i.textEdit.newText)), 'bare enum names');

    const pathAt = cursor(classification.replace('train_dataset_path: "data/train"', 'train_dataset_path: "data/|"'));
    await client.change(uri, 2, pathAt.text);
    list = await client.request<any>('textDocument/completion', { textDocument: { uri }, position: pathAt.position });
    assert.deepEqual(list.items.map((i: any) => i.label), ['train/', 'val/', 'classes.txt']);
  });

  test('hover on a key, on a value and on the first line', async () => {
    const uri = uriOf('classification.txt');
    const onKey = await client.request<any>('textDocument/hover', { textDocument: { uri }, position: { line: 11, character: 5 } });
    assert.match(onKey.contents.value, /\*\*optimizer\*\*/);
    assert.match(onKey.contents.value, /Read by: /);
    assert.deepEqual(onKey.range, { start: { line: 11, character: 2 }, end: { line: 11, character: 11 } });
    const onValue = await client.request<any>('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: 34 } });
    assert.match(onValue.contents.value, /resize_interpolation_method/);
    assert.match(onValue.contents.value, /BICUBIC/);
    const first = await client.request<any>('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 1 } });
    assert.match(first.contents.value, /TAO network: `classification_tf1`/);
    assert.match(first.contents.value, /inferred from the keys/);
  });

  test('choose-network actions on the first line', async () => {
    const uri = uriOf('classification.txt');
    const actions = await client.request<any[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [] },
    });
    const modelines = actions.filter((a) => /^Set the network to /.test(a.title));
    assert.ok(modelines.length >= 1 && modelines.length <= 3, JSON.stringify(actions.map((a) => a.title)));
    assert.match(modelines[0].edit.changes[uri][0].newText, /^# tao: network=\w+\n$/);
    const picker = actions.find((a) => a.command?.command === 'tao.selectNetwork');
    assert.deepEqual(picker.command.arguments, [uri]);
  });

  test('outline, folding and formatting of protobuf text', async () => {
    const uri = uriOf('classification.txt');
    const symbols = await client.request<any[]>('textDocument/documentSymbol', { textDocument: { uri } });
    assert.deepEqual(symbols.map((s) => s.name), ['model_config', 'train_config', 'eval_config']);
    const train = symbols[1];
    assert.ok(train.children.some((c: any) => c.name === 'optimizer' && c.children[0].name === 'sgd'));
    const folds = await client.request<any[]>('textDocument/foldingRange', { textDocument: { uri } });
    assert.ok(folds.some((f) => f.startLine === 0 && f.endLine === 4), JSON.stringify(folds));

    const messy = uriOf('messy.txt');
    await client.open(messy, 'model_config{arch:"resnet" n_layers:18\ninput_image_size:"3,224,224"}\n');
    const edits = await client.request<any[]>('textDocument/formatting', { textDocument: { uri: messy }, options: { tabSize: 2, insertSpaces: true } });
    assert.equal(edits.length, 1);
    assert.equal(edits[0].newText, 'model_config {\n  arch: "resnet"\n  n_layers: 18\n  input_image_size: "3,224,224"\n}\n');
  });

  test('Hydra YAML: diagnostics, completion, symbols; no YAML formatting', async () => {
    const uri = uriOf('train.yaml');
    await client.open(uri, hydra.replace('batch_size: 8', 'batch_size: eight'), 'yaml');
    const pushed = await client.waitForDiagnostics(uri);
    assert.ok(pushed.diagnostics.some((d) => d.code === 'wrong-type' && d.range.start.line === 10), JSON.stringify(pushed.diagnostics));
    const network = await client.waitForNetwork(uri);
    assert.equal(network.network, 'classification_pyt');
    assert.equal(network.source, 'modeline');

    const at = cursor(hydra.replace('    freeze_backbone: false', '    freeze_backbone: |'));
    await client.change(uri, 2, at.text);
    const list = await client.request<any>('textDocument/completion', { textDocument: { uri }, position: at.position });
    assert.deepEqual(list.items.map((i: any) => i.label).slice(0, 2), ['true', 'false']);

    const keyAt = cursor(hydra.replace('  batch_size: 8\n', '  batch_size: 8\n  augmen|\n'));
    await client.change(uri, 3, keyAt.text);
    const keys = await client.request<any>('textDocument/completion', { textDocument: { uri }, position: keyAt.position });
    const augmentation = keys.items.find((i: any) => i.label === 'augmentation');
    assert.ok(augmentation, keys.items.map((i: any) => i.label).join(','));
    assert.match(augmentation.textEdit.newText, /^augmentation:\n {4}/);
    assert.ok(!keys.items.some((i: any) => i.label === 'batch_size'));

    const symbols = await client.request<any[]>('textDocument/documentSymbol', { textDocument: { uri } });
    assert.deepEqual(symbols.map((s) => s.name), ['results_dir', 'model', 'dataset', 'train']);
    const edits = await client.request<any[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    assert.deepEqual(edits, []);
  });

  test('requests on a broken document answer', async () => {
    const uri = uriOf('broken.txt');
    const broken = 'model_config {\n  arch: "resn\u0000et\n  n_layers: [1, 2,\n  }}}} <<< ::: \n\ttrain_config { optim';
    await client.open(uri, broken);
    await client.waitForDiagnostics(uri);
    for (let line = 0; line < 5; line++) {
      for (const character of [0, 3, 12, 40]) {
        const position = { line, character };
        const completion = await client.request<any>('textDocument/completion', { textDocument: { uri }, position });
        assert.ok(Array.isArray(completion.items));
        await client.request('textDocument/hover', { textDocument: { uri }, position });
        const actions = await client.request('textDocument/codeAction', { textDocument: { uri }, range: { start: position, end: position }, context: { diagnostics: [] } });
        assert.ok(Array.isArray(actions));
      }
    }
    assert.ok(Array.isArray(await client.request('textDocument/documentSymbol', { textDocument: { uri } })));
    assert.ok(Array.isArray(await client.request('textDocument/foldingRange', { textDocument: { uri } })));
    assert.deepEqual(await client.request('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } }), []);
  });

  test('requests for a document never opened answer empty', async () => {
    const uri = uriOf('never-opened.txt');
    const position = { line: 0, character: 0 };
    assert.deepEqual(await client.request<any>('textDocument/completion', { textDocument: { uri }, position }), { isIncomplete: false, items: [] });
    assert.equal(await client.request('textDocument/hover', { textDocument: { uri }, position }), null);
    assert.deepEqual(await client.request('textDocument/documentSymbol', { textDocument: { uri } }), []);
  });

  test('closing a document clears its diagnostics', async () => {
    const uri = uriOf('burst.txt');
    await client.close(uri);
    const cleared = await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 0);
    assert.equal(cleared.version, undefined);
  });

  test('tao/networkDetected is sent again only when the network changes', async () => {
    const uri = uriOf('switch.txt');
    await client.open(uri, classification);
    await client.waitForDiagnostics(uri, (p) => p.version === 1);
    await client.change(uri, 2, classification.replace('top_k: 3', 'top_k: 4'));
    await client.waitForDiagnostics(uri, (p) => p.version === 2);
    assert.equal(client.networks.filter((n) => n.uri === uri).length, 1);
    await client.change(uri, 3, `# tao: network=detectnet_v2\n${classification}`);
    const switched = await client.waitForNetwork(uri, (n) => n.source === 'modeline');
    assert.equal(switched.network, 'detectnet_v2');
    assert.equal(client.networks.filter((n) => n.uri === uri).length, 2);
  });

  test('tao/listNetworks lists the catalogue with dialects', async () => {
    const networks = await client.request<Array<{ network: string; dialect: string }>>('tao/listNetworks', null);
    assert.deepEqual(networks.find((n) => n.network === 'classification_tf1'), { network: 'classification_tf1', dialect: 'prototext' });
    assert.deepEqual(networks.find((n) => n.network === 'dino'), { network: 'dino', dialect: 'hydra-yaml' });
  });
});

describe('settings', () => {
  test('pulled through workspace/configuration: file globs pick the network, path check off', async () => {
    const configured = await TestClient.start({
      capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } } },
      configuration: { files: { networks: { '**/det_*.txt': 'detectnet_v2' } }, pathCheck: false },
    });
    try {
      const uri = uriOf('det_cars.txt');
      await configured.open(uri, classification);
      const network = await configured.waitForNetwork(uri, (n) => n.source === 'setting');
      assert.equal(network.network, 'detectnet_v2');
      assert.match(network.reason, /tao\.files\.networks/);
      const paths = uriOf('paths.txt');
      await configured.open(paths, classification);
      const pushed = await configured.waitForDiagnostics(paths);
      assert.ok(!pushed.diagnostics.some((d) => d.code === 'path-not-found'));
    } finally {
      assert.equal(await configured.stop(), 0);
    }
  });

  test('initializationOptions carry settings for clients without workspace/configuration', async () => {
    const configured = await TestClient.start({ initializationOptions: { tao: { pathCheck: false } } });
    try {
      const uri = uriOf('paths.txt');
      await configured.open(uri, classification);
      const pushed = await configured.waitForDiagnostics(uri);
      assert.ok(pushed.diagnostics.length > 0);
      assert.ok(!pushed.diagnostics.some((d) => d.code === 'path-not-found'));
    } finally {
      assert.equal(await configured.stop(), 0);
    }
  });

  test('defaults without workspace/configuration: missing paths are warned about', async () => {
    const uri = uriOf('paths.txt');
    await client.open(uri, classification);
    const pushed = await client.waitForDiagnostics(uri);
    const missing = pushed.diagnostics.filter((d) => d.code === 'path-not-found');
    assert.equal(missing.length, 1, JSON.stringify(pushed.diagnostics));
    assert.equal(missing[0].severity, 2);
    assert.match(String(missing[0].message), /model\.tlt/);
  });
});
