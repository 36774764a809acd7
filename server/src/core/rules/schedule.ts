// Learning-rate schedule checks shared by networks: annealing points are fractions of the
// run and must increase.
import type { SpecDiagnostic, SpecNode } from '../tree';
import { diag } from './helpers';

export function checkIncreasingFractions(points: SpecNode[], name: string): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  let previous = -Infinity;
  for (const node of points) {
    if (node.kind !== 'scalar' || typeof node.value !== 'number') continue;
    if (node.value <= 0 || node.value >= 1) {
      out.push(diag('error', 'lr-schedule', node.span, `${name} are fractions of the whole run: each must be in (0, 1); got ${node.value}.`));
    } else if (node.value <= previous) {
      out.push(diag('error', 'lr-schedule', node.span, `${name} must increase; ${node.value} follows ${previous}.`));
    }
    previous = Math.max(previous, node.value);
  }
  return out;
}
