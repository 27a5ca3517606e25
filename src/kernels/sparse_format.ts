// Compressed storage of masked weights: the CSR of a weight [M, K] and its mask, the CSC view that the transposed
// product needs, and the moves of values between a CSR and a dense [M, K] buffer. Built once per mask change; the
// kernels (spmm, spmmT, sddmm) then run on it every step.
import { cscView as cscViewInto } from './js/sparse_pattern.js';
import type { Csr, CscView } from './kernels.js';

/**
 * The kept positions (mask ≠ 0) of weights [M, K] as CSR, row by row with ascending columns; the values are the
 * masked weights there (weight·mask), so that W·X equals the dense product with weights ⊙ mask.
 */
export function csrFromMask(weights: Float32Array, mask: Float32Array, M: number, K: number): Csr {
  checkDims('csrFromMask', M, K);
  checkDense('csrFromMask', 'weights', weights, M, K);
  checkDense('csrFromMask', 'mask', mask, M, K);
  let nnz = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) nnz++;
  const rowPtr = new Int32Array(M + 1);
  const colIdx = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let j = 0;
  for (let r = 0; r < M; r++) {
    for (let c = 0, i = r * K; c < K; c++, i++) {
      if (mask[i] === 0) continue;
      colIdx[j] = c;
      values[j] = weights[i] * mask[i];
      j++;
    }
    rowPtr[r + 1] = j;
  }
  return { M, K, rowPtr, colIdx, values };
}

/** W's pattern by columns (a counting sort of its nonzeros): rows ascend within each column. */
export function cscView(W: Csr): CscView {
  checkCsr('cscView', W);
  const nnz = W.rowPtr[W.M];
  const view = { colPtr: new Int32Array(W.K + 1), rowIdx: new Int32Array(nnz), valuePos: new Int32Array(nnz) };
  cscViewInto(view.colPtr, view.rowIdx, view.valuePos, W);
  return view;
}

/** W as a dense [M, K] matrix (zeros off the pattern). */
export function csrToDense(W: Csr): Float32Array {
  checkCsr('csrToDense', W);
  const dense = new Float32Array(W.M * W.K);
  scatterValues(W, dense);
  return dense;
}

/** dense[r, c] = W's value at (r, c) for every nonzero; the other entries of dense [M, K] are left as they are. */
export function scatterValues(W: Csr, dense: Float32Array): void {
  checkDense('scatterValues', 'dense', dense, W.M, W.K);
  for (let r = 0; r < W.M; r++) {
    for (let j = W.rowPtr[r]; j < W.rowPtr[r + 1]; j++) dense[r * W.K + W.colIdx[j]] = W.values[j];
  }
}

/** W's value at (r, c) = dense[r, c] for every nonzero (dense [M, K]; its other entries are ignored). */
export function gatherValues(W: Csr, dense: Float32Array): void {
  checkDense('gatherValues', 'dense', dense, W.M, W.K);
  for (let r = 0; r < W.M; r++) {
    for (let j = W.rowPtr[r]; j < W.rowPtr[r + 1]; j++) W.values[j] = dense[r * W.K + W.colIdx[j]];
  }
}

/**
 * Throws an Error naming `op` unless W is well formed: rowPtr [M+1] starts at 0 and never decreases, colIdx and
 * values have rowPtr[M] entries, and column indices lie in [0, K) and increase strictly within each row.
 */
export function checkCsr(op: string, W: Csr): void {
  const { M, K, rowPtr, colIdx, values } = W;
  checkDims(op, M, K);
  const where = `${op}: CSR with M=${M} K=${K}`;
  if (rowPtr.length !== M + 1) throw new Error(`${where}: rowPtr has length ${rowPtr.length}, expected ${M + 1}`);
  if (rowPtr[0] !== 0) throw new Error(`${where}: rowPtr[0] = ${rowPtr[0]}, expected 0`);
  for (let r = 0; r < M; r++) {
    if (rowPtr[r + 1] < rowPtr[r]) throw new Error(`${where}: rowPtr decreases at ${r + 1}`);
  }
  const nnz = rowPtr[M];
  if (colIdx.length !== nnz) throw new Error(`${where}: colIdx has length ${colIdx.length}, expected nnz = ${nnz}`);
  if (values.length !== nnz) throw new Error(`${where}: values has length ${values.length}, expected nnz = ${nnz}`);
  for (let r = 0; r < M; r++) {
    let prev = -1;
    for (let j = rowPtr[r]; j < rowPtr[r + 1]; j++) {
      const c = colIdx[j];
      if (c <= prev || c >= K) {
        throw new Error(`${where}: row ${r} has column ${c} after ${prev} (columns must increase within [0, K))`);
      }
      prev = c;
    }
  }
}

function checkDims(op: string, M: number, K: number): void {
  if (!Number.isInteger(M) || !Number.isInteger(K) || M < 0 || K < 0 || M > 2 ** 31 - 1 || K > 2 ** 31 - 1) {
    throw new Error(`${op}: M and K must be integers in [0, 2^31), got M=${M} K=${K}`);
  }
}

function checkDense(op: string, name: string, a: Float32Array, M: number, K: number): void {
  if (a.length !== M * K) throw new Error(`${op}: ${name} has length ${a.length}, expected M·K = ${M}·${K}`);
}
