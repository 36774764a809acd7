// Placeholder until dataclass facts exist; replaced below.
import type { SpecSchema } from '../../server/src/core/schema/types';
export interface HydraFacts { source: string }
export function readHydraFacts(_network: string): HydraFacts | undefined { return undefined; }
export function hydraSchema(_f: HydraFacts): SpecSchema { return {}; }
