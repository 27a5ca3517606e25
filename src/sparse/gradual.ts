// Gradual magnitude pruning (Zhu & Gupta's GMP; GraNet's pruning before its neuroregeneration), SPEC §4: at each
// update index c = floor(it/ΔT) of the window [c_i, c_f] the masks are pruned by magnitude to the cubic schedule —
// globally, every layer not kept dense together, or layer-wise, each layer to its own schedule from its initial to
// its final planned density.
import type { Parameter } from '../nn/module.js';
import { zerosAt } from './distribution.js';
import { globalMagnitudeKeep } from './global_prune.js';
import { plannedDensities } from './layers.js';
import type { MaskedLayer, Masks } from './masks.js';
import type { SparseSettings } from './method.js';
import { cubicSparsity } from './schedules.js';

export interface GradualContext {
  settings: SparseSettings;
  masks: Masks;
  /** The layers the settings keep dense: never pruned, counted in full in the global budget. */
  keptDense: Set<string>;
  /** Each layer's density at the start and at the end (the planned densities at the initial and final density). */
  initial: Map<string, number>;
  final: Map<string, number>;
  itersPerEpoch: number;
}

/** A pruning step: the overall sparsity aimed at, and for each layer it prunes the stored weights it keeps
 * (ascending indices: dense positions, or a compressed weight's values). */
export interface GradualStep {
  target: number;
  keep: { layer: MaskedLayer; kept: Int32Array }[];
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
  constructor(private readonly c: GradualContext) {}

  /** The pruning step at an update iteration inside the window; undefined outside it. */
  step(it: number): GradualStep | undefined {
    const s = this.c.settings;
    const c = Math.floor(it / s.updateInterval);
    const ci = Math.floor((s.pruneStartEpoch * this.c.itersPerEpoch) / s.updateInterval);
    const cf = Math.floor((s.pruneEndEpoch * this.c.itersPerEpoch) / s.updateInterval);
    if (c < ci || c > cf) return undefined;
    return s.pruning === 'global' ? this.global(c, ci, cf) : this.layerwise(c, ci, cf);
  }

  /** Keeps floor(N·(1 − s_c)) of all N prunable weights (the dense layers count in full). */
  private global(c: number, ci: number, cf: number): GradualStep {
    const s = this.c.settings;
    const { total, dense, pruned } = this.split();
    const target = cubicSparsity(c, ci, cf, s.initialDensity, 1 - s.sparsity);
    const keep = Math.floor(total * (1 - target)) - dense;
    if (keep >= pruned.reduce((a, l) => a + this.c.masks.nnz(l), 0)) return { target, keep: [] };
    return { target, keep: largest(pruned, keep) };
  }

  private layerwise(c: number, ci: number, cf: number): GradualStep {
    const { total, dense, pruned } = this.split();
    const step: GradualStep = { target: 0, keep: [] };
    let kept = dense;
    for (const l of pruned) {
      const target = cubicSparsity(c, ci, cf, this.c.initial.get(l.name)!, this.c.final.get(l.name)!);
      const keep = Math.min(this.c.masks.nnz(l), l.param.size - zerosAt(l.param.size, 1 - target));
      if (keep < this.c.masks.nnz(l)) step.keep.push(...largest([l], keep));
      kept += keep;
    }
    step.target = 1 - kept / total;
    return step;
  }

  private split(): { total: number; dense: number; pruned: MaskedLayer[] } {
    const layers = this.c.masks.layers;
    const total = layers.reduce((a, l) => a + l.param.size, 0);
    const pruned = layers.filter((l) => !this.c.keptDense.has(l.name));
    return { total, dense: total - pruned.reduce((a, l) => a + l.param.size, 0), pruned };
  }
}

/** The `keep` largest |w| of the layers together, masked or compressed alike. */
function largest(layers: MaskedLayer[], keep: number): GradualStep['keep'] {
  const kept = globalMagnitudeKeep(
    layers.map((l) => ({ weight: l.param.data, mask: l.mask ?? undefined })),
    keep,
  );
  return layers.map((layer, i) => ({ layer, kept: kept[i] }));
}
