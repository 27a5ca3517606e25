// AVX-512 micro-kernel: 12 rows × 32 columns (two zmm), 24 accumulators. Only intrinsics and local
// helpers here: this file is compiled with -mavx512f and must not emit shared inline functions.
#include <immintrin.h>

#include "ukernel.h"

namespace st {
namespace {

constexpr int MR = 12, NR = 32;

void kernel_12x32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta,
                  int m, int n) {
  __m512 acc[MR][2];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
      __m512 ai = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  const __mmask16 m0 = n >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << n) - 1);
  const __mmask16 m1 = n >= 32 ? 0xFFFF : n <= 16 ? 0 : static_cast<__mmask16>((1u << (n - 16)) - 1);
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    float* ci = c + i * ldc;
    __m512 r0 = _mm512_mul_ps(va, acc[i][0]), r1 = _mm512_mul_ps(va, acc[i][1]);
    if (beta != 0.0f) {
      r0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, ci), r0);
      r1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, ci + 16), r1);
    }
    _mm512_mask_storeu_ps(ci, m0, r0);
    _mm512_mask_storeu_ps(ci + 16, m1, r1);
  }
}

// In-register transpose of a 16×16 block: r[i] holds row i on entry and column i on exit.
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 16; i += 8) {
    for (int j = 0; j < 4; ++j) {
      t[i + j] = _mm512_shuffle_f32x4(r[i + j], r[i + j + 4], 0x88);
      t[i + j + 4] = _mm512_shuffle_f32x4(r[i + j], r[i + j + 4], 0xDD);
    }
  }
  for (int j = 0; j < 8; ++j) {
    r[j] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0x88);
    r[j + 8] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0xDD);
  }
}

// Transposed-B packing with 16×16 register transposes (the portable loop writes one float at a time).
void pack_b_trans_16x16(const float* B, int64_t ldb, int64_t k0, int64_t j0, int64_t kc, int64_t nc, float* dst) {
  for (int64_t jp = 0; jp < nc; jp += NR) {
    const int64_t cols = nc - jp < NR ? nc - jp : NR;
    float* d = dst + jp * kc;
    for (int64_t half = 0; half < NR; half += 16) {
      const int64_t hcols = cols - half < 0 ? 0 : (cols - half < 16 ? cols - half : 16);
      const __mmask16 rowmask = static_cast<__mmask16>(hcols >= 16 ? 0xFFFF : (1u << hcols) - 1);
      int64_t k = 0;
      for (; k + 16 <= kc; k += 16) {
        __m512 r[16];
        for (int j = 0; j < 16; ++j)
          r[j] = (rowmask >> j) & 1 ? _mm512_loadu_ps(B + (j0 + jp + half + j) * ldb + k0 + k) : _mm512_setzero_ps();
        transpose16(r);
        for (int kk = 0; kk < 16; ++kk) _mm512_store_ps(d + (k + kk) * NR + half, r[kk]);
      }
      if (k < kc) {
        const int64_t rem = kc - k;
        const __mmask16 kmask = static_cast<__mmask16>((1u << rem) - 1);
        __m512 r[16];
        for (int j = 0; j < 16; ++j)
          r[j] = (rowmask >> j) & 1 ? _mm512_maskz_loadu_ps(kmask, B + (j0 + jp + half + j) * ldb + k0 + k)
                                    : _mm512_setzero_ps();
        transpose16(r);
        for (int64_t kk = 0; kk < rem; ++kk) _mm512_store_ps(d + (k + kk) * NR + half, r[kk]);
      }
    }
  }
}

}  // namespace

UKernel ukernel_avx512() { return UKernel{"avx512", MR, NR, kernel_12x32, pack_b_trans_16x16}; }

}  // namespace st
