// tao-engine: runs TAO tasks locally with TensorFlow.js, from the same spec files.
//   tao-engine <network> <task> -e SPEC -r RESULTS_DIR [options]
// Order of work: parse flags -> read and check the spec (no TensorFlow yet) -> prepare the
// results folder -> choose a backend -> run the task. Failures print one clear message,
// append a FAILURE line to status.json, and exit with code 1.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from './args';
import { NETWORKS, getTask, taskNames } from '../tasks/index';
import { EngineError, type EngineTask, type TaskContext, type Tf } from '../tasks/types';
import { loadSpec } from '../spec/load';
import { SpecError } from '../spec/errors';
import { buildConfig } from '../spec/defaults';
import { BACKEND_CHOICES, chooseBackend, isBackendChoice } from '../backend';
import { createLogger } from '../util/log';
import { createStatusWriter, type StatusWriter } from '../util/status';

function globalHelp(): string {
  const lines = [
    'Usage: tao-engine <network> <task> -e SPEC -r RESULTS_DIR [options]',
    '',
    'Runs TAO classification tasks locally with TensorFlow.js.',
    '',
    `Networks: ${Object.keys(NETWORKS).join(', ')}`,
    'Tasks:',
  ];
  for (const name of taskNames()) {
    const task = getTask(name);
    if (task) lines.push(`  ${name.padEnd(16)}${task.summary}`);
  }
  lines.push(
    '',
    'Common options:',
    '  -e, --experiment_spec FILE   spec file (protobuf text)',
    '  -r, --results_dir DIR        results folder',
    `  --backend NAME               ${BACKEND_CHOICES.join(' | ')} (default auto)`,
    '  --quiet                      only warnings and errors',
    '  --verbose                    stack traces and backend probing details',
    '',
    'Run `tao-engine <network> <task> --help` for a task\'s options.',
  );
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
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
  if (!NETWORKS[network]) {
    process.stderr.write(`error: unknown network "${network}" (available: ${Object.keys(NETWORKS).join(', ')})\n`);
    return 2;
  }
  const task: EngineTask | undefined = taskName ? getTask(taskName) : undefined;
  if (!task) {
    process.stderr.write(`error: ${taskName ? `unknown task "${taskName}"` : 'no task given'} (available: ${taskNames().filter((n) => getTask(n)).join(', ')})\n`);
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
    let config = buildConfig({}).config;
    if (needsSpec) {
      if (typeof flags.spec !== 'string') throw new EngineError(`${task.name} needs -e SPEC (see --help)`);
      specPath = resolve(flags.spec);
      const loaded = loadSpec(specPath, network);
      for (const w of loaded.warnings) log.warn(w);
      spec = loaded.plain;
      config = loaded.config;
    }
    // 2. Results folder and status.json.
    // prune may leave -r out (as in TAO): its status.json then goes next to the pruned model.
    const resultsArg = typeof flags.results === 'string' ? flags.results : task.name === 'prune' && typeof flags.output === 'string' ? dirname(resolve(flags.output)) : undefined;
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
      const chosen = await chooseBackend(choice);
      tf = chosen.tf;
      backend = chosen.name;
      log.info(`backend: ${chosen.description}`);
      if (flags.verbose) for (const s of chosen.skipped) log.info(`  skipped ${s}`);
    }
    const ctx: TaskContext = { network, task: task.name, flags, specPath, spec, config, resultsDir, status, log, tf, backend };
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
