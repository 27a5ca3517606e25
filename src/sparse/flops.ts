// Training FLOPs per step by method (SPEC §4, after the RigL paper's appendix): f_D and f_S are the forward FLOPs
// of the dense and the sparse network. A training step costs forward + backward ≈ 3 forwards.
import { growthOf, type Method } from './method.js';

/**
 * FLOPs of one training step. `updating`: whether the method still updates its masks at this step. Dense 3·f_D;
 * static, SNIP, SET (and any method whose updates have stopped) 3·f_S; RigL and GraNet, which need the dense
 * gradient at every ΔT-th step, (3·f_S·ΔT + 2·f_S + f_D)/(ΔT + 1); SNFS, which needs it every step, 2·f_S + f_D.
 * GraNet and GMP change f_S as they prune; the caller passes the current one, so a run integrates their schedule.
 */
export function trainingStepFlops(method: Method, fS: number, fD: number, dt: number, updating: boolean): number {
  if (method === 'dense') return 3 * fD;
  const growth = growthOf(method);
  if (updating && growth === 'gradient') return (3 * fS * dt + 2 * fS + fD) / (dt + 1);
  if (updating && growth === 'momentum') return 2 * fS + fD;
  return 3 * fS;
}
