// Top-k for mask updates: the reference radix select (kernels/js/radix_select.ts, its order of preference) over
// one array, or the kernels' topK (native when the addon is loaded) behind the same contract.

import type { Kernels } from '../kernels/kernels.js';
import { topKSegments, type Segment } from '../kernels/js/radix_select.js';

export { topKSegments, type Segment };

/** A top-k selection with topKIndices' contract: this file's, or the kernels' (kernelTopK). */
export type TopK = (
  scores: Float32Array,
  k: number,
  largest: boolean,
  candidates?: Float32Array | Uint8Array,
) => Int32Array;

/** topKIndices on the kernels (the native radix select when the addon is loaded). */
export function kernelTopK(kernels: Kernels): TopK {
  return (scores, k, largest, candidates) => {
    const out = new Int32Array(k);
    kernels.topK(out, scores, candidates ?? null, k, largest, false);
    return out;
  };
}

/** Indices of the k candidates with the largest (largest = true) or smallest scores, ascending. Throws if
 * k > #candidates or k < 0. */
export function topKIndices(
  scores: Float32Array,
  k: number,
  largest: boolean,
  candidates?: Float32Array | Uint8Array,
): Int32Array {
  return topKSegments([{ scores, candidates }], k, largest)[0];
}
