import type { Floats } from './floats.js';

/** Reference SGEMM: C = alpha·op(A)·op(B) + beta·C (row-major, leading dimensions, element offsets). */
export function sgemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Floats,
  aOff: number,
  lda: number,
  B: Floats,
  bOff: number,
  ldb: number,
  beta: number,
  C: Floats,
  cOff: number,
  ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? A[aOff + k * lda + i] : A[aOff + i * lda + k];
        const b = transB ? B[bOff + j * ldb + k] : B[bOff + k * ldb + j];
        acc += a * b;
      }
      const c = cOff + i * ldc + j;
      C[c] = alpha * acc + (beta === 0 ? 0 : beta * C[c]);
    }
  }
}
