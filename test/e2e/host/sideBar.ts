// In-host checks of the TAO side bar and the Getting Started walkthrough (issue 17), run by
// index.ts after its training, evaluation and prune tests have left runs in the workspace.
// The trees are read through the extension API's viewSnapshot (the same getChildren and
// getTreeItem VS Code calls); what VS Code draws (the side bar, the walkthrough's ticks) is
// read by the outer test from the workbench's page, with a screenshot, through `snapWorkbench`.

import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor, type HostTest } from './runner';

export interface SnapshotNode {
  label: string;
  description: string;
  contextValue: string;
  children?: SnapshotNode[];
}

interface Api {
  renders(page?: string): { page: string; folder: string; info: { charts: number; series: number; points: number } }[];
  viewSnapshot(view: 'specs' | 'runs' | 'models', depth?: number): Promise<SnapshotNode[]>;
  showPanel(page: string, folders: string[]): void;
}

/** What the outer test read from the workbench page (see `readWorkbench` in ../extension.test.ts). */
export interface WorkbenchProbe {
  steps: { id: string; checked: boolean }[];
  sideBarRows: string[];
  /** The side bar's welcome content (a view with no items) and its buttons. */
  welcome: string[];
  welcomeButtons: string[];
  screenshot: string;
  error?: string;
}

const EXT_ID = 'tao-spec-studio.tao-spec-studio';

function ws(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f.uri.fsPath;
}

/** Asks the outer test for a screenshot of the whole workbench and what it shows. */
export async function snapWorkbench(name: string): Promise<WorkbenchProbe> {
  const reply = path.join(ws(), '.e2e', `${name}.json`);
  fs.mkdirSync(path.dirname(reply), { recursive: true });
  fs.rmSync(reply, { force: true });
  await vscode.commands.executeCommand('notifications.clearAll');
  console.log(`[e2e] snap ${JSON.stringify({ name, page: 'workbench', reply })}`);
  const probe = await waitFor(`the outer test's screenshot ${name}`, () => (fs.existsSync(reply) ? (JSON.parse(fs.readFileSync(reply, 'utf8')) as WorkbenchProbe) : undefined), 40000, 250);
  assert.equal(probe.error, undefined, 'reading the workbench');
  return probe;
}

const find = (nodes: SnapshotNode[] | undefined, label: string): SnapshotNode | undefined => nodes?.find((n) => n.label === label);
const show = (nodes: SnapshotNode[]): string => JSON.stringify(nodes.map((n) => [n.label, n.description, n.contextValue, (n.children ?? []).map((c) => [c.label, c.description, c.contextValue])]));

export function sideBarTests(getApi: () => Api): HostTest[] {
  return [
    {
      name: 'side bar: the TAO view container with Specs, Runs and Models is contributed and opens',
      fn: async () => {
        const ext = vscode.extensions.getExtension(EXT_ID);
        const c = ext?.packageJSON.contributes as { viewsContainers: { activitybar: { id: string }[] }; views: Record<string, { id: string }[]> };
        assert.ok(c.viewsContainers.activitybar.some((v) => v.id === 'tao'));
        assert.deepEqual(c.views.tao.map((v) => v.id), ['tao.specs', 'tao.runs', 'tao.models']);
        // Each contributed view has a focus command; running them fails for a view VS Code does not know.
        for (const v of ['tao.specs', 'tao.runs', 'tao.models']) await vscode.commands.executeCommand(`${v}.focus`);
      },
    },
    {
      name: 'side bar: the Specs tree groups the workspace\'s specs by network, with problem counts',
      fn: async () => {
        const specs = await waitFor('the specs by network', async () => {
          const s = await getApi().viewSnapshot('specs');
          const cls = find(s, 'classification_tf1');
          return cls && find(cls.children, 'broken_spec.txt')?.description.includes('error') ? s : undefined;
        }, 20000, 500).catch(async (e: Error) => { throw new Error(`${e.message}: ${show(await getApi().viewSnapshot('specs'))}`); });
        const cls = find(specs, 'classification_tf1');
        assert.ok(cls);
        for (const f of ['classify_spec.txt', 'broken_spec.txt', 'long_spec.txt']) assert.ok(find(cls.children, f), `${f} listed: ${show(specs)}`);
        assert.equal(find(cls.children, 'classify_spec.txt')?.contextValue, 'taoSpec');
        assert.doesNotMatch(find(cls.children, 'classify_spec.txt')?.description ?? '', /error/);
      },
    },
    {
      name: 'side bar: after training, the Runs tree shows the run as success and the Models tree its weights; the TAO container run too',
      fn: async () => {
        const runs = await getApi().viewSnapshot('runs');
        const ours = find(runs, 'classify_spec');
        assert.ok(ours, `our run group: ${show(runs)}`);
        const train = find(ours.children, 'train');
        assert.equal(train?.contextValue, 'taoRun train success', show(runs));
        assert.match(train?.description ?? '', /val_accuracy [\d.]+ · \d+s/);
        assert.equal(find(ours.children, 'evaluate')?.contextValue, 'taoRun evaluate success');
        assert.equal(find(ours.children, 'prune')?.contextValue, 'taoRun prune success');
        // NVIDIA's container layout: <run>/train/status.json, 30 epochs, best val_accuracy at epoch 24.
        const container = find(runs, 'tao_container_run');
        assert.equal(find(container?.children, 'train')?.contextValue, 'taoRun train success', show(runs));
        assert.match(find(container?.children, 'train')?.description ?? '', /^val_accuracy 0\.\d+ · 20m 54s$/);

        const models = await getApi().viewSnapshot('models', 3);
        const ourModels = find(models, 'classify_spec');
        assert.ok(ourModels, `models: ${show(models)}`);
        const final = find(ourModels.children, 'final');
        assert.ok(final, show(models));
        assert.match(final.description, /^[\d.]+ [KM]B · [\d.]+[KM] params · train$/);
        assert.equal(final.contextValue, 'taoModel final usable');
        assert.ok(ourModels.children?.some((m) => m.contextValue.startsWith('taoModel pruned')), `a pruned model: ${show(models)}`);
        // Two epochs, each as our tfjs folder and TAO's .hdf5.
        const checkpoints = find(ourModels.children, 'checkpoints (4)');
        assert.ok(checkpoints?.children?.some((c) => c.label === 'epoch 1'), show(models));
        assert.ok(checkpoints?.children?.some((c) => c.label === 'epoch 2 (hdf5)'), show(models));
        assert.equal(find(models, 'tao_container_run')?.description, 'no models', 'the container run left no weights here');
      },
    },
    {
      name: 'side bar: Compare on two selected runs opens the Runs panel with both',
      fn: async () => {
        const a = path.join(ws(), 'specs', 'results', 'classify_spec', 'train');
        const b = path.join(ws(), 'tao_container_run', 'train');
        // What VS Code passes for a multi-selection: the clicked element and every selected one.
        const selected = [{ kind: 'run', folder: a }, { kind: 'runGroup', folder: path.join(ws(), 'tao_container_run') }];
        await vscode.commands.executeCommand('tao.compareRuns', selected[0], selected);
        const r = await waitFor('the comparison drawn', () => getApi().renders('runs').find((x) => x.folder === a), 20000);
        assert.ok(r.info.series >= 2, `two runs drawn: ${JSON.stringify(r.info)}`);
        assert.ok(fs.existsSync(b));
      },
    },
    {
      name: 'side bar: Delete moves a run to the trash (or deletes it) and the Runs tree drops it',
      fn: async () => {
        const folder = path.join(ws(), 'specs', 'results', 'scratch_spec', 'train');
        fs.mkdirSync(folder, { recursive: true });
        fs.writeFileSync(path.join(folder, 'status.json'), '{"date": "1/2/2026", "time": "3:4:5", "status": "SUCCESS"}\n');
        await waitFor('the new run listed (file watcher)', async () => find(await getApi().viewSnapshot('runs'), 'scratch_spec'), 15000, 300);
        // `confirmed`: the modal question is the user's; code-server's file system has no trash, so
        // the command falls back to a permanent delete, which a user is asked about a second time.
        const deleted = await vscode.commands.executeCommand<{ folder: string; trashed: boolean }[]>('tao.deleteRun', { kind: 'runGroup', folder: path.dirname(folder) }, undefined, { confirmed: true, permanentIfNoTrash: true });
        assert.deepEqual(deleted.map((d) => d.folder), [path.dirname(folder)]);
        console.log(`[e2e] deleted ${deleted[0].trashed ? 'to the trash' : 'permanently (no trash on this file system)'}`);
        assert.ok(!fs.existsSync(folder));
        await waitFor('the run gone from the tree', async () => !find(await getApi().viewSnapshot('runs'), 'scratch_spec'), 15000, 300);
      },
    },
    {
      name: 'walkthrough: contributed with local media; steps done earlier are ticked, and a step ticks once its command ran',
      fn: async () => {
        const ext = vscode.extensions.getExtension(EXT_ID);
        const walkthroughs = ext?.packageJSON.contributes.walkthroughs as { id: string; steps: { id: string }[] }[];
        assert.equal(walkthroughs[0].id, 'tao.gettingStarted');
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand('workbench.action.closePanel');
        await vscode.commands.executeCommand('tao.openWalkthrough');
        await new Promise((r) => setTimeout(r, 1500));
        const before = await snapWorkbench('walkthrough-before');
        const checked = (p: WorkbenchProbe, step: string): boolean | undefined => p.steps.find((s) => s.id.endsWith(`#${step}`) || s.id === step)?.checked;
        assert.equal(before.steps.length, walkthroughs[0].steps.length, `steps shown: ${JSON.stringify(before.steps)}`);
        // Done by the earlier tests: specs opened, training and prune ended well, a run's panel opened.
        for (const step of ['spec', 'train', 'prune', 'panel']) assert.equal(checked(before, step), true, `${step} ticked: ${JSON.stringify(before.steps)}`);
        assert.equal(checked(before, 'sample'), false);
        assert.equal(checked(before, 'quickFix'), false);

        // The sample step's button: a small sample so that the test stays quick.
        const sample = await vscode.commands.executeCommand<{ spec: string; data: string } | undefined>('tao.createSampleDataset', { folder: path.join(ws(), 'tao-sample'), perClass: 4, size: 16, classes: 3 });
        assert.ok(sample && fs.existsSync(sample.spec), 'the sample spec written');
        assert.ok(fs.readdirSync(path.join(sample.data, 'train')).length === 3, 'three class folders');
        // The quick-fix step: the typo spec opens with the menu; apply the server's fix as the menu would.
        const doc = await vscode.commands.executeCommand<vscode.TextDocument>('tao.showQuickFix', path.join(ws(), 'tao-sample'));
        // Close the menu if this VS Code names the command so; the edit below is what picking the fix does.
        await vscode.commands.executeCommand('hideCodeActionWidget').then(undefined, () => undefined);
        const diag = await waitFor('the typo diagnosed', () => vscode.languages.getDiagnostics(doc.uri).find((d) => d.severity === vscode.DiagnosticSeverity.Error), 20000);
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, diag.range, vscode.CodeActionKind.QuickFix.value);
        const fix = actions.find((a) => a.title === "Change to 'n_epochs'");
        assert.ok(fix?.edit, `quick fixes: ${actions.map((a) => a.title).join(', ')}`);
        await vscode.workspace.applyEdit(fix.edit);
        await waitFor('no error left', () => vscode.languages.getDiagnostics(doc.uri).every((d) => d.severity !== vscode.DiagnosticSeverity.Error), 20000);
        await doc.save();

        // The export step, from the Models tree: Export on the final model (its runs' spec is remembered).
        const group = path.join(ws(), 'specs', 'results', 'classify_spec');
        const exported = await vscode.commands.executeCommand<{ exitCode: number | undefined }>('tao.export', { kind: 'model', group, path: path.join(group, 'train', 'weights', 'final') });
        assert.equal(exported?.exitCode, 0, 'export exit code');
        assert.ok(fs.existsSync(path.join(group, 'export', 'model.onnx')), 'model.onnx written');

        await vscode.commands.executeCommand('workbench.action.closePanel');
        await vscode.commands.executeCommand('tao.openWalkthrough');
        await new Promise((r) => setTimeout(r, 1500));
        const after = await snapWorkbench('walkthrough');
        for (const step of walkthroughs[0].steps) assert.equal(checked(after, step.id), true, `${step.id} ticked: ${JSON.stringify(after.steps)}`);
      },
    },
    {
      name: 'side bar: screenshot of the TAO side bar with the three trees',
      fn: async () => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand('workbench.action.closePanel');
        await vscode.commands.executeCommand('workbench.view.extension.tao');
        await vscode.commands.executeCommand('tao.runs.focus');
        await new Promise((r) => setTimeout(r, 1500));
        const probe = await snapWorkbench('side-bar');
        const rows = probe.sideBarRows.join(' | ');
        for (const label of ['classification_tf1', 'classify_spec.txt', 'tao_container_run', 'final']) assert.ok(rows.includes(label), `${label} drawn in the side bar: ${rows}`);
        // The walkthrough test's sample specs, written into folders it had just created.
        await waitFor('the sample specs in the Specs tree', async () => {
          const cls = find(await getApi().viewSnapshot('specs'), 'classification_tf1');
          return find(cls?.children, 'sample_spec.txt') && find(cls?.children, 'typo_spec.txt');
        }, 10000, 300).catch(async (e: Error) => { throw new Error(`${e.message}: ${show(await getApi().viewSnapshot('specs'))}`); });
        // The export of the walkthrough test: its .onnx with export's tfjs copy below it.
        const onnx = find(find(await getApi().viewSnapshot('models', 3), 'classify_spec')?.children, 'model.onnx');
        assert.equal(onnx?.contextValue, 'taoModel onnx');
        assert.deepEqual(onnx.children?.map((c) => c.description), ['tfjs copy']);
        // The workbench screenshot the outer test takes at the end: the side bar beside the curves.
        getApi().showPanel('training', [path.join(ws(), 'tao_container_run', 'train')]);
        await new Promise((r) => setTimeout(r, 1500));
      },
    },
  ];
}
