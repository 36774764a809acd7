// Reads a spec file for any network: the language server's parser (same tree, same syntax
// errors), then the project's validator when its schemas are installed. Errors stop the
// task before TensorFlow loads; each network then turns the plain object into its own typed
// config (networks/<name>/config.ts) and may add problems of its own through `finishSpec`.
import { readFileSync, existsSync } from 'node:fs';
import { parseProtoText } from '../../../server/src/core/parse/prototext';
import type { ParsedSpec, SpecDiagnostic } from '../../../server/src/core/tree';
import { SpecError, formatProblem } from './errors';
import { spanAt, toPlain, type Plain } from './plain';

export interface ReadSpec {
  path: string;
  text: string;
  parsed: ParsedSpec;
  plain: { [key: string]: Plain };
  /** Validator warnings, already formatted as file:line:col lines. */
  warnings: string[];
  /** Validator errors, formatted; `finishSpec` throws them together with the network's own. */
  errors: string[];
}

type Analyzer = (text: string, options: { filePath?: string; network?: string }) => { diagnostics: SpecDiagnostic[] };

/** The full validator, when it and its generated schemas are available; undefined otherwise. */
function validator(): Analyzer | undefined {
  try {
    return (require('../../../server/src/core/analyze') as { analyzeSpec: Analyzer }).analyzeSpec;
  } catch {
    return undefined;
  }
}

/** Parses and validates a spec as `network`; throws SpecError on syntax errors only. */
export function readSpecFile(path: string, network: string): ReadSpec {
  if (!existsSync(path)) throw new SpecError([`${path}: spec file not found`]);
  const text = readFileSync(path, 'utf8');
  const parsed = parseProtoText(text);
  const errors: string[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  const add = (list: string[], line: string) => {
    if (!seen.has(line)) list.push(line);
    seen.add(line);
  };
  for (const d of parsed.diagnostics) if (d.severity === 'error') add(errors, formatProblem(path, text, d));
  if (errors.length > 0) throw new SpecError(errors);

  const analyze = validator();
  if (analyze) {
    let diagnostics: SpecDiagnostic[] = [];
    try {
      diagnostics = analyze(text, { filePath: path, network }).diagnostics;
    } catch {
      // No schemas next to the installed files: the network's own checks still run.
    }
    for (const d of diagnostics) {
      const line = formatProblem(path, text, d);
      if (d.severity === 'error') add(errors, line);
      else if (d.severity === 'warning') add(warnings, line);
    }
  }
  const plain = toPlain(parsed.root) as { [key: string]: Plain };
  return { path, text, parsed, plain, warnings, errors };
}

/** Adds a network's own problems (dotted key paths) to the validator's and throws if any. */
export function finishSpec(spec: ReadSpec, problems: Array<{ path: string; message: string }>): void {
  const all = [...spec.errors];
  for (const p of problems) {
    const line = formatProblem(spec.path, spec.text, { message: p.message, span: spanAt(spec.parsed.root, p.path) });
    if (!all.includes(line)) all.push(line);
  }
  if (all.length > 0) throw new SpecError(all);
}
