// Picks the parser for a dialect.
import type { Dialect, ParsedSpec } from '../tree';
import { parseProtoText } from './prototext';
import { parseYamlSpec } from './yaml';

export function parseSpec(text: string, dialect: Dialect): ParsedSpec {
  return dialect === 'prototext' ? parseProtoText(text) : parseYamlSpec(text, dialect);
}

/** `__class_name__` YAML (bpnet, fpenet) is read by plain PyYAML; other YAML specs by Hydra. */
export function yamlDialectOf(text: string): Dialect {
  return /^\s*__class_name__\s*:/m.test(text) ? 'pyyaml' : 'hydra-yaml';
}
