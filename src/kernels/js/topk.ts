// Reference top-k for mask updates (contract in kernels.ts): the radix select of radix_select.ts.
import type { Kernels } from '../kernels.js';
import { topKSegments } from './radix_select.js';

export const topK: Kernels['topK'] = (out, scores, candidates, k, largest, abs) => {
  const [selected] = topKSegments([{ scores, candidates: candidates ?? undefined }], k, largest, abs);
  if (out.length !== k) throw new Error(`topK: out has length ${out.length}, expected ${k}`);
  out.set(selected);
};
