// tao-engine: runs TAO tasks locally with TensorFlow.js, from the same spec files.
//   tao-engine <network> <task> -e SPEC -r RESULTS_DIR [options]
// Order of work: parse flags -> read and check the spec (no TensorFlow yet) -> prepare the
// results folder -> choose a backend -> run the task. Failures print one clear message,
// append a FAILURE line to status.json, and exit with code 1.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from './args';
import { getNetwork, getTask, networkNames, taskNames } from '../networks/index';
import type { NetworkModule } from '../networks/types';
import { EngineError, type EngineTask, type TaskContext, type Tf } from '../tasks/types';
import { readSpecFile } from '../spec/load';
import { SpecError } from '../spec/errors';
import { BACKEND_CHOICES, backendLabel, chooseBackend, isBackendChoice } from '../backend';
import { doctor } from './doctor';
import { createLogger } from '../util/log';
import { createStatusWriter, type StatusWriter } from '../util/status';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNetwork = NetworkModule<any>;

function globalHelp(): string {
  const lines = [
    'Usage: tao-engine <network> <task> -e SPEC -r RESULTS_DIR [options]',
    '       tao-engine doctor [--json]     which backends work here, and what to install for the others',
    '',
    'Runs TAO tasks locally with TensorFlow.js, from the same spec files TAO reads.',
    '',
    'Networks and their tasks:',
  ];
  for (const name of networkNames()) {
    const network = getNetwork(name) as AnyNetwork;
    lines.push(`  ${name.padEnd(20)}${network.summary}`);
    lines.push(`  ${''.padEnd(20)}${taskNames(network).join(', ')}`);
  }
  lines.push(
    '',
    'Common options:',
    '  -e, --experiment_spec FILE   spec file (protobuf text)',
    '  -r, --results_dir DIR        results folder',
    `  --backend NAME               ${BACKEND_CHOICES.join(' | ')} (default auto)`,
    '  --threads N                  CPU threads for the onednn backend (default: every core)',
    '  --quiet                      only warnings and errors',
    '  --verbose                    stack traces and backend probing details',
    '',
    "Run `tao-engine <network> <task> --help` for a task's options.",
  );
  return lines.join('\n') + '\n';
}

/**
 * Where status.json goes when -r is left out (TAO's commands allow that for most tasks):
 * beside a file output (prune, export, dataset_convert), in a folder output (inference,
 * augment), else beside the model being evaluated. Training always needs -r.
 */
function defaultResultsDir(task: string, flags: Record<string, string | boolean>): string | undefined {
  const output = typeof flags.output === 'string' && flags.output ? resolve(flags.output) : undefined;
  if (output && (task === 'prune' || task === 'export' || task === 'dataset_convert')) return dirname(output);
  if (output && (task === 'inference' || task === 'augment')) return output;
  if (typeof flags.model === 'string' && flags.model && (task === 'evaluate' || task === 'inference')) return dirname(resolve(flags.model));
  return undefined;
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'doctor') return doctor(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 2;
  }
  const { positional, flags } = parsed;
  const [network, taskName] = positional;
  if (!network || (flags.help && !taskName)) {
    process.stdout.write(globalHelp());
    return network || flags.help ? 0 : 2;
  }
  const net = getNetwork(network);
  if (!net) {
    process.stderr.write(`error: unknown network "${network}" (available: ${networkNames().join(', ')})\n`);
    return 2;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const task: EngineTask<any> | undefined = taskName ? getTask(net, taskName) : undefined;
  if (!task) {
    process.stderr.write(`error: ${taskName ? `unknown task "${taskName}" for ${network}` : 'no task given'} (available: ${taskNames(net).join(', ')})\n`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(task.usage);
    return 0;
  }
  const log = createLogger(flags.quiet === true);
  const needsSpec = task.needsSpec !== false;
  const needsTf = task.needsTf !== false;

  let status: StatusWriter | undefined;
  try {
    // 1. Spec (parsed and checked before any TensorFlow loads).
    let specPath = '';
    let spec: Record<string, unknown> = {};
    let config: unknown = net.defaultConfig();
    if (needsSpec) {
      if (typeof flags.spec !== 'string') throw new EngineError(`${task.name} needs -e SPEC (see --help)`);
      specPath = resolve(flags.spec);
      const read = readSpecFile(specPath, network);
      config = net.readConfig(read);
      for (const w of read.warnings) log.warn(w);
      spec = read.plain;
    }
    // 2. Results folder and status.json.
    // prune and dataset_convert may leave -r out (as in TAO): status.json then goes next to the output.
    const resultsArg = typeof flags.results === 'string' ? flags.results : defaultResultsDir(task.name, flags);
    if (resultsArg === undefined) throw new EngineError(`${task.name} needs -r RESULTS_DIR (see --help)`);
    const resultsDir = resolve(resultsArg);
    mkdirSync(resultsDir, { recursive: true });
    status = createStatusWriter(join(resultsDir, 'status.json'));
    const writer = status;
    // Ctrl-C: leave a status line saying why the run stopped; checkpoints are already atomic.
    process.once('SIGINT', () => {
      log.done();
      writer.write({ status: 'FAILURE', verbosity: 'ERROR', message: `Interrupted; ${task.name === 'train' ? 'run train again to resume from the last checkpoint' : 'nothing was finished'}.` });
      process.stderr.write('interrupted\n');
      process.exit(130);
    });
    // 3. Backend.
    let tf = undefined as unknown as Tf;
    let backend = 'none';
    if (needsTf) {
      const choice = typeof flags.backend === 'string' ? flags.backend : 'auto';
      if (!isBackendChoice(choice)) throw new EngineError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}`);
      let threads: number | undefined;
      if (flags.threads !== undefined) {
        threads = Number(flags.threads);
        if (!Number.isInteger(threads) || threads < 1) throw new EngineError('--threads must be a whole number of at least 1');
      }
      const chosen = await chooseBackend(choice, { threads });
      tf = chosen.tf;
      // status.json (and so the training panel) shows the adapter with the backend.
      backend = backendLabel(chosen);
      log.info(`backend: ${chosen.description}`);
      if (flags.verbose) for (const s of chosen.skipped) log.info(`  skipped ${s}`);
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const ctx: TaskContext<any> = { network, task: task.name, flags, specPath, spec, config, resultsDir, status, log, tf, backend };
    await task.run(ctx);
    return 0;
  } catch (err) {
    log.done();
    const known = err instanceof EngineError || err instanceof SpecError;
    const message = (err as Error).message;
    if (err instanceof SpecError) process.stderr.write(`${message}\nerror: the spec has ${err.problems.length} problem(s); nothing was run\n`);
    else process.stderr.write(`error: ${message}\n`);
    if (!known && flags.verbose && (err as Error).stack) process.stderr.write(`${(err as Error).stack}\n`);
    status?.write({ status: 'FAILURE', verbosity: 'ERROR', message });
    return 1;
  }
}

/** Runs the CLI and exits the process with its code (used by bin/tao-engine.js). */
export function run(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) run(process.argv.slice(2));
