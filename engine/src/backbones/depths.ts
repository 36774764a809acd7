// Which n_layers each backbone family comes in (and the smallest input one needs). The pairs are TAO's facts and the language
// server already states them (CLASSIFICATION_DEPTHS, used by its n_layers check and
// completion); the engine reads the same table, so a spec the editor accepts is one the
// engine builds, and a test builds every pair to keep the builders in step with it.
import { CLASSIFICATION_DEPTHS } from '../../../server/src/core/rules/classification-tf1';

/** Depths of a family, or undefined when the family has one fixed depth (n_layers ignored). */
export function backboneDepths(arch: string): readonly number[] | undefined {
  return CLASSIFICATION_DEPTHS[arch];
}

/** Why `nLayers` cannot be built for `arch`, or undefined when it can (or the family ignores it). */
export function depthProblem(arch: string, nLayers: number): string | undefined {
  const depths = backboneDepths(arch);
  if (!depths || depths.includes(nLayers)) return undefined;
  return `${arch} comes in ${depths.join(', ')} layers, not ${nLayers}`;
}

/**
 * Smallest height/width a family builds at, where it is above the 16 every spec may use:
 * CSPDarkNet-tiny halves twice by strided convs ("same", rounding up) and three times by
 * "valid" 2x2 pools (rounding down), so anything under 29 leaves its last pool no pixel.
 */
export function minInputSize(arch: string): number {
  return arch === 'cspdarknet_tiny' ? 29 : 0;
}
