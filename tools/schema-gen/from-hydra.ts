// Turns a Hydra network's dataclass fact file into a schema tree: dataclasses become closed
// objects (OmegaConf structured configs reject unknown keys), List[...] arrays, Dict free-form
// mappings, Optional[...] nullable, and the *_FIELD metadata defaults, ranges and options.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SpecSchema } from '../../server/src/core/schema/types';
import type { HydraFacts, DcField } from './extract-dataclasses';
import { factsDir } from './from-proto';
import { newObject, addType } from './schema-util';
import { setBound } from './bounds';

export type { HydraFacts };

export function readHydraFacts(network: string): HydraFacts | undefined {
  const file = join(factsDir(), 'hydra', `${network}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as HydraFacts) : undefined;
}

export function hydraSchema(facts: HydraFacts): SpecSchema {
  // `NVIDIA/tao-core@c93b4d4: nvidia_tao_core/config/dino` -> the config folder, for provenance.
  const where = facts.source.split(': ')[1] ?? facts.source;
  const typeSchema = (t: string, stack: string[]): SpecSchema => {
    if (t === 'int') return { type: 'integer' };
    if (t === 'float') return { type: 'number' };
    if (t === 'bool') return { type: 'boolean' };
    if (t === 'str') return { type: 'string' };
    if (t === 'dict') return { type: 'object', additionalProperties: true };
    if (t.startsWith('list:')) {
      const inner = t.slice(5);
      return { type: 'array', items: inner === 'any' ? {} : typeSchema(inner, stack) };
    }
    if (t.startsWith('cls:')) return classSchema(t.slice(4), stack);
    return {}; // Any / Union: any value
  };
  const fieldSchema = (f: DcField, stack: string[]): SpecSchema => {
    const s = typeSchema(f.t, stack);
    const numeric = f.t === 'int' || f.t === 'float';
    // valid_min/valid_max are field metadata: OmegaConf checks only names and types, and the
    // metadata is read by TAO's API/AutoML front end, not by the training code (docs/schemas.md).
    const origin = { source: 'dataclass' as const, enforced: false, ref: `${where} ${stack[stack.length - 1]}.${f.n}` };
    if (numeric && f.min !== undefined) setBound(s, 'minimum', f.min, origin);
    if (numeric && f.max !== undefined) setBound(s, 'maximum', f.max, origin);
    if (f.opt && f.opt.length && f.t === 'str') s.enum = [...new Set(f.opt)];
    if (f.opt && f.opt.length && f.t === 'list:str' && s.items) s.items.enum = [...new Set(f.opt)];
    if (f.d !== undefined && (!s.enum || s.enum.includes(f.d)) && f.d !== '') s.default = f.d;
    if (f.null && s.type) addType(s, 'null');
    return s;
  };
  const classSchema = (name: string, stack: string[]): SpecSchema => {
    const obj = newObject();
    if (stack.includes(name)) { obj.additionalProperties = true; return obj; } // recursive config
    for (const f of facts.classes[name] ?? []) obj.properties![f.n] = fieldSchema(f, [...stack, name]);
    return obj;
  };
  return classSchema(facts.root, []);
}
