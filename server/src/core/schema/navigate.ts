// Finding the schema of a field from a key path, looking through arrays (repeated fields,
// YAML lists) and alternatives, the way both dialects nest sections.
import type { SpecSchema } from './types';

/** The object-shaped schema to look up keys in: itself, its array items, or an object alternative. */
export function objectSchemaOf(schema: SpecSchema | undefined): SpecSchema | undefined {
  if (!schema) return undefined;
  if (schema.properties || schema.additionalProperties !== undefined) {
    if (hasType(schema, 'object') || schema.properties) return schema;
  }
  if (schema.items) return objectSchemaOf(schema.items);
  if (schema.anyOf) {
    for (const alt of schema.anyOf) {
      const found = objectSchemaOf(alt);
      if (found) return found;
    }
  }
  return undefined;
}

export function childSchema(schema: SpecSchema | undefined, key: string): SpecSchema | undefined {
  const obj = objectSchemaOf(schema);
  if (!obj) return undefined;
  const prop = obj.properties?.[key];
  if (prop) return prop;
  return typeof obj.additionalProperties === 'object' ? obj.additionalProperties : undefined;
}

export function schemaAtPath(root: SpecSchema, keys: string[]): SpecSchema | undefined {
  let schema: SpecSchema | undefined = root;
  for (const key of keys) {
    schema = childSchema(schema, key);
    if (!schema) return undefined;
  }
  return schema;
}

export function typesOf(schema: SpecSchema): string[] {
  if (schema.type) return Array.isArray(schema.type) ? schema.type : [schema.type];
  if (schema.properties) return ['object'];
  if (schema.items) return ['array'];
  if (schema.anyOf) return [...new Set(schema.anyOf.flatMap(typesOf))];
  return [];
}

export function hasType(schema: SpecSchema, type: string): boolean {
  return typesOf(schema).includes(type);
}

/**
 * Every dotted path in the schema at which `key` is a field, for "this belongs elsewhere" hints.
 * The schema is walked once per (root, depth) into a key index, not once per call: a document
 * with 100,000 unknown keys asked this 100,000 times and spent seconds walking the schema.
 */
export function whereKeyLives(root: SpecSchema, key: string, maxDepth = 6): string[] {
  let byDepth = keyIndexes.get(root);
  if (!byDepth) keyIndexes.set(root, (byDepth = new Map()));
  let index = byDepth.get(maxDepth);
  if (!index) byDepth.set(maxDepth, (index = indexKeys(root, maxDepth)));
  return [...(index.get(key) ?? [])];
}

/** Schemas are immutable once loaded, so their key indexes live as long as they do. */
const keyIndexes = new WeakMap<SpecSchema, Map<number, Map<string, string[]>>>();

/** Field name -> dotted paths, in the walk's depth-first order (the order hints list them in). */
function indexKeys(root: SpecSchema, maxDepth: number): Map<string, string[]> {
  const index = new Map<string, string[]>();
  const visit = (schema: SpecSchema | undefined, path: string[], depth: number): void => {
    const obj = objectSchemaOf(schema);
    if (!obj?.properties || depth > maxDepth) return;
    for (const [name, child] of Object.entries(obj.properties)) {
      const childPath = [...path, name];
      const paths = index.get(name);
      if (paths) paths.push(childPath.join('.'));
      else index.set(name, [childPath.join('.')]);
      visit(child, childPath, depth + 1);
    }
  };
  visit(root, [], 0);
  return index;
}
