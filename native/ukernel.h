// The GEMM micro-kernel contract shared by the ISA-specific files. A micro-kernel computes
//   C[m,n] = alpha·(Ap·Bp) + beta·C   for one MR×NR tile (m ≤ MR, n ≤ NR valid),
// where Ap is a packed A panel laid out [kc][MR] and Bp a packed B panel laid out [kc][NR]
// (zero-padded beyond m and n). beta == 0 never reads C.
#pragma once
#include <cstdint>

namespace st {

using UKernelFn = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha,
                           float beta, int m, int n);

// Packs op(B)[k0:k0+kc, j0:j0+nc] for transposed B (op(B)[k,j] = B[j*ldb + k]) into [panel][k][NR];
// an ISA may supply a faster one than the portable loop (null = use the portable one).
using PackBTransFn = void (*)(const float* B, int64_t ldb, int64_t k0, int64_t j0, int64_t kc, int64_t nc,
                              float* dst);

struct UKernel {
  const char* isa;
  int mr, nr;
  UKernelFn fn;
  PackBTransFn pack_b_trans;
};

UKernel ukernel_avx512();  // gemm_avx512.cc, built with -mavx512f
UKernel ukernel_avx2();    // gemm_avx2.cc, built with -mavx2 -mfma
UKernel ukernel_generic(); // gemm.cc, baseline x86-64

}  // namespace st
