// The duplicate-key diagnostic, shared by both YAML readers so they report it identically.
import type { Dialect, Entry, SpecDiagnostic } from '../tree';

export function duplicateKeyDiagnostic(text: string, dialect: Dialect, entry: Entry, earlier: Entry): SpecDiagnostic {
  const hydra = dialect === 'hydra-yaml';
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < earlier.keySpan.start; i = text.indexOf('\n', i + 1)) line++;
  return {
    severity: hydra ? 'error' : 'warning',
    code: 'duplicate-key',
    message: hydra
      ? `Duplicate key '${entry.key}' (first set on line ${line}): TAO's Hydra loader refuses the file. Remove one of them.`
      : `Duplicate key '${entry.key}' (first set on line ${line}): PyYAML silently keeps this later value. Remove one of them.`,
    span: entry.keySpan,
  };
}
