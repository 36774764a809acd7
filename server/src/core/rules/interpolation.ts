// Hydra `${...}` interpolations: resolved against the document where possible. Their type is
// only known after resolution, so the schema check skips them; here we only make sure a
// reference to another key of the file points at something.
import type { MapNode, SpecDiagnostic, SpecNode } from '../tree';
import { nodeAtPath } from '../tree-query';
import type { RuleContext } from './types';

const REF_RE = /\$\{([^${}]+)\}/g;

export function interpolationRule(ctx: RuleContext): SpecDiagnostic[] {
  if (ctx.spec.dialect !== 'hydra-yaml') return [];
  const out: SpecDiagnostic[] = [];
  visit(ctx.spec.root, [], (node, path) => {
    if (node.kind !== 'scalar' || node.form !== 'interpolation' || typeof node.value !== 'string') return;
    for (const m of node.value.matchAll(REF_RE)) {
      const ref = m[1].trim();
      if (ref.includes(':')) continue; // a resolver call such as ${oc.env:HOME}: evaluated at run time
      const target = resolveReference(ctx.spec.root, path, ref);
      if (target === undefined) {
        const offset = node.raw.indexOf(m[0]);
        const start = node.span.start + Math.max(0, offset);
        out.push({
          severity: 'warning',
          code: 'unresolved-interpolation',
          message: `'\${${ref}}' refers to a key not set in this file. OmegaConf fails at load time unless '${ref}' is given on the command line or by a Hydra default.`,
          span: { start, end: start + m[0].length },
        });
      }
    }
  });
  return out;
}

/** OmegaConf: `${a.b}` is absolute; `${.b}` is relative to the containing node, each extra dot one level up. */
export function resolveReference(root: MapNode, path: string[], ref: string): SpecNode | undefined {
  if (ref.startsWith('.')) {
    const dots = /^\.+/.exec(ref)![0].length;
    const base = path.slice(0, Math.max(0, path.length - dots));
    return nodeAtPath(root, [...base, ...ref.slice(dots).split('.').filter(Boolean)]);
  }
  return nodeAtPath(root, ref.split('.'));
}

function visit(node: SpecNode, path: string[], fn: (node: SpecNode, path: string[]) => void): void {
  fn(node, path);
  if (node.kind === 'map') for (const e of node.entries) if (e.value) visit(e.value, [...path, e.key], fn);
  if (node.kind === 'list') for (const item of node.items) visit(item, path, fn);
}
