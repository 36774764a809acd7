// What a network brings to the engine: its tasks and the reader that turns a spec into its
// typed config. The CLI knows networks only through this interface, so classification_tf1
// and detectnet_v2 share nothing but the libraries both import (backbones, data, train, io).
import type { EngineTask } from '../tasks/types';
import type { ReadSpec } from '../spec/load';

export interface NetworkModule<C> {
  name: string;
  /** One line for `tao-engine --help`. */
  summary: string;
  /** Task name -> loader; loaded on use so `--help` and spec checks stay fast. */
  tasks: Record<string, () => EngineTask<C>>;
  /** The spec (already parsed and validated) -> typed config; throws SpecError with file:line problems. */
  readConfig(spec: ReadSpec): C;
  /** The config a task that takes no `-e SPEC` receives (TAO's defaults throughout). */
  defaultConfig(): C;
}
