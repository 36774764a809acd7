// How PyYAML (YAML 1.1) and OmegaConf resolve a plain (unquoted) scalar. The npm `yaml`
// package follows YAML 1.2 rules by default and even its 1.1 mode differs from PyYAML on
// floats, so we resolve plain scalars ourselves from their source text.
import type { Dialect, ScalarForm } from '../tree';

const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const BOOL_TRUE_RE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const BOOL_FALSE_RE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const INT_RE = /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*|[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
// PyYAML: a float needs a dot, and an exponent needs a sign: `2e-4` and `1.0e5` stay strings.
const PYYAML_FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
// OmegaConf adds a resolver that also accepts exponents without a dot or sign (`2e-4`, `1e5`).
const OMEGACONF_FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
/** A float as a user means it, whatever the loader makes of it (used to explain PyYAML's surprise). */
export const LOOKS_LIKE_FLOAT_RE = OMEGACONF_FLOAT_RE;

export interface ResolvedScalar {
  value: string | number | boolean | null;
  form: ScalarForm;
}

export function resolvePlainScalar(source: string, dialect: Dialect): ResolvedScalar {
  // Plain decimal integers are most scalars of a long numeric list; skip the seven regular
  // expressions for them. Same answer as INT_RE + parseYamlInt: no sign, no leading zero.
  if (isPlainDecimal(source)) return { value: Number(source), form: 'int' };
  if (source === '???') return { value: source, form: 'missing' };
  if (dialect === 'hydra-yaml' && source.includes('${')) return { value: source, form: 'interpolation' };
  if (NULL_RE.test(source)) return { value: null, form: 'null' };
  if (BOOL_TRUE_RE.test(source)) return { value: true, form: 'bool' };
  if (BOOL_FALSE_RE.test(source)) return { value: false, form: 'bool' };
  if (INT_RE.test(source)) return { value: parseYamlInt(source), form: 'int' };
  const floatRe = dialect === 'hydra-yaml' ? OMEGACONF_FLOAT_RE : PYYAML_FLOAT_RE;
  if (floatRe.test(source)) return { value: parseYamlFloat(source), form: 'float' };
  return { value: source, form: 'string' };
}

function isPlainDecimal(source: string): boolean {
  const n = source.length;
  if (n === 0 || n > 15) return false; // longer ones go the regular way (precision is theirs)
  const first = source.charCodeAt(0);
  if (first < 48 || first > 57 || (first === 48 && n > 1)) return false;
  for (let i = 1; i < n; i++) {
    const c = source.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function sexagesimal(body: string): number {
  return body.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

function parseYamlInt(source: string): number {
  let s = source.replace(/_/g, '');
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s.includes(':')) return sign * sexagesimal(s);
  if (s.startsWith('0b')) return sign * parseInt(s.slice(2), 2);
  if (s.startsWith('0x')) return sign * parseInt(s.slice(2), 16);
  if (s.length > 1 && s.startsWith('0')) return sign * parseInt(s.slice(1), 8);
  return sign * Number(s);
}

function parseYamlFloat(source: string): number {
  const s = source.replace(/_/g, '');
  const lower = s.toLowerCase();
  if (lower.endsWith('.inf')) return lower.startsWith('-') ? -Infinity : Infinity;
  if (lower === '.nan') return NaN;
  if (s.includes(':')) {
    const negative = s.startsWith('-');
    const body = s.replace(/^[-+]/, '');
    return (negative ? -1 : 1) * sexagesimal(body);
  }
  return Number(s);
}
