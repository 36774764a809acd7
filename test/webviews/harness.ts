// Renders one panel page in headless Chromium exactly as the extension builds it (same HTML
// shell and CSP from client/src/core/html.ts, same bundled script from dist/webviews), with
// a stand-in for VS Code's webview API that records what the page posts back.

import * as http from 'node:http';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderPanelHtml, makeNonce } from '../../client/src/core/html';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const fixtures = path.join(repoRoot, 'test', 'webviews', 'fixtures');
export const artifacts = path.join(repoRoot, 'test-artifacts', 'webviews');

/** Arguments from ../shared/reference/vscode-testing.md: offline, no sandbox in containers. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A dark theme's variables, as VS Code sets them on a webview's <html>. */
const DARK_THEME: Record<string, string> = {
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-editorWidget-border': '#454545',
  '--vscode-editorWidget-background': '#202020',
  '--vscode-font-family': 'system-ui, -apple-system, "Segoe UI", "Ubuntu", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-textLink-foreground': '#4daafc',
  '--vscode-progressBar-background': '#0078d4',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-badge-background': '#616161',
  '--vscode-badge-foreground': '#f8f8f8',
};

export interface PanelPage {
  page: Page;
  /** Messages the page posted to the (fake) extension. */
  posted(): Promise<{ type: string; [k: string]: unknown }[]>;
  send(message: unknown): Promise<void>;
  /** Waits for the page's next `rendered` report after `send`. */
  waitRendered(count: number): Promise<{ charts: number; series: number; points: number }>;
  cspViolations(): Promise<string[]>;
  errors: string[];
  close(): Promise<void>;
}

let browser: Browser | undefined;

export async function launch(): Promise<Browser> {
  if (!browser) browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return browser;
}

export async function shutdown(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

export function readFixture(name: string): string {
  return fs.readFileSync(path.join(fixtures, name), 'utf8');
}

/** Serves dist/webviews and the page's HTML from 127.0.0.1, the way a webview gets its own origin. */
function serve(pageName: string): Promise<{ server: http.Server; url: string }> {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const origin = `http://${req.headers.host}`;
      if (url.pathname === '/favicon.ico') {
        res.statusCode = 204;
        res.end();
        return;
      }
      if (url.pathname === '/') {
        const nonce = makeNonce();
        res.setHeader('content-type', 'text/html');
        res.end(renderPanelHtml({ title: pageName, scriptUri: `${origin}/dist/webviews/${pageName}.js`, styleUri: `${origin}/dist/webviews/${pageName}.css`, cspSource: origin, nonce }));
        return;
      }
      const file = path.join(repoRoot, path.normalize(url.pathname));
      if (!file.startsWith(path.join(repoRoot, 'dist', 'webviews')) || !fs.existsSync(file)) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader('content-type', file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream');
      res.end(fs.readFileSync(file));
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }));
  });
}

export async function openPanel(pageName: string, size = { width: 1200, height: 900 }): Promise<PanelPage> {
  const b = await launch();
  const { server, url } = await serve(pageName);
  const page = await b.newPage({ viewport: size, deviceScaleFactor: 1 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.stack ?? String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.addInitScript((theme: Record<string, string>) => {
    const w = window as unknown as Record<string, unknown>;
    const posted: unknown[] = [];
    const csp: string[] = [];
    w.__posted = posted;
    w.__csp = csp;
    w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => posted.push(m), getState: () => undefined, setState: () => undefined });
    document.addEventListener('securitypolicyviolation', (e) => csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    // <html> does not exist yet when init scripts run; page.goto waits for `load`, after this.
    document.addEventListener('DOMContentLoaded', () => {
      for (const [k, v] of Object.entries(theme)) document.documentElement.style.setProperty(k, v);
    });
  }, DARK_THEME);
  await page.goto(url);
  await page.waitForFunction(() => ((window as unknown as { __posted: { type: string }[] }).__posted).some((m) => m.type === 'ready'));
  return {
    page,
    errors,
    posted: () => page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted),
    // As a JSON string: Playwright serializes one string far faster than a large object tree
    // (3,000 inference images), and panel messages are plain JSON anyway.
    send: (message) => page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(message)),
    async waitRendered(count: number) {
      const handle = await page.waitForFunction((n) => {
        const r = (window as unknown as { __posted: { type: string; info?: unknown }[] }).__posted.filter((m) => m.type === 'rendered');
        return r.length >= n ? r[n - 1].info : undefined;
      }, count, { timeout: 15000 });
      return (await handle.jsonValue()) as { charts: number; series: number; points: number };
    },
    cspViolations: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
    async close() {
      await page.close();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Count of canvas pixels close to `hex` in every canvas of the page (a drawn series of that colour). */
export async function pixelsOfColor(page: Page, hex: string, selector = 'canvas'): Promise<number[]> {
  return page.evaluate(({ hex, selector }) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    return Array.from(document.querySelectorAll<HTMLCanvasElement>(selector)).map((c) => {
      const ctx = c.getContext('2d');
      if (!ctx || c.width === 0 || c.height === 0) return 0;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200 && Math.abs(d[i] - r) < 24 && Math.abs(d[i + 1] - g) < 24 && Math.abs(d[i + 2] - b) < 24) n++;
      return n;
    });
  }, { hex, selector });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
