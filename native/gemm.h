// Single-precision GEMM: C[M,N] = alpha·op(A)·op(B) + beta·C, row-major with leading dimensions.
// BLIS-style: panels of A and B are packed, then a register-blocked micro-kernel (AVX-512, AVX2+FMA or
// portable C++, chosen at run time) computes MR×NR tiles. Multi-threaded over the pool of threadpool.h.
#pragma once
#include <cstdint>

namespace st {

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// Same, single-threaded (for callers that already parallelise over independent problems).
void sgemm_serial(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                  int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// "avx512", "avx2" or "generic": the micro-kernel chosen for this CPU (SPARSETICKETS_ISA overrides).
const char* isa_name();

}  // namespace st
