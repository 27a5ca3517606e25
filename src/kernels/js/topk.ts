// Reference top-k for mask updates (contract in kernels.ts): the radix select of src/sparse/topk.ts.
import { topKSegments } from '../../sparse/topk.js';

export function topK(
  out: Int32Array,
  scores: Float32Array,
  candidates: Float32Array | Uint8Array | null,
  k: number,
  largest: boolean,
  abs: boolean,
): void {
  const [selected] = topKSegments([{ scores, candidates: candidates ?? undefined }], k, largest, abs);
  if (out.length !== k) throw new Error(`topK: out has length ${out.length}, expected ${k}`);
  out.set(selected);
}
