// Webview panels for runs: training curves, evaluation, pruning, and run comparison. The
// extension reads the run's files and posts plain data; pages never touch the file system.
// Each panel may load only the extension's dist/webviews folder and its run folder, runs
// scripts only with the nonce of its own HTML, and every message it sends is validated.

import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderPanelHtml, makeNonce } from './core/html';
import { isInside } from './core/runFolder';
import { resolveImageRequest, resolveImageServe } from './core/imageRequests';
import { trainingRun, evaluationData, pruneData, runName } from './core/runData';
import { detectionEvaluationData, inferenceData, inferenceImagePaths } from './core/detectionRun';
import { parsePanelMessage, type HostMessage, type PageName, type RenderInfo, type TrainingRun } from '../../webviews/src/model/messages';

const TITLES: Record<PageName, string> = { training: 'Training', evaluation: 'Evaluation', pruning: 'Pruning', runs: 'Runs', inference: 'Inference' };

interface OpenPanel {
  page: PageName;
  panel: vscode.WebviewPanel;
  folders: string[];
  /** Image paths this panel was sent: the only ones it may ask to open. */
  allowedImages: Set<string>;
  timer?: NodeJS.Timeout;
  lastSignature?: string;
}

export class PanelManager implements vscode.Disposable {
  private readonly open = new Map<string, OpenPanel>();
  /** Render reports from pages, newest last; tests read them through the extension API. */
  readonly renders: { page: PageName; folder: string; info: RenderInfo }[] = [];

  constructor(private readonly context: vscode.ExtensionContext, private readonly output: vscode.LogOutputChannel) {}

  /**
   * Opens (or reveals) a page for `folders`. Every folder becomes a resource root of the
   * webview: the inference page passes [output folder, images folder] so both can be shown.
   */
  show(page: PageName, folders: string[]): vscode.WebviewPanel {
    const key = `${page}:${folders.join('|')}`;
    const existing = this.open.get(key);
    if (existing) {
      existing.panel.reveal();
      this.refresh(existing, true);
      return existing.panel;
    }
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webviews');
    // Panels share one editor group beside the spec instead of opening a new column each.
    const column = [...this.open.values()].map((e) => e.panel.viewColumn).find((c) => c !== undefined) ?? vscode.ViewColumn.Beside;
    const panel = vscode.window.createWebviewPanel(`tao.${page}`, `${TITLES[page]}: ${folders.map(runName).join(', ')}`, { viewColumn: column, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [dist, ...folders.map((f) => vscode.Uri.file(f))],
    });
    const nonce = makeNonce();
    panel.webview.html = renderPanelHtml({
      title: TITLES[page],
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, `${page}.js`)).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, `${page}.css`)).toString(),
      cspSource: panel.webview.cspSource,
      nonce,
    });
    const entry: OpenPanel = { page, panel, folders: [...folders], allowedImages: new Set() };
    this.open.set(key, entry);
    panel.webview.onDidReceiveMessage((raw: unknown) => this.onMessage(entry, raw));
    panel.onDidDispose(() => {
      if (entry.timer) clearInterval(entry.timer);
      this.open.delete(key);
    });
    // Live runs grow: re-read once a second while the panel exists, post only on change.
    if (page === 'training' || page === 'runs') entry.timer = setInterval(() => this.refresh(entry, false), 1000);
    return panel;
  }

  private post(entry: OpenPanel, message: HostMessage): void {
    void entry.panel.webview.postMessage(message);
  }

  private refresh(entry: OpenPanel, force: boolean): void {
    const message = this.build(entry);
    const signature = JSON.stringify(message);
    if (!force && signature === entry.lastSignature) return;
    entry.lastSignature = signature;
    this.post(entry, message);
  }

  private build(entry: OpenPanel): HostMessage {
    const folder = entry.folders[0];
    switch (entry.page) {
      case 'training': {
        const run = trainingRun(folder);
        return run ? { type: 'training', run } : { type: 'empty', message: `Waiting for ${path.join(folder, 'status.json')}…` };
      }
      case 'evaluation': {
        const detection = detectionEvaluationData(folder);
        if (detection) {
          entry.allowedImages = new Set();
          return { type: 'detectionEvaluation', name: runName(folder), data: detection.data, training: detection.training };
        }
        const data = evaluationData(folder);
        if (!data) return { type: 'empty', message: `No evaluation report in ${folder}.` };
        // Paths in the report are relative to where the engine ran (the spec's folder) or absolute.
        entry.allowedImages = new Set(data.predictions.map((p) => p.path));
        return { type: 'evaluation', name: runName(folder), data };
      }
      case 'pruning': {
        const data = pruneData(folder);
        return data ? { type: 'pruning', name: runName(folder), data } : { type: 'empty', message: `No prune_report.json in ${folder}.` };
      }
      case 'runs': {
        const runs = entry.folders.map(trainingRun).filter((r): r is TrainingRun => !!r).map((r) => ({ name: r.name, folder: r.folder, epochs: r.epochs, summary: r.summary, detection: r.detection }));
        return runs.length ? { type: 'runs', runs } : { type: 'empty', message: 'None of the chosen folders has a status.json.' };
      }
      case 'inference': {
        const data = inferenceData(folder, entry.folders[1]);
        if (!data) return { type: 'empty', message: `No labels/ or images_annotated/ in ${folder}.` };
        entry.allowedImages = inferenceImagePaths(data);
        return { type: 'inference', name: runName(folder), data };
      }
    }
  }

  private onMessage(entry: OpenPanel, raw: unknown): void {
    const m = parsePanelMessage(raw);
    if (!m) {
      this.output.appendLine(`Ignored an invalid message from the ${entry.page} panel.`);
      return;
    }
    switch (m.type) {
      case 'ready':
        this.refresh(entry, true);
        break;
      case 'rendered':
        this.renders.push({ page: m.page, folder: entry.folders[0], info: m.info });
        if (this.renders.length > 100) this.renders.shift();
        break;
      case 'openImages': {
        const workspace = (vscode.workspace.workspaceFolders ?? []).map((w) => w.uri.fsPath);
        const r = resolveImageRequest(m.paths, entry.allowedImages, entry.folders, workspace);
        for (const x of r.refused) this.output.appendLine(`Refused to open ${x.path}: ${x.reason}.`);
        for (const abs of r.open) void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(abs), { preview: r.open.length === 1 });
        break;
      }
      case 'revealPath':
        if (entry.folders.some((f) => isInside(f, m.path)) && fs.existsSync(m.path)) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(m.path));
        break;
      case 'addRun':
        void this.addRun(entry);
        break;
      case 'requestImages': {
        const r = resolveImageServe(m.paths, entry.allowedImages, entry.folders);
        for (const x of r.refused) this.output.appendLine(`Refused to show ${x.path}: ${x.reason}.`);
        const images = r.open.map((p) => ({ path: p, uri: entry.panel.webview.asWebviewUri(vscode.Uri.file(p)).toString() }));
        if (images.length) this.post(entry, { type: 'imageUris', images });
        break;
      }
    }
  }

  private async addRun(entry: OpenPanel): Promise<void> {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: true, openLabel: 'Compare' });
    if (!picked?.length) return;
    const folders = [...new Set([...entry.folders, ...picked.map((u) => u.fsPath)])];
    entry.panel.dispose();
    this.show('runs', folders);
  }

  dispose(): void {
    for (const e of this.open.values()) e.panel.dispose();
  }
}
