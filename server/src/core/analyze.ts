// The whole check of one spec document: text -> dialect -> tree -> network -> schema
// diagnostics + semantic rule diagnostics. The CLI, the language server, the conformance
// command and the tests all call this one function.
import { detectNetwork, familyFromFileName, findModeline, suggestNetworks } from './detect';
import type { Detection, DetectionSettings } from './detect';
import { parseSpec, yamlDialectOf } from './parse';
import { runRules } from './rules';
import type { FileProbe } from './rules/types';
import { getDefaultCatalog } from './schema/catalog';
import type { SchemaCatalog } from './schema/catalog';
import type { NetworkSchema } from './schema/types';
import { validateAgainstSchema } from './schema/validate';
import type { Dialect, ParsedSpec, SpecDiagnostic } from './tree';

export interface AnalyzeOptions {
  /** Path (or URI path) of the document: used for dialect, settings globs, relative paths. */
  filePath?: string;
  /** Force a network (CLI `--network`); skips detection. */
  network?: string;
  catalog?: SchemaCatalog;
  settings?: DetectionSettings;
  /** `tao.version`; the modeline's `version=` wins over it. */
  taoVersion?: string;
  /** Enables the path-exists rule. */
  probe?: FileProbe;
  mountsFile?: string;
}

export interface Analysis {
  spec: ParsedSpec;
  network?: string;
  detection: Detection;
  schema?: NetworkSchema;
  diagnostics: SpecDiagnostic[];
}

export function analyzeSpec(text: string, options: AnalyzeOptions = {}): Analysis {
  const catalog = options.catalog ?? getDefaultCatalog();
  const family = familyFromFileName(options.filePath);
  const extra: SpecDiagnostic[] = [];

  // The family (YAML or protobuf text) comes from the file name, or from the network a
  // modeline/--network names when the name says nothing. Within YAML, the loader follows the
  // content: `__class_name__` specs go through PyYAML, the rest through OmegaConf, whatever
  // network they are for (bpnet has both kinds).
  const forced = options.network ? catalog.resolveName(options.network) : undefined;
  const modeline = findModeline(text);
  const preset = forced ?? (modeline ? catalog.resolveName(modeline.name) : undefined);
  const presetDialect = preset ? catalog.index().networks[preset]?.dialect : undefined;
  let isYaml = family === 'yaml';
  if (!isYaml && presetDialect && presetDialect !== 'prototext' && !/\.(prototxt|pbtxt)$/i.test(options.filePath ?? '')) isYaml = true;
  if (!isYaml && !presetDialect && looksLikeYaml(text)) isYaml = true;
  const dialect: Dialect = isYaml ? yamlDialectOf(text) : 'prototext';
  const spec = parseSpec(text, dialect);

  let detection: Detection;
  if (forced) {
    detection = { network: forced, source: 'option', reason: `Network ${forced}, chosen explicitly.`, candidates: [] };
  } else {
    detection = detectNetwork(spec.root, text, options.filePath, dialect === 'prototext' ? 'prototext' : 'yaml', catalog, options.settings);
  }
  if (modeline && !catalog.resolveName(modeline.name)) {
    const near = suggestNetworks(modeline.name, catalog);
    extra.push({
      severity: 'error',
      code: 'unknown-network',
      message: `Unknown network '${modeline.name}' in the modeline.${near.length ? ` Did you mean '${near[0]}'?` : ''}`,
      span: modeline.span,
      fixes: near.map((n, i) => ({ title: `Use network ${n}`, edits: [{ span: modeline.span, newText: n }], preferred: i === 0 })),
    });
  }
  if (options.network && !forced) {
    extra.push({ severity: 'error', code: 'unknown-network', message: `Unknown network '${options.network}'.`, span: { start: 0, end: 0 } });
  }

  const network = detection.network;
  const schema = network ? catalog.schema(network) : undefined;
  const diagnostics: SpecDiagnostic[] = [...spec.diagnostics, ...extra];
  if (schema && network) {
    const taoVersion = detection.version ?? options.taoVersion;
    diagnostics.push(...validateAgainstSchema(spec, schema, { taoVersion }));
    diagnostics.push(...runRules({ spec, network, schema, filePath: options.filePath, probe: options.probe, mountsFile: options.mountsFile }));
  }
  diagnostics.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  return { spec, network, detection, schema, diagnostics };
}

/** A `.txt` file that is really YAML (`key: value` lines, no braces anywhere). */
function looksLikeYaml(text: string): boolean {
  const head = text.slice(0, 4000);
  return !/[{}<>]/.test(head.replace(/#.*$/gm, '').replace(/"[^"\n]*"|'[^'\n]*'/g, '')) && /^\s*[A-Za-z_][\w]*:\s*$/m.test(head);
}
