// Random binary masks over the prunable weights (Conv2d/Linear), each layer holding exactly
// round(sparsity·n) zeros chosen by a seeded shuffle (SPEC §4: exact counts, not Bernoulli draws),
// with the per-step mask discipline of SPEC §4.
import type { Kernels } from '../kernels/kernels.js';
import type { Parameter } from '../nn/module.js';
import { Rng } from '../util/rng.js';

export interface MaskSet {
  readonly masks: Map<string, Float32Array>;
  /** Zero the gradients of pruned weights (before the optimiser step). */
  maskGradients(): void;
  /** Zero pruned weights and their momentum (after the optimiser step), so pruned weights never move. */
  maskWeightsAndMomentum(momentum: Map<string, Float32Array>): void;
}

export function exactMask(n: number, zeros: number, rng: Rng): Float32Array {
  const mask = new Float32Array(n).fill(1);
  const order = rng.permutation(n);
  for (let i = 0; i < zeros; i++) mask[order[i]] = 0;
  return mask;
}

export function randomMasks(k: Kernels, params: [string, Parameter][], sparsity: number, seed: number): MaskSet {
  if (!(sparsity >= 0 && sparsity < 1)) throw new Error(`masks: sparsity must be in [0, 1), got ${sparsity}`);
  const masks = new Map<string, Float32Array>();
  const prunable = params.filter(([, p]) => p.prunable);
  for (const [name, p] of prunable) {
    masks.set(name, exactMask(p.size, Math.round(sparsity * p.size), Rng.derive(seed, `mask:${name}`)));
  }
  return {
    masks,
    maskGradients() {
      for (const [name, p] of prunable) k.mul(p.grad, p.grad, masks.get(name)!);
    },
    maskWeightsAndMomentum(momentum) {
      for (const [name, p] of prunable) {
        const m = masks.get(name)!;
        k.mul(p.data, p.data, m);
        const buf = momentum.get(name);
        if (buf) k.mul(buf, buf, m);
      }
    },
  };
}
