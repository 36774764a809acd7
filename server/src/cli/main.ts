// `tao-spec`: the language core from the command line, for CI pipelines.
//   tao-spec check FILES... [--network N] [--format text|json] [--tao-version V] [--no-path-check] [--data] [--mounts FILE]
//   tao-spec networks
// Exit codes: 0 no errors, 1 errors found, 2 usage error or unreadable file.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { analyzeSpec } from '../core/analyze';
import { MemoryDataCache, runDataChecks } from '../core/data';
import { nodeFileProbe } from '../core/node-probe';
import { kerasReaderReady } from '../core/keras-names-node';
import { getDefaultCatalog } from '../core/schema/catalog';
import { LineIndex } from '../core/text';
import type { SpecDiagnostic } from '../core/tree';
import { parseArgs, UsageError } from './args';

const USAGE = `Usage:
  tao-spec check FILES... [options]   check TAO spec files (protobuf text or YAML)
  tao-spec networks                   list the networks with schemas

Options for check:
  --network NAME        use this network's schema (e.g. classification_tf1, detectnet_v2, dino)
                        instead of detecting it from the modeline or the keys
  --format text|json    text: one line per problem, "file:line:col severity code message"
                        (1-based line and column); json: one array, 0-based LSP positions
  --tao-version V       report keys that TAO V removed or does not know yet
  --no-path-check       do not warn about dataset/model paths missing on this machine
  --data                also read the datasets the spec names, where they exist on this
                        machine: class names in labels vs target_class_mapping, class
                        folders per split, image extensions, empty globs, COCO categories
                        vs num_classes (docs/data-checks.md)
  --mounts FILE         TAO mounts file for container paths (default ~/.tao_mounts.json)
  -h, --help            this text

Exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage error or unreadable file.`;

interface FileResult {
  file: string;
  network: string | null;
  diagnostics: Array<{
    severity: SpecDiagnostic['severity'];
    code: string;
    message: string;
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
  }>;
}

export function main(argv: string[]): number {
  let args;
  try {
    args = parseArgs(argv, { values: ['network', 'format', 'tao-version', 'mounts'], flags: ['no-path-check', 'data', 'help', 'h'] });
  } catch (error) {
    process.stderr.write(`tao-spec: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const [command, ...files] = args.positional;
  if (args.flags.has('help') || args.flags.has('h') || !command) {
    (command || args.flags.size ? process.stdout : process.stderr).write(`${USAGE}\n`);
    return command || args.flags.size ? 0 : 2;
  }
  if (command === 'networks') {
    const catalog = getDefaultCatalog();
    for (const [name, entry] of Object.entries(catalog.index().networks).sort()) process.stdout.write(`${name}\t${entry.dialect}\n`);
    return 0;
  }
  if (command !== 'check') {
    process.stderr.write(`tao-spec: unknown command '${command}'\n\n${USAGE}\n`);
    return 2;
  }
  const format = args.values.get('format') ?? 'text';
  if (format !== 'text' && format !== 'json') {
    process.stderr.write(`tao-spec: --format must be text or json, not '${format}'\n`);
    return 2;
  }
  if (files.length === 0) {
    process.stderr.write(`tao-spec: check needs at least one file\n\n${USAGE}\n`);
    return 2;
  }
  const network = args.values.get('network');
  const catalog = getDefaultCatalog();
  if (network && !catalog.resolveName(network)) {
    process.stderr.write(`tao-spec: unknown network '${network}'. Run 'tao-spec networks' for the list.\n`);
    return 2;
  }
  let unreadable = false;
  let errors = false;
  // Shared by the files of one run: specs that name the same folders read them once.
  const dataCache = args.flags.has('data') ? new MemoryDataCache() : undefined;
  const results: FileResult[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readSpecs.get(file) ?? readFileSync(file, 'utf8');
    } catch (error) {
      process.stderr.write(`tao-spec: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      unreadable = true;
      continue;
    }
    const analysis = analyzeSpec(text, {
      filePath: resolve(file),
      network,
      catalog,
      taoVersion: args.values.get('tao-version'),
      probe: args.flags.has('no-path-check') ? undefined : nodeFileProbe,
      mountsFile: args.values.get('mounts'),
    });
    if (dataCache && analysis.network) {
      const found = runDataChecks({ spec: analysis.spec, network: analysis.network, filePath: resolve(file), probe: nodeFileProbe, mountsFile: args.values.get('mounts'), cache: dataCache });
      analysis.diagnostics.push(...found);
      analysis.diagnostics.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
    }
    const lines = new LineIndex(text);
    const result: FileResult = {
      file,
      network: analysis.network ?? null,
      diagnostics: analysis.diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, range: lines.rangeOf(d.span) })),
    };
    if (!analysis.network) {
      result.diagnostics.unshift({
        severity: 'warning',
        code: 'no-network',
        message: `${analysis.detection.reason} Use --network to choose one.`,
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      });
    }
    if (result.diagnostics.some((d) => d.severity === 'error')) errors = true;
    results.push(result);
  }
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    for (const r of results) {
      for (const d of r.diagnostics) {
        process.stdout.write(`${r.file}:${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity} ${d.code} ${d.message}\n`);
      }
    }
    const count = (s: string) => results.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === s).length, 0);
    process.stderr.write(`${results.length} file(s) checked: ${count('error')} error(s), ${count('warning')} warning(s)\n`);
  }
  if (unreadable) return 2;
  return errors ? 1 : 0;
}

/** Runs the CLI and sets the exit code; never throws for bad input. */
export function run(argv: string[]): void {
  void readerIfNeeded(argv).then(() => {
    try {
      process.exitCode = main(argv);
    } catch (error) {
      process.stderr.write(`tao-spec: internal error: ${(error as Error).stack ?? error}\n`);
      process.exitCode = error instanceof UsageError ? 2 : 3;
    }
  });
}

/**
 * The pretrained-backbone check reads .hdf5 files through a WebAssembly module that loads
 * asynchronously: load it first, but only when a spec to check names such a file (and paths
 * are checked), so ordinary runs never pay for it.
 */
/** Spec texts read while deciding whether to load the reader, so the check does not read them again. */
const readSpecs = new Map<string, string>();

async function readerIfNeeded(argv: string[]): Promise<void> {
  if (argv.includes('--no-path-check')) return;
  const namesKerasFile = argv.some((arg) => {
    if (arg.startsWith('-')) return false;
    try {
      const text = readFileSync(arg, 'utf8');
      readSpecs.set(arg, text);
      return /\.(hdf5|h5)\b/i.test(text);
    } catch {
      return false;
    }
  });
  if (namesKerasFile) await kerasReaderReady();
}

if (require.main === module) run(process.argv.slice(2));
