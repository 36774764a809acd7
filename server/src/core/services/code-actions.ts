// Code actions: every fix the core attached to a diagnostic becomes a quick fix; several
// missing required fields can be added in one go; and the network of the file can be
// chosen with a modeline (top candidates) or through the client's picker command.
import { CodeActionKind } from './protocol';
import type { CodeAction, Diagnostic, Range, TextEdit as LspTextEdit } from 'vscode-languageserver-types';
import { detectNetwork, familyFromFileName, findModeline } from '../detect';
import { schemaAtPath } from '../schema/navigate';
import type { Fix, SpecDiagnostic, Span } from '../tree';
import { keyPathOf, pathAtOffset } from '../tree-query';
import { toLspDiagnostic } from './diagnostics';
import type { ServiceDocument } from './document';
import { objectOf, skeleton } from './skeleton';

/** Client command (implemented by the VS Code extension) that opens a network picker. */
export const SELECT_NETWORK_COMMAND = 'tao.selectNetwork';
const MODELINE_LINES = 5;
const NETWORK_CHOICES = 3;

export interface CodeActionQuery {
  range: Range;
  /** Kinds the client asked for (`only`); all kinds when absent. */
  only?: string[];
  /** Diagnostics found outside the analysis (the server's data checks), whose fixes count too. */
  extraDiagnostics?: SpecDiagnostic[];
}

export function codeActions(doc: ServiceDocument, query: CodeActionQuery): CodeAction[] {
  const start = doc.lines.offsetAt(query.range.start);
  const end = doc.lines.offsetAt(query.range.end);
  const all = query.extraDiagnostics?.length ? [...doc.analysis.diagnostics, ...query.extraDiagnostics] : doc.analysis.diagnostics;
  const touched = all.filter((d) => d.span.start <= end && d.span.end >= start);
  const actions: CodeAction[] = [];
  for (const d of touched) {
    const lsp = toLspDiagnostic(d, doc.lines);
    for (const fix of d.fixes ?? []) actions.push(fixAction(doc, fix, [lsp]));
    if (d.code === 'missing-required' && !d.fixes?.length) {
      const fix = fillEmptySection(doc, d);
      if (fix) actions.push(fixAction(doc, fix, [lsp]));
    }
  }
  actions.push(...addAllRequired(doc, touched));
  if (wantsNetworkChoice(doc, query.range, touched)) actions.push(...networkActions(doc, touched));
  const only = query.only;
  if (!only || only.length === 0) return actions;
  return actions.filter((a) => only.some((kind) => a.kind === kind || (a.kind ?? '').startsWith(`${kind}.`)));
}

function edits(doc: ServiceDocument, spans: Array<{ span: Span; newText: string }>): LspTextEdit[] {
  return spans.map((e) => ({ range: doc.lines.rangeOf(e.span), newText: e.newText }));
}

function fixAction(doc: ServiceDocument, fix: Fix, diagnostics: Diagnostic[]): CodeAction {
  const action: CodeAction = {
    title: fix.title,
    kind: CodeActionKind.QuickFix,
    diagnostics,
    edit: { changes: { [doc.uri]: edits(doc, fix.edits) } },
  };
  if (fix.preferred) action.isPreferred = true;
  return action;
}

/**
 * The core attaches an insertion to a missing required field when its section has a field to
 * insert after. An empty section (`model_config {}`, `dataset: {}`) has none: fill it with
 * every required field at once, written out in block form.
 */
function fillEmptySection(doc: ServiceDocument, d: SpecDiagnostic): Fix | undefined {
  const { spec, schema } = doc.analysis;
  if (!schema) return undefined;
  const steps = pathAtOffset(spec.root, d.span.start);
  const last = steps[steps.length - 1];
  const entry = last?.entry;
  if (!entry || entry.keySpan.start !== d.span.start || entry.value?.kind !== 'map' || entry.value.entries.length > 0) return undefined;
  const value = entry.value;
  const body = doc.text.slice(value.span.start, value.span.end);
  if (body.includes('#')) return undefined; // a comment inside: do not rewrite around it
  const section = schemaAtPath(schema, keyPathOf(steps));
  if (!section) return undefined;
  const lineStart = doc.text.lastIndexOf('\n', entry.keySpan.start - 1) + 1;
  const indent = /^[ \t]*/.exec(doc.text.slice(lineStart, entry.keySpan.start))![0];
  const unit = '  ';
  const fields = skeleton(objectOf(section), spec.dialect, indent + unit, unit);
  if (!fields) return undefined;
  if (spec.dialect === 'prototext') {
    if (!/^[{<]\s*[}>]$/.test(body)) return undefined;
    const close = body.startsWith('<') ? '>' : '}';
    return { title: `Add the required fields of '${entry.key}'`, edits: [{ span: value.span, newText: `${body[0]}\n${fields}\n${indent}${close}` }], preferred: true };
  }
  if (!/^\{\s*\}$/.test(body)) return undefined;
  return { title: `Add the required fields of '${entry.key}'`, edits: [{ span: { start: entry.keySpan.end, end: value.span.end }, newText: `:\n${fields}` }], preferred: true };
}

/** One action for all missing required fields near the cursor (each also has its own fix). */
function addAllRequired(doc: ServiceDocument, touched: SpecDiagnostic[]): CodeAction[] {
  const missing = touched.filter((d) => d.code === 'missing-required' && d.fixes?.length);
  if (missing.length < 2) return [];
  return [
    {
      title: `Add all ${missing.length} missing required fields`,
      kind: CodeActionKind.QuickFix,
      diagnostics: missing.map((d) => toLspDiagnostic(d, doc.lines)),
      edit: { changes: { [doc.uri]: edits(doc, missing.flatMap((d) => d.fixes![0].edits)) } },
    },
  ];
}

/** Offered on the first lines (where the modeline lives), when no network was found, or on errors that a wrong network explains. */
function wantsNetworkChoice(doc: ServiceDocument, range: Range, touched: SpecDiagnostic[]): boolean {
  if (range.start.line < MODELINE_LINES && range.start.line <= firstContentLine(doc)) return true;
  if (!doc.analysis.network) return true;
  return touched.some((d) => d.code === 'unknown-network' || d.code === 'unknown-key');
}

function firstContentLine(doc: ServiceDocument): number {
  const lines = doc.text.split('\n', MODELINE_LINES);
  const i = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  return i < 0 ? MODELINE_LINES : i;
}

function networkActions(doc: ServiceDocument, touched: SpecDiagnostic[]): CodeAction[] {
  const { analysis } = doc;
  const current = analysis.network;
  let candidates = analysis.detection.candidates.map((c) => c.network);
  if (candidates.length === 0) {
    // The modeline or a setting decided: score the keys anyway to propose alternatives.
    const family = analysis.spec.dialect === 'prototext' ? 'prototext' : familyFromFileName(doc.filePath ?? doc.uri);
    candidates = detectNetwork(analysis.spec.root, '', doc.filePath, family, doc.catalog).candidates.map((c) => c.network);
  }
  const modeline = findModeline(doc.text);
  const diagnostics = touched.filter((d) => d.code === 'unknown-network').map((d) => toLspDiagnostic(d, doc.lines));
  const actions: CodeAction[] = [];
  for (const network of candidates.filter((n) => n !== current).slice(0, NETWORK_CHOICES)) {
    const edit = modeline ? { span: modeline.span, newText: network } : { span: { start: 0, end: 0 }, newText: `# tao: network=${network}\n` };
    const action: CodeAction = {
      title: `Set the network to ${network} (modeline)`,
      kind: CodeActionKind.QuickFix,
      edit: { changes: { [doc.uri]: edits(doc, [edit]) } },
    };
    if (diagnostics.length) action.diagnostics = diagnostics;
    actions.push(action);
  }
  actions.push({
    title: 'Choose the TAO network for this file…',
    kind: CodeActionKind.QuickFix,
    command: { title: 'Choose the TAO network', command: SELECT_NETWORK_COMMAND, arguments: [doc.uri] },
  });
  return actions;
}
