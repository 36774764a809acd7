// Decides which image files a panel's "open images" request may open. A webview is web
// content, so its requests are treated as untrusted: only paths the extension itself sent
// in the report, only image files, and only files that exist are opened.

import * as fs from 'node:fs';
import * as path from 'node:path';

export const IMAGE_EXT = /\.(png|jpe?g|bmp|gif|webp|tiff?)$/i;

export interface ImageRequestResult {
  open: string[];
  refused: { path: string; reason: string }[];
}

/**
 * Resolves each requested path. Relative paths (the engine writes them relative to where it
 * ran, the spec's folder) are looked up from the run folders and up to four parents, then the
 * workspace folders.
 */
export function resolveImageRequest(paths: readonly string[], allowed: ReadonlySet<string>, runFolders: readonly string[], workspaceFolders: readonly string[]): ImageRequestResult {
  const bases = [...runFolders];
  for (let dir of runFolders) {
    for (let i = 0; i < 4; i++) { dir = path.dirname(dir); bases.push(dir); }
  }
  bases.push(...workspaceFolders);
  const result: ImageRequestResult = { open: [], refused: [] };
  for (const p of paths) {
    if (!allowed.has(p)) { result.refused.push({ path: p, reason: 'not listed in the report this panel shows' }); continue; }
    if (!IMAGE_EXT.test(p)) { result.refused.push({ path: p, reason: 'not an image file' }); continue; }
    const abs = path.isAbsolute(p) ? (fs.existsSync(p) ? p : undefined) : bases.map((b) => path.resolve(b, p)).find((f) => fs.existsSync(f));
    if (!abs) { result.refused.push({ path: p, reason: 'file not found' }); continue; }
    result.open.push(abs);
  }
  return result;
}

/**
 * Decides which thumbnails a panel may load. The same rules as opening (only paths this
 * panel was sent, only images, only existing files), and the file must sit inside one of the
 * panel's resource roots, since the webview can load nothing else.
 */
export function resolveImageServe(paths: readonly string[], allowed: ReadonlySet<string>, roots: readonly string[]): ImageRequestResult {
  const result: ImageRequestResult = { open: [], refused: [] };
  const inside = (p: string): boolean => roots.some((r) => {
    const rel = path.relative(path.resolve(r), path.resolve(p));
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  });
  for (const p of paths) {
    if (!allowed.has(p)) result.refused.push({ path: p, reason: 'not listed in the data this panel shows' });
    else if (!IMAGE_EXT.test(p)) result.refused.push({ path: p, reason: 'not an image file' });
    else if (!path.isAbsolute(p) || !inside(p)) result.refused.push({ path: p, reason: 'outside the folders this panel may read' });
    else if (!fs.existsSync(p)) result.refused.push({ path: p, reason: 'file not found' });
    else result.open.push(p);
  }
  return result;
}
