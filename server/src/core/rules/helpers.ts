// Small readers shared by the network rules.
import type { Entry, MapNode, ScalarNode, SpecDiagnostic, SpecNode, Span } from '../tree';
import { entriesOf, nodeAtPath } from '../tree-query';

export function scalarAt(root: MapNode, path: string): ScalarNode | undefined {
  const node = nodeAtPath(root, path);
  return node?.kind === 'scalar' ? node : undefined;
}

export function numberAt(root: MapNode, path: string): { node: ScalarNode; value: number } | undefined {
  const node = scalarAt(root, path);
  return node && typeof node.value === 'number' ? { node, value: node.value } : undefined;
}

export function textAt(root: MapNode, path: string): { node: ScalarNode; value: string } | undefined {
  const node = scalarAt(root, path);
  return node && typeof node.value === 'string' ? { node, value: node.value } : undefined;
}

export function mapAt(root: MapNode, path: string): MapNode | undefined {
  const node = nodeAtPath(root, path);
  return node?.kind === 'map' ? node : undefined;
}

/** All values of a repeated field (several entries, or a `[a, b]` list, or a YAML list). */
export function repeatedValues(map: MapNode | undefined, key: string): SpecNode[] {
  if (!map) return [];
  const out: SpecNode[] = [];
  for (const e of entriesOf(map, key)) {
    if (e.value?.kind === 'list') out.push(...e.value.items);
    else if (e.value) out.push(e.value);
  }
  return out;
}

export function repeatedEntries(map: MapNode | undefined, key: string): Entry[] {
  return map ? entriesOf(map, key) : [];
}

export function diag(severity: SpecDiagnostic['severity'], code: string, span: Span, message: string): SpecDiagnostic {
  return { severity, code, message, span };
}
