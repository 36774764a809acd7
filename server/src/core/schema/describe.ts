// Human wording for schema facts, shared by diagnostics, hover and completion details.
import { typesOf } from './navigate';
import type { SpecSchema } from './types';

export function describeType(schema: SpecSchema, proto: boolean): string {
  if (schema.enum?.length) return `one of ${schema.enum.map(String).join(', ')}`;
  const names = typesOf(schema).map((t) => {
    switch (t) {
      case 'integer':
        return 'an integer';
      case 'number':
        return 'a number';
      case 'boolean':
        return proto ? 'true or false' : 'a boolean (true/false)';
      case 'string':
        return proto ? 'quoted text' : 'text';
      case 'object':
        return 'a section';
      case 'array':
        return schema.items ? `a list of ${describeType(schema.items, proto).replace(/^(a|an) /, '')}s` : 'a list';
      case 'null':
        return 'null';
      default:
        return t;
    }
  });
  return names.length ? names.join(' or ') : 'any value';
}

/** "integer, default 16, 1 to 1024" */
export function describeFacts(schema: SpecSchema, proto: boolean): string[] {
  const facts: string[] = [`Type: ${describeType(schema, proto)}`];
  if (schema.default !== undefined) facts.push(`Default: \`${JSON.stringify(schema.default)}\``);
  const low = schema.minimum ?? schema.exclusiveMinimum;
  const high = schema.maximum ?? schema.exclusiveMaximum;
  if (low !== undefined || high !== undefined) {
    const lo = low === undefined ? '' : `${schema.exclusiveMinimum !== undefined ? '>' : '≥'} ${low}`;
    const hi = high === undefined ? '' : `${schema.exclusiveMaximum !== undefined ? '<' : '≤'} ${high}`;
    facts.push(`Range: ${[lo, hi].filter(Boolean).join(', ')}`);
  }
  if (schema['x-tao-unit']) facts.push(`Unit: ${schema['x-tao-unit']}`);
  if (schema['x-tao-oneof']) facts.push(`One of the alternatives in \`${schema['x-tao-oneof']}\` (set only one)`);
  if (schema['x-tao-tasks']?.length) facts.push(`Read by: ${schema['x-tao-tasks'].join(', ')}`);
  if (schema['x-tao-since']) facts.push(`Since TAO ${schema['x-tao-since']}`);
  if (schema['x-tao-removed']) facts.push(`Removed in TAO ${schema['x-tao-removed']}`);
  return facts;
}
