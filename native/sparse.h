// Sparse × dense kernels for weights stored compressed: the forward product, its transpose for the input
// gradient, and the sampled dense-dense product for the weight gradient at the kept positions only.
// Shape legend: W [M, K] sparse with nnz nonzeros, in CSR (plus a CSC view for the transpose); activations are
// feature-major, row-major: X [K, N], Y and dY [M, N], dX [K, N] (N = batch, or samples·pixels of a conv chunk).
// Preconditions (the binding checks them): indices in range, column indices ascending strictly within each CSR
// row and row indices within each CSC column. Multi-threaded over the pool of threadpool.h; each output is
// computed by one thread in an order fixed by the pattern and N alone, so results are the same for any thread count.
#pragma once
#include <cstdint>

namespace st {

struct CsrRef {
  int64_t M, K;
  const int32_t* rowPtr;  // [M + 1], rowPtr[0] = 0, nnz = rowPtr[M]
  const int32_t* colIdx;  // [nnz]
  const float* values;    // [nnz]
};

struct CscRef {
  const int32_t* colPtr;    // [K + 1]
  const int32_t* rowIdx;    // [nnz]
  const int32_t* valuePos;  // [nnz], index into CsrRef::values
};

// Y = W·X + beta·Y (beta == 0 never reads Y).
void spmm(const CsrRef& W, const float* X, int64_t N, float beta, float* Y);
// dX = Wᵀ·dY (overwritten).
void spmm_t(const CsrRef& W, const CscRef& Wt, const float* dY, int64_t N, float* dX);
// dValues[j] += Σ_n dY[r, n]·X[c, n] for each nonzero j = (r, c) of W.
void sddmm(const CsrRef& W, const float* dY, const float* X, int64_t N, float* dValues);

}  // namespace st
