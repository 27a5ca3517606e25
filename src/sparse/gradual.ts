// Gradual magnitude pruning (Zhu & Gupta's GMP; GraNet's pruning before its neuroregeneration), SPEC §4: at each
// update index c = floor(it/ΔT) of the window [c_i, c_f] the masks are pruned by magnitude to the cubic schedule —
// globally, every layer not kept dense together, or layer-wise, each layer to its own schedule from its initial to
// its final planned density.
import type { Parameter } from '../nn/module.js';
import { zerosAt } from './distribution.js';
import { globalMagnitudeKeep } from './global_prune.js';
import { keepOnly, type LayerUpdateContext } from './layer_update.js';
import { plannedDensities } from './layers.js';
import type { MaskedLayer, Masks } from './masks.js';
import type { SparseSettings } from './method.js';
import { cubicSparsity } from './schedules.js';

export interface GradualContext {
  settings: SparseSettings;
  masks: Masks;
  /** The layers the settings keep dense: never pruned, counted in full in the global budget. */
  keptDense: Set<string>;
  /** Each layer's density at the start (the planned densities at the initial density). */
  initial: Map<string, number>;
  itersPerEpoch: number;
  layers: LayerUpdateContext;
}

/** The final planned densities of a gradual method (its layer-wise targets), after checking that the final budget
 * holds the layers kept dense and that no explicit layer densities are given (they have no place in a schedule). */
export function finalDensities(
  prunable: [string, Parameter][],
  s: SparseSettings,
  keptDense: Set<string>,
): Map<string, number> {
  if (Object.keys(s.layerDensities).length > 0)
    throw new Error(
      `${s.method} prunes gradually to a schedule, so explicit layer densities do not apply (keep layers dense with denseLayers)`,
    );
  const total = prunable.reduce((a, [, p]) => a + p.size, 0);
  const dense = prunable.reduce((a, [n, p]) => a + (keptDense.has(n) ? p.size : 0), 0);
  if (Math.floor(total * (1 - s.sparsity)) < dense)
    throw new Error(
      `the layers kept dense hold ${dense} of the ${total} prunable weights, more than final density ${+(1 - s.sparsity).toFixed(6)} keeps`,
    );
  return plannedDensities(prunable, s, s.sparsity);
}

export class GradualPruning {
  constructor(
    private readonly c: GradualContext,
    private readonly final: Map<string, number>,
  ) {}

  /** Prunes at an update iteration inside the window and returns the overall sparsity aimed at; undefined outside. */
  prune(it: number): number | undefined {
    const s = this.c.settings;
    const c = Math.floor(it / s.updateInterval);
    const ci = Math.floor((s.pruneStartEpoch * this.c.itersPerEpoch) / s.updateInterval);
    const cf = Math.floor((s.pruneEndEpoch * this.c.itersPerEpoch) / s.updateInterval);
    if (c < ci || c > cf) return undefined;
    return s.pruning === 'global' ? this.pruneGlobally(c, ci, cf) : this.pruneLayerwise(c, ci, cf);
  }

  /** Keeps floor(N·(1 − s_c)) of all N prunable weights (the dense layers count in full). */
  private pruneGlobally(c: number, ci: number, cf: number): number {
    const s = this.c.settings;
    const { total, dense, pruned } = this.split();
    const target = cubicSparsity(c, ci, cf, s.initialDensity, 1 - s.sparsity);
    const keep = Math.floor(total * (1 - target)) - dense;
    if (keep < pruned.reduce((a, l) => a + this.c.masks.nnz(l), 0)) this.keepLargest(pruned, keep);
    return target;
  }

  private pruneLayerwise(c: number, ci: number, cf: number): number {
    const { total, dense, pruned } = this.split();
    let kept = dense;
    for (const l of pruned) {
      const target = cubicSparsity(c, ci, cf, this.c.initial.get(l.name)!, this.final.get(l.name)!);
      const keep = Math.min(this.c.masks.nnz(l), l.param.size - zerosAt(l.param.size, 1 - target));
      if (keep < this.c.masks.nnz(l)) this.keepLargest([l], keep);
      kept += keep;
    }
    return 1 - kept / total;
  }

  private split(): { total: number; dense: number; pruned: MaskedLayer[] } {
    const layers = this.c.masks.layers;
    const total = layers.reduce((a, l) => a + l.param.size, 0);
    const pruned = layers.filter((l) => !this.c.keptDense.has(l.name));
    return { total, dense: total - pruned.reduce((a, l) => a + l.param.size, 0), pruned };
  }

  /** Keeps the `keep` largest |w| of the layers together, masked or compressed alike. */
  private keepLargest(layers: MaskedLayer[], keep: number): void {
    const kept = globalMagnitudeKeep(
      layers.map((l) => ({ weight: l.param.data, mask: l.mask ?? undefined })),
      keep,
    );
    layers.forEach((l, i) => keepOnly(l, kept[i], this.c.layers));
  }
}
