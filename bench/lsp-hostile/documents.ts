// The hostile documents of issue 16 (item 3), generated: each is valid input a user could
// paste or a tool could write, and each once made analysis take seconds. Shared by the
// benchmark and test/lsp/hostile.test.ts.

export interface HostileDoc {
  name: string;
  fileName: string;
  languageId: string;
  text: string;
  /** What its diagnostics must contain: the analysis really ran to the end. */
  expect: RegExp;
}

const MODELINE = '# tao: network=classification_pyt';

/** `model:` as one flow list of 300,000 numbers on one line (600 KB). */
export function flowListDoc(count = 300_000): HostileDoc {
  const numbers = Array.from({ length: count }, (_, i) => String(i % 10)).join(',');
  const text = `${MODELINE}\nresults_dir: /results\nmodel: [${numbers}]\ndataset:\n  batch_size: 8\n`;
  return { name: `flow list of ${count} numbers`, fileName: 'flow.yaml', languageId: 'yaml', text, expect: /'model' expects a section/ };
}

/** 100,000 double quotes that never pair up into a scalar, on one line. */
export function strayQuotesDoc(count = 100_000): HostileDoc {
  const text = `${MODELINE}\nresults_dir: /results\nmodel:\n  backbone:\n    type: ${'"'.repeat(count)}\n`;
  return { name: `${count} stray quotes`, fileName: 'quotes.yaml', languageId: 'yaml', text, expect: /YAML syntax|not an option/ };
}

/** 100,000 keys, each opening a quote the line does not close (1.3 MB). */
export function unclosedQuotesDoc(count = 100_000): HostileDoc {
  const lines = [MODELINE];
  for (let i = 0; i < count; i++) lines.push(`k${i}: "abc`);
  return { name: `${count} unclosed quotes`, fileName: 'unclosed.yaml', languageId: 'yaml', text: `${lines.join('\n')}\n`, expect: /Unknown field 'k0'/ };
}

/** 10,000 levels of flow nesting (`[[[...]]]`). */
export function deepNestingDoc(depth = 10_000): HostileDoc {
  const text = `${MODELINE}\nmodel: ${'['.repeat(depth)}1${']'.repeat(depth)}\n`;
  return { name: `${depth} levels of nesting`, fileName: 'nesting.yaml', languageId: 'yaml', text, expect: /Nesting deeper than/ };
}

/** 10,000 levels of protobuf-text blocks (`a { a { ... } }`). */
export function deepBlocksDoc(depth = 10_000): HostileDoc {
  const text = `model_config ${'{ a '.repeat(depth)}${'}'.repeat(depth)}\n`;
  return { name: `${depth} nested blocks`, fileName: 'nesting.txt', languageId: 'tao-prototext', text, expect: /Nesting deeper than/ };
}

export function allHostileDocs(): HostileDoc[] {
  return [flowListDoc(), strayQuotesDoc(), unclosedQuotesDoc(), deepNestingDoc(), deepBlocksDoc()];
}
