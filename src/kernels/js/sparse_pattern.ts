// Reference pattern maintenance of compressed weights (contracts in kernels.ts): the merge of a new CSR pattern
// from the old one at a prune-and-grow update, the moves of arrays to it, and the CSC view of a pattern.
import type { Csr } from '../kernels.js';

function checkLength(op: string, name: string, a: { length: number }, expected: number): void {
  if (a.length !== expected) throw new Error(`${op}: ${name} has length ${a.length}, expected ${expected}`);
}

export function mergePattern(
  rowPtrOut: Int32Array,
  colIdxOut: Int32Array,
  source: Int32Array,
  W: Csr,
  removed: Int32Array,
  grown: Int32Array,
): void {
  const { M, K, rowPtr, colIdx } = W;
  const nnz = rowPtr[M] - removed.length + grown.length;
  checkLength('mergePattern', 'rowPtrOut', rowPtrOut, M + 1);
  checkLength('mergePattern', 'colIdxOut', colIdxOut, nnz);
  checkLength('mergePattern', 'source', source, nnz);
  let o = 0;
  let g = 0;
  let q = 0;
  rowPtrOut[0] = 0;
  // Row by row, merge the old columns (minus the removed) with the grown ones, both ascending.
  for (let r = 0; r < M; r++) {
    const rowStart = r * K;
    const rowEnd = rowStart + K;
    let j = rowPtr[r];
    const jEnd = rowPtr[r + 1];
    while (j < jEnd || (g < grown.length && grown[g] < rowEnd)) {
      const cOld = j < jEnd ? colIdx[j] : K;
      const cNew = g < grown.length && grown[g] < rowEnd ? grown[g] - rowStart : K;
      const isRemoved = q < removed.length && removed[q] === j;
      if (cNew < cOld) {
        colIdxOut[o] = cNew;
        source[o++] = -1;
        g++;
        continue;
      }
      if (cNew === cOld) {
        // removed and regrown at once: it keeps its value and state
        if (!isRemoved) {
          throw new Error(`mergePattern: grown position ${grown[g]} is already in the pattern and was not removed`);
        }
        colIdxOut[o] = cOld;
        source[o++] = j;
        g++;
      } else if (!isRemoved) {
        colIdxOut[o] = cOld;
        source[o++] = j;
      }
      if (isRemoved) q++;
      j++;
    }
    rowPtrOut[r + 1] = o;
  }
}

export function gatherOrZero(out: Float32Array, old: Float32Array, source: Int32Array): void {
  checkLength('gatherOrZero', 'out', out, source.length);
  for (let i = 0; i < source.length; i++) out[i] = source[i] >= 0 ? old[source[i]] : 0;
}

/** A counting sort of W's nonzeros by column: rows ascend within each column. */
export function cscView(colPtr: Int32Array, rowIdx: Int32Array, valuePos: Int32Array, W: Csr): void {
  const nnz = W.rowPtr[W.M];
  checkLength('cscView', 'colPtr', colPtr, W.K + 1);
  checkLength('cscView', 'rowIdx', rowIdx, nnz);
  checkLength('cscView', 'valuePos', valuePos, nnz);
  colPtr.fill(0);
  for (let j = 0; j < nnz; j++) colPtr[W.colIdx[j] + 1]++;
  for (let k = 0; k < W.K; k++) colPtr[k + 1] += colPtr[k];
  const next = colPtr.slice(0, W.K);
  for (let r = 0; r < W.M; r++) {
    for (let j = W.rowPtr[r]; j < W.rowPtr[r + 1]; j++) {
      const p = next[W.colIdx[j]]++;
      rowIdx[p] = r;
      valuePos[p] = j;
    }
  }
}
