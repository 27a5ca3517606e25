// Reference sparse × dense kernels (shapes in kernels.ts): each output row is summed in double precision in the
// order of the compressed storage.
import type { Csr, CscView } from '../kernels.js';
import type { Floats } from './floats.js';

/** Y[M,N] = W·X + beta·Y (beta = 0 never reads Y). */
export function spmm(Y: Floats, W: Csr, X: Floats, N: number, beta: number): void {
  const acc = new Float64Array(N);
  for (let r = 0; r < W.M; r++) {
    acc.fill(0);
    for (let j = W.rowPtr[r]; j < W.rowPtr[r + 1]; j++) {
      const w = W.values[j];
      const x = W.colIdx[j] * N;
      for (let n = 0; n < N; n++) acc[n] += w * X[x + n];
    }
    const y = r * N;
    for (let n = 0; n < N; n++) Y[y + n] = acc[n] + (beta === 0 ? 0 : beta * Y[y + n]);
  }
}

/** dX[K,N] = Wᵀ·dY, walking W's columns through its CSC view. */
export function spmmT(dX: Floats, W: Csr, Wt: CscView, dY: Floats, N: number): void {
  const acc = new Float64Array(N);
  for (let k = 0; k < W.K; k++) {
    acc.fill(0);
    for (let j = Wt.colPtr[k]; j < Wt.colPtr[k + 1]; j++) {
      const w = W.values[Wt.valuePos[j]];
      const y = Wt.rowIdx[j] * N;
      for (let n = 0; n < N; n++) acc[n] += w * dY[y + n];
    }
    dX.set(acc, k * N);
  }
}

/** dValues[j] += Σ_n dY[r,n]·X[c,n] for each nonzero j = (r, c) of W. */
export function sddmm(dValues: Floats, W: Csr, dY: Floats, X: Floats, N: number): void {
  for (let r = 0; r < W.M; r++) {
    const y = r * N;
    for (let j = W.rowPtr[r]; j < W.rowPtr[r + 1]; j++) {
      const x = W.colIdx[j] * N;
      let s = 0;
      for (let n = 0; n < N; n++) s += dY[y + n] * X[x + n];
      dValues[j] += s;
    }
  }
}
