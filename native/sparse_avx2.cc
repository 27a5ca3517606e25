// AVX2+FMA sparse micro-kernels (contract in sparse_ukernel.h): panel rows of up to 8 ymm (64 floats), one
// accumulator register per panel vector. Only intrinsics and local helpers here: this file is compiled with
// -mavx2 -mfma and must not emit shared inline functions.
#include <immintrin.h>

#include "sparse_ukernel.h"

namespace st {
namespace {

constexpr int L = 8, MAX_NV = 8;

// All-ones in the lanes of vector v that hold one of the n valid columns.
inline __m256i lanes_of(int64_t n, int v) {
  const int64_t r = n - v * L;
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(r >= L ? L : static_cast<int>(r)), lane);
}

inline const float* panel_row(const SparseTile& t, int64_t j) { return t.panel + (t.idx[j] - t.row0) * t.ldp; }

// Vector v of a panel row; the last one masked, as the panel may be the dense operand itself (not zero-padded).
template <int NV>
inline __m256 load_vec(const float* p, int v, __m256i last) {
  return v + 1 < NV ? _mm256_loadu_ps(p + v * L) : _mm256_maskload_ps(p + v * L, last);
}

// Short panels (NV ≤ 4) alternate two accumulator sets between consecutive nonzeros: with one set, each
// accumulator's FMA chain would wait out the FMA latency at every nonzero.
template <int NV>
void axpy_rows(const SparseTile& t, const float* val, float* out, int64_t ldo, float scale) {
  constexpr int S = NV <= 4 ? 2 : 1;
  __m256i m[NV];
  for (int v = 0; v < NV; ++v) m[v] = lanes_of(t.n, v);
  const __m256i last = m[NV - 1];
  const __m256 vscale = _mm256_set1_ps(scale);
  for (int64_t i = t.i0; i < t.i1; ++i) {
    float* o = out + i * ldo;
    __m256 acc[S][NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      acc[0][v] = scale == 0.0f ? _mm256_setzero_ps() : _mm256_mul_ps(vscale, _mm256_maskload_ps(o + v * L, m[v]));
      if (S == 2) acc[S - 1][v] = _mm256_setzero_ps();
    }
    int64_t j = t.bounds[i * t.bstride];
    const int64_t e = t.bounds[i * t.bstride + 1];
    for (; j + S <= e; j += S) {
#pragma GCC unroll 2
      for (int s = 0; s < S; ++s) {
        const float* p = panel_row(t, j + s);
        const __m256 w = _mm256_broadcast_ss(val + j + s);
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) acc[s][v] = _mm256_fmadd_ps(w, load_vec<NV>(p, v, last), acc[s][v]);
      }
    }
    if (j < e) {
      const float* p = panel_row(t, j);
      const __m256 w = _mm256_broadcast_ss(val + j);
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[0][v] = _mm256_fmadd_ps(w, load_vec<NV>(p, v, last), acc[0][v]);
    }
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      if (S == 2) acc[0][v] = _mm256_add_ps(acc[0][v], acc[S - 1][v]);
      _mm256_maskstore_ps(o + v * L, m[v], acc[0][v]);
    }
  }
}

// Products of one nonzero, lane by lane: two partial sums (even and odd vectors) halve the dependent FMA chain.
template <int NV>
inline __m256 dot_vec(const __m256* a, const float* p, __m256i last) {
  __m256 s0 = _mm256_mul_ps(a[0], load_vec<NV>(p, 0, last));
  if (NV == 1) return s0;
  __m256 s1 = _mm256_mul_ps(a[1], load_vec<NV>(p, 1, last));
#pragma GCC unroll 8
  for (int v = 2; v < NV; v += 2) {
    s0 = _mm256_fmadd_ps(a[v], load_vec<NV>(p, v, last), s0);
    if (v + 1 < NV) s1 = _mm256_fmadd_ps(a[v + 1], load_vec<NV>(p, v + 1, last), s1);
  }
  return _mm256_add_ps(s0, s1);
}

// Lane k of the result is the sum of r_k's lanes: two levels of hadd, then the two 128-bit halves added.
inline __m128 reduce4(__m256 r0, __m256 r1, __m256 r2, __m256 r3) {
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(r0, r1), _mm256_hadd_ps(r2, r3));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

template <int NV>
void dot_rows(const SparseTile& t, const float* a, int64_t lda, float* dval) {
  __m256i m[NV];
  for (int v = 0; v < NV; ++v) m[v] = lanes_of(t.n, v);
  const __m256i last = m[NV - 1];
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t i = t.i0; i < t.i1; ++i) {
    const float* ai = a + i * lda;
    __m256 av[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) av[v] = _mm256_maskload_ps(ai + v * L, m[v]);
    int64_t j = t.bounds[i * t.bstride];
    const int64_t e = t.bounds[i * t.bstride + 1];
    for (; j + 4 <= e; j += 4) {
      const __m128 s = reduce4(dot_vec<NV>(av, panel_row(t, j), last), dot_vec<NV>(av, panel_row(t, j + 1), last),
                               dot_vec<NV>(av, panel_row(t, j + 2), last), dot_vec<NV>(av, panel_row(t, j + 3), last));
      _mm_storeu_ps(dval + j, _mm_add_ps(_mm_loadu_ps(dval + j), s));
    }
    for (; j < e; ++j) dval[j] += _mm_cvtss_f32(reduce4(dot_vec<NV>(av, panel_row(t, j), last), zero, zero, zero));
  }
}

void gather_axpy(const SparseTile& t, const float* val, float* out, int64_t ldo, float scale) {
  switch (t.nv) {
    case 1: return axpy_rows<1>(t, val, out, ldo, scale);
    case 2: return axpy_rows<2>(t, val, out, ldo, scale);
    case 3: return axpy_rows<3>(t, val, out, ldo, scale);
    case 4: return axpy_rows<4>(t, val, out, ldo, scale);
    case 5: return axpy_rows<5>(t, val, out, ldo, scale);
    case 6: return axpy_rows<6>(t, val, out, ldo, scale);
    case 7: return axpy_rows<7>(t, val, out, ldo, scale);
    default: return axpy_rows<8>(t, val, out, ldo, scale);
  }
}

void gather_dot(const SparseTile& t, const float* a, int64_t lda, float* dval) {
  switch (t.nv) {
    case 1: return dot_rows<1>(t, a, lda, dval);
    case 2: return dot_rows<2>(t, a, lda, dval);
    case 3: return dot_rows<3>(t, a, lda, dval);
    case 4: return dot_rows<4>(t, a, lda, dval);
    case 5: return dot_rows<5>(t, a, lda, dval);
    case 6: return dot_rows<6>(t, a, lda, dval);
    case 7: return dot_rows<7>(t, a, lda, dval);
    default: return dot_rows<8>(t, a, lda, dval);
  }
}

}  // namespace

SparseUKernel sparse_ukernel_avx2() { return SparseUKernel{"avx2", L, MAX_NV, gather_axpy, gather_dot}; }

}  // namespace st
