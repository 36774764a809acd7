// Detection in the real VS Code, run INSIDE code-server's extension host against the TAO
// extension installed from the .vsix. The outer test (../extension.test.ts) prepared the
// workspace: generated KITTI scenes in data/kitti, their TFRecords (dataset_convert) in
// data/tfrecords, specs/detect_train.txt (1 epoch, validation after it) and
// specs/detect_infer.txt. Train and evaluate run from the active editor with no arguments,
// exactly as the command palette calls them. Screenshots and the panels' DOM come from the
// outer test through `snap` (see there): the extension host cannot see into a webview.

import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAll, waitFor } from './runner';
import { reportActivation } from './activation';

const EXT_ID = 'tao-spec-studio.tao-spec-studio';

interface RenderInfo { charts: number; series: number; points: number }

interface Api {
  networkOf(uri: vscode.Uri): { network: string; reason: string } | undefined;
  renders(page?: string): { page: string; folder: string; info: RenderInfo }[];
  showPanel(page: string, folders: string[]): void;
}

interface RunResult { exitCode: number | undefined; cancelled: boolean }

/** What the outer test read from a panel's page (its shape is set by `probePanel` there). */
export interface PanelProbe {
  title: string;
  tiles: { label: string; value: string }[];
  apRows: { cls: string; cells: string[] }[];
  chartTitles: string[];
  canvases: number;
  summary: string;
  chips: { cls: string; count: string }[];
  thumbs: number;
  imagesLoaded: number;
  boxes: number;
  boxClasses: string[];
  screenshot: string;
  /** Set when no panel of that page could be read. */
  error?: string;
}

interface EvaluationReport {
  mAP: number;
  images: number;
  per_class: { class: string; ap: number; num_ground_truth: number; pr_curve: unknown[] }[];
}

function ws(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f.uri.fsPath;
}

const specs = (): string => path.join(ws(), 'specs');
const trainSpec = (): string => path.join(specs(), 'detect_train.txt');
const trainResults = (): string => path.join(specs(), 'results', 'detect_train', 'train');
const evalResults = (): string => path.join(specs(), 'results', 'detect_train', 'evaluate');
const inferResults = (): string => path.join(specs(), 'results', 'detect_infer', 'inference');
const images = (): string => path.join(ws(), 'data', 'kitti', 'image_2');

/** The panels' own percentage format (webviews/src/ui/dom.ts `pct`). */
const pct = (n: number): string => `${(n * 100).toFixed(2)} %`;

/**
 * Brings a panel to the front of a tidy workbench (one editor group, no side bar, no
 * terminal, no toasts), then asks the outer test to screenshot it and read the panel's page,
 * and waits for its answer: a JSON file it writes at `reply` (the host and the test share a
 * disk). `reveal` shows the panel; it runs after the layout changes so the page settles once.
 */
async function snap(name: string, page: 'training' | 'evaluation' | 'inference', reveal: () => Promise<void>): Promise<PanelProbe> {
  const reply = path.join(ws(), '.e2e', `${name}.json`);
  fs.mkdirSync(path.dirname(reply), { recursive: true });
  fs.rmSync(reply, { force: true });
  await vscode.commands.executeCommand('workbench.action.closeSidebar');
  await vscode.commands.executeCommand('workbench.action.closePanel');
  await vscode.commands.executeCommand('workbench.action.joinAllGroups');
  await reveal();
  await vscode.commands.executeCommand('notifications.clearAll');
  console.log(`[e2e] snap ${JSON.stringify({ name, page, reply })}`);
  const probe = await waitFor(`the outer test's screenshot ${name}`, () => (fs.existsSync(reply) ? (JSON.parse(fs.readFileSync(reply, 'utf8')) as PanelProbe) : undefined), 40000, 250);
  assert.equal(probe.error, undefined, `reading the ${page} panel`);
  assert.ok(fs.existsSync(probe.screenshot), `screenshot written: ${probe.screenshot}`);
  return probe;
}

/**
 * Runs a command as the palette would, failing (instead of hanging the session) when it does
 * not finish in time: a command that asks a question (a quick pick, a file dialog) never would.
 */
async function command<T>(id: string, arg: unknown, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${id} did not finish within ${timeoutMs} ms (waiting for an answer?)`)), timeoutMs); });
  try {
    return await Promise.race([arg === undefined ? vscode.commands.executeCommand<T>(id) : vscode.commands.executeCommand<T>(id, arg), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens the spec in an editor, as a user would before running a command from the palette. */
async function openSpec(file: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  return doc;
}

let api: Api;
let classes: string[] = [];

export async function run(): Promise<void> {
  await runAll([
    {
      name: 'the detection training spec is recognised as detectnet_v2 with no errors',
      fn: async () => {
        const ext = vscode.extensions.getExtension<Api>(EXT_ID);
        assert.ok(ext, `${EXT_ID} is installed`);
        const doc = await openSpec(trainSpec());
        api = await waitFor('activation', async () => (ext.isActive ? ext.exports : undefined), 30000);
        reportActivation(EXT_ID);
        // The palette's TAO: Train takes the network from here; a wrong one would ask with a quick pick.
        const n = await waitFor('the network of detect_train.txt', () => api.networkOf(doc.uri), 30000);
        assert.equal(n.network, 'detectnet_v2');
        await new Promise((r) => setTimeout(r, 1000));
        const errors = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
        assert.deepEqual(errors.map((d) => String(d.message)), [], 'the generated spec has no errors');
        classes = (JSON.parse(fs.readFileSync(path.join(ws(), 'classes.json'), 'utf8')) as string[]);
        assert.ok(classes.length >= 2, `classes of the scenes: ${classes}`);
      },
    },
    {
      name: 'TAO: New Spec offers DetectNet_v2 task templates; each opens with no errors',
      fn: async () => {
        for (const [template, marker] of [['train', /^training_config \{/m], ['retrain', /^\s*load_graph: true$/m], ['dataset_convert', /^kitti_config \{/m], ['inference', /^inferencer_config \{/m]] as const) {
          const doc = await vscode.commands.executeCommand<vscode.TextDocument>('tao.newSpec', 'detectnet_v2', template);
          assert.ok(doc, `tao.newSpec detectnet_v2 ${template} opened a document`);
          assert.match(doc.lineAt(0).text, /^# tao: network=detectnet_v2$/);
          assert.match(doc.getText(), marker, `${template}: the template's own section`);
          await new Promise((r) => setTimeout(r, 1500));
          const errors = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
          assert.deepEqual(errors.map((d) => String(d.message)), [], `${template}: no errors`);
          await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
        }
      },
    },
    {
      name: 'TAO: Train (from the palette, on the active spec) trains one epoch; the training panel shows its mAP',
      fn: async () => {
        await openSpec(trainSpec());
        const result = await command<RunResult>('tao.train', undefined, 150000);
        assert.ok(result, 'the command ran (undefined: it refused the active editor or asked for a network)');
        assert.equal(result.exitCode, 0, 'engine exit code');
        assert.ok(fs.existsSync(path.join(trainResults(), 'weights', 'final', 'model.json')), 'final model written');
        const lines = fs.readFileSync(path.join(trainResults(), 'status.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status?: string; kpi?: Record<string, number> });
        const kpi = lines.find((l) => l.kpi && typeof l.kpi.mAP === 'number')?.kpi;
        assert.ok(kpi, 'a validation mAP after the epoch');
        for (const c of classes) assert.equal(typeof kpi[`AP_${c}`], 'number', `AP_${c} in the KPIs`);
        assert.equal(lines[lines.length - 1].status, 'SUCCESS');
        // The panel re-reads status.json every second: wait for a render with the mAP chart.
        await waitFor('a training render of the finished run', () => api.renders('training').reverse().find((r) => r.folder === trainResults() && r.info.points > 0), 20000);
        const probe = await snap('detection-training', 'training', async () => { api.showPanel('training', [trainResults()]); });
        assert.match(probe.title, /^Training · detect_train\/train/, `training page title: ${probe.title}`);
        assert.ok(probe.chartTitles.some((t) => /mAP/.test(t)), `a mAP chart among: ${probe.chartTitles.join(', ')}`);
        assert.ok(probe.canvases >= 2, `charts drawn: ${probe.canvases} canvases`);
      },
    },
    {
      name: 'TAO: Evaluate opens the detection evaluation: per-class AP table, PR curves and mAP over training',
      fn: async () => {
        await openSpec(trainSpec());
        const result = await command<RunResult>('tao.evaluate', undefined, 60000);
        assert.equal(result?.exitCode, 0, 'engine exit code');
        const report = JSON.parse(fs.readFileSync(path.join(evalResults(), 'evaluation.json'), 'utf8')) as EvaluationReport;
        assert.deepEqual(report.per_class.map((p) => p.class), classes, 'the report lists the spec\'s classes');
        // Opened by the command itself: a PR chart (one curve per class) and mAP over training
        // (mAP plus one AP line per class).
        const render = await waitFor('the detection evaluation rendered', () => api.renders('evaluation').find((r) => r.folder === evalResults()), 20000);
        const withCurves = report.per_class.filter((p) => p.pr_curve.length > 0).length;
        assert.deepEqual({ charts: render.info.charts, series: render.info.series }, { charts: 2, series: withCurves + 1 + classes.length }, JSON.stringify(render.info));
        const probe = await snap('detection-evaluation', 'evaluation', async () => { api.showPanel('evaluation', [evalResults()]); });
        assert.equal(probe.title, 'Evaluation · detect_train/evaluate');
        const tile = (label: string): string | undefined => probe.tiles.find((t) => t.label === label)?.value;
        assert.equal(tile('mAP'), pct(report.mAP), `tiles: ${JSON.stringify(probe.tiles)}`);
        assert.equal(tile('classes'), String(classes.length));
        assert.equal(tile('images'), String(report.images));
        // One row per class in the report's order (class, AP, precision, recall, ground truths), then mAP.
        assert.deepEqual(probe.apRows.map((r) => r.cls), [...classes, 'mAP']);
        for (const p of report.per_class) {
          const row = probe.apRows.find((r) => r.cls === p.class);
          assert.equal(row?.cells[1], pct(p.ap), `AP of ${p.class}`);
          assert.equal(row?.cells[4], String(p.num_ground_truth), `ground truths of ${p.class}`);
        }
        assert.equal(probe.apRows[probe.apRows.length - 1].cells[1], pct(report.mAP));
        assert.deepEqual(probe.chartTitles, ['Precision–recall', 'mAP over training']);
        assert.ok(probe.canvases >= 2, `${probe.canvases} canvases`);
      },
    },
    {
      name: 'TAO: Run Inference with the inference spec shows every image with its boxes in the inference viewer',
      fn: async () => {
        const model = path.join(trainResults(), 'weights', 'final');
        // The palette asks for the images in a file dialog; the test passes them. The model is
        // passed too: for a spec other than the training one the default (-m next to this
        // spec's own results) does not exist.
        const spec = await openSpec(path.join(specs(), 'detect_infer.txt'));
        // The command takes the network the editor detected, as it would from the palette.
        assert.equal((await waitFor('the network of detect_infer.txt', () => api.networkOf(spec.uri), 30000)).network, 'detectnet_v2');
        const result = await command<RunResult>('tao.inference', { spec: spec.uri.fsPath, images: images(), args: ['-m', model, '-i', images()] }, 60000);
        assert.equal(result?.exitCode, 0, 'engine exit code');
        const labels = fs.readdirSync(path.join(inferResults(), 'labels')).filter((f) => f.endsWith('.txt'));
        const inputs = fs.readdirSync(images()).filter((f) => f.endsWith('.png'));
        assert.equal(labels.length, inputs.length, 'one label file per image');
        const lines = labels.flatMap((f) => fs.readFileSync(path.join(inferResults(), 'labels', f), 'utf8').split('\n').filter(Boolean));
        assert.ok(lines.length > 0, 'the model found boxes');
        const render = await waitFor('the inference viewer rendered', () => api.renders('inference').find((r) => r.folder === inferResults()), 20000);
        assert.equal(render.info.series, inputs.length, 'images listed');
        assert.equal(render.info.points, lines.length, 'boxes drawn (no filter yet)');
        assert.ok(render.info.charts > 0 && render.info.charts <= inputs.length, `tiles built: ${render.info.charts}`);
        // TAO: Open Inference Results with the same folders reveals that panel (and redraws it).
        const probe = await snap('detection-inference', 'inference', async () => {
          const before = api.renders('inference').length;
          assert.equal(await vscode.commands.executeCommand<boolean>('tao.openInference', { folder: inferResults(), images: images() }), true);
          await waitFor('the revealed viewer re-rendered', () => api.renders('inference').length > before, 20000);
        });
        assert.equal(probe.title, 'Inference · detect_infer/inference');
        assert.equal(probe.summary, `${inputs.length} of ${inputs.length} images · ${lines.length} of ${lines.length} boxes shown`);
        // A filter chip per class the labels hold, counting its boxes (shown/total).
        const perClass = new Map<string, number>();
        for (const l of lines) perClass.set(l.split(' ')[0], (perClass.get(l.split(' ')[0]) ?? 0) + 1);
        const found = [...perClass.keys()];
        for (const c of found) assert.ok(classes.includes(c), `inference wrote a class of the spec: ${c}`);
        assert.deepEqual(probe.chips.map((c) => [c.cls, c.count]).sort(), found.map((c) => [c, `${perClass.get(c)}/${perClass.get(c)}`]).sort());
        assert.ok(probe.thumbs > 0 && probe.thumbs <= inputs.length, `tiles on screen: ${probe.thumbs}`);
        assert.equal(probe.imagesLoaded, probe.thumbs, 'every tile on screen shows its image');
        assert.ok(probe.boxes > 0, 'boxes drawn over the images on screen');
        for (const c of probe.boxClasses) assert.ok(found.includes(c), `box class ${c} is one inference wrote`);
      },
    },
  ]);
}
