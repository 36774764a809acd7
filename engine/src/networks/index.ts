// Network registry: `tao-engine <network> <task>` looks both up here. Each network lives in
// its own folder (networks/<name>/) with an index.ts exporting a NetworkModule; adding a
// network is one folder and one line below. Static require strings keep esbuild bundling
// every network into dist/engine.js while loading only the one asked for.
import type { EngineTask } from '../tasks/types';
import type { NetworkModule } from './types';

// The modules' config types differ; the CLI hands each task the config its own network read.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNetwork = NetworkModule<any>;

const LOADERS: Record<string, () => AnyNetwork> = {
  classification_tf1: () => require('./classification_tf1').network as AnyNetwork,
  detectnet_v2: () => require('./detectnet_v2').network as AnyNetwork,
};

export function networkNames(): string[] {
  return Object.keys(LOADERS);
}

export function getNetwork(name: string): AnyNetwork | undefined {
  return LOADERS[name]?.();
}

export function taskNames(network: AnyNetwork): string[] {
  return Object.keys(network.tasks);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function getTask(network: AnyNetwork, name: string): EngineTask<any> | undefined {
  return network.tasks[name]?.();
}
