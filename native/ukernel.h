// The GEMM micro-kernel contract shared by the ISA-specific files. A micro-kernel computes
//   C[m,n] = alpha·(Ap·Bp) + beta·C   for one MR×NR tile (m ≤ MR, n ≤ NR valid),
// where Ap is a packed A panel laid out [kc][MR] and Bp a packed B panel laid out [kc][NR]
// (zero-padded beyond m and n). beta == 0 never reads C.
#pragma once
#include <cstdint>

namespace st {

using UKernelFn = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha,
                           float beta, int m, int n);

struct UKernel {
  const char* isa;
  int mr, nr;
  UKernelFn fn;
};

UKernel ukernel_avx512();  // gemm_avx512.cc, built with -mavx512f
UKernel ukernel_avx2();    // gemm_avx2.cc, built with -mavx2 -mfma
UKernel ukernel_generic(); // gemm.cc, baseline x86-64

}  // namespace st
