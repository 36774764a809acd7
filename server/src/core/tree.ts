// The one tree both spec dialects parse into. The schema layer, the rules and every editor
// feature walk this tree only, so a feature written once works for YAML and protobuf text.

/** Half-open range of UTF-16 code-unit offsets into the document text, like JavaScript strings. */
export interface Span {
  start: number;
  end: number;
}

/**
 * How TAO will load the file:
 * - `prototext`: protobuf text format read by `text_format.Merge` (TF1 networks);
 * - `hydra-yaml`: YAML 1.1 read by OmegaConf (floats like `2e-4` resolve, duplicate keys are an error);
 * - `pyyaml`: YAML 1.1 read by plain PyYAML (`__class_name__` specs of bpnet/fpenet: `2e-4` is a string).
 */
export type Dialect = 'prototext' | 'hydra-yaml' | 'pyyaml';

export type SpecNode = MapNode | ListNode | ScalarNode;

/**
 * Deepest nesting any parser builds a tree for; deeper content is reported and skipped. Real
 * specs nest fewer than 15 levels. The bound keeps every recursive walker (validator, rules,
 * editor features) far from the stack limit: V8 aborts the process, rather than throwing,
 * when it compiles a regular expression with almost no stack left.
 */
export const MAX_TREE_DEPTH = 128;

export interface MapNode {
  kind: 'map';
  span: Span;
  /** In source order. Protobuf repeated fields appear as several entries with the same key. */
  entries: Entry[];
}

export interface Entry {
  key: string;
  keySpan: Span;
  /** Absent when the parser recovered from a field with no value (`lr:` at end of file). */
  value: SpecNode | undefined;
  /** From the key's start to the value's end. */
  span: Span;
}

export interface ListNode {
  kind: 'list';
  span: Span;
  items: SpecNode[];
}

/**
 * How the dialect's own loader reads a scalar before any schema is applied.
 * - `identifier`: protobuf text bare word (`true`, `t`, `SGD`, `BILINEAR`); the schema decides
 *   whether it is a bool or an enum value.
 * - `missing`: Hydra's `???` (a value the user must still provide).
 * - `interpolation`: a Hydra `${...}` value whose type is only known after resolution.
 */
export type ScalarForm = 'string' | 'int' | 'float' | 'bool' | 'null' | 'identifier' | 'missing' | 'interpolation';

export interface ScalarNode {
  kind: 'scalar';
  span: Span;
  /** The source text of the value (for a protobuf string: the quoted literal(s) as written). */
  raw: string;
  /** The value as the dialect's loader produces it (strings unescaped and concatenated). */
  value: string | number | boolean | null;
  form: ScalarForm;
  quoted: boolean;
}

export interface Comment {
  span: Span;
  /** Text after the comment marker, untrimmed. */
  text: string;
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** A text change a quick fix applies; `span` is replaced by `newText`. */
export interface TextEdit {
  span: Span;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix an editor may apply without asking (e.g. the single did-you-mean candidate). */
  preferred?: boolean;
}

export interface SpecDiagnostic {
  severity: Severity;
  /** Stable code, e.g. `syntax`, `unknown-key`, `wrong-type`; documented in docs/diagnostics.md. */
  code: string;
  message: string;
  span: Span;
  fixes?: Fix[];
}

export interface ParsedSpec {
  dialect: Dialect;
  text: string;
  /** Top-level mapping; empty (not absent) for an empty or unparseable document. */
  root: MapNode;
  comments: Comment[];
  /** Problems found while parsing (syntax, duplicate keys the loader rejects, ...). */
  diagnostics: SpecDiagnostic[];
}
