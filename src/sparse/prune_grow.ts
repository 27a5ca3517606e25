// The one prune-and-grow core shared by every dynamic sparse method (SPEC §4; after Google RigL's
// `_get_update_op` in rigl/sparse_optimizers_base.py and `generic_mask_update` in rigl/rigl_tf2/mask_updaters.py).
// Methods differ only in the scores they pass: drop |w| (RigL, SET, SNFS); grow |g| (RigL), |momentum| (SNFS)
// or uniform random (SET).
import type { Rng } from '../util/rng.js';
import { topKIndices, type TopK } from './topk.js';

export interface LayerUpdate {
  dropped: Int32Array;
  grown: Int32Array;
}

/** One update of one layer: k = floor(dropFraction·nnz) (RigL casts n_ones·drop_fraction to int). Drops the k
 * active positions of smallest dropScore, then grows the k positions of largest growScore among those inactive
 * after the drop, so a position can be dropped and regrown at once (RigL: grow candidates are `mask1 == 0`).
 * Mutates the 0/1 `mask` in place and returns both index lists, ascending; nnz is unchanged. Ties go to the
 * lower index; NaN scores are never chosen while a number is available (see topk.ts). The caller then
 * multiplies weights and momentum by the mask: dropped-not-regrown positions become 0, dropped-and-regrown ones
 * keep their value and state (RigL's default reinit_when_same = False), newly grown ones are 0 already. `select`
 * is the top-k: topKIndices or the kernels' (the same choices). `round` turns dropFraction·nnz into k: floor for the
 * regular updates, ceil for Sup-tickets' cycle-start exploration (SPEC §6). */
export function pruneAndGrow(
  mask: Float32Array,
  dropScore: Float32Array,
  growScore: Float32Array,
  dropFraction: number,
  select: TopK = topKIndices,
  round: (x: number) => number = Math.floor,
): LayerUpdate {
  const n = mask.length;
  if (dropScore.length !== n || growScore.length !== n) {
    throw new Error(`pruneAndGrow: lengths differ (mask ${n}, drop ${dropScore.length}, grow ${growScore.length})`);
  }
  if (!(dropFraction >= 0 && dropFraction <= 1)) {
    throw new Error(`pruneAndGrow: dropFraction must be in [0, 1], got ${dropFraction}`);
  }
  const k = round(dropFraction * countActive(mask));
  const dropped = select(dropScore, k, false, mask);
  for (const i of dropped) mask[i] = 0;
  const inactive = new Uint8Array(n);
  for (let i = 0; i < n; i++) inactive[i] = mask[i] === 0 ? 1 : 0;
  const grown = select(growScore, k, true, inactive);
  for (const i of grown) mask[i] = 1;
  return { dropped, grown };
}

function countActive(mask: Float32Array): number {
  let nnz = 0;
  for (let i = 0; i < mask.length; i++) {
    const m = mask[i];
    if (m === 1) nnz++;
    else if (m !== 0) throw new Error(`pruneAndGrow: mask must be 0/1, found ${m} at ${i}`);
  }
  return nnz;
}

/** |v| elementwise, into `out` (allocated when absent). */
export function magnitude(v: Float32Array, out: Float32Array = new Float32Array(v.length)): Float32Array {
  if (out.length !== v.length) throw new Error(`magnitude: out length ${out.length} != ${v.length}`);
  for (let i = 0; i < v.length; i++) out[i] = Math.abs(v[i]);
  return out;
}

/** n uniform scores in [0, 1) for SET's random growth, consuming exactly n draws of `rng` in index order. */
export function randomScores(n: number, rng: Rng, out: Float32Array = new Float32Array(n)): Float32Array {
  if (out.length !== n) throw new Error(`randomScores: out length ${out.length} != ${n}`);
  for (let i = 0; i < n; i++) out[i] = rng.float();
  return out;
}
