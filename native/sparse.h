// Sparse × dense kernels for weights stored compressed: the forward product, its transpose for the input
// gradient, and the sampled dense-dense product for the weight gradient at the kept positions only.
// Shape legend: W [M, K] sparse with nnz nonzeros, in CSR (plus a CSC view for the transpose); activations are
// feature-major, row-major: X [K, N], Y and dY [M, N], dX [K, N] (N = batch, or samples·pixels of a conv chunk).
// Preconditions (the binding checks them): indices in range, column indices ascending strictly within each CSR
// row and row indices within each CSC column. Multi-threaded over the pool of threadpool.h; each output is
// computed by one thread in an order fixed by the pattern and N alone, so results are the same for any thread count.
// Serial versions over a part of the output serve callers that parallelise over independent products themselves.
#pragma once
#include <cstdint>

#include "aligned_buffer.h"

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

// Part of a product's output: rows [i0, i1) (W's rows for spmm and sddmm, its columns for spmm_t) and columns
// [c0, c1) of N. Columns are computed in tiles from c0 on, and a column's arithmetic depends on the width of its
// tile, so the threaded kernels split N only at tile boundaries; a part with all of N's columns gives their results.
struct SparsePart {
  int64_t i0, i1, c0, c1;
};

// Working memory of the serial kernels for one caller at a time, kept between calls: a panel of the dense
// operand, the rows' block bounds and Wᵀ's values in CSC order. The kernels grow it as they need; reserve()
// grows it beforehand for any of them on W with up to N columns, so that calls inside pool tasks allocate
// nothing (an allocation failure is then a std::bad_alloc on the calling thread).
struct SparseWork {
  AlignedBuffer panel, bounds, values;
  void reserve(const CsrRef& W, int64_t N);
};

// The products above over one part, on the calling thread: the threaded kernels run these over their parts.
void spmm_serial(const CsrRef& W, const float* X, int64_t N, float beta, float* Y, const SparsePart& part,
                 SparseWork& work);
void spmm_t_serial(const CsrRef& W, const CscRef& Wt, const float* dY, int64_t N, float* dX, const SparsePart& part,
                   SparseWork& work);
void sddmm_serial(const CsrRef& W, const float* dY, const float* X, int64_t N, float* dValues,
                  const SparsePart& part, SparseWork& work);

}  // namespace st
