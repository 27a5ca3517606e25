#include "conv_chunks.h"

#include <algorithm>
#include <exception>
#include <string>

#include "check.h"
#include "threadpool.h"

namespace st {

void to_chunk(const float* t, int64_t K, int64_t P, int64_t m, float* mat) {
  for (int64_t k = 0; k < K; ++k)
    for (int64_t i = 0; i < m; ++i) {
      const float* src = t + (i * K + k) * P;
      float* d = mat + k * P * m + i;
      for (int64_t p = 0; p < P; ++p) d[p * m] = src[p];
    }
}

void from_chunk(const float* mat, const float* bias, int64_t K, int64_t P, int64_t m, float* t) {
  for (int64_t k = 0; k < K; ++k) {
    const float b = bias ? bias[k] : 0.0f;
    for (int64_t i = 0; i < m; ++i) {
      const float* src = mat + k * P * m + i;
      float* d = t + (i * K + k) * P;
      for (int64_t p = 0; p < P; ++p) d[p] = src[p * m] + b;
    }
  }
}

void add_bias(float* y, const float* bias, int64_t K, int64_t P) {
  for (int64_t k = 0; k < K; ++k)
    for (int64_t p = 0; p < P; ++p) y[k * P + p] += bias[k];
}

const float* pack_input(const ConvGeom& g, const float* x, int64_t n, int64_t m, int64_t grp, float* xt) {
  const int64_t HW = g.H * g.W;
  const float* xg = x + (n * g.C + grp * g.Cg()) * HW;
  if (m == 1 && !g.padded()) return xg;
  pack_chunk(xg, g.C * HW, m, g, xt);
  return xt;
}

const float* lower(const ConvGeom& g, const float* x, int64_t n, int64_t m, int64_t grp, float* col, float* xt) {
  const float* packed = pack_input(g, x, n, m, grp, xt);
  if (g.pointwise()) return packed;
  im2col(packed, m, g, col);
  return col;
}

float sum(const float* v, int64_t n) {
  float part[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; ++j) part[j] += v[i + j];
  float total = 0.0f;
  for (int j = 0; j < 16; ++j) total += part[j];
  for (; i < n; ++i) total += v[i];
  return total;
}

void reduce_into(float* dst, const std::vector<float*>& src, int64_t len) {
  const int64_t parts = std::min<int64_t>(threads(), std::max<int64_t>(1, len / 4096));
  parallel_for(parts, [&](int64_t t) {
    int64_t b, e;
    split_range(len, parts, t, &b, &e);
    for (const float* s : src)
      for (int64_t i = b; i < e; ++i) dst[i] += s[i];
  });
}

std::vector<float*> TaskScratch::get(Napi::Env env, const char* op, int64_t from, int64_t tasks, int slot,
                                     int64_t count) {
  std::vector<float*> ptrs(tasks, nullptr);
  try {
    while (static_cast<int64_t>(bufs_.size()) < tasks) bufs_.emplace_back(slots_);
    for (int64_t t = from; t < tasks; ++t) {
      std::vector<float>& v = bufs_[t][slot];
      if (static_cast<int64_t>(v.size()) < count) {
        std::vector<float>().swap(v);  // free before growing: the old contents are not needed
        v.resize(count);
      }
      ptrs[t] = v.data();
    }
  } catch (const std::exception&) {
    fail(env, std::string(op) + ": out of memory for " + std::to_string(tasks) + " scratch buffers of " +
                  std::to_string(count) + " floats");
  }
  return ptrs;
}

}  // namespace st
