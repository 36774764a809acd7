// Reads a classification_tf1 spec file: the language server's parser (same tree, same
// syntax errors), the project's validator when its schemas are installed, then our own
// checks of what the engine can run. Any error stops the task before TensorFlow loads.
import { readFileSync, existsSync } from 'node:fs';
import { parseProtoText } from '../../../server/src/core/parse/prototext';
import type { ParsedSpec, SpecDiagnostic } from '../../../server/src/core/tree';
import type { ClassificationConfig } from './config';
import { buildConfig } from './defaults';
import { SpecError, formatProblem, type SpecProblem } from './errors';
import { spanAt, toPlain, type Plain } from './plain';

export interface LoadedSpec {
  path: string;
  text: string;
  parsed: ParsedSpec;
  plain: Record<string, unknown>;
  config: ClassificationConfig;
  /** Validator warnings, already formatted as file:line:col lines. */
  warnings: string[];
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

export function loadSpec(path: string, network = 'classification_tf1'): LoadedSpec {
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

  const analyze = validator();
  if (analyze && errors.length === 0) {
    let diagnostics: SpecDiagnostic[] = [];
    try {
      diagnostics = analyze(text, { filePath: path, network }).diagnostics;
    } catch {
      // No schemas next to the installed files: the engine's own checks below still run.
    }
    for (const d of diagnostics) {
      const line = formatProblem(path, text, d);
      if (d.severity === 'error') add(errors, line);
      else if (d.severity === 'warning') add(warnings, line);
    }
  }

  const plain = toPlain(parsed.root) as { [key: string]: Plain };
  const { config, problems } = buildConfig(plain);
  for (const p of problems) {
    const problem: SpecProblem = { message: p.message, span: spanAt(parsed.root, p.path) };
    add(errors, formatProblem(path, text, problem));
  }
  if (errors.length > 0) throw new SpecError(errors);
  return { path, text, parsed, plain: plain as Record<string, unknown>, config, warnings };
}
