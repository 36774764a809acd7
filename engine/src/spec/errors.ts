// Spec problems, reported the way compilers do (`file:line:col: message`, 1-based) so that
// terminals and VS Code link them to the spot.
import type { Span } from '../../../server/src/core/tree';
import { LineIndex } from '../../../server/src/core/text';

export interface SpecProblem {
  message: string;
  span?: Span;
}

export class SpecError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'SpecError';
  }
}

export function formatProblem(file: string, text: string, problem: SpecProblem): string {
  if (!problem.span) return `${file}: ${problem.message}`;
  const pos = new LineIndex(text).positionAt(problem.span.start);
  return `${file}:${pos.line + 1}:${pos.character + 1}: ${problem.message}`;
}
