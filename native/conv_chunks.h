// The batch chunks shared by the convolutions of conv.cc and sparse_conv.cc. A chunk of m samples starting at
// sample n is lowered to a col matrix [Kc, P·m] (column p·m + i, see im2col.h), and the chunk's outputs and their
// gradients are used in the same column order (`mat` [K, P·m]); one sample (m = 1) needs no reordering.
#pragma once
#include <napi.h>

#include <cstdint>
#include <vector>

#include "im2col.h"

namespace st {

// A chunk gets at least this many columns (samples·OH·OW) when the batch allows it: each product over a chunk
// repacks the weights (and the weight gradient is read and written once per chunk), which must be amortised.
constexpr int64_t kChunkCols = 1024;

// Samples per chunk that give at least `cols` columns for P output pixels per sample, at most n.
inline int64_t chunk_samples(int64_t P, int64_t n, int64_t cols = kChunkCols) {
  const int64_t m = (cols + P - 1) / P;
  return m < n ? m : n;
}

// mat[k, p·m + i] = t[i, k, p] for m samples of [K, P]: NCHW → the chunk's column order.
void to_chunk(const float* t, int64_t K, int64_t P, int64_t m, float* mat);
// t[i, k, p] = mat[k, p·m + i] + bias[k] (bias may be null): the chunk's column order → NCHW.
void from_chunk(const float* mat, const float* bias, int64_t K, int64_t P, int64_t m, float* t);
// y[k, p] += bias[k] for one sample y [K, P].
void add_bias(float* y, const float* bias, int64_t K, int64_t P);

// The packed input xt [Cg, Hp, Wp, m] of group grp of the chunk (x itself for one unpadded sample).
const float* pack_input(const ConvGeom& g, const float* x, int64_t n, int64_t m, int64_t grp, float* xt);
// The chunk's col matrix of group grp, built in col from the packed input in xt (or xt itself when pointwise).
const float* lower(const ConvGeom& g, const float* x, int64_t n, int64_t m, int64_t grp, float* col, float* xt);

// Σ v[0..n), in a fixed order that the compiler can vectorise (16 interleaved partial sums).
float sum(const float* v, int64_t n);
// dst[i] += Σ_t src[t][i], t in order, parallel over i: bit-identical for given sources in a given order.
void reduce_into(float* dst, const std::vector<float*>& src, int64_t len);

// Per-task float buffers in a fixed number of slots, kept between calls. They are grown on the calling thread
// before a parallel region, so that a failed allocation becomes a JS Error rather than an abort inside a worker.
class TaskScratch {
 public:
  explicit TaskScratch(int slots) : slots_(slots) {}
  // Buffers of `count` floats in `slot` for tasks [from, tasks), indexed by task (null below `from`).
  std::vector<float*> get(Napi::Env env, const char* op, int64_t from, int64_t tasks, int slot, int64_t count);
  // Task t's buffer in `slot`, as last sized by get().
  float* at(int64_t t, int slot) { return bufs_[t][slot].data(); }

 private:
  int slots_;
  std::vector<std::vector<std::vector<float>>> bufs_;
};

}  // namespace st
