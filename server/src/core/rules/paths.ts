// Dataset and model paths that do not exist on this machine. A warning, never an error: the
// data often lives on the training machine. TAO's launcher maps host folders into the
// container through ~/.tao_mounts.json, so container paths are translated back first.
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { SpecDiagnostic, SpecNode } from '../tree';
import { childSchema } from '../schema/navigate';
import type { SpecSchema } from '../schema/types';
import type { FileProbe, RuleContext } from './types';

const PATH_KEY_RE = /(?:^|_)(?:path|dir|directory|file|folder|root)s?$|^(?:image_dir|label_dir|data_dir|img_dir|ann_file|pretrained_model_path|model_path)$/;

interface Mount {
  source: string;
  destination: string;
}

export function pathRule(ctx: RuleContext): SpecDiagnostic[] {
  const probe = ctx.probe;
  if (!probe) return [];
  const mounts = contextMounts(ctx, probe);
  const base = ctx.filePath ? dirname(ctx.filePath) : undefined;
  const out: SpecDiagnostic[] = [];
  const visit = (node: SpecNode | undefined, schema: SpecSchema | undefined, key: string): void => {
    if (!node) return;
    if (node.kind === 'map') {
      for (const e of node.entries) visit(e.value, childSchema(schema, e.key), e.key);
      return;
    }
    if (node.kind === 'list') {
      for (const item of node.items) visit(item, schema?.items ?? schema, key);
      return;
    }
    const declared = schema?.['x-tao-path'];
    if (!declared && !PATH_KEY_RE.test(key)) return;
    if (typeof node.value !== 'string' || node.form === 'interpolation' || node.form === 'missing') return;
    const value = node.value.trim();
    if (!looksLikePath(value)) return;
    const checked = checkPath(value, base, mounts, probe);
    if (checked.exists) return;
    const via = checked.mapped && checked.mapped !== checked.resolved ? ` (mapped to '${checked.mapped}' through ${ctx.mountsFile ?? '~/.tao_mounts.json'})` : '';
    out.push({
      severity: 'warning',
      code: 'path-not-found',
      message: `'${value}' does not exist on this machine${via}. Fine if the data lives on the training machine; otherwise fix the path${mounts.length === 0 && isAbsolute(value) && value.startsWith('/workspace') ? ' or add the folder to ~/.tao_mounts.json' : ''}.`,
      span: node.span,
    });
  };
  visit(ctx.spec.root, ctx.schema, '');
  return out;
}

function looksLikePath(value: string): boolean {
  if (!value || value.length > 4096) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return false; // URLs (s3://, gs://, http://) are not local files
  return value.includes('/') || /\.[A-Za-z0-9]{1,6}$/.test(value);
}

function checkPath(value: string, base: string | undefined, mounts: Mount[], probe: FileProbe): { exists: boolean; resolved: string; mapped?: string } {
  const expanded = value.startsWith('~/') ? join(probe.homeDir(), value.slice(2)) : value;
  const resolved = isAbsolute(expanded) ? expanded : base ? resolve(base, expanded) : expanded;
  // A glob such as `/data/tfrecords/train*` exists when its folder does.
  const target = /[*?[]/.test(resolved) ? dirname(resolved.slice(0, resolved.search(/[*?[]/)) + 'x') : resolved;
  if (probe.exists(target)) return { exists: true, resolved };
  const mapped = mapThroughMounts(target, mounts);
  if (mapped && probe.exists(mapped)) return { exists: true, resolved, mapped };
  return { exists: false, resolved, mapped };
}

function mapThroughMounts(path: string, mounts: Mount[]): string | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    const dest = m.destination.replace(/\/+$/, '');
    if ((path === dest || path.startsWith(dest + '/')) && (!best || dest.length > best.destination.length)) best = m;
  }
  return best ? best.source.replace(/\/+$/, '') + path.slice(best.destination.replace(/\/+$/, '').length) : undefined;
}

/**
 * The mounts file read once per analysis: every rule of one run gets the same context object,
 * so the path rule and the pretrained-architecture rule share one read of it.
 */
const mountsPerAnalysis = new WeakMap<RuleContext, Mount[]>();
export function contextMounts(ctx: RuleContext, probe: FileProbe): Mount[] {
  let mounts = mountsPerAnalysis.get(ctx);
  if (!mounts) {
    mounts = readMounts(probe, ctx.mountsFile);
    mountsPerAnalysis.set(ctx, mounts);
  }
  return mounts;
}

export function readMounts(probe: FileProbe, mountsFile?: string): Mount[] {
  const file = mountsFile ?? join(probe.homeDir(), '.tao_mounts.json');
  const text = probe.readText(file);
  if (!text) return [];
  try {
    const parsed = JSON.parse(text) as { Mounts?: Array<{ source?: unknown; destination?: unknown }> };
    return (parsed.Mounts ?? [])
      .filter((m) => typeof m.source === 'string' && typeof m.destination === 'string')
      .map((m) => ({ source: m.source as string, destination: m.destination as string }));
  } catch {
    return [];
  }
}

/**
 * Where a spec path is on this machine: the path itself (resolved against the spec's folder)
 * or, through the mounts file, the host folder it maps to; undefined when neither exists. A
 * glob is returned whole, mapped like its folder. Used by the dataset checks.
 */
export function locateOnMachine(value: string, base: string | undefined, mounts: Mount[], probe: FileProbe): string | undefined {
  if (!looksLikePath(value)) return undefined;
  const checked = checkPath(value, base, mounts, probe);
  if (!checked.exists) return undefined;
  if (!checked.mapped) return checked.resolved;
  // checkPath maps the glob's folder; map the full pattern through the same mount.
  return mapThroughMounts(checked.resolved, mounts) ?? checked.mapped;
}

export type { Mount };
