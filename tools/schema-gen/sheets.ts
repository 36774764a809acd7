// Loads the parameter sheets (../shared/tao-parameters/<network>/<network> - <task>.csv) as facts:
// path, type, default, range, options, required. The description column is deliberately never
// read into the result: hover text is written by the project in descriptions/.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsvObjects } from './csv';

export type SheetKind = 'integer' | 'number' | 'boolean' | 'string' | 'object' | 'array' | 'dict' | 'enum' | 'unknown';

export interface SheetRow {
  path: string;
  task: string;
  kind: SheetKind;
  /** The raw value_type, for logs. */
  rawType: string;
  default?: string;
  min?: number;
  max?: number;
  options?: string[];
  required: boolean;
  /** `hidden` rows are paths the service fills in (datasets, results); still real spec keys. */
  hidden: boolean;
}

/** Maps the sheets' value_type spellings (including typos such as `srting`) to schema kinds. */
export function sheetKind(valueType: string): SheetKind {
  const t = valueType.trim().toLowerCase();
  if (t === 'integer' || t === 'int' || t === 'ordered_int') return 'integer';
  if (t === 'float') return 'number';
  if (t === 'bool') return 'boolean';
  if (t === 'string' || t === 'srting' || t === 'hidden' || t === 'const') return 'string';
  if (t === 'collection') return 'object';
  if (t === 'list' || t.startsWith('list')) return 'array';
  if (t === 'dict') return 'dict';
  if (t === 'enum' || t === 'ordered' || t === 'categorical') return 'enum';
  return 'unknown';
}

function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim().toLowerCase();
  if (t === '' || t === 'inf' || t === '-inf' || t === 'nan') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

export function sheetsRoot(repoRoot: string): string {
  return join(repoRoot, '..', 'shared', 'tao-parameters');
}

export function sheetNetworks(repoRoot: string): string[] {
  const root = sheetsRoot(repoRoot);
  return readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

/** All rows of one network, every task sheet, in file order. */
export function readSheets(repoRoot: string, network: string): SheetRow[] {
  const dir = join(sheetsRoot(repoRoot), network);
  if (!existsSync(dir)) return [];
  const rows: SheetRow[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.csv')).sort()) {
    // `<network> - <task>.csv`; data-services sheets end in `___` (e.g. `validate___`).
    const task = file.slice(file.indexOf(' - ') + 3, -4).replace(/_+$/, '');
    for (const r of parseCsvObjects(readFileSync(join(dir, file), 'utf8'))) {
      const path = (r.parameter ?? '').trim();
      if (!path || /\s/.test(path)) continue;
      const rawType = r.value_type ?? '';
      // `version` rows are the sheet format's own version marker, not a spec key.
      if (rawType.trim() === 'const' && path === 'version') continue;
      const options = (r.valid_options ?? '').split(',').map((o) => o.trim()).filter((o) => o !== '');
      rows.push({
        path,
        task,
        kind: sheetKind(rawType),
        rawType,
        default: (r.default_value ?? '').trim() || undefined,
        min: num(r.valid_min),
        max: num(r.valid_max),
        options: options.length ? options : undefined,
        required: (r.required ?? '').trim().toLowerCase() === 'yes',
        hidden: rawType.trim().toLowerCase() === 'hidden',
      });
    }
  }
  return rows;
}
