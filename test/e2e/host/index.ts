// Extension tests that run INSIDE code-server's extension host, against the TAO extension
// installed from the .vsix (not the source folder). VS Code loads this file through the
// payload's extensionTestsPath and calls run(); the outer test (../extension.test.ts)
// prepared the workspace: specs/classify_spec.txt (valid), specs/broken_spec.txt (one
// misspelled field), a tiny image dataset in data/, and a stand-in `tao` launcher.

import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAll, waitFor } from './runner';
import { reportActivation } from './activation';
import { sideBarTests, type SnapshotNode } from './sideBar';

const EXT_ID = 'tao-spec-studio.tao-spec-studio';

interface Api {
  clientReady: Promise<unknown>;
  networkOf(uri: vscode.Uri): { network: string; reason: string } | undefined;
  renders(page?: string): { page: string; folder: string; info: { charts: number; series: number; points: number; backend?: string } }[];
  cancelRuns(): number;
  showPanel(page: string, folders: string[]): void;
  viewSnapshot(view: 'specs' | 'runs' | 'models', depth?: number): Promise<SnapshotNode[]>;
}

function ws(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f.uri.fsPath;
}

async function open(rel: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(ws(), rel)));
  await vscode.window.showTextDocument(doc);
  return doc;
}

let api: Api;

export async function run(): Promise<void> {
  await runAll([
    {
      name: 'the installed extension activates on a .txt spec and claims it as tao-prototext',
      fn: async () => {
        const ext = vscode.extensions.getExtension<Api>(EXT_ID);
        assert.ok(ext, `${EXT_ID} is installed`);
        assert.ok(!ext.extensionPath.includes(`${path.sep}test${path.sep}e2e`), `loaded from the installed .vsix: ${ext.extensionPath}`);
        const doc = await open('specs/classify_spec.txt');
        api = await waitFor('activation', async () => (ext.isActive ? ext.exports : undefined), 30000);
        reportActivation(EXT_ID);
        assert.ok(await api.clientReady, 'the language client started');
        await waitFor('language tao-prototext', () => vscode.workspace.textDocuments.find((d) => d.uri.toString() === doc.uri.toString() && d.languageId === 'tao-prototext'));
      },
    },
    {
      name: 'the status bar knows the network (server notification or modeline)',
      fn: async () => {
        const doc = await open('specs/classify_spec.txt');
        const n = await waitFor('network', () => api.networkOf(doc.uri));
        assert.equal(n.network, 'classification_tf1');
      },
    },
    {
      name: 'diagnostics on a broken spec come from the language server',
      fn: async () => {
        const doc = await open('specs/broken_spec.txt');
        const diags = await waitFor('diagnostics', () => {
          const d = vscode.languages.getDiagnostics(doc.uri);
          return d.length > 0 ? d : undefined;
        }, 30000);
        const msg = (d: vscode.Diagnostic): string => (typeof d.message === 'string' ? d.message : String(d.message));
        const typo = diags.find((d) => /n_epoch\b|n_epochz/.test(msg(d)) || doc.getText(d.range).includes('n_epochz'));
        assert.ok(typo, `a diagnostic on the misspelled key: ${diags.map(msg).join(' | ')}`);
        assert.equal(typo.severity, vscode.DiagnosticSeverity.Error);
        const valid = await open('specs/classify_spec.txt');
        await new Promise((r) => setTimeout(r, 1500));
        const errors = vscode.languages.getDiagnostics(valid.uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
        assert.deepEqual(errors.map(msg), [], 'the valid spec has no errors');
      },
    },
    {
      name: 'completion inside train_config offers its fields',
      fn: async () => {
        const doc = await open('specs/classify_spec.txt');
        const line = doc.getText().split('\n').findIndex((l) => l.includes('batch_size_per_gpu'));
        assert.ok(line > 0);
        const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(line, 2));
        const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
        assert.ok(labels.some((l) => l.startsWith('n_workers') || l.startsWith('reg_config') || l.startsWith('lr_config')), `train_config fields offered: ${labels.slice(0, 20).join(', ')}`);
      },
    },
    {
      name: 'hover on a field explains it',
      fn: async () => {
        const doc = await open('specs/classify_spec.txt');
        const text = doc.getText();
        const pos = doc.positionAt(text.indexOf('n_epochs') + 2);
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos);
        const contents = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
        assert.match(contents, /epoch/i);
      },
    },
    {
      name: 'TAO: Train runs the engine on the tiny dataset and the training panel draws its curves',
      fn: async () => {
        const spec = path.join(ws(), 'specs', 'classify_spec.txt');
        const result = await vscode.commands.executeCommand<{ exitCode: number | undefined; cancelled: boolean }>('tao.train', { spec, network: 'classification_tf1' });
        assert.ok(result, 'the command ran');
        assert.equal(result.exitCode, 0, 'engine exit code');
        const results = path.join(ws(), 'specs', 'results', 'classify_spec', 'train');
        assert.ok(fs.existsSync(path.join(results, 'status.json')), 'status.json written');
        assert.ok(fs.existsSync(path.join(results, 'weights', 'final', 'model.json')), 'final model written');
        // The panel re-reads status.json every second; wait for a render of the finished run.
        const render = await waitFor('a training render of both epochs (loss, val_loss, accuracy, val_accuracy)', () => api.renders('training').reverse().find((r) => r.folder === results && r.info.points >= 2 * 4 && r.info.charts >= 2), 20000);
        assert.ok(render.info.series >= 3, `series drawn: ${JSON.stringify(render.info)}`);
        // The header names the backend the run used: the workspace's setting, which is onednn
        // whenever the installed extension carries the addon (CI builds it and installs libdnnl).
        const configured = vscode.workspace.getConfiguration('tao.engine').get<string>('backend');
        const ext = vscode.extensions.getExtension(EXT_ID)!;
        if (fs.existsSync(path.join(ext.extensionPath, 'dist', 'native', 'tao_onednn.node'))) assert.equal(configured, 'onednn', 'the packaged addon is what the workspace trains on');
        assert.equal(render.info.backend, configured, "the training panel's header shows the run's backend");
      },
    },
    {
      name: 'a `tao` task from tasks.json runs evaluate; its report opens in the evaluation panel',
      fn: async () => {
        const tasks = await vscode.tasks.fetchTasks({ type: 'tao' });
        const task = tasks.find((t) => t.name === 'evaluate classify');
        assert.ok(task, `tasks.json task found among: ${tasks.map((t) => t.name).join(', ')}`);
        const ended = new Promise<number | undefined>((resolve) => {
          const sub = vscode.tasks.onDidEndTaskProcess((e) => {
            if (e.execution.task.name === 'evaluate classify') { sub.dispose(); resolve(e.exitCode); }
          });
        });
        await vscode.tasks.executeTask(task);
        assert.equal(await ended, 0);
        const results = path.join(ws(), 'specs', 'results', 'classify_spec', 'evaluate');
        assert.ok(fs.existsSync(path.join(results, 'evaluation.json')), 'evaluation.json written');
        const opened = await vscode.commands.executeCommand<string[]>('tao.openRun', results);
        assert.ok(opened.includes('evaluation'), `opened: ${opened}`);
        api.showPanel('evaluation', [results]);
        const r = await waitFor('the confusion matrix of the tiny model', () => api.renders('evaluation').find((x) => x.folder === results), 20000);
        assert.deepEqual(r.info, { charts: 1, series: 3, points: 12 });
      },
    },
    {
      name: 'TAO: Prune prunes the trained model and the pruning panel shows every layer',
      fn: async () => {
        const spec = path.join(ws(), 'specs', 'classify_spec.txt');
        const result = await vscode.commands.executeCommand<{ exitCode: number | undefined }>('tao.prune', { spec, network: 'classification_tf1' });
        assert.equal(result?.exitCode, 0);
        const results = path.join(ws(), 'specs', 'results', 'classify_spec', 'prune');
        const report = JSON.parse(fs.readFileSync(path.join(results, 'model', 'prune_report.json'), 'utf8')) as { layers: unknown[] };
        const r = await waitFor('the pruning panel', () => api.renders('pruning').find((x) => x.folder === results), 20000);
        assert.equal(r.info.points, report.layers.length);
      },
    },
    {
      name: 'TAO: Run Inference on class folders: result.csv becomes a confusion matrix in the evaluation panel',
      fn: async () => {
        const spec = path.join(ws(), 'specs', 'classify_spec.txt');
        const result = await vscode.commands.executeCommand<{ exitCode: number | undefined }>('tao.inference', { spec, network: 'classification_tf1', images: path.join(ws(), 'data', 'test') });
        assert.equal(result?.exitCode, 0);
        const results = path.join(ws(), 'specs', 'results', 'classify_spec', 'inference');
        assert.ok(fs.existsSync(path.join(results, 'result.csv')));
        const r = await waitFor('the inference confusion matrix', () => api.renders('evaluation').find((x) => x.folder === results), 20000);
        assert.deepEqual(r.info, { charts: 1, series: 3, points: 12 });
      },
    },
    {
      name: 'cancelling a training run sends SIGINT: the run stops early and its checkpoints stay',
      fn: async () => {
        const spec = path.join(ws(), 'specs', 'long_spec.txt');
        const results = path.join(ws(), 'specs', 'results', 'long_spec', 'train');
        const running = vscode.commands.executeCommand<{ exitCode: number | undefined; cancelled: boolean }>('tao.train', { spec, network: 'classification_tf1' });
        await waitFor('the first checkpoint', () => fs.existsSync(path.join(results, 'weights', 'epoch_001', 'model.json')), 90000, 500);
        // The Runs tree shows the run in progress, with the notification's epoch text and a Cancel button.
        const live = await waitFor('the live run in the Runs tree', async () => {
          const run = (await api.viewSnapshot('runs')).find((g) => g.label === 'long_spec')?.children?.find((r) => r.label === 'train');
          return run && /epoch \d+\/20/.test(run.description) ? run : undefined;
        }, 10000, 300);
        assert.equal(live.contextValue, 'taoRun train running live');
        assert.equal(api.cancelRuns(), 1, 'one run in progress');
        const result = await running;
        assert.ok(result?.cancelled, 'reported as cancelled');
        // No exit-code check: the terminal reports a process ended by a signal with code 0.
        assert.ok(fs.existsSync(path.join(results, 'weights', 'epoch_001', 'model.json')), 'checkpoint kept');
        assert.ok(!fs.existsSync(path.join(results, 'weights', 'final')), 'stopped before the end');
        assert.ok(!fs.existsSync(path.join(results, 'weights', 'epoch_020')), 'stopped before the last epoch');
        // The engine's SIGINT handler (not the extension's 30 s hard-stop fallback) ended the
        // run: it leaves a last status line saying so, which the training panel then shows.
        const lines = fs.readFileSync(path.join(results, 'status.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status?: string; message?: string });
        const last = lines[lines.length - 1];
        assert.equal(last.status, 'FAILURE', `last status line after SIGINT: ${JSON.stringify(last)}`);
        assert.match(String(last.message), /interrupt/i);
      },
    },
    {
      name: 'a spec error printed by the engine becomes a diagnostic through the $tao problem matcher',
      fn: async () => {
        const spec = path.join(ws(), 'specs', 'broken_spec.txt');
        const result = await vscode.commands.executeCommand<{ exitCode: number | undefined }>('tao.train', { spec, network: 'classification_tf1' });
        assert.notEqual(result?.exitCode, 0, 'the engine refuses the broken spec');
        const fromTask = await waitFor('a problem-matcher diagnostic', () => {
          const d = vscode.languages.getDiagnostics().flatMap(([uri, ds]) => (uri.path.endsWith('/broken_spec.txt') ? ds : [])).filter((x) => x.source === 'tao-engine');
          return d.length > 0 ? d : undefined;
        }, 15000).catch((e: Error) => {
          const all = vscode.languages.getDiagnostics().map(([uri, ds]) => `${uri.toString()}: ${ds.map((x) => `${x.source}:${x.message}`).join(' | ')}`);
          throw new Error(`${e.message}; diagnostics now: ${all.join(' ;; ')}`);
        });
        assert.equal(fromTask[0].range.start.line, 12);
        assert.match(String(fromTask[0].message), /n_epochz/);
      },
    },
    {
      name: 'TAO: New Spec writes a spec the server accepts; TAO: Select Network rewrites the modeline',
      fn: async () => {
        const doc = await vscode.commands.executeCommand<vscode.TextDocument>('tao.newSpec', 'classification_tf1');
        assert.ok(doc);
        assert.equal(doc.languageId, 'tao-prototext');
        assert.match(doc.lineAt(0).text, /^# tao: network=classification_tf1$/);
        // Give the server time to publish; the new spec must have no errors.
        await new Promise((r) => setTimeout(r, 2000));
        const errors = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
        assert.deepEqual(errors.map((d) => String(d.message)), []);
        const spec = await open('specs/long_spec.txt');
        await vscode.commands.executeCommand('tao.selectNetwork', spec.uri, 'classification_tf2');
        assert.equal(spec.lineAt(0).text, '# tao: network=classification_tf2');
        assert.equal(spec.lineAt(1).text, 'model_config {');
        assert.equal(api.networkOf(spec.uri)?.network, 'classification_tf2');
        await vscode.commands.executeCommand('workbench.action.files.revert');
      },
    },
    {
      name: 'launcher mode sends the same task to the `tao` launcher (stand-in records its arguments)',
      fn: async () => {
        const cfg = vscode.workspace.getConfiguration('tao');
        const launcher = path.join(ws(), 'fake-tao.js');
        await cfg.update('launcher.path', launcher, vscode.ConfigurationTarget.Workspace);
        await cfg.update('launcher.mode', 'tao-launcher', vscode.ConfigurationTarget.Workspace);
        try {
          const spec = path.join(ws(), 'specs', 'classify_spec.txt');
          const result = await vscode.commands.executeCommand<{ exitCode: number | undefined }>('tao.evaluate', { spec, network: 'classification_tf1' });
          assert.equal(result?.exitCode, 0);
          const calls = fs.readFileSync(path.join(ws(), 'fake-tao.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[] });
          const argv = calls[calls.length - 1].argv;
          assert.deepEqual(argv.slice(0, 3), ['model', 'classification_tf1', 'evaluate']);
          assert.equal(argv[argv.indexOf('-e') + 1], '/workspace/tao/specs/classify_spec.txt');
          assert.equal(argv[argv.indexOf('-m') + 1], '/workspace/tao/specs/results/classify_spec/train/weights/final');
        } finally {
          await cfg.update('launcher.mode', undefined, vscode.ConfigurationTarget.Workspace);
        }
      },
    },
    {
      name: 'TAO: Open Run shows a TAO container run and an evaluation report in their panels',
      fn: async () => {
        const folder = path.join(ws(), 'tao_container_run');
        const opened = await vscode.commands.executeCommand<string[]>('tao.openRun', folder);
        assert.deepEqual(opened, ['evaluation', 'training']);
        const training = await waitFor('the TAO run drawn', () => api.renders('training').find((r) => r.folder === path.join(folder, 'train') && r.info.points === 150), 20000);
        assert.equal(training.info.charts, 3);
        // The evaluation panel sits behind the training one and loads when brought to front.
        api.showPanel('evaluation', [folder]);
        const evaluation = await waitFor('the confusion matrix drawn', () => api.renders('evaluation').find((r) => r.folder === folder), 20000);
        assert.deepEqual(evaluation.info, { charts: 1, series: 10, points: 1000 });
        // Leave the curves in front for the workbench screenshot the outer test takes.
        api.showPanel('training', [path.join(folder, 'train')]);
        await new Promise((r) => setTimeout(r, 1000));
      },
    },
    // Last: they close editors and open the walkthrough; they leave the curves in front again.
    ...sideBarTests(() => api),
  ]);
}
