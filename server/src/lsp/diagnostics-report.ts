// What the server publishes for one analysed version: LSP diagnostics and the detected
// network. Built where the analysis ran (a worker, or inline), so only this small, plain
// object crosses threads — never the tree or the schema.
import type { Diagnostic } from 'vscode-languageserver-types';
import type { Analysis } from '../core/analyze';
import { DIAGNOSTIC_SOURCE, toLspDiagnostics } from '../core/services/diagnostics';
import { DiagnosticSeverity } from '../core/services/protocol';
import { LineIndex } from '../core/text';

/**
 * Diagnostics published per document. A hostile file (100,000 unknown keys) would otherwise
 * send a 25 MB notification that the main thread spends a second serialising and editors
 * choke on; the CLI still reports every one.
 */
export const MAX_PUBLISHED_DIAGNOSTICS = 1000;

export interface DiagnosticsReport {
  diagnostics: Diagnostic[];
  /** Empty when no network was recognised. */
  network: string;
  detectionSource: string;
  detectionReason: string;
}

export function diagnosticsReport(analysis: Analysis, text: string): DiagnosticsReport {
  const all = analysis.diagnostics;
  const shown = all.length > MAX_PUBLISHED_DIAGNOSTICS ? all.slice(0, MAX_PUBLISHED_DIAGNOSTICS) : all;
  const lines = new LineIndex(text);
  const diagnostics = toLspDiagnostics(shown, lines);
  if (shown.length < all.length) {
    const last = shown[shown.length - 1];
    diagnostics.push({
      range: lines.rangeOf({ start: last.span.start, end: last.span.start }),
      severity: DiagnosticSeverity.Information,
      code: 'too-many-problems',
      source: DIAGNOSTIC_SOURCE,
      message: `${all.length - shown.length} more problems after this one are not shown (${all.length} in all). Run \`tao-spec check\` on the file to list them all.`,
    });
  }
  const { network, detection } = analysis;
  return { diagnostics, network: network ?? '', detectionSource: detection.source, detectionReason: detection.reason };
}
