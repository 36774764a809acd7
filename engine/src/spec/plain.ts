// Turns the shared spec tree into a plain JS object (what tasks and scripts find easiest to
// read) and keeps a way back from a key path to its source span for error messages.
import type { MapNode, SpecNode, Span } from '../../../server/src/core/tree';

export type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

export function toPlain(node: SpecNode | undefined): Plain {
  if (!node) return null;
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'list') return node.items.map(toPlain);
  const out: { [key: string]: Plain } = {};
  for (const entry of node.entries) {
    const value = toPlain(entry.value);
    if (Object.prototype.hasOwnProperty.call(out, entry.key)) {
      // A protobuf repeated field: the key appears once per element.
      const prev = out[entry.key];
      out[entry.key] = Array.isArray(prev) && isRepeated(node, entry.key) ? [...prev, value] : [prev, value];
      markRepeated(node, entry.key);
    } else {
      out[entry.key] = value;
    }
  }
  return out;
}

// Remember which keys we have already turned into arrays, so a value that is itself a list
// (`[1, 2]`) followed by a repeat is not flattened by mistake.
const repeatedKeys = new WeakMap<MapNode, Set<string>>();
function isRepeated(node: MapNode, key: string): boolean {
  return repeatedKeys.get(node)?.has(key) ?? false;
}
function markRepeated(node: MapNode, key: string): void {
  let set = repeatedKeys.get(node);
  if (!set) repeatedKeys.set(node, (set = new Set()));
  set.add(key);
}

/** Span of the value at a dotted path (`train_config.optimizer.sgd.lr`), or of the nearest existing ancestor key. */
export function spanAt(root: MapNode, path: string): Span | undefined {
  let node: SpecNode | undefined = root;
  let best: Span | undefined;
  for (const key of path.split('.')) {
    if (!node || node.kind !== 'map') break;
    const entries: MapNode['entries'] = node.entries.filter((e) => e.key === key);
    if (entries.length === 0) break;
    const entry = entries[entries.length - 1];
    best = entry.value?.span ?? entry.keySpan;
    node = entry.value;
  }
  return best;
}
