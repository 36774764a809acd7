// The HTML shell of every panel. Only the bundled page script and its stylesheet load, both
// from the extension's dist/webviews folder; the Content-Security-Policy allows nothing
// else (no remote hosts, no inline script without the per-load nonce, no eval).

import { randomBytes } from 'node:crypto';

export interface PanelHtmlInput {
  title: string;
  /** webview.asWebviewUri(...) of dist/webviews/<page>.js and .css, as strings. */
  scriptUri: string;
  styleUri: string;
  /** webview.cspSource: the origin VS Code serves local resources from. */
  cspSource: string;
  nonce: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function renderPanelHtml(input: PanelHtmlInput): string {
  const csp = contentSecurityPolicy(input.cspSource, input.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeAttr(input.title)}</title>
<link rel="stylesheet" href="${escapeAttr(input.styleUri)}" nonce="${input.nonce}">
</head>
<body>
<main id="app" aria-live="polite"></main>
<script nonce="${input.nonce}" src="${escapeAttr(input.scriptUri)}"></script>
</body>
</html>`;
}
