// Global magnitude pruning over all prunable layers at once (SPEC §4 GraNet/GMP, §5 IMP/OMP).
import { topKSegments } from './topk.js';

/** Keeps the `keep` active weights of largest |w| across all layers together and zeroes the other masks' entries
 * (ties: earlier layer, then lower index; NaN weights go first, see topk.ts). Exactly `keep` survive, unlike
 * GraNet's `|w| > threshold` (CIFAR/sparselearning/core.py `Masking.pruning`), which keeps fewer on ties. Masks
 * are 0/1 and mutated in place; weights are not touched (the caller multiplies). Throws if keep > total active. */
export function globalMagnitudePrune(layers: { weight: Float32Array; mask: Float32Array }[], keep: number): void {
  const kept = globalMagnitudeKeep(layers, keep);
  layers.forEach(({ mask }, l) => {
    mask.fill(0);
    for (const i of kept[l]) mask[i] = 1;
  });
}

/** Which weights globalMagnitudePrune keeps, per layer, as ascending indices. A layer without a mask counts all its
 * entries as active: a compressed weight's values (CSR order is position order, so the ties go the same way). */
export function globalMagnitudeKeep(
  layers: { weight: Float32Array; mask?: Float32Array }[],
  keep: number,
): Int32Array[] {
  for (const { weight, mask } of layers) {
    if (mask && weight.length !== mask.length)
      throw new Error(`globalMagnitudePrune: weight ${weight.length} != mask ${mask.length}`);
  }
  return topKSegments(
    layers.map(({ weight, mask }) => ({ scores: weight, candidates: mask })),
    keep,
    true,
    true,
  );
}
