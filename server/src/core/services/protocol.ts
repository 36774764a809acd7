// The few LSP constants the services need, as plain values typed against the protocol's
// types. The services import only types from vscode-languageserver-types, so they carry no
// runtime dependency on any LSP package (the CLI and the fuzzer call them too).
import type {
  CompletionItemKind as CompletionItemKindT,
  CompletionItemTag as CompletionItemTagT,
  DiagnosticSeverity as DiagnosticSeverityT,
  DiagnosticTag as DiagnosticTagT,
  InsertTextFormat as InsertTextFormatT,
  InsertTextMode as InsertTextModeT,
  SymbolKind as SymbolKindT,
} from 'vscode-languageserver-types';

export const CompletionItemKind = {
  Module: 9,
  Property: 10,
  Value: 12,
  Snippet: 15,
  File: 17,
  Folder: 19,
  EnumMember: 20,
} as const satisfies Record<string, CompletionItemKindT>;

export const CompletionItemTag = { Deprecated: 1 } as const satisfies Record<string, CompletionItemTagT>;
export const InsertTextFormat = { Snippet: 2 } as const satisfies Record<string, InsertTextFormatT>;
export const InsertTextMode = { asIs: 1 } as const satisfies Record<string, InsertTextModeT>;
export const MarkupKind = { Markdown: 'markdown' } as const;

export const DiagnosticSeverity = { Error: 1, Warning: 2, Information: 3, Hint: 4 } as const satisfies Record<string, DiagnosticSeverityT>;
export const DiagnosticTag = { Deprecated: 2 } as const satisfies Record<string, DiagnosticTagT>;

export const SymbolKind = {
  Module: 2,
  Field: 8,
  String: 15,
  Number: 16,
  Boolean: 17,
  Array: 18,
  Null: 21,
  EnumMember: 22,
} as const satisfies Record<string, SymbolKindT>;

export const FoldingRangeKind = { Comment: 'comment' } as const;
export const CodeActionKind = { QuickFix: 'quickfix' } as const;
