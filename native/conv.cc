// 2-D convolution (dilation 1, groups), forward and both backward passes. Legend in im2col.h; tensors are
// x[N, C, H, W], w[K, Cg, R, S], bias[K], y[N, K, OH, OW].
//
// General case: im2col + GEMM (Caffe-style), parallel over the batch. Each task owns a contiguous range of
// samples and walks it in chunks of `ns` samples: a chunk's col matrix is [Kc, ns·P] (column s·P + p), so that
// small images (512 channels at 2×2) still give GEMMs with enough columns. Per group g:
//   forward          y_g[Kg, ns·P]   = w_g[Kg, Kc] · col_g
//   backward input   dcol_g[Kc, ns·P] = w_gᵀ · dy_g, then col2im into dx
//   backward weight  dw_g[Kg, Kc]   += dy_g · col_gᵀ (col recomputed, not kept from the forward)
// Depthwise convolutions (Cg = 1) use direct loops instead: a GEMM with one input channel per group is mostly
// overhead.
#include <napi.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "check.h"
#include "gemm.h"
#include "im2col.h"
#include "threadpool.h"

namespace st {
namespace {

// A chunk gets at least this many GEMM columns (samples·OH·OW) when the batch allows it: each GEMM call repacks
// the weights (and the weight gradient is read and written once per call), which must be amortised.
constexpr int64_t kChunkCols = 1024;

// ---- scratch memory ----

// Per-task buffers, kept between calls. They are grown on the calling thread, before the parallel region,
// so that a failed allocation becomes a JS Error rather than an abort inside a worker.
enum Slot { kCol, kMat, kPad, kAccW, kAccB, kSlots };
std::vector<std::array<std::vector<float>, kSlots>> g_scratch;

// Buffers of `count` floats for tasks [from, tasks); the result is indexed by task (null below `from`).
std::vector<float*> scratch(Napi::Env env, const char* op, int64_t from, int64_t tasks, Slot slot, int64_t count) {
  std::vector<float*> ptrs(tasks, nullptr);
  try {
    if (static_cast<int64_t>(g_scratch.size()) < tasks) g_scratch.resize(tasks);
    for (int64_t t = from; t < tasks; ++t) {
      std::vector<float>& v = g_scratch[t][slot];
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

// ---- the batch split ----

struct Plan {
  int64_t parts;  // tasks, each a contiguous range of samples
  int64_t ns;     // samples per chunk
  bool direct;    // 1×1, stride 1, no padding, one sample per chunk: col is x itself
};

Plan make_plan(const ConvGeom& g) {
  Plan p;
  p.parts = std::min<int64_t>(threads(), g.N);
  const int64_t per_task = (g.N + p.parts - 1) / p.parts;
  static const int64_t chunk_cols = getenv("ST_CHUNK") ? atoll(getenv("ST_CHUNK")) : kChunkCols;  // TUNING
  p.ns = std::min(per_task, (chunk_cols + g.P() - 1) / g.P());
  p.direct = p.ns == 1 && g.R == 1 && g.S == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0;
  return p;
}

// Runs fn(task, n0, n1) over the plan's ranges of samples.
template <typename Fn>
void for_each_range(const ConvGeom& g, const Plan& p, Fn fn) {
  parallel_for(p.parts, [&](int64_t t) {
    int64_t n0, n1;
    split_range(g.N, p.parts, t, &n0, &n1);
    fn(t, n0, n1);
  });
}

// mat[k, s·P + p] = src[s, k, p] for m samples of [K, P] (NCHW → chunk layout).
void gather(const float* src, int64_t K, int64_t P, int64_t m, float* mat) {
  for (int64_t k = 0; k < K; ++k)
    for (int64_t s = 0; s < m; ++s)
      std::memcpy(mat + k * m * P + s * P, src + (s * K + k) * P, static_cast<size_t>(P) * sizeof(float));
}

// dst[s, k, p] = mat[k, s·P + p] + bias[k] (bias may be null): chunk layout → NCHW.
void scatter(const float* mat, const float* bias, int64_t K, int64_t P, int64_t m, float* dst) {
  for (int64_t k = 0; k < K; ++k) {
    const float b = bias ? bias[k] : 0.0f;
    for (int64_t s = 0; s < m; ++s) {
      const float* src = mat + k * m * P + s * P;
      float* d = dst + (s * K + k) * P;
      for (int64_t p = 0; p < P; ++p) d[p] = src[p] + b;
    }
  }
}

void add_bias(float* y, const float* bias, int64_t K, int64_t P) {
  for (int64_t k = 0; k < K; ++k)
    for (int64_t p = 0; p < P; ++p) y[k * P + p] += bias[k];
}

// Σ v[0..n), in a fixed order that the compiler can vectorise (16 interleaved partial sums).
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

// dst[i] += Σ_t src[t][i], t in order, parallel over i: bit-identical for a given number of sources.
void reduce_into(float* dst, const std::vector<float*>& src, int64_t len) {
  const int64_t parts = std::min<int64_t>(threads(), std::max<int64_t>(1, len / 4096));
  parallel_for(parts, [&](int64_t t) {
    int64_t b, e;
    split_range(len, parts, t, &b, &e);
    for (const float* s : src)
      for (int64_t i = b; i < e; ++i) dst[i] += s[i];
  });
}

// ---- im2col + GEMM ----

// The col matrix [Kc, m·P] of group grp for samples x[n .. n+m); xpad holds one sample's padded planes.
const float* lower(const ConvGeom& g, const Plan& p, const float* x, int64_t n, int64_t m, int64_t grp, float* col,
                   float* xpad) {
  const int64_t HW = g.H * g.W, cols = m * g.P();
  const float* xg = x + n * g.C * HW + grp * g.Cg() * HW;
  if (p.direct) return xg;
  for (int64_t s = 0; s < m; ++s) {
    const float* src = xg + s * g.C * HW;
    if (g.padded()) {
      pad_planes(src, g, xpad);
      src = xpad;
    }
    im2col(src, g, col + s * g.P(), cols);
  }
  return col;
}

// dx[Cg, H, W] (one group of one sample) = col2im(dcol), overwritten; dxpad holds the padded planes.
void col2im_into(const ConvGeom& g, const float* dcol, int64_t ldcol, float* dx, float* dxpad) {
  float* dst = g.padded() ? dxpad : dx;
  std::memset(dst, 0, static_cast<size_t>(g.Cg() * g.Hp() * g.Wp()) * sizeof(float));
  col2im_add(dcol, ldcol, g, dst);
  if (g.padded()) unpad_planes(dxpad, g, dx);
}

void gemm_forward(const ConvGeom& g, const Plan& p, float* y, const float* x, const float* w, const float* bias) {
  const int64_t K = g.K, P = g.P(), Kg = g.Kg(), Kc = g.Kc();
  for_each_range(g, p, [&](int64_t t, int64_t n0, int64_t n1) {
    float* col = g_scratch[t][kCol].data();
    float* mat = g_scratch[t][kMat].data();
    float* xpad = g_scratch[t][kPad].data();
    for (int64_t n = n0; n < n1; n += p.ns) {
      const int64_t m = std::min(p.ns, n1 - n), cols = m * P;
      float* out = m == 1 ? y + n * K * P : mat;  // one sample: write straight into y
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        const float* b = lower(g, p, x, n, m, grp, col, xpad);
        sgemm_serial(false, false, Kg, cols, Kc, 1.0f, w + grp * Kg * Kc, Kc, b, cols, 0.0f, out + grp * Kg * cols,
                     cols);
      }
      if (m > 1) {
        scatter(mat, bias, K, P, m, y + n * K * P);
      } else if (bias) {
        add_bias(out, bias, K, P);
      }
    }
  });
}

void gemm_backward_input(const ConvGeom& g, const Plan& p, float* dx, const float* dy, const float* w) {
  const int64_t K = g.K, P = g.P(), Kg = g.Kg(), Kc = g.Kc(), Cg = g.Cg(), HW = g.H * g.W;
  for_each_range(g, p, [&](int64_t t, int64_t n0, int64_t n1) {
    float* dcol = g_scratch[t][kCol].data();
    float* mat = g_scratch[t][kMat].data();
    float* dxpad = g_scratch[t][kPad].data();
    for (int64_t n = n0; n < n1; n += p.ns) {
      const int64_t m = std::min(p.ns, n1 - n), cols = m * P;
      const float* dyc = dy + n * K * P;
      if (m > 1) {
        gather(dyc, K, P, m, mat);
        dyc = mat;
      }
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        const float* wg = w + grp * Kg * Kc;
        const float* dyg = dyc + grp * Kg * cols;
        float* dxg = dx + n * g.C * HW + grp * Cg * HW;
        if (p.direct) {
          sgemm_serial(true, false, Cg, P, Kg, 1.0f, wg, Kc, dyg, P, 0.0f, dxg, P);
          continue;
        }
        sgemm_serial(true, false, Kc, cols, Kg, 1.0f, wg, Kc, dyg, cols, 0.0f, dcol, cols);
        for (int64_t s = 0; s < m; ++s) col2im_into(g, dcol + s * P, cols, dxg + s * g.C * HW, dxpad);
      }
    }
  });
}

// Task 0 accumulates straight into dw and dbias; the others into their own buffers, added afterwards in task
// order, so that the result depends only on the number of threads.
void gemm_backward_weight(const ConvGeom& g, const Plan& p, float* dw, float* dbias, const float* dy,
                          const float* x, const std::vector<float*>& accw, const std::vector<float*>& accb) {
  const int64_t K = g.K, P = g.P(), Kg = g.Kg(), Kc = g.Kc();
  for_each_range(g, p, [&](int64_t t, int64_t n0, int64_t n1) {
    float* col = g_scratch[t][kCol].data();
    float* mat = g_scratch[t][kMat].data();
    float* xpad = g_scratch[t][kPad].data();
    float* aw = t == 0 ? dw : accw[t];
    float* ab = dbias == nullptr ? nullptr : t == 0 ? dbias : accb[t];
    if (ab && t > 0) std::fill(ab, ab + K, 0.0f);
    float beta = t == 0 ? 1.0f : 0.0f;
    for (int64_t n = n0; n < n1; n += p.ns) {
      const int64_t m = std::min(p.ns, n1 - n), cols = m * P;
      const float* dyc = dy + n * K * P;
      if (m > 1) {
        gather(dyc, K, P, m, mat);
        dyc = mat;
      }
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        const float* b = lower(g, p, x, n, m, grp, col, xpad);
        sgemm_serial(false, true, Kg, Kc, cols, 1.0f, dyc + grp * Kg * cols, cols, b, cols, beta, aw + grp * Kg * Kc,
                     Kc);
      }
      beta = 1.0f;
      if (ab)
        for (int64_t k = 0; k < K; ++k) ab[k] += sum(dyc + k * cols, cols);
    }
  });
  if (p.parts > 1) {
    reduce_into(dw, std::vector<float*>(accw.begin() + 1, accw.begin() + p.parts), K * Kc);
    if (dbias) reduce_into(dbias, std::vector<float*>(accb.begin() + 1, accb.begin() + p.parts), K);
  }
}

// ---- depthwise (Cg = 1: output channel k reads input channel k / Kg) ----

int64_t range_parts(int64_t n) { return std::min<int64_t>(threads(), n); }

// Runs fn(task, i) for i in [0, n), split into range_parts(n) contiguous ranges, one per task.
template <typename Fn>
void parallel_range(int64_t n, Fn fn) {
  const int64_t parts = range_parts(n);
  parallel_for(parts, [&](int64_t t) {
    int64_t b, e;
    split_range(n, parts, t, &b, &e);
    for (int64_t i = b; i < e; ++i) fn(t, i);
  });
}

// Calls fn(oh, ow0, n, xoff, r, s) for each output row oh and kernel tap (r, s): outputs [ow0, ow0+n) of row oh
// read input plane offsets xoff + j·strideW.
template <typename Fn>
void for_each_tap(const ConvGeom& g, Fn fn) {
  for (int64_t r = 0; r < g.R; ++r) {
    int64_t oh0, oh1;
    valid_range(g.H, g.OH, g.strideH, g.padH, r, &oh0, &oh1);
    for (int64_t s = 0; s < g.S; ++s) {
      int64_t ow0, ow1;
      valid_range(g.W, g.OW, g.strideW, g.padW, s, &ow0, &ow1);
      if (ow0 == ow1) continue;
      for (int64_t oh = oh0; oh < oh1; ++oh)
        fn(oh, ow0, ow1 - ow0, (oh * g.strideH - g.padH + r) * g.W + ow0 * g.strideW - g.padW + s, r, s);
    }
  }
}

void depthwise_forward(const ConvGeom& g, float* y, const float* x, const float* w, const float* bias) {
  const int64_t P = g.P(), HW = g.H * g.W, RS = g.R * g.S, sw = g.strideW;
  parallel_range(g.N * g.K, [&](int64_t, int64_t plane) {
    const int64_t n = plane / g.K, k = plane % g.K;
    const float* xp = x + (n * g.C + k / g.Kg()) * HW;
    const float* wk = w + k * RS;
    float* yp = y + plane * P;
    std::fill(yp, yp + P, bias ? bias[k] : 0.0f);
    for_each_tap(g, [&](int64_t oh, int64_t ow0, int64_t cnt, int64_t xoff, int64_t r, int64_t s) {
      const float wv = wk[r * g.S + s];
      const float* src = xp + xoff;
      float* d = yp + oh * g.OW + ow0;
      if (sw == 1) {
        for (int64_t j = 0; j < cnt; ++j) d[j] += wv * src[j];
      } else {
        for (int64_t j = 0; j < cnt; ++j) d[j] += wv * src[j * sw];
      }
    });
  });
}

void depthwise_backward_input(const ConvGeom& g, float* dx, const float* dy, const float* w) {
  const int64_t P = g.P(), HW = g.H * g.W, RS = g.R * g.S, Kg = g.Kg(), sw = g.strideW;
  parallel_range(g.N * g.C, [&](int64_t, int64_t plane) {
    const int64_t n = plane / g.C, c = plane % g.C;
    float* dxp = dx + plane * HW;
    std::fill(dxp, dxp + HW, 0.0f);
    for (int64_t k = c * Kg; k < (c + 1) * Kg; ++k) {
      const float* dyp = dy + (n * g.K + k) * P;
      const float* wk = w + k * RS;
      for_each_tap(g, [&](int64_t oh, int64_t ow0, int64_t cnt, int64_t xoff, int64_t r, int64_t s) {
        const float wv = wk[r * g.S + s];
        const float* src = dyp + oh * g.OW + ow0;
        float* d = dxp + xoff;
        if (sw == 1) {
          for (int64_t j = 0; j < cnt; ++j) d[j] += wv * src[j];
        } else {
          for (int64_t j = 0; j < cnt; ++j) d[j * sw] += wv * src[j];
        }
      });
    }
  });
}

// Parallel over output channels, so each dw[k] and dbias[k] is summed by one task in a fixed order.
void depthwise_backward_weight(const ConvGeom& g, float* dw, float* dbias, const float* dy, const float* x) {
  const int64_t P = g.P(), HW = g.H * g.W, RS = g.R * g.S, sw = g.strideW;
  parallel_range(g.K, [&](int64_t t, int64_t k) {
    // rows[tap, ow]: per-tap partial sums over output rows and samples, kept per column so that they vectorise.
    float* rows = g_scratch[t][kCol].data();
    std::fill(rows, rows + RS * g.OW, 0.0f);
    float db = 0.0f;
    for (int64_t n = 0; n < g.N; ++n) {
      const float* xp = x + (n * g.C + k / g.Kg()) * HW;
      const float* dyp = dy + (n * g.K + k) * P;
      if (dbias) db += sum(dyp, P);
      for_each_tap(g, [&](int64_t oh, int64_t ow0, int64_t cnt, int64_t xoff, int64_t r, int64_t s) {
        float* acc = rows + (r * g.S + s) * g.OW + ow0;
        const float* d = dyp + oh * g.OW + ow0;
        const float* src = xp + xoff;
        if (sw == 1) {
          for (int64_t j = 0; j < cnt; ++j) acc[j] += d[j] * src[j];
        } else {
          for (int64_t j = 0; j < cnt; ++j) acc[j] += d[j] * src[j * sw];
        }
      });
    }
    for (int64_t tap = 0; tap < RS; ++tap) dw[k * RS + tap] += sum(rows + tap * g.OW, g.OW);
    if (dbias) dbias[k] += db;
  });
}

bool is_depthwise(const ConvGeom& g) { return g.groups > 1 && g.Cg() == 1; }

// ---- binding ----

std::string describe(const ConvGeom& g) {
  auto s = [](int64_t v) { return std::to_string(v); };
  return "N=" + s(g.N) + " C=" + s(g.C) + " H=" + s(g.H) + " W=" + s(g.W) + " K=" + s(g.K) + " R=" + s(g.R) +
         " S=" + s(g.S) + " stride=" + s(g.strideH) + "x" + s(g.strideW) + " pad=" + s(g.padH) + "x" + s(g.padW) +
         " groups=" + s(g.groups);
}

// a·b·c·d, failing on overflow (the lengths are then surely wrong).
int64_t product(Napi::Env env, const char* op, const std::string& detail, std::initializer_list<int64_t> factors) {
  int64_t p = 1;
  for (int64_t f : factors)
    if (__builtin_mul_overflow(p, f, &p)) fail(env, std::string(op) + ": sizes overflow (" + detail + ")");
  return p;
}

// Reads the 12 shape integers starting at argument i and validates them.
ConvGeom arg_geom(const Napi::CallbackInfo& info, size_t i, const char* op) {
  Napi::Env env = info.Env();
  ConvGeom g;
  const char* names[] = {"N", "C", "H", "W", "K", "R", "S", "strideH", "strideW", "padH", "padW", "groups"};
  int64_t* fields[] = {&g.N, &g.C, &g.H, &g.W, &g.K, &g.R, &g.S, &g.strideH, &g.strideW, &g.padH, &g.padW, &g.groups};
  for (size_t j = 0; j < 12; ++j) *fields[j] = arg_int(info, i + j, op, names[j]);
  g.OH = g.OW = 0;
  const std::string d = describe(g);
  for (size_t j = 0; j < 12; ++j) {
    const bool pad = j == 9 || j == 10;
    if (pad ? *fields[j] < 0 : *fields[j] < 1)
      fail(env, std::string(op) + ": " + names[j] + " must be " + (pad ? ">= 0" : ">= 1") + " (" + d + ")");
  }
  if (g.C % g.groups != 0 || g.K % g.groups != 0)
    fail(env, std::string(op) + ": groups must divide C and K (" + d + ")");
  if (g.H + 2 * g.padH < g.R || g.W + 2 * g.padW < g.S)
    fail(env, std::string(op) + ": the kernel is larger than the padded input, output size < 1 (" + d + ")");
  g.OH = (g.H + 2 * g.padH - g.R) / g.strideH + 1;
  g.OW = (g.W + 2 * g.padW - g.S) / g.strideW + 1;
  return g;
}

struct Lengths {
  int64_t x, w, y;
};

Lengths lengths(Napi::Env env, const char* op, const ConvGeom& g) {
  const std::string d = describe(g);
  return Lengths{product(env, op, d, {g.N, g.C, g.H, g.W}), product(env, op, d, {g.K, g.Cg(), g.R, g.S}),
                 product(env, op, d, {g.N, g.K, g.OH, g.OW})};
}

// Sizes every task's col and chunk buffers for a GEMM pass.
void reserve_gemm(Napi::Env env, const char* op, const ConvGeom& g, const Plan& p) {
  const int64_t cols = p.ns * g.P();
  scratch(env, op, 0, p.parts, kCol, p.direct ? 1 : product(env, op, describe(g), {g.Kc(), cols}));
  scratch(env, op, 0, p.parts, kMat, p.ns > 1 ? product(env, op, describe(g), {g.K, cols}) : 1);
  scratch(env, op, 0, p.parts, kPad, g.padded() ? product(env, op, describe(g), {g.Cg(), g.Hp(), g.Wp()}) : 1);
}

// conv2dForward(y, x, w, bias | null, N, C, H, W, K, R, S, strideH, strideW, padH, padW, groups)
Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  const char* op = "conv2dForward";
  Napi::Env env = info.Env();
  F32 y = arg_f32(info, 0, op, "y"), x = arg_f32(info, 1, op, "x"), w = arg_f32(info, 2, op, "w");
  F32 bias = arg_f32_or_null(info, 3, op, "bias");
  ConvGeom g = arg_geom(info, 4, op);
  const std::string d = describe(g);
  Lengths len = lengths(env, op, g);
  check_len(env, op, "y", y.length, len.y, d);
  check_len(env, op, "x", x.length, len.x, d);
  check_len(env, op, "w", w.length, len.w, d);
  if (bias.data) check_len(env, op, "bias", bias.length, g.K, d);
  if (is_depthwise(g)) {
    depthwise_forward(g, y.data, x.data, w.data, bias.data);
  } else {
    Plan p = make_plan(g);
    reserve_gemm(env, op, g, p);
    gemm_forward(g, p, y.data, x.data, w.data, bias.data);
  }
  return env.Undefined();
}

// conv2dBackwardInput(dx, dy, w, N, C, H, W, K, R, S, strideH, strideW, padH, padW, groups)
Napi::Value Conv2dBackwardInput(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackwardInput";
  Napi::Env env = info.Env();
  F32 dx = arg_f32(info, 0, op, "dx"), dy = arg_f32(info, 1, op, "dy"), w = arg_f32(info, 2, op, "w");
  ConvGeom g = arg_geom(info, 3, op);
  const std::string d = describe(g);
  Lengths len = lengths(env, op, g);
  check_len(env, op, "dx", dx.length, len.x, d);
  check_len(env, op, "dy", dy.length, len.y, d);
  check_len(env, op, "w", w.length, len.w, d);
  if (is_depthwise(g)) {
    depthwise_backward_input(g, dx.data, dy.data, w.data);
  } else {
    Plan p = make_plan(g);
    reserve_gemm(env, op, g, p);
    gemm_backward_input(g, p, dx.data, dy.data, w.data);
  }
  return env.Undefined();
}

// conv2dBackwardWeight(dw, dbias | null, dy, x, N, C, H, W, K, R, S, strideH, strideW, padH, padW, groups)
Napi::Value Conv2dBackwardWeight(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackwardWeight";
  Napi::Env env = info.Env();
  F32 dw = arg_f32(info, 0, op, "dw"), dbias = arg_f32_or_null(info, 1, op, "dbias");
  F32 dy = arg_f32(info, 2, op, "dy"), x = arg_f32(info, 3, op, "x");
  ConvGeom g = arg_geom(info, 4, op);
  const std::string d = describe(g);
  Lengths len = lengths(env, op, g);
  check_len(env, op, "dw", dw.length, len.w, d);
  if (dbias.data) check_len(env, op, "dbias", dbias.length, g.K, d);
  check_len(env, op, "dy", dy.length, len.y, d);
  check_len(env, op, "x", x.length, len.x, d);
  if (is_depthwise(g)) {
    scratch(env, op, 0, range_parts(g.K), kCol, g.R * g.S * g.OW);
    depthwise_backward_weight(g, dw.data, dbias.data, dy.data, x.data);
  } else {
    Plan p = make_plan(g);
    reserve_gemm(env, op, g, p);
    std::vector<float*> accw = scratch(env, op, 1, p.parts, kAccW, g.K * g.Kc());
    std::vector<float*> accb = scratch(env, op, 1, p.parts, kAccB, dbias.data ? g.K : 1);
    gemm_backward_weight(g, p, dw.data, dbias.data, dy.data, x.data, accw, accb);
  }
  return env.Undefined();
}

}  // namespace

void register_conv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2dForward", Napi::Function::New(env, Conv2dForward, "conv2dForward"));
  exports.Set("conv2dBackwardInput", Napi::Function::New(env, Conv2dBackwardInput, "conv2dBackwardInput"));
  exports.Set("conv2dBackwardWeight", Napi::Function::New(env, Conv2dBackwardWeight, "conv2dBackwardWeight"));
}

}  // namespace st
