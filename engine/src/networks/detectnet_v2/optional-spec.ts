// prune and export take -e but do not need it (a model folder of ours says what it is); given,
// the spec is read with every check, and supplies what a TAO model file does not record.
import { finishSpec } from '../../spec/load';
import { readOptionalSpec } from '../../tasks/optional-spec';
import type { TaskContext } from '../../tasks/types';
import { buildDetectnetConfig, type DetectnetConfig } from './config';

export function readDetectnetSpecIfGiven(ctx: TaskContext<DetectnetConfig>): DetectnetConfig | undefined {
  return readOptionalSpec(ctx, (read) => {
    const { config, problems } = buildDetectnetConfig(read.plain);
    finishSpec(read, problems);
    return config;
  })?.config;
}
