// Hand-written corrections where the sheets or upstream facts are wrong or stale for the files TAO
// users actually write. Each entry states why; the generator prints every override it applies.
// (Keys, types, ranges and options that real spec files need are widened automatically by
// crosscheck.ts, which prints the file and line that justified each change.)
import type { SpecSchema } from '../../server/src/core/schema/types';

export interface Override {
  network: string;
  /** Dotted path of the field; array levels take no index. */
  path: string;
  /** One line: why the facts are wrong here. */
  reason: string;
  /** Keywords to set on the field (the field is created when missing). */
  set?: Partial<SpecSchema>;
  /** Keywords to remove from the field. */
  unset?: (keyof SpecSchema)[];
  /** Remove the field itself. */
  remove?: boolean;
}

export const OVERRIDES: Override[] = [];
