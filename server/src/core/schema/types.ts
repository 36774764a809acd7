// The subset of JSON Schema (draft-07 keywords) our schemas use, plus `x-tao-*` extensions
// for facts JSON Schema cannot state (protobuf oneofs, repeated fields, paths, versions).
// The files in schemas/ are plain JSON Schema: any JSON Schema tool can read them, and the
// extensions are ignored by tools that do not know them.

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null';

export interface SpecSchema {
  type?: SchemaType | SchemaType[];
  /** Our own hover text: what the field does, its unit, its effect. */
  description?: string;
  default?: unknown;
  examples?: unknown[];

  // objects
  properties?: Record<string, SpecSchema>;
  /** TAO's loaders reject unknown keys, so our generator writes `false` for every message/dataclass. */
  additionalProperties?: boolean | SpecSchema;
  required?: string[];

  // arrays (protobuf repeated fields, YAML sequences)
  items?: SpecSchema;
  minItems?: number;
  maxItems?: number;

  // scalars
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  /** The value must divide by this (e.g. an input size and a network's output stride). */
  multipleOf?: number;
  pattern?: string;

  /** Alternatives when a field takes more than one shape (e.g. an int or a list of ints). */
  anyOf?: SpecSchema[];

  /** Protobuf oneof: properties sharing a group name exclude each other. */
  'x-tao-oneof'?: string;
  /** Protobuf enum: values are written as bare names (or their numbers, listed in x-tao-enum-numbers). */
  'x-tao-proto-enum'?: boolean;
  'x-tao-enum-numbers'?: Record<string, number>;
  /** Protobuf map<k,v>: written as repeated `{ key: .. value: .. }` entries. */
  'x-tao-proto-map'?: boolean;
  /** The value is a filesystem path: `file`, `dir`, or `any`. Checked for existence as a warning. */
  'x-tao-path'?: 'file' | 'dir' | 'any';
  /** Tasks that read this field (train, evaluate, inference, export, prune, ...). */
  'x-tao-tasks'?: string[];
  /** First TAO version with this field (e.g. "5.0.0"). */
  'x-tao-since'?: string;
  /** First TAO version without this field. */
  'x-tao-removed'?: string;
  /** The field is deprecated by TAO (still read); the text says what to use instead. */
  'x-tao-deprecated'?: string;
  /** Unit shown in hover (e.g. "pixels", "epochs"). */
  'x-tao-unit'?: string;
  /** A whole section users add often: the completion snippet body for it. */
  'x-tao-snippet'?: string;
  /**
   * Where each numeric bound of this field comes from and whether TAO itself enforces it: an
   * enforced bound is an error when broken, any other only a warning (TAO's recommended range).
   */
  'x-tao-bounds'?: BoundProvenance;
}

/** The schema keywords that bound a value or a list's length. */
export type BoundKeyword = 'minimum' | 'maximum' | 'exclusiveMinimum' | 'exclusiveMaximum' | 'multipleOf' | 'minItems' | 'maxItems';

export const BOUND_KEYWORDS: readonly BoundKeyword[] = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems'];

/**
 * `proto-type`: an unsigned protobuf field (the text parser refuses negatives); `tao-validator`:
 * a check in TAO's own code that stops the task (spec validator, assert); `dataclass`: a Hydra
 * dataclass field's valid_min/valid_max metadata; `sheet`: a parameter sheet's UI limit;
 * `override`: tools/schema-gen/overrides.ts; `real-specs`: widened so a file NVIDIA ships passes.
 */
export type BoundSource = 'proto-type' | 'tao-validator' | 'dataclass' | 'sheet' | 'override' | 'real-specs';

export interface BoundOrigin {
  source: BoundSource;
  /** True only when TAO refuses a value outside the bound (parser, validator, assert). */
  enforced: boolean;
  /** Where it is stated: a file (and function) in NVIDIA's repository, a sheet, a spec file:line. */
  ref?: string;
  /** One line for hover: why the bound exists (overrides). */
  note?: string;
}

export interface BoundEntry extends BoundOrigin {
  /**
   * A weaker bound of the same keyword that TAO does enforce, kept under a stricter recommended
   * one (a uint field's 0 under a sheet's minimum of 1): below it the value is an error.
   */
  floor?: BoundOrigin & { value: number };
}

export type BoundProvenance = Partial<Record<BoundKeyword, BoundEntry>>;

/** Root of one network's schema file, schemas/<network>.schema.json. */
export interface NetworkSchema extends SpecSchema {
  $schema?: string;
  $id?: string;
  title?: string;
  'x-tao-network': string;
  'x-tao-dialect': 'prototext' | 'hydra-yaml' | 'pyyaml';
  /** Networks share some keys; these are the ones that tell this network apart when inferring. */
  'x-tao-signature-keys'?: string[];
}
