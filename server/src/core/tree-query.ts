// Reading the common tree: lookups by dotted path and by source offset.
import type { Entry, MapNode, SpecNode } from './tree';

/** The last entry with `key` (TAO keeps the last value of a repeated singular field). */
export function lastEntry(map: MapNode, key: string): Entry | undefined {
  for (let i = map.entries.length - 1; i >= 0; i--) if (map.entries[i].key === key) return map.entries[i];
  return undefined;
}

export function entriesOf(map: MapNode, key: string): Entry[] {
  return map.entries.filter((e) => e.key === key);
}

/** Node at a dotted path (`train_config.optimizer.sgd.lr`); list items are not addressed. */
export function nodeAtPath(root: MapNode, path: string | string[]): SpecNode | undefined {
  const parts = Array.isArray(path) ? path : path.split('.');
  let node: SpecNode | undefined = root;
  for (const part of parts) {
    if (!node || node.kind !== 'map') return undefined;
    node = lastEntry(node, part)?.value;
  }
  return node;
}

export function entryAtPath(root: MapNode, path: string | string[]): Entry | undefined {
  const parts = Array.isArray(path) ? path : path.split('.');
  const parent = nodeAtPath(root, parts.slice(0, -1));
  if (!parent || parent.kind !== 'map') return undefined;
  return lastEntry(parent, parts[parts.length - 1]);
}

/** One step of the way from the root to the innermost node containing an offset. */
export interface PathStep {
  /** The entry stepped through (absent for list items). */
  entry?: Entry;
  /** The map or list that holds the step. */
  container: SpecNode;
  node: SpecNode | undefined;
  listIndex?: number;
}

/**
 * The chain of entries from the root down to `offset`. A position on a key stops at that
 * entry; a position inside a map's body goes into it. Inclusive at span ends so that a
 * cursor right after a value still belongs to it.
 */
export function pathAtOffset(root: MapNode, offset: number): PathStep[] {
  const steps: PathStep[] = [];
  let container: SpecNode = root;
  for (let guard = 0; guard < 10000; guard++) {
    let next: PathStep | undefined;
    if (container.kind === 'map') {
      for (const entry of container.entries) {
        if (offset >= entry.span.start && offset <= entry.span.end) {
          next = { entry, container, node: entry.value };
        }
      }
    } else if (container.kind === 'list') {
      container.items.forEach((item, i) => {
        if (offset >= item.span.start && offset <= item.span.end) next = { container, node: item, listIndex: i };
      });
    }
    if (!next) break;
    steps.push(next);
    if (next.entry && offset <= next.entry.keySpan.end) break;
    if (!next.node || next.node.kind === 'scalar') break;
    container = next.node;
  }
  return steps;
}

export function keyPathOf(steps: PathStep[]): string[] {
  return steps.filter((s) => s.entry).map((s) => s.entry!.key);
}
