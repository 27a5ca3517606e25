// When masks are updated and by how much (SPEC §4). `iteration` everywhere counts completed optimiser steps
// (1-based), which is the step both references evaluate their schedules at: RigL's global_step after
// apply_gradients has incremented it, GraNet's `Masking.steps` after `prune_rate_decay.step()`.

export type DropSchedule = 'cosine' | 'cosine-floor' | 'constant';
export const DROP_SCHEDULES: readonly DropSchedule[] = ['cosine', 'cosine-floor', 'constant'];

/** GraNet's eta_min (sparselearning/core.py, `CosineDecay(prune_rate, T_max, eta_min=0.005)`). */
export const DEFAULT_DROP_FLOOR = 0.005;

/** Drop fraction at `iteration`.
 * - 'cosine' (RigL, rigl/sparse_optimizers_base.py `get_drop_fraction` → TF `cosine_decay` with alpha 0, which
 *   clamps the step at decay_steps): p0/2·(1 + cos(π·iteration/end)) before `end`, 0 from `end` on.
 * - 'cosine-floor' (GraNet, CIFAR/sparselearning/core.py `CosineDecay` = torch `CosineAnnealingLR(eta_max = p0,
 *   eta_min = floor, T_max)`): floor + (p0 − floor)/2·(1 + cos(π·iteration/end)). The floor is an affine shift of
 *   the whole curve, not a max() against it: the curve starts at p0 and lands on `floor` exactly at `end`. GraNet
 *   passes T_max = the whole run (len(train_loader)·epochs) and keeps updating masks to the end, so `end` here is
 *   the iteration where the curve reaches its floor (pass the total iteration count), independent of when
 *   updates stop; from `end` on it stays at `floor` (torch's curve would climb back up, which GraNet never
 *   reaches). end = Infinity gives p0 throughout.
 * - 'constant' (FreeTickets, RigL 'constant'): p0. */
export function dropFraction(
  kind: DropSchedule,
  p0: number,
  iteration: number,
  end: number,
  floor = DEFAULT_DROP_FLOOR,
): number {
  checkFraction('p0', p0);
  checkFraction('floor', floor);
  if (!(iteration >= 0)) throw new Error(`dropFraction: iteration must be >= 0, got ${iteration}`);
  if (!(end > 0)) throw new Error(`dropFraction: end must be > 0, got ${end}`);
  switch (kind) {
    case 'cosine':
      return iteration >= end ? 0 : halfCosine(p0, 0, iteration, end);
    case 'cosine-floor':
      return iteration >= end ? floor : halfCosine(p0, floor, iteration, end);
    case 'constant':
      return p0;
    default:
      throw new Error(`dropFraction: unknown schedule '${kind as string}' (expected ${DROP_SCHEDULES.join(', ')})`);
  }
}

/** lo + (hi − lo)/2·(1 + cos(π·t/T)): hi at t = 0, lo at t = T. */
function halfCosine(hi: number, lo: number, t: number, T: number): number {
  return lo + ((hi - lo) / 2) * (1 + Math.cos((Math.PI * t) / T));
}

function checkFraction(name: string, v: number): void {
  if (!(v >= 0 && v <= 1)) throw new Error(`dropFraction: ${name} must be in [0, 1], got ${v}`);
}

/** True at the iterations where masks are updated: iteration ≥ interval, a multiple of interval, and ≤ end
 * (end = Infinity: never stops; RigL's negative end_step, GraNet/FreeTickets). RigL's UpdateSchedule
 * (rigl/rigl_tf2/mask_updaters.py `is_update_iter`) is the same `step <= last_update_step and step % freq == 0`
 * test; iteration 0 is excluded since no step has been taken. */
export function isUpdateIteration(iteration: number, interval: number, end: number): boolean {
  if (!Number.isInteger(interval) || interval < 1) {
    throw new Error(`isUpdateIteration: interval must be a positive integer, got ${interval}`);
  }
  return iteration >= interval && iteration % interval === 0 && iteration <= end;
}

/** Target sparsity at update index c of the GraNet/GMP cubic schedule (Zhu & Gupta 2017; SPEC §4):
 * s_c = (1 − d_i) + (d_i − d_f)·(1 − (1 − (c − c_i)/(c_f − c_i))³) for c_i ≤ c ≤ c_f, 1 − d_i before c_i, 1 − d_f
 * after c_f (and at c_i = c_f, a one-shot prune). GraNet (CIFAR/sparselearning/core.py `Masking.pruning`) uses the
 * same expression with c = int(step/ΔT), c_i = int(init_prune_epoch·steps_per_epoch/ΔT), c_f likewise from
 * final_prune_epoch, and prunes only while c_i ≤ c ≤ c_f; the caller computes those indices. */
export function cubicSparsity(c: number, ci: number, cf: number, initialDensity: number, finalDensity: number): number {
  if (!(cf >= ci)) throw new Error(`cubicSparsity: need cf >= ci, got ci=${ci}, cf=${cf}`);
  for (const [name, d] of [
    ['initialDensity', initialDensity],
    ['finalDensity', finalDensity],
  ] as const) {
    if (!(d >= 0 && d <= 1)) throw new Error(`cubicSparsity: ${name} must be in [0, 1], got ${d}`);
  }
  if (c < ci) return 1 - initialDensity;
  if (c > cf || cf === ci) return 1 - finalDensity;
  const remaining = 1 - (c - ci) / (cf - ci);
  return 1 - initialDensity + (initialDensity - finalDensity) * (1 - remaining ** 3);
}
