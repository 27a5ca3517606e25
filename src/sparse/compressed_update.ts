// Prune-and-grow (SPEC §4, prune_grow.ts) on a weight held in CSR, without a dense copy of it: the same
// selection as pruneAndGrow on the dense mask, but the grow scores of the positions outside the pattern stream
// through a running top-k a block at a time (scores.ts), and the new pattern is merged from the old one.
// Positions are row-major indices r·K + c; CSR order is position order, so "ties to the lower position"
// means the same thing in both layouts.
import type { Csr, CscView, Kernels } from '../kernels/kernels.js';
import { RunningTopK } from './running_topk.js';
import type { ScoreSource } from './scores.js';
import { topKIndices, type TopK } from './topk.js';

/** The row-major positions of W's nonzeros, ascending. */
export function patternPositions(W: Csr): Int32Array {
  const pos = new Int32Array(W.rowPtr[W.M]);
  for (let r = 0; r < W.M; r++) for (let j = W.rowPtr[r]; j < W.rowPtr[r + 1]; j++) pos[j] = r * W.K + W.colIdx[j];
  return pos;
}

/**
 * The k positions to grow among those inactive after the drop — the positions outside W's pattern and the
 * `removed` ones (indices into W's values, ascending) — ranked by the scores of `source`, as topKIndices would on
 * the dense scores with the dense inactive mask (select: topKIndices or the kernels' top-k, the same choices).
 * Returns them ascending.
 */
export function selectGrowth(
  W: Csr,
  removed: Int32Array,
  k: number,
  source: ScoreSource,
  select: TopK = topKIndices,
): Int32Array {
  const pos = patternPositions(W);
  const onPattern = new Float32Array(pos.length);
  const outside = new RunningTopK(k, select);
  let j = 0;
  source((start, scores) => {
    const end = start + scores.length;
    for (let p = start; p < end;) {
      // the run of positions outside the pattern up to its next position, then that position's score
      const next = j < pos.length && pos[j] < end ? pos[j] : end;
      outside.offerRun(p, scores, p - start, next - p);
      p = next;
      if (p < end) onPattern[j++] = scores[p++ - start];
    }
  });
  // Merge the two candidate lists (disjoint, each ascending) by position, then take the k best.
  const top = outside.result();
  const n = top.positions.length + removed.length;
  const cPos = new Int32Array(n);
  const cScore = new Float32Array(n);
  for (let a = 0, b = 0, c = 0; c < n; c++) {
    if (b >= removed.length || (a < top.positions.length && top.positions[a] < pos[removed[b]])) {
      cPos[c] = top.positions[a];
      cScore[c] = top.scores[a++];
    } else {
      cPos[c] = pos[removed[b]];
      cScore[c] = onPattern[removed[b++]];
    }
  }
  const chosen = select(cScore, k, true);
  return chosen.map((c) => cPos[c]);
}

/**
 * The pattern after an update: W's nonzeros minus `removed` (value indices, ascending) plus `grown` (positions,
 * ascending; a removed position may be grown again), with its CSC view. `carry` moves any array in W's value order
 * (the values, optimiser state) to the new order: entries that stay keep theirs — a removed-and-regrown one too, as
 * RigL's reinit_when_same = False — and new ones start at 0.
 */
export function rebuildPattern(
  W: Csr,
  removed: Int32Array,
  grown: Int32Array,
  k: Kernels,
): { csr: Csr; csc: CscView; carry: (old: Float32Array) => Float32Array } {
  const { M, K } = W;
  const nnz = W.rowPtr[M] - removed.length + grown.length;
  const rowPtr = new Int32Array(M + 1);
  const colIdx = new Int32Array(nnz);
  const source = new Int32Array(nnz); // the old value index of each new entry, or −1 for a new one
  k.mergePattern(rowPtr, colIdx, source, W, removed, grown);
  const carry = (old: Float32Array): Float32Array => {
    const out = new Float32Array(nnz);
    k.gatherOrZero(out, old, source);
    return out;
  };
  const csr = { M, K, rowPtr, colIdx, values: carry(W.values) };
  const csc = { colPtr: new Int32Array(K + 1), rowIdx: new Int32Array(nnz), valuePos: new Int32Array(nnz) };
  k.cscView(csc.colPtr, csc.rowIdx, csc.valuePos, csr);
  return { csr, csc, carry };
}
