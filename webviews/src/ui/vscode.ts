// The bridge to the extension: the only way a page talks to it. VS Code injects
// acquireVsCodeApi() into every webview; it may be called only once per page.

import type { PanelMessage, HostMessage, PageName } from '../model/messages';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;

function vscode(): VsCodeApi {
  if (!api) api = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };
  return api;
}

export function post(message: PanelMessage): void {
  vscode().postMessage(message);
}

export function getState<T>(): T | undefined {
  return vscode().getState() as T | undefined;
}

export function setState(state: unknown): void {
  vscode().setState(state);
}

/** Calls `onMessage` for every message the extension sends, then says the page is ready. */
export function connect(page: PageName, onMessage: (m: HostMessage) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as HostMessage | undefined;
    if (data && typeof data === 'object' && typeof data.type === 'string') onMessage(data);
  });
  post({ type: 'ready', page });
}
