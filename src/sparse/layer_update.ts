// The mask operations of one layer in either storage: prune-and-grow (SPEC §4) and keeping a given set of weights
// (gradual pruning). A masked layer changes its 0/1 mask (pruneAndGrow, prune_grow.ts: the one core); a compressed
// layer makes the same choices on its CSR pattern without a dense copy of its weight or gradient
// (compressed_update.ts), then rebuilds the pattern and moves its values and optimiser state to it.
import type { Kernels } from '../kernels/kernels.js';
import { rebuildPattern, selectGrowth } from './compressed_update.js';
import type { MaskedLayer, RemapState } from './masks.js';
import { pruneAndGrow } from './prune_grow.js';
import { collectScores, type ScoreSource } from './scores.js';
import type { TopK } from './topk.js';

/** What the operations need: the kernels, their top-k, the optimiser state's remapping, and where the milliseconds
 * spent rebuilding compressed patterns accumulate. */
export interface LayerUpdateContext {
  kernels: Kernels;
  select: TopK;
  remap: RemapState;
  timing: { rebuild: number };
}

/**
 * Prune-and-grow of one layer: k = round(p·nnz); drops the k active weights of lowest `drop` score (one per stored
 * weight: the dense weight's positions, or a compressed weight's values), grows the k positions of highest `grow`
 * score among those inactive after the drop. Returns k. The caller masks weights and optimiser state afterwards
 * (a compressed layer's are rebuilt here).
 */
export function pruneAndGrowLayer(
  l: MaskedLayer,
  p: number,
  round: (x: number) => number,
  drop: Float32Array,
  grow: ScoreSource,
  c: LayerUpdateContext,
): number {
  if (l.mask) return pruneAndGrow(l.mask, drop, collectScores(grow, l.param.size), p, c.select, round).dropped.length;
  const W = l.param.csr!;
  const k = round(p * W.values.length);
  if (k === 0) return 0;
  const dropped = c.select(drop, k, false);
  setPattern(l, dropped, selectGrowth(W, dropped, k, grow, c.select), c);
  return k;
}

/** Keeps only the weights `kept` (ascending indices of the stored weights: dense positions, or a compressed weight's
 * values) of the layer. Pruned weights and their state are gone, so a later regrowth starts them at 0. */
export function keepOnly(l: MaskedLayer, kept: Int32Array, c: LayerUpdateContext): void {
  if (l.mask) {
    l.mask.fill(0);
    for (const j of kept) l.mask[j] = 1;
    return;
  }
  const alive = new Uint8Array(l.param.csr!.values.length);
  for (const j of kept) alive[j] = 1;
  setPattern(
    l,
    Int32Array.from(alive.keys()).filter((j) => alive[j] === 0),
    new Int32Array(0),
    c,
  );
}

function setPattern(l: MaskedLayer, removed: Int32Array, grown: Int32Array, c: LayerUpdateContext): void {
  const t0 = performance.now();
  const { csr, csc, carry } = rebuildPattern(l.param.csr!, removed, grown, c.kernels);
  l.param.setCsr(csr, csc);
  c.remap(l.name, carry);
  c.timing.rebuild += performance.now() - t0;
}
