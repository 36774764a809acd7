// Reading typed values out of the parsed flag map for the prune and export tasks (shared by both). TAO's
// flags come in several spellings (-pth / --pruning_threshold), so each lookup lists them all.
import { EngineError, type Flags } from '../tasks/types';

export function flagValue(flags: Flags, names: string[]): string | boolean | undefined {
  for (const n of names) {
    const v = flags[n] ?? flags[n.replace(/_/g, '-')];
    if (v !== undefined) return v;
  }
  return undefined;
}

export function stringFlag(flags: Flags, names: string[], fallback?: string): string | undefined {
  const v = flagValue(flags, names);
  if (v === undefined) return fallback;
  if (v === true) throw new EngineError(`--${names[names.length - 1]} needs a value`);
  return String(v);
}

export function requiredString(flags: Flags, names: string[], what: string): string {
  const v = stringFlag(flags, names);
  if (!v) throw new EngineError(`missing ${what} (-${names[0]})`);
  return v;
}

export function numberFlag(flags: Flags, names: string[], fallback: number, opts: { integer?: boolean; min?: number } = {}): number {
  const raw = stringFlag(flags, names);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  const label = `-${names[0]}`;
  if (!Number.isFinite(n)) throw new EngineError(`${label} must be a number, got "${raw}"`);
  if (opts.integer && !Number.isInteger(n)) throw new EngineError(`${label} must be an integer, got "${raw}"`);
  if (opts.min !== undefined && n < opts.min) throw new EngineError(`${label} must be at least ${opts.min}, got ${raw}`);
  return n;
}

export function choiceFlag<T extends string>(flags: Flags, names: string[], choices: readonly T[], fallback: T): T {
  const raw = stringFlag(flags, names);
  if (raw === undefined) return fallback;
  const hit = choices.find((c) => c.toLowerCase() === raw.toLowerCase());
  if (!hit) throw new EngineError(`-${names[0]} must be one of ${choices.join(', ')}; got "${raw}"`);
  return hit;
}
