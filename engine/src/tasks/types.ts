// The contract between the CLI and each task. A task receives everything already parsed and
// prepared (flags, spec, results folder, status writer, chosen TensorFlow.js instance), so
// adding a task means adding one module and one line in its network's task table
// (networks/<name>/index.ts). `C` is the network's typed config.
import type * as tfTypes from '@tensorflow/tfjs';
import type { StatusWriter } from '../util/status';
import type { Logger } from '../util/log';

/** The TensorFlow.js namespace the backend module picked (tfjs-node, or tfjs with wasm/cpu). */
export type Tf = typeof tfTypes;

/** Parsed command line flags: `--flag value` -> string, a bare `--flag` -> true. Short forms are expanded (-e -> spec). */
export type Flags = Record<string, string | boolean>;

export interface TaskContext<C = unknown> {
  /** e.g. `classification_tf1`. */
  network: string;
  /** e.g. `train`. */
  task: string;
  flags: Flags;
  /** Absolute path of the spec file (`-e`); empty when the task takes no spec. */
  specPath: string;
  /** The spec as a plain JS object (repeated protobuf fields become arrays only when repeated). */
  spec: Record<string, unknown>;
  /** The network's typed view of the spec, with TAO's defaults filled in (networks/<name>/config.ts). */
  config: C;
  /** Absolute path of the results folder (`-r`), created before the task runs. */
  resultsDir: string;
  /** Appends TAO-style lines to RESULTS/status.json. */
  status: StatusWriter;
  log: Logger;
  /** The chosen TensorFlow.js namespace; tasks that need no tensors may ignore it. */
  tf: Tf;
  /** Name of the active backend (`tensorflow`, `wasm`, `cpu`, ...). */
  backend: string;
}

export interface EngineTask<C = unknown> {
  /** Command name as typed on the command line. */
  name: string;
  /** One line for the task list in `--help`. */
  summary: string;
  /** Full `--help` text of the task: usage line and every flag. */
  usage: string;
  /** Whether the task needs `-e SPEC` (dataset_convert does not). Default true. */
  needsSpec?: boolean;
  /** Whether the task needs TensorFlow.js loaded (dataset_convert does not). Default true. */
  needsTf?: boolean;
  run(ctx: TaskContext<C>): Promise<void>;
}

/** Raised for user errors (bad flags, bad spec, missing data): printed without a stack, exit code 1. */
export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineError';
  }
}
