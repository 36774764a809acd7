// Turns a network's proto fact file into a schema tree: messages become closed objects, repeated
// fields arrays, map<k,v> fields arrays of {key, value} entries, enums string enums with their
// numbers, and oneof members carry their group name.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SpecSchema } from '../../server/src/core/schema/types';
import { isProtoScalar, type ProtoField } from './proto-reader';
import { parseFieldLine, type ProtoFacts } from './extract-proto';
import { newObject } from './schema-util';

export function factsDir(): string {
  // out/tools/schema-gen -> repo root; the fact files stay in the source tree.
  return join(__dirname, '..', '..', '..', 'tools', 'schema-gen', 'facts');
}

export function readProtoFacts(network: string): ProtoFacts | undefined {
  const file = join(factsDir(), 'proto', `${network}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ProtoFacts) : undefined;
}

function scalarSchema(type: string): SpecSchema {
  switch (type) {
    case 'double': case 'float': return { type: 'number' };
    case 'bool': return { type: 'boolean' };
    case 'string': case 'bytes': return { type: 'string' };
    case 'uint32': case 'uint64': case 'fixed32': case 'fixed64':
      // Enforced: protobuf's text parser refuses a negative number for an unsigned field.
      return { type: 'integer', minimum: 0, 'x-tao-bounds': { minimum: { source: 'proto-type', enforced: true, ref: `${type} field` } } };
    default: return { type: 'integer' };
  }
}

export function protoSchema(facts: ProtoFacts): SpecSchema {
  const messages = new Map(Object.entries(facts.messages).map(([k, v]) => [k, v.map(parseFieldLine)]));
  const typeSchema = (type: string, stack: string[]): SpecSchema => {
    if (isProtoScalar(type)) return scalarSchema(type);
    const values = facts.enums[type];
    if (values) {
      return { type: 'string', enum: Object.keys(values), 'x-tao-proto-enum': true, 'x-tao-enum-numbers': { ...values } };
    }
    return messageSchema(type, stack);
  };
  const fieldSchema = (f: ProtoField, stack: string[]): SpecSchema => {
    let s: SpecSchema;
    if (f.mapKey) {
      const entry = newObject();
      entry.properties = { key: scalarSchema(f.mapKey), value: typeSchema(f.type, stack) };
      s = { type: 'array', 'x-tao-proto-map': true, items: entry };
    } else if (f.repeated) {
      s = { type: 'array', items: typeSchema(f.type, stack) };
    } else s = typeSchema(f.type, stack);
    if (f.oneof) s['x-tao-oneof'] = f.oneof;
    return s;
  };
  const messageSchema = (name: string, stack: string[]): SpecSchema => {
    const obj = newObject();
    if (stack.includes(name)) return obj; // recursive message: stop (none in TAO's protos today)
    for (const f of messages.get(name) ?? []) obj.properties![f.name] = fieldSchema(f, [...stack, name]);
    return obj;
  };
  // Several root messages (experiment, inference, dataset export) share one document namespace.
  const root = newObject();
  for (const r of facts.roots) {
    const m = messageSchema(r.message, []);
    for (const [k, v] of Object.entries(m.properties!)) {
      if (!root.properties![k]) root.properties![k] = { ...v, 'x-tao-tasks': [...r.tasks] };
      else root.properties![k]['x-tao-tasks'] = [...new Set([...(root.properties![k]['x-tao-tasks'] ?? []), ...r.tasks])];
    }
  }
  return root;
}
