// Resolves the config's `sparse` section into the settings of a method, with its defaults, and checks what
// can only be checked against the run (GraNet's densities, the pruning window) before training starts.
import { METHOD_RULES, methodDefaults, type SparseSettings } from '../sparse/method.js';
import type { DropSchedule } from '../sparse/schedules.js';
import { UsageError } from '../util/errors.js';
import type { TrainConfig } from './config.js';

/** `epochs`: what the method's schedules span — the run, or a booster's normal phase. */
export function resolveSparse(c: TrainConfig, epochs = c.epochs): SparseSettings | null {
  const sp = c.sparse;
  if (!sp || sp.method === 'dense') return null;
  const d = methodDefaults(sp.method, epochs);
  const sparsity = sp.finalDensity !== undefined ? 1 - sp.finalDensity : sp.sparsity;
  const s: SparseSettings = {
    method: sp.method,
    sparsity,
    distribution: sp.distribution,
    erkPower: sp.erkPower,
    denseFirst: sp.denseFirst,
    denseLast: sp.denseLast,
    denseLayers: sp.denseLayers,
    layerDensities: sp.layerDensities,
    updateInterval: sp.updateInterval,
    dropFraction: sp.dropFraction ?? d.dropFraction ?? 0.3,
    dropSchedule: (sp.dropSchedule as DropSchedule | undefined) ?? d.dropSchedule ?? 'cosine',
    updateEnd: sp.updateEnd !== undefined ? sp.updateEnd : d.updateEnd !== undefined ? d.updateEnd : 0.75,
    initialDensity: sp.initialDensity ?? d.initialDensity ?? 1,
    pruneStartEpoch: sp.pruneStartEpoch ?? d.pruneStartEpoch ?? 0,
    pruneEndEpoch: sp.pruneEndEpoch ?? d.pruneEndEpoch ?? epochs,
    pruning: sp.pruning ?? d.pruning ?? 'layerwise',
    snfsMomentum: sp.snfsMomentum,
  };
  const rule = METHOD_RULES[s.method];
  if (sp.pruning !== undefined && rule.start !== 'snip' && !rule.gradual)
    throw new UsageError(`sparse: pruning (layerwise | global) applies to snip, granet and gmp, not to ${s.method}`);
  if (sp.erkPower !== undefined && s.distribution !== 'erk')
    throw new UsageError(`sparse: erkPower applies to the erk distribution, not to ${s.distribution}`);
  if (rule.gradual) {
    if (1 - s.sparsity > s.initialDensity)
      throw new UsageError(
        `sparse: ${s.method}'s final density ${+(1 - s.sparsity).toFixed(6)} is above its initial density ${s.initialDensity}`,
      );
    if (!(s.pruneEndEpoch > s.pruneStartEpoch))
      throw new UsageError(
        `sparse: pruneEndEpoch (${s.pruneEndEpoch}) must be after pruneStartEpoch (${s.pruneStartEpoch})`,
      );
    if (s.pruneEndEpoch > epochs)
      throw new UsageError(
        `sparse: pruneEndEpoch (${s.pruneEndEpoch}) is beyond the ${epochs} epochs ${epochs === c.epochs ? 'of the run' : "of the booster's normal phase"}`,
      );
  }
  return s;
}
