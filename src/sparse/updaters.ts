// A method's mask updater (after rigl_tf2's MaskUpdater, whose subclasses override only their scores): what
// it drops and grows by, and for GraNet/GMP the gradual pruning before that, composed from the method's row of
// METHOD_RULES. A booster's exploration drops the same way and grows by the criterion it asks for (masks_hook.ts).
import type { GradualPruning } from './gradual.js';
import type { GrowthCriterion, GrowthKind } from './growth.js';
import type { MaskedLayer } from './masks.js';
import type { MethodRule } from './method.js';
import { magnitude } from './prune_grow.js';

export interface MaskUpdater {
  /** Scores of a layer's stored weights (dense, or a compressed weight's values): the k lowest active are dropped. */
  dropScores(l: MaskedLayer): Float32Array;
  /** Where the k highest-scoring inactive positions grow back (null: nothing regrows, GMP). */
  growth: GrowthCriterion | null;
  /** GraNet/GMP: the pruning to the cubic schedule before the prune-and-grow (null: none). */
  gradual: GradualPruning | null;
}

/** |w|: every method of SPEC §4 drops its active weights of smallest magnitude. */
export const magnitudeDrop = (l: MaskedLayer): Float32Array => magnitude(l.param.data);

/** The method's regular updater, or null when its masks never change after the start (dense, static, SNIP). */
export function methodUpdater(
  rule: MethodRule,
  growth: (kind: GrowthKind) => GrowthCriterion,
  gradual: () => GradualPruning,
): MaskUpdater | null {
  if (!rule.gradual && rule.growth === 'none') return null;
  return {
    dropScores: magnitudeDrop,
    growth: rule.growth === 'none' ? null : growth(rule.growth),
    gradual: rule.gradual ? gradual() : null,
  };
}
