// Command-line parsing for `tao-engine <network> <task> [flags]`. TAO's short flags map to
// long names; every flag takes a value except the boolean ones listed here.
import type { Flags } from '../tasks/types';

const ALIASES: Record<string, string> = {
  e: 'spec',
  experiment_spec: 'spec',
  experiment_spec_file: 'spec',
  r: 'results',
  results_dir: 'results',
  m: 'model',
  model_path: 'model',
  i: 'image',
  image_dir: 'image',
  o: 'output',
  output_dir: 'output',
  output_filename: 'output',
  k: 'key',
  d: 'dataset_spec',
  dataset_export_spec: 'dataset_spec',
  h: 'help',
};

const BOOLEAN = new Set(['help', 'quiet', 'fresh', 'verbose', 'version', 'no_tfjs', 'gen_ds_config']);
/** Flags that may stand alone (`--classmap_json`) or take a value (`--classmap_json map.json`). */
const OPTIONAL_VALUE = new Set(['classmap_json']);

export interface ParsedArgs {
  positional: string[];
  flags: Flags;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    let name = arg.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    name = ALIASES[name] ?? name.replace(/-/g, '-');
    if (BOOLEAN.has(name)) {
      flags[name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next.length > 1 && !/^-\d/.test(next))) {
        if (OPTIONAL_VALUE.has(name)) {
          flags[name] = true;
          continue;
        }
        throw new Error(`option --${name} needs a value`);
      }
      value = next;
      i++;
    }
    flags[name] = value;
  }
  return { positional, flags };
}
