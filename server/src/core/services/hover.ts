// Hover: what a field means (our description, type, default, range, options, tasks), on its
// key or its value; the resolved value of `${...}` interpolations; and, on the first line
// or the modeline, which network was chosen for the file and why.
import { MarkupKind } from './protocol';
import type { Hover, Position } from 'vscode-languageserver-types';
import { findModeline } from '../detect';
import { resolveReference } from '../rules/interpolation';
import { ngcHoverMarkdown } from '../rules/ngc-models';
import { describeFacts } from '../schema/describe';
import { schemaAtPath } from '../schema/navigate';
import { BOUND_KEYWORDS, type SpecSchema } from '../schema/types';
import { describeBounds } from '../schema/bounds';
import type { ScalarNode, Span, SpecNode } from '../tree';
import { keyPathOf, pathAtOffset } from '../tree-query';
import { cursorContext } from './context';
import type { ServiceDocument } from './document';

const MODELINE_LINES = 5;
const REF_RE = /\$\{([^${}]+)\}/g;

export function hover(doc: ServiceDocument, position: Position): Hover | null {
  const offset = doc.lines.offsetAt(position);
  const field = fieldHover(doc, offset);
  const network = onNetworkLine(doc, position) ? networkHover(doc) : undefined;
  if (!field && !network) return null;
  const value = [field?.markdown, network].filter(Boolean).join('\n\n---\n\n');
  const hoverResult: Hover = { contents: { kind: MarkupKind.Markdown, value } };
  if (field) hoverResult.range = doc.lines.rangeOf(field.span);
  return hoverResult;
}

/** The first line, or the modeline comment wherever it sits in the first lines. */
function onNetworkLine(doc: ServiceDocument, position: Position): boolean {
  if (position.line === 0) return true;
  if (position.line >= MODELINE_LINES) return false;
  const modeline = findModeline(doc.text);
  return !!modeline && doc.lines.positionAt(modeline.span.start).line === position.line;
}

function networkHover(doc: ServiceDocument): string {
  const { detection, network } = doc.analysis;
  const lines: string[] = [];
  lines.push(network ? `**TAO network: \`${network}\`** (${doc.analysis.spec.dialect === 'prototext' ? 'protobuf text' : 'YAML'})` : '**TAO network: not recognised**');
  lines.push(detection.reason);
  const others = detection.candidates.filter((c) => c.network !== network).slice(0, 3);
  if (others.length) lines.push(`Other candidates: ${others.map((c) => `\`${c.network}\``).join(', ')}.`);
  const how =
    detection.source === 'modeline'
      ? 'To change it, edit the modeline (`# tao: network=NAME`) or use the *Choose network* quick fix.'
      : 'To change it, add `# tao: network=NAME` as the first line (the *Choose network* quick fix does this), or map file names to networks with the setting `tao.files.networks`.';
  lines.push(how);
  return lines.join('\n\n');
}

interface FieldHover {
  markdown: string;
  span: Span;
}

function fieldHover(doc: ServiceDocument, offset: number): FieldHover | undefined {
  const { spec, schema } = doc.analysis;
  const proto = spec.dialect === 'prototext';
  const steps = pathAtOffset(spec.root, offset);
  const last = steps[steps.length - 1];
  if (last?.entry) {
    const keys = keyPathOf(steps);
    const entry = last.entry;
    const onKey = offset >= entry.keySpan.start && offset <= entry.keySpan.end;
    const fieldSchema = schema ? schemaAtPath(schema, keys) : undefined;
    const value = entry.value;
    const onValue = !onKey && value?.kind === 'scalar' && offset >= value.span.start && offset <= value.span.end;
    if (onKey || onValue) return valueOrKeyHover(doc, keys, fieldSchema, onKey ? undefined : (value as ScalarNode), onKey ? entry.keySpan : value!.span);
  } else if (last && last.listIndex !== undefined && last.node?.kind === 'scalar') {
    // An item of a list (`- 0`, `[3, 224, 224]`): it belongs to the field holding the list.
    const keys = keyPathOf(steps);
    if (keys.length > 0) return valueOrKeyHover(doc, keys, schema ? schemaAtPath(schema, keys) : undefined, last.node, last.node.span);
  }
  // The tree has nothing here (a key being typed, a broken line): read the key from the text.
  if (!schema) return undefined;
  const ctx = cursorContext(doc.text, offset, spec.dialect);
  if (!ctx || ctx.kind !== 'key' || !ctx.prefix) return undefined;
  const word = doc.text.slice(ctx.replace.start, ctx.replace.end);
  const keys = [...ctx.path, word];
  const fieldSchema = schemaAtPath(schema, keys);
  if (!fieldSchema) return undefined;
  return { markdown: fieldMarkdown(keys, fieldSchema, proto), span: ctx.replace };
}

function valueOrKeyHover(doc: ServiceDocument, keys: string[], fieldSchema: SpecSchema | undefined, value: ScalarNode | undefined, span: Span): FieldHover | undefined {
  const interpolation = value?.form === 'interpolation';
  if (!fieldSchema && !interpolation && !doc.analysis.schema) return undefined;
  const parts = [fieldMarkdown(keys, fieldSchema, doc.analysis.spec.dialect === 'prototext')];
  if (value && interpolation) {
    const resolved = interpolationMarkdown(doc, value, keys);
    if (resolved) parts.push(resolved);
  }
  // A pretrained-model key: which NGC model fits the spec's arch and depth as written now.
  const network = doc.analysis.network;
  const ngc = network ? ngcHoverMarkdown(network, doc.analysis.spec.root, keys) : undefined;
  if (ngc) parts.push(ngc);
  return { markdown: parts.join('\n\n'), span };
}

function fieldMarkdown(keys: string[], schema: SpecSchema | undefined, proto: boolean): string {
  const title = `**${keys[keys.length - 1]}**${keys.length > 1 ? ` — \`${keys.join('.')}\`` : ''}`;
  if (!schema) return `${title}\n\nNot a field of this network's spec.`;
  const parts = [title];
  if (schema.description) parts.push(schema.description);
  if (schema['x-tao-deprecated']) parts.push(`**Deprecated:** ${schema['x-tao-deprecated']}`);
  // Where each bound comes from, so the user can tell a limit TAO enforces from a recommendation;
  // that list replaces the plain "Range:" fact.
  const bounds = describeBounds(schema, BOUND_KEYWORDS);
  if (schema.items) bounds.push(...describeBounds(schema.items, BOUND_KEYWORDS).map((b) => `each value: ${b}`));
  const facts = describeFacts(schema, proto).filter((f) => !(bounds.length && f.startsWith('Range:')));
  if (facts.length) parts.push(facts.map((f) => `- ${f}`).join('\n'));
  if (bounds.length) parts.push(`**Range and where it comes from**\n${bounds.map((b) => `- ${b}`).join('\n')}`);
  return parts.join('\n\n');
}

/** Each `${ref}` in the value and what it resolves to in this document. */
/** `keyPath` is the path of the field holding the value (OmegaConf resolves `${.x}` from its parent). */
function interpolationMarkdown(doc: ServiceDocument, node: ScalarNode, keyPath: string[]): string | undefined {
  if (typeof node.value !== 'string') return undefined;
  const rows: string[] = [];
  for (const m of node.value.matchAll(REF_RE)) {
    const ref = m[1].trim();
    if (ref.includes(':')) {
      rows.push(`- \`\${${ref}}\`: a resolver, evaluated when TAO loads the spec`);
      continue;
    }
    const target = resolveReference(doc.analysis.spec.root, keyPath, ref);
    rows.push(`- \`\${${ref}}\` → ${target ? describeResolved(target) : '*not set in this file* (must come from the command line or a Hydra default)'}`);
  }
  if (rows.length === 0) return undefined;
  return `**Resolves to**\n${rows.join('\n')}`;
}

function describeResolved(node: SpecNode): string {
  if (node.kind === 'map') return `a section with ${node.entries.length} field${node.entries.length === 1 ? '' : 's'}`;
  if (node.kind === 'list') return `a list of ${node.items.length}`;
  const text = node.raw.length > 80 ? `${node.raw.slice(0, 77)}...` : node.raw;
  return `\`${text.replace(/`/g, "'")}\``;
}
