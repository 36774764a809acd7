// Core diagnostics as LSP diagnostics: same code, precise ranges, `tao-spec` as the source.
import { DiagnosticSeverity, DiagnosticTag } from './protocol';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { LineIndex } from '../text';
import type { Severity, SpecDiagnostic } from '../tree';

export const DIAGNOSTIC_SOURCE = 'tao-spec';

const SEVERITY: Record<Severity, Diagnostic['severity']> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLspDiagnostic(d: SpecDiagnostic, lines: LineIndex): Diagnostic {
  const out: Diagnostic = { range: lines.rangeOf(d.span), severity: SEVERITY[d.severity], code: d.code, source: DIAGNOSTIC_SOURCE, message: d.message };
  if (d.code === 'deprecated') out.tags = [DiagnosticTag.Deprecated];
  return out;
}

export function toLspDiagnostics(diagnostics: SpecDiagnostic[], lines: LineIndex): Diagnostic[] {
  return diagnostics.map((d) => toLspDiagnostic(d, lines));
}
