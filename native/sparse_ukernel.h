// The sparse micro-kernel contract shared by the ISA-specific files. A kernel walks rows i ∈ [i0, i1) of a
// compressed matrix; row i's nonzeros are j ∈ [bounds[i·bstride], bounds[i·bstride + 1]), each naming a row
// idx[j] of the dense operand, found at P[idx[j] - row0] in a packed panel P[rows][nv·lanes] (a block of the
// dense operand's rows and columns, zero-padded beyond n).
//   gather_axpy: out_i[0:n] = (scale == 0 ? 0 : scale·out_i[0:n]) + Σ_j val[j]·P[idx[j]][0:n]
//   gather_dot:  dval[j] += Σ_{l<n} a_i[l]·P[idx[j]][l]                       for every j of row i
// where out_i = out + i·ldo and a_i = a + i·lda. Only the first n columns of out_i and a_i are touched, and
// scale == 0 never reads out. nv ≤ max_nv.
#pragma once
#include <cstdint>

namespace st {

struct SparseTile {
  const float* panel;
  int64_t ldp;   // panel row stride in floats, ≥ nv·lanes
  int64_t row0;  // the dense operand's row held in the panel's first row
  int nv;     // vectors per panel row: the panel is nv·lanes floats wide
  int64_t n;  // valid columns, (nv - 1)·lanes < n ≤ nv·lanes
  const int32_t* idx;
  const int32_t* bounds;
  int64_t bstride;
  int64_t i0, i1;
};

using GatherAxpyFn = void (*)(const SparseTile& t, const float* val, float* out, int64_t ldo, float scale);
using GatherDotFn = void (*)(const SparseTile& t, const float* a, int64_t lda, float* dval);

struct SparseUKernel {
  const char* isa;
  int lanes, max_nv;
  GatherAxpyFn gather_axpy;
  GatherDotFn gather_dot;
};

SparseUKernel sparse_ukernel_avx512();   // sparse_avx512.cc, built with -mavx512f
SparseUKernel sparse_ukernel_avx2();     // sparse_avx2.cc, built with -mavx2 -mfma
SparseUKernel sparse_ukernel_generic();  // sparse.cc, baseline x86-64

}  // namespace st
