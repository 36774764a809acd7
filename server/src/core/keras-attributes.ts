// How Keras stores text in a .hdf5 file's attributes, read from h5wasm's values: fixed-length
// byte strings (scalars or lists), and long name lists split over `name0`, `name1`, ... when one
// attribute would pass HDF5's 64 KB header limit. Pure: the engine's Keras reader and the
// language server's layer-name probe both read through it.

/** An h5wasm group or file, as far as its attributes go. */
export interface AttributeHolder {
  attrs: Record<string, { value: unknown } | undefined>;
}

/** The strings an attribute value holds (bytes decoded as UTF-8); [] for anything else. */
export function attributeStrings(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (value instanceof Uint8Array) return [Buffer.from(value).toString('utf8')];
  if (Array.isArray(value)) return value.flatMap((v) => attributeStrings(v));
  return [];
}

/** One text attribute (a list's parts joined), or undefined when absent or empty. */
export function attributeText(holder: AttributeHolder, name: string): string | undefined {
  const attr = holder.attrs[name];
  if (!attr) return undefined;
  const parts = attributeStrings(attr.value);
  return parts.length ? parts.join('') : undefined;
}

/** A name list, whole or reassembled from Keras' numbered parts. */
export function attributeList(holder: AttributeHolder, name: string): string[] {
  const attrs = holder.attrs;
  const whole = attrs[name];
  if (whole) return attributeStrings(whole.value);
  const out: string[] = [];
  for (let i = 0; attrs[`${name}${i}`]; i++) out.push(...attributeStrings(attrs[`${name}${i}`]!.value));
  return out;
}
