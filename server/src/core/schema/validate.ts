// Checks a parsed spec against its network's schema: unknown keys, types, ranges, options,
// required fields, oneof conflicts, repeated singular fields and version differences.
// Scalars are judged the way the dialect's real loader reads them (see tree.ts ScalarForm).
import type { Dialect, Entry, MapNode, ParsedSpec, ScalarNode, SpecDiagnostic, SpecNode } from '../tree';
import { insertionAfter, removalSpan } from '../util/edits';
import { suggest } from '../util/similar';
import { LOOKS_LIKE_FLOAT_RE } from '../parse/yaml-scalars';
import { compareVersions } from '../util/version';
import { hasType, objectSchemaOf, typesOf, whereKeyLives } from './navigate';
import type { NetworkSchema, SpecSchema } from './types';
import { brokenBounds, COUNT_BOUNDS, recommendedSources, requirement, VALUE_BOUNDS } from './bounds';
import { describeType } from './describe';

export interface ValidateOptions {
  /** TAO version the user targets (setting `tao.version`); undefined means the latest. */
  taoVersion?: string;
}

const PROTO_TRUE = new Set(['true', 'True', 't']);
const PROTO_FALSE = new Set(['false', 'False', 'f']);

export function validateAgainstSchema(spec: ParsedSpec, schema: NetworkSchema, options: ValidateOptions = {}): SpecDiagnostic[] {
  const v = new Validator(schema, spec.dialect, spec.text, options);
  const root = spec.root;
  v.object(root, schema, [], undefined);
  return v.diagnostics;
}

class Validator {
  readonly diagnostics: SpecDiagnostic[] = [];
  private readonly proto: boolean;

  constructor(private readonly root: NetworkSchema, private readonly dialect: Dialect, private readonly text: string, private readonly options: ValidateOptions) {
    this.proto = dialect === 'prototext';
  }

  object(map: MapNode, schema: SpecSchema, path: string[], owner: Entry | undefined): void {
    const obj = objectSchemaOf(schema) ?? schema;
    const props = obj.properties ?? {};
    const groups = new Map<string, Entry[]>();
    for (const entry of map.entries) {
      const list = groups.get(entry.key);
      if (list) list.push(entry);
      else groups.set(entry.key, [entry]);
    }
    const oneofSeen = new Map<string, Entry>();
    // Listed once per section, not once per unknown key (a hostile file has 100,000 of them).
    let siblings: string[] | undefined;
    for (const [key, entries] of groups) {
      const prop = props[key];
      if (!prop) {
        if (typeof obj.additionalProperties === 'object') {
          for (const e of entries) this.value(e.value, obj.additionalProperties, [...path, key], e);
        } else if (obj.additionalProperties !== true) {
          siblings ??= Object.keys(props);
          for (const e of entries) this.unknownKey(e, siblings, path);
        }
        continue;
      }
      this.versionCheck(entries[0], prop, [...path, key]);
      const group = prop['x-tao-oneof'];
      if (group) {
        const other = oneofSeen.get(group);
        if (other) {
          this.push('error', 'oneof-conflict', entries[0].keySpan,
            `'${key}' and '${other.key}' are alternatives (${group}): set only one of them. TAO reads whichever comes last and ignores the other.`,
            [{ title: `Remove '${key}'`, edits: [{ span: removalSpan(this.text, entries[0].span), newText: '' }] }]);
        } else oneofSeen.set(group, entries[0]);
      }
      const isArray = hasType(prop, 'array') && !hasType(prop, 'object');
      if (isArray && this.proto) {
        // Repeated protobuf field: every occurrence is one element, `[a, b]` adds several.
        const itemSchema = prop.items ?? {};
        let count = 0;
        for (const e of entries) {
          if (e.value?.kind === 'list') {
            for (const item of e.value.items) this.value(item, itemSchema, [...path, key], e);
            count += e.value.items.length;
          } else {
            this.value(e.value, itemSchema, [...path, key], e);
            count++;
          }
        }
        this.countCheck(count, prop, entries[0], key);
        continue;
      }
      if (entries.length > 1 && this.proto) {
        for (const e of entries.slice(0, -1)) {
          this.push('warning', 'duplicate-field', e.keySpan,
            `'${key}' is set more than once; TAO keeps only the last value (line of the last one wins). Remove this one or merge them.`,
            [{ title: `Remove this '${key}'`, edits: [{ span: removalSpan(this.text, e.span), newText: '' }] }]);
        }
      }
      const last = entries[entries.length - 1];
      this.value(last.value, prop, [...path, key], last);
    }
    for (const key of obj.required ?? []) {
      if (groups.has(key)) continue;
      const prop = props[key];
      const where = path.length ? `'${path.join('.')}'` : 'the top level';
      const at = owner ? owner.keySpan : { start: 0, end: 0 };
      const insertion = this.insertionFor(map, key, prop);
      this.push('error', 'missing-required', at, `Required field '${key}' is missing in ${where}. Add it${prop?.default !== undefined ? ` (default ${JSON.stringify(prop.default)})` : ''}.`,
        insertion ? [{ title: `Add '${key}'`, edits: [insertion] }] : undefined);
    }
  }

  private insertionFor(map: MapNode, key: string, prop: SpecSchema | undefined): { span: { start: number; end: number }; newText: string } | undefined {
    const last = map.entries[map.entries.length - 1];
    if (!last) return undefined;
    const placeholder = prop ? defaultLiteral(prop, this.proto) : '""';
    const isObject = prop && hasType(prop, 'object') && !hasType(prop, 'array');
    const body = isObject ? (this.proto ? `${key} {\n}` : `${key}: {}`) : `${key}: ${placeholder}`;
    return insertionAfter(this.text, last, body);
  }

  value(node: SpecNode | undefined, schema: SpecSchema, path: string[], entry: Entry): void {
    if (!node) return;
    if (schema.anyOf && schema.anyOf.length > 0) {
      let best: SpecDiagnostic[] | undefined;
      for (const alt of schema.anyOf) {
        const trial = new Validator(this.root, this.dialect, this.text, this.options);
        trial.value(node, { ...alt, description: schema.description }, path, entry);
        const errors = trial.diagnostics.filter((d) => d.severity === 'error');
        if (errors.length === 0) {
          this.diagnostics.push(...trial.diagnostics);
          return;
        }
        if (!best || errors.length < best.length) best = trial.diagnostics;
      }
      this.diagnostics.push(...(best ?? []));
      return;
    }
    const types = typesOf(schema);
    if (node.kind === 'scalar') {
      if (node.form === 'missing') {
        this.push('warning', 'unfilled-mandatory', node.span,
          `'${path.join('.')}' is '???': a value TAO requires. Fill it in here or pass ${path.join('.')}=VALUE on the command line before running.`);
        return;
      }
      if (node.form === 'interpolation') return; // resolved and checked by the interpolation rule
      if (node.form === 'null' && !this.proto) return; // YAML null: the loader keeps the field's default/None
      if (types.includes('object') || (types.includes('array') && !this.proto)) {
        if (!types.some((t) => t !== 'object' && t !== 'array')) {
          const expected = types.includes('object') ? (this.proto ? `a section: ${entry.key} { ... }` : 'a mapping of keys (an indented block)') : 'a list';
          this.push('error', 'wrong-type', node.span, `'${entry.key}' expects ${expected}, not the value '${truncate(node.raw)}'.`);
          return;
        }
      }
      this.scalar(node, schema, types, entry);
      return;
    }
    if (node.kind === 'map') {
      if (types.length > 0 && !types.includes('object')) {
        this.push('error', 'wrong-type', spanHead(node.span), `'${entry.key}' expects ${describeType(schema, this.proto)}, not a section.`);
        return;
      }
      this.object(node, schema, path, entry);
      return;
    }
    // list
    if (types.length > 0 && !types.includes('array')) {
      this.push('error', 'wrong-type', spanHead(node.span), `'${entry.key}' expects ${describeType(schema, this.proto)}, not a list.`);
      return;
    }
    const items = schema.items ?? {};
    for (const item of node.items) this.value(item, items, path, entry);
    this.countCheck(node.items.length, schema, entry, entry.key, node.span);
  }

  private scalar(node: ScalarNode, schema: SpecSchema, types: string[], entry: Entry): void {
    const key = entry.key;
    if (schema.enum && schema.enum.length > 0) {
      this.enumCheck(node, schema, key);
      return;
    }
    if (types.length === 0) return;
    const accepted = types.some((t) => this.accepts(node, t));
    if (!accepted) {
      const fixes = this.typeFixes(node, types);
      const hint = this.typeHint(node, types);
      this.push(hint.severity, hint.code, node.span, hint.message ?? `'${key}' expects ${describeType(schema, this.proto)}, but '${truncate(node.raw)}' is ${formName(node)}.`, fixes);
      return;
    }
    if (typeof node.value === 'number') this.rangeCheck(node, node.value, schema, key);
    if (schema.pattern && typeof node.value === 'string') {
      let re: RegExp | undefined;
      try {
        re = new RegExp(schema.pattern);
      } catch {
        re = undefined;
      }
      if (re && !re.test(node.value)) {
        this.push('error', 'pattern', node.span, `'${key}' must match ${schema.pattern}${schema.examples?.length ? ` (e.g. ${JSON.stringify(schema.examples[0])})` : ''}.`);
      }
    }
  }

  private accepts(node: ScalarNode, type: string): boolean {
    const { form } = node;
    switch (type) {
      case 'boolean':
        if (this.proto) return (form === 'identifier' && (PROTO_TRUE.has(String(node.value)) || PROTO_FALSE.has(String(node.value)))) || (form === 'int' && (node.value === 0 || node.value === 1));
        return form === 'bool';
      case 'integer':
        return form === 'int';
      case 'number':
        // Python protobuf refuses hex literals for float/double fields.
        if (this.proto && form === 'int' && /^-?0[xX]/.test(node.raw)) return false;
        return form === 'int' || form === 'float';
      case 'string':
        // OmegaConf turns any scalar into text for a str field; protobuf needs quotes.
        return this.proto ? form === 'string' : form !== 'null';
      case 'null':
        return form === 'null';
      default:
        return true;
    }
  }

  private typeHint(node: ScalarNode, types: string[]): { severity: 'error' | 'warning'; code: string; message?: string } {
    if (this.dialect === 'pyyaml' && node.form === 'string' && !node.quoted && types.includes('number') && LOOKS_LIKE_FLOAT_RE.test(String(node.value))) {
      return {
        severity: 'warning',
        code: 'pyyaml-float-string',
        message: `PyYAML reads '${node.raw}' as a string, not a number (it needs a dot and a signed exponent). Write ${pyyamlFloat(String(node.value))}.`,
      };
    }
    if (this.proto && node.form === 'identifier' && types.includes('string')) {
      return { severity: 'error', code: 'wrong-type', message: `Text values must be quoted in protobuf text: write "${node.raw}".` };
    }
    return { severity: 'error', code: 'wrong-type' };
  }

  private typeFixes(node: ScalarNode, types: string[]) {
    if (this.dialect === 'pyyaml' && types.includes('number') && LOOKS_LIKE_FLOAT_RE.test(String(node.value))) {
      const fixed = pyyamlFloat(String(node.value));
      return [{ title: `Write ${fixed} so PyYAML reads a number`, edits: [{ span: node.span, newText: fixed }], preferred: true }];
    }
    if (this.proto && types.includes('string') && node.form !== 'string') {
      return [{ title: 'Quote the value', edits: [{ span: node.span, newText: JSON.stringify(String(node.raw)) }], preferred: true }];
    }
    if (types.includes('boolean') && typeof node.value === 'string') {
      const lower = node.value.toLowerCase();
      if (['true', 'false', 'yes', 'no'].includes(lower)) {
        const fixed = lower === 'true' || lower === 'yes' ? 'true' : 'false';
        return [{ title: `Write ${fixed}`, edits: [{ span: node.span, newText: fixed }], preferred: true }];
      }
    }
    if ((types.includes('integer') || types.includes('number')) && node.form === 'string' && node.quoted && !Number.isNaN(Number(node.value)) && String(node.value).trim() !== '') {
      return [{ title: 'Remove the quotes', edits: [{ span: node.span, newText: String(node.value).trim() }], preferred: true }];
    }
    if (types.includes('integer') && node.form === 'float' && typeof node.value === 'number' && Number.isInteger(node.value)) {
      return [{ title: `Write ${node.value}`, edits: [{ span: node.span, newText: String(node.value) }], preferred: true }];
    }
    return undefined;
  }

  private enumCheck(node: ScalarNode, schema: SpecSchema, key: string): void {
    const options = schema.enum!.map((o) => String(o));
    const value = node.value === null ? 'null' : String(node.value);
    if (this.proto && schema['x-tao-proto-enum']) {
      if (node.form === 'int') {
        const numbers = Object.values(schema['x-tao-enum-numbers'] ?? {});
        if (numbers.length === 0 || numbers.includes(node.value as number)) return;
      } else if (node.form === 'identifier' && options.includes(value)) return;
      if (node.form === 'string') {
        this.push('error', 'wrong-type', node.span, `'${key}' is an enum: write the name without quotes (one of ${listOptions(options)}).`,
          options.includes(value) ? [{ title: `Write ${value}`, edits: [{ span: node.span, newText: value }], preferred: true }] : undefined);
        return;
      }
    } else if (options.includes(value) || schema.enum!.some((o) => o === node.value)) {
      return;
    }
    const near = suggest(value, options, 3);
    this.push('error', 'not-an-option', node.span, `'${truncate(node.raw)}' is not an option for '${key}'. Allowed: ${listOptions(options)}.${near.length ? ` Did you mean '${near[0]}'?` : ''}`,
      near.map((n, i) => ({ title: `Change to '${n}'`, edits: [{ span: node.span, newText: this.literalFor(node, n) }], preferred: i === 0 && near.length === 1 })));
  }

  private literalFor(node: ScalarNode, value: string): string {
    if (this.proto) return node.form === 'string' ? JSON.stringify(value) : value;
    if (node.quoted) return node.raw.startsWith("'") ? `'${value}'` : JSON.stringify(value);
    return value;
  }

  /**
   * A bound TAO enforces (protobuf type, TAO's own checks) is an error; a bound it does not (a
   * parameter sheet's UI limit, dataclass metadata) is a warning naming where the range comes from.
   */
  private rangeCheck(node: ScalarNode, value: number, schema: SpecSchema, key: string): void {
    if (Number.isNaN(value)) return;
    const unit = schema['x-tao-unit'] ? ` ${schema['x-tao-unit']}` : '';
    const { enforced, recommended } = brokenBounds(schema, VALUE_BOUNDS, value);
    if (enforced.length) {
      this.push('error', 'out-of-range', node.span, `'${key}' must be ${enforced.map(requirement).join(' and ')}${unit}; got ${node.raw}.`);
      return;
    }
    if (recommended.length) {
      this.push('warning', 'outside-recommended-range', node.span,
        `'${key}' is ${node.raw}, outside TAO's recommended range (from the ${recommendedSources(recommended)}): it should be ${recommended.map(requirement).join(' and ')}${unit}. TAO does not refuse the spec for it.`);
    }
  }

  private countCheck(count: number, schema: SpecSchema, entry: Entry, key: string, span = entry.keySpan): void {
    const { enforced, recommended } = brokenBounds(schema, COUNT_BOUNDS, count);
    for (const b of enforced) {
      if (b.kw === 'minItems') this.push('error', 'too-few-items', span, `'${key}' needs at least ${b.value} value${b.value === 1 ? '' : 's'}; it has ${count}.`);
      else this.push('error', 'too-many-items', span, `'${key}' takes at most ${b.value} value${b.value === 1 ? '' : 's'}; it has ${count}.`);
    }
    if (enforced.length === 0 && recommended.length) {
      this.push('warning', 'outside-recommended-range', span,
        `'${key}' has ${count} value${count === 1 ? '' : 's'}, outside TAO's recommended range (from the ${recommendedSources(recommended)}): ${recommended.map(requirement).join(' and ')}. TAO does not refuse the spec for it.`);
    }
  }

  private unknownKey(entry: Entry, siblings: string[], path: string[]): void {
    const near = suggest(entry.key, siblings, 3);
    const where = path.length ? `'${path[path.length - 1]}'` : 'the top level';
    let message = `Unknown field '${entry.key}' in ${where}: TAO will refuse the spec.`;
    const fixes = near.map((n, i) => ({ title: `Change to '${n}'`, edits: [{ span: entry.keySpan, newText: n }], preferred: i === 0 && near.length === 1 }));
    if (near.length) message += ` Did you mean '${near[0]}'?`;
    else {
      const elsewhere = whereKeyLives(this.root, entry.key).filter((p) => p !== [...path, entry.key].join('.'));
      if (elsewhere.length) message += ` '${entry.key}' belongs under '${elsewhere[0].split('.').slice(0, -1).join('.') || 'the top level'}'; move it there.`;
      else message += ' Remove it or check the network chosen for this file.';
    }
    this.push('error', 'unknown-key', entry.keySpan, message, fixes);
  }

  private versionCheck(entry: Entry, prop: SpecSchema, path: string[]): void {
    const target = this.options.taoVersion;
    if (prop['x-tao-deprecated']) {
      this.push('hint', 'deprecated', entry.keySpan, `'${path.join('.')}' is deprecated: ${prop['x-tao-deprecated']}`);
    }
    if (!target || target === 'latest') {
      if (prop['x-tao-removed']) {
        this.push('warning', 'removed-in-version', entry.keySpan, `'${path.join('.')}' was removed in TAO ${prop['x-tao-removed']}; the latest TAO ignores or refuses it.`);
      }
      return;
    }
    const removed = prop['x-tao-removed'];
    if (removed && compareVersions(target, removed) >= 0) {
      this.push('warning', 'removed-in-version', entry.keySpan, `'${path.join('.')}' no longer exists in TAO ${target} (removed in ${removed}).`);
    }
    const since = prop['x-tao-since'];
    if (since && compareVersions(target, since) < 0) {
      this.push('warning', 'added-in-version', entry.keySpan, `'${path.join('.')}' needs TAO ${since} or later; TAO ${target} does not know it.`);
    }
  }

  private push(severity: SpecDiagnostic['severity'], code: string, span: { start: number; end: number }, message: string, fixes?: SpecDiagnostic['fixes']): void {
    this.diagnostics.push(fixes && fixes.length ? { severity, code, message, span, fixes } : { severity, code, message, span });
  }
}

function spanHead(span: { start: number; end: number }): { start: number; end: number } {
  return { start: span.start, end: Math.min(span.end, span.start + 1) };
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function listOptions(options: string[]): string {
  return options.length > 12 ? `${options.slice(0, 12).join(', ')}, ... (${options.length} in all)` : options.join(', ');
}

function formName(node: ScalarNode): string {
  switch (node.form) {
    case 'string':
      return node.quoted ? 'text' : 'read as text';
    case 'int':
      return 'an integer';
    case 'float':
      return 'a decimal number';
    case 'bool':
      return 'a boolean';
    case 'null':
      return 'empty';
    case 'identifier':
      return 'a bare word';
    default:
      return node.form;
  }
}

/** The same number written so that PyYAML's YAML 1.1 float rule matches it. */
export function pyyamlFloat(text: string): string {
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isFinite(n)) return text;
  const [mantissa, exponent] = n.toExponential().split('e');
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  const e = Number(exponent);
  if (e === 0) return m;
  return `${m}e${e < 0 ? '-' : '+'}${Math.abs(e)}`;
}

function defaultLiteral(prop: SpecSchema, proto: boolean): string {
  const d = prop.default;
  if (d === undefined || d === null) {
    if (hasType(prop, 'string')) return '""';
    if (hasType(prop, 'boolean')) return 'false';
    if (hasType(prop, 'integer') || hasType(prop, 'number')) return '0';
    if (prop.enum?.length) return proto && prop['x-tao-proto-enum'] ? String(prop.enum[0]) : String(prop.enum[0]);
    return proto ? '""' : '???';
  }
  if (typeof d === 'string') return proto && prop['x-tao-proto-enum'] ? d : JSON.stringify(d);
  return typeof d === 'object' ? JSON.stringify(d) : String(d);
}
