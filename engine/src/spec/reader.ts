// Reading typed values out of a plain spec object. Proto3 leaves unset fields at zero and
// TAO's code substitutes its own defaults, so `num` treats 0 as unset unless told otherwise.
// Problems carry the dotted key path so the caller can point at the spec's line.
import type { Plain } from './plain';

export interface PathProblem {
  path: string;
  message: string;
}

export type Obj = { [key: string]: Plain };

export function obj(v: Plain | undefined): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

export class Reader {
  constructor(readonly problems: PathProblem[]) {}

  num(o: Obj, key: string, path: string, fallback: number, zeroIsUnset = true): number {
    const v = last(o[key]);
    if (v === undefined || v === null) return fallback;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n)) {
      this.problems.push({ path: `${path}.${key}`, message: `${key} must be a number, got ${JSON.stringify(v)}` });
      return fallback;
    }
    return zeroIsUnset && n === 0 ? fallback : n;
  }

  str(o: Obj, key: string, fallback = ''): string {
    const v = last(o[key]);
    if (v === undefined || v === null || v === '') return fallback;
    return String(v);
  }

  bool(o: Obj, key: string, path: string, fallback = false): boolean {
    const v = last(o[key]);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    const s = String(v);
    if (['true', 'True', 't', '1'].includes(s)) return true;
    if (['false', 'False', 'f', '0'].includes(s)) return false;
    this.problems.push({ path: `${path}.${key}`, message: `${key} must be true or false, got ${JSON.stringify(v)}` });
    return fallback;
  }

  nums(o: Obj, key: string): number[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    const list = Array.isArray(v) ? v.flat() : [v];
    return list.map(Number).filter(Number.isFinite);
  }
}

export function last(v: Plain | undefined): Plain | undefined {
  // A scalar field written twice: protobuf text keeps the last value.
  return Array.isArray(v) ? v[v.length - 1] : v;
}

