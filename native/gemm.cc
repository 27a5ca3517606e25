#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "threadpool.h"
#include "ukernel.h"

namespace st {

// ---- portable micro-kernel (baseline x86-64 / any CPU): 4 × 16, vectorised by the compiler ----
namespace {
constexpr int GMR = 4, GNR = 16;
void kernel_generic(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta,
                    int m, int n) {
  float acc[GMR][GNR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < GMR; ++i)
      for (int j = 0; j < GNR; ++j) acc[i][j] += a[i] * b[j];
    a += GMR;
    b += GNR;
  }
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j)
      c[i * ldc + j] = alpha * acc[i][j] + (beta != 0.0f ? beta * c[i * ldc + j] : 0.0f);
}
}  // namespace

UKernel ukernel_generic() { return UKernel{"generic", GMR, GNR, kernel_generic, nullptr}; }

// ---- run-time dispatch ----
namespace {

UKernel choose_ukernel() {
  const char* want = std::getenv("SPARSETICKETS_ISA");
  std::string w = want ? want : "";
  __builtin_cpu_init();
  bool has512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  bool has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (w == "generic") return ukernel_generic();
  if (w == "avx2" && has2) return ukernel_avx2();
  if (has512 && (w.empty() || w == "avx512")) return ukernel_avx512();
  if (has2) return ukernel_avx2();
  return ukernel_generic();
}

const UKernel& ukernel() {
  static UKernel k = choose_ukernel();
  return k;
}

// Cache blocking (floats): a KC×NR panel of B stays in L1, an MC×KC block of A in L2.
constexpr int64_t KC = 256;
constexpr int64_t MC_ROWS = 192;
constexpr int64_t NC = 3072;

float* scratch(int which, size_t count) {
  // Per-thread packing buffers, grown on demand, 64-byte aligned.
  thread_local float* buf[2] = {nullptr, nullptr};
  thread_local size_t cap[2] = {0, 0};
  if (cap[which] < count) {
    std::free(buf[which]);
    size_t bytes = ((count * sizeof(float) + 63) / 64) * 64;
    buf[which] = static_cast<float*>(std::aligned_alloc(64, bytes));
    cap[which] = count;
  }
  return buf[which];
}

// Pack op(A)[i0:i0+mc, k0:k0+kc] into panels of MR rows, [panel][k][MR], zero-padded.
void pack_a(bool trans, const float* A, int64_t lda, int64_t i0, int64_t k0, int64_t mc, int64_t kc, int mr,
            float* dst) {
  for (int64_t ip = 0; ip < mc; ip += mr) {
    int64_t rows = std::min<int64_t>(mr, mc - ip);
    float* d = dst + ip * kc;
    if (trans) {  // op(A)[i,k] = A[k*lda + i]
      for (int64_t k = 0; k < kc; ++k) {
        const float* s = A + (k0 + k) * lda + i0 + ip;
        float* dk = d + k * mr;
        int64_t i = 0;
        for (; i < rows; ++i) dk[i] = s[i];
        for (; i < mr; ++i) dk[i] = 0.0f;
      }
    } else {  // op(A)[i,k] = A[i*lda + k]
      for (int64_t i = 0; i < rows; ++i) {
        const float* s = A + (i0 + ip + i) * lda + k0;
        for (int64_t k = 0; k < kc; ++k) d[k * mr + i] = s[k];
      }
      for (int64_t i = rows; i < mr; ++i)
        for (int64_t k = 0; k < kc; ++k) d[k * mr + i] = 0.0f;
    }
  }
}

// Pack op(B)[k0:k0+kc, j0:j0+nc] into panels of NR columns, [panel][k][NR], zero-padded.
void pack_b(bool trans, const float* B, int64_t ldb, int64_t k0, int64_t j0, int64_t kc, int64_t nc, int nr,
            float* dst) {
  for (int64_t jp = 0; jp < nc; jp += nr) {
    int64_t cols = std::min<int64_t>(nr, nc - jp);
    float* d = dst + jp * kc;
    if (trans) {  // op(B)[k,j] = B[j*ldb + k]
      for (int64_t j = 0; j < cols; ++j) {
        const float* s = B + (j0 + jp + j) * ldb + k0;
        for (int64_t k = 0; k < kc; ++k) d[k * nr + j] = s[k];
      }
      for (int64_t j = cols; j < nr; ++j)
        for (int64_t k = 0; k < kc; ++k) d[k * nr + j] = 0.0f;
    } else {  // op(B)[k,j] = B[k*ldb + j]
      for (int64_t k = 0; k < kc; ++k) {
        const float* s = B + (k0 + k) * ldb + j0 + jp;
        float* dk = d + k * nr;
        std::memcpy(dk, s, cols * sizeof(float));
        for (int64_t j = cols; j < nr; ++j) dk[j] = 0.0f;
      }
    }
  }
}

void scale_c(int64_t M, int64_t N, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
}

}  // namespace

const char* isa_name() { return ukernel().isa; }

void sgemm_serial(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                  int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  const UKernel& uk = ukernel();
  const int mr = uk.mr, nr = uk.nr;
  const int64_t mc_max = (MC_ROWS / mr) * mr;
  const int64_t nc_max = (NC / nr) * nr;
  const int64_t kc_max = std::min<int64_t>(KC, K);
  float* bpack = scratch(0, static_cast<size_t>(kc_max * (std::min(nc_max, N) + nr)));
  float* apack = scratch(1, static_cast<size_t>(kc_max * (std::min(mc_max, M) + mr)));
  for (int64_t jc = 0; jc < N; jc += nc_max) {
    const int64_t nc = std::min(nc_max, N - jc);
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc);
      const float beta_eff = pc == 0 ? beta : 1.0f;
      if (transB && uk.pack_b_trans)
        uk.pack_b_trans(B, ldb, pc, jc, kc, nc, bpack);
      else
        pack_b(transB, B, ldb, pc, jc, kc, nc, nr, bpack);
      for (int64_t ic = 0; ic < M; ic += mc_max) {
        const int64_t mc = std::min(mc_max, M - ic);
        pack_a(transA, A, lda, ic, pc, mc, kc, mr, apack);
        for (int64_t jr = 0; jr < nc; jr += nr) {
          const int n = static_cast<int>(std::min<int64_t>(nr, nc - jr));
          for (int64_t ir = 0; ir < mc; ir += mr) {
            const int m = static_cast<int>(std::min<int64_t>(mr, mc - ir));
            uk.fn(kc, apack + ir * kc, bpack + jr * kc, C + (ic + ir) * ldc + jc + jr, ldc, alpha, beta_eff, m, n);
          }
        }
      }
    }
  }
}

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  const int nt = threads();
  const double work = static_cast<double>(M) * N * K;
  if (nt == 1 || work < 2.0e5) {
    sgemm_serial(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  const UKernel& uk = ukernel();
  // Split the larger of M and N into one contiguous slab per thread, aligned to the micro-tile so that
  // no thread computes a ragged tile it need not. Each slab is an independent GEMM.
  const bool splitN = N / uk.nr >= M / uk.mr;
  const int64_t unit = splitN ? uk.nr : uk.mr;
  const int64_t units = ((splitN ? N : M) + unit - 1) / unit;
  const int64_t parts = std::min<int64_t>(nt, units);
  parallel_for(parts, [&](int64_t t) {
    int64_t b, e;
    split_range(units, parts, t, &b, &e);
    int64_t lo = b * unit, hi = std::min(e * unit, splitN ? N : M);
    if (lo >= hi) return;
    if (splitN) {
      const float* Bs = transB ? B + lo * ldb : B + lo;
      sgemm_serial(transA, transB, M, hi - lo, K, alpha, A, lda, Bs, ldb, beta, C + lo, ldc);
    } else {
      const float* As = transA ? A + lo : A + lo * lda;
      sgemm_serial(transA, transB, hi - lo, N, K, alpha, As, lda, B, ldb, beta, C + lo * ldc, ldc);
    }
  });
}

}  // namespace st
