// Batch normalisation over x[N, C, HW] (BatchNorm2d: HW = H·W; BatchNorm1d: HW = 1), PyTorch semantics.
// Per-channel sums are accumulated in double. Two loop shapes, chosen by HW:
//  - planes (HW ≥ kPlaneMin): a channel is N contiguous planes of HW, reduced in kLanes register lanes;
//  - columns (small HW): the tensor is N rows of C·HW columns, reduced per column down the rows
//    (vectorised across columns), then the HW columns of a channel are added in order.
// Channels are split into contiguous blocks, one task each; a channel is reduced by one thread in a fixed
// order whatever the block split, so results do not depend on the thread count.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "check.h"
#include "threadpool.h"

// No FMA contraction: vector bodies and remainder loops then round alike, so results do not depend on how the
// work is split between threads, nor on the ISA clone that runs.
#pragma GCC optimize("fp-contract=off")
#define ST_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

namespace st {
namespace {

constexpr int64_t kPlaneMin = 32;        // HW from which the planes loop shape is used
constexpr int64_t kColBlock = 1024;      // columns per block in the columns shape (accumulators stay in L1)
constexpr int64_t kParallelMin = 1 << 15;
constexpr int kLanes = 16;
constexpr int64_t kAheadFloats = 2048;   // how far ahead the plane loops prefetch

struct Shape {
  int64_t N, C, HW;
  int64_t rowLen() const { return C * HW; }
  int64_t count() const { return N * HW; }  // values per channel
  bool planes() const { return HW >= kPlaneMin; }
};

// ---- plane loops (one channel's plane of len contiguous values) ----

// Lane sums use GCC vector types, 4×4 double lanes (ymm registers, or xmm pairs in the default clone):
// a fixed summation order whatever the ISA (the compiler may not reassociate scalar float sums).
typedef double d4 __attribute__((vector_size(32)));
typedef float f4 __attribute__((vector_size(16)));
constexpr int kVecs = kLanes / 4;

// Four floats at p as doubles (by reference: returning a vector by value would depend on the ISA's ABI).
inline void widen(d4& dst, const float* p) {
  f4 v;
  std::memcpy(&v, p, sizeof v);
  dst = __builtin_convertvector(v, d4);
}

// The plane loops prefetch the same position `ahead` elements on, in the channel's next plane: a channel's
// planes are C·HW apart, and the hardware prefetcher restarts at every plane (often a 4 KiB page) otherwise.
// A block of kLanes floats is one 64-byte cache line.

// s1 += x - shift, s2 += (x - shift)² over kLanes lanes; the tail goes to the first lanes.
ST_CLONES void plane_moments(const float* x, int64_t len, int64_t ahead, double shift, double* s1, double* s2) {
  d4 a[kVecs], b[kVecs];
  std::memcpy(a, s1, sizeof a);
  std::memcpy(b, s2, sizeof b);
  int64_t i = 0;
  for (; i + kLanes <= len; i += kLanes) {
    __builtin_prefetch(x + i + ahead);
    for (int h = 0; h < kVecs; ++h) {
      d4 d;
      widen(d, x + i + 4 * h);
      d -= shift;
      a[h] += d;
      b[h] += d * d;
    }
  }
  std::memcpy(s1, a, sizeof a);
  std::memcpy(s2, b, sizeof b);
  for (int j = 0; i < len; ++i, ++j) {
    double d = static_cast<double>(x[i]) - shift;
    s1[j] += d;
    s2[j] += d * d;
  }
}

// s1 += dy, s2 += dy·(x - mean) over kLanes lanes.
ST_CLONES void plane_dot(const float* dy, const float* x, int64_t len, int64_t ahead, double mean, double* s1,
                         double* s2) {
  d4 a[kVecs], b[kVecs];
  std::memcpy(a, s1, sizeof a);
  std::memcpy(b, s2, sizeof b);
  int64_t i = 0;
  for (; i + kLanes <= len; i += kLanes) {
    __builtin_prefetch(dy + i + ahead);
    __builtin_prefetch(x + i + ahead);
    for (int h = 0; h < kVecs; ++h) {
      d4 g, v;
      widen(g, dy + i + 4 * h);
      widen(v, x + i + 4 * h);
      a[h] += g;
      b[h] += g * (v - mean);
    }
  }
  std::memcpy(s1, a, sizeof a);
  std::memcpy(s2, b, sizeof b);
  for (int j = 0; i < len; ++i, ++j) {
    double g = dy[i];
    s1[j] += g;
    s2[j] += g * (static_cast<double>(x[i]) - mean);
  }
}

ST_CLONES void plane_affine(float* __restrict__ y, const float* __restrict__ x, int64_t len, int64_t ahead, float a,
                           float b) {
  int64_t i = 0;
  for (; i + kLanes <= len; i += kLanes) {
    __builtin_prefetch(x + i + ahead);
    __builtin_prefetch(y + i + ahead, 1);
    for (int j = 0; j < kLanes; ++j) y[i + j] = x[i + j] * a + b;
  }
  for (; i < len; ++i) y[i] = x[i] * a + b;
}

ST_CLONES void plane_dx(float* __restrict__ dx, const float* __restrict__ dy, const float* __restrict__ x, int64_t len,
                        int64_t ahead, float mean, float gm, float k, float g) {
  int64_t i = 0;
  for (; i + kLanes <= len; i += kLanes) {
    __builtin_prefetch(dy + i + ahead);
    __builtin_prefetch(x + i + ahead);
    __builtin_prefetch(dx + i + ahead, 1);
    for (int j = 0; j < kLanes; ++j) dx[i + j] = (dy[i + j] - gm - (x[i + j] - mean) * k) * g;
  }
  for (; i < len; ++i) dx[i] = (dy[i] - gm - (x[i] - mean) * k) * g;
}

double lane_sum(const double* a) {
  double s = 0;
  for (int j = 0; j < kLanes; ++j) s += a[j];
  return s;
}

// ---- column loops (one row's slice of w columns; per-column parameters) ----

ST_CLONES void cols_moments(const float* __restrict__ x, int64_t w, const double* __restrict__ shift,
                            double* __restrict__ s1, double* __restrict__ s2) {
  for (int64_t j = 0; j < w; ++j) {
    double d = static_cast<double>(x[j]) - shift[j];
    s1[j] += d;
    s2[j] += d * d;
  }
}

ST_CLONES void cols_dot(const float* __restrict__ dy, const float* __restrict__ x, int64_t w,
                        const double* __restrict__ mean, double* __restrict__ s1, double* __restrict__ s2) {
  for (int64_t j = 0; j < w; ++j) {
    double g = dy[j];
    s1[j] += g;
    s2[j] += g * (static_cast<double>(x[j]) - mean[j]);
  }
}

ST_CLONES void cols_affine(float* __restrict__ y, const float* __restrict__ x, int64_t w, const float* __restrict__ a,
                           const float* __restrict__ b) {
  for (int64_t j = 0; j < w; ++j) y[j] = x[j] * a[j] + b[j];
}

ST_CLONES void cols_dx(float* __restrict__ dx, const float* __restrict__ dy, const float* __restrict__ x, int64_t w,
                       const float* __restrict__ mean, const float* __restrict__ gm, const float* __restrict__ k,
                       const float* __restrict__ g) {
  for (int64_t j = 0; j < w; ++j) dx[j] = (dy[j] - gm[j] - (x[j] - mean[j]) * k[j]) * g[j];
}

// Repeats each of the n values of v HW times (per-channel → per-column).
template <class T, class U>
std::vector<T> per_column(const U* v, int64_t n, int64_t HW) {
  std::vector<T> out(n * HW);
  for (int64_t c = 0; c < n; ++c) std::fill(out.begin() + c * HW, out.begin() + (c + 1) * HW, static_cast<T>(v[c]));
  return out;
}

// ---- per-channel passes over channels [c0, c1); outputs indexed from c0 ----

// Prefetch distance from plane n: enough planes on to be about kAheadFloats of work ahead, capped at the
// channel's last plane (0 from the last: nothing left to prefetch).
int64_t plane_ahead(const Shape& s, int64_t n) {
  int64_t planes = std::min((kAheadFloats + s.HW - 1) / s.HW, s.N - 1 - n);
  return planes * s.rowLen();
}

// Two per-channel sums for channels [c0, c1): planes(off, ahead, c, l1, l2) accumulates into kLanes lanes;
// cols(x, w, l1, l2) accumulates per column of a row slice. Writes the totals to t1[c - c0], t2[c - c0].
template <class Planes, class Cols>
void channel_sums(const Shape& s, int64_t c0, int64_t c1, Planes planes, Cols cols, double* t1, double* t2) {
  if (s.planes()) {
    for (int64_t c = c0; c < c1; ++c) {
      double l1[kLanes] = {}, l2[kLanes] = {};
      for (int64_t n = 0; n < s.N; ++n) planes((n * s.C + c) * s.HW, plane_ahead(s, n), c, l1, l2);
      t1[c - c0] = lane_sum(l1);
      t2[c - c0] = lane_sum(l2);
    }
    return;
  }
  int64_t w = (c1 - c0) * s.HW;
  std::vector<double> a(w, 0.0), b(w, 0.0);
  for (int64_t n = 0; n < s.N; ++n) cols(n * s.rowLen() + c0 * s.HW, w, a.data(), b.data());
  for (int64_t c = 0; c < c1 - c0; ++c) {
    double x1 = 0, x2 = 0;
    for (int64_t i = 0; i < s.HW; ++i) x1 += a[c * s.HW + i], x2 += b[c * s.HW + i];
    t1[c] = x1;
    t2[c] = x2;
  }
}

// y = x·a[c] + b[c] for channels [c0, c1).
void write_affine(float* y, const float* x, const Shape& s, int64_t c0, int64_t c1, const float* a, const float* b) {
  if (s.planes()) {
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t c = c0; c < c1; ++c) {
        int64_t off = (n * s.C + c) * s.HW;
        plane_affine(y + off, x + off, s.HW, plane_ahead(s, n), a[c - c0], b[c - c0]);
      }
    return;
  }
  std::vector<float> ac = per_column<float>(a, c1 - c0, s.HW), bc = per_column<float>(b, c1 - c0, s.HW);
  for (int64_t n = 0; n < s.N; ++n) {
    int64_t off = n * s.rowLen() + c0 * s.HW;
    cols_affine(y + off, x + off, (c1 - c0) * s.HW, ac.data(), bc.data());
  }
}

// Runs fn(c0, c1) over blocks of channels, one task each. In the planes shape a block is one channel, so
// its data is still in cache when written after its reduction; in the columns shape blocks are at most
// kColBlock columns wide (so the accumulators stay in L1) and at least one per thread.
template <class F>
void for_channel_blocks(const Shape& s, F fn) {
  int64_t blocks = s.planes() ? s.C : (s.rowLen() + kColBlock - 1) / kColBlock;
  bool parallel = s.N * s.rowLen() >= kParallelMin && threads() > 1;
  if (parallel) blocks = std::max<int64_t>(blocks, threads());
  blocks = std::min(blocks, s.C);
  auto task = [&](int64_t t) {
    int64_t c0, c1;
    split_range(s.C, blocks, t, &c0, &c1);
    if (c0 < c1) fn(c0, c1);
  };
  if (parallel) {
    parallel_for(blocks, task);
  } else {
    for (int64_t t = 0; t < blocks; ++t) task(t);
  }
}

struct TrainArgs {
  float *y, *saveMean, *saveInvStd;
  const float *x, *gamma, *beta;
  float *runningMean, *runningVar;
  double momentum, eps;
};

void bn_forward_train(const TrainArgs& a, const Shape& s) {
  for_channel_blocks(s, [&](int64_t c0, int64_t c1) {
    int64_t nc = c1 - c0;
    std::vector<double> shift(nc), s1(nc), s2(nc);
    for (int64_t c = c0; c < c1; ++c) shift[c - c0] = a.x[c * s.HW];  // shifted sums avoid cancellation
    auto planes = [&](int64_t off, int64_t ahead, int64_t c, double* l1, double* l2) {
      plane_moments(a.x + off, s.HW, ahead, shift[c - c0], l1, l2);
    };
    std::vector<double> shiftCols;
    if (!s.planes()) shiftCols = per_column<double>(shift.data(), nc, s.HW);
    auto cols = [&](int64_t off, int64_t w, double* l1, double* l2) {
      cols_moments(a.x + off, w, shiftCols.data(), l1, l2);
    };
    channel_sums(s, c0, c1, planes, cols, s1.data(), s2.data());
    double n = static_cast<double>(s.count());
    std::vector<float> scale(nc), bias(nc);
    for (int64_t i = 0; i < nc; ++i) {
      int64_t c = c0 + i;
      double dm = s1[i] / n;
      double var = std::max(0.0, s2[i] / n - dm * dm);
      double mean = shift[i] + dm;
      double invstd = 1.0 / std::sqrt(var + a.eps);
      a.saveMean[c] = static_cast<float>(mean);
      a.saveInvStd[c] = static_cast<float>(invstd);
      double m = a.momentum;
      a.runningMean[c] = static_cast<float>((1 - m) * a.runningMean[c] + m * mean);
      a.runningVar[c] = static_cast<float>((1 - m) * a.runningVar[c] + m * var * n / (n - 1));
      double g = a.gamma[c] * invstd;
      scale[i] = static_cast<float>(g);
      bias[i] = static_cast<float>(a.beta[c] - mean * g);
    }
    write_affine(a.y, a.x, s, c0, c1, scale.data(), bias.data());
  });
}

void bn_forward_eval(float* y, const float* x, const float* gamma, const float* beta, const float* runningMean,
                     const float* runningVar, const Shape& s, double eps) {
  for_channel_blocks(s, [&](int64_t c0, int64_t c1) {
    std::vector<float> scale(c1 - c0), bias(c1 - c0);
    for (int64_t c = c0; c < c1; ++c) {
      double g = gamma[c] / std::sqrt(static_cast<double>(runningVar[c]) + eps);
      scale[c - c0] = static_cast<float>(g);
      bias[c - c0] = static_cast<float>(beta[c] - runningMean[c] * g);
    }
    write_affine(y, x, s, c0, c1, scale.data(), bias.data());
  });
}

struct BackwardArgs {
  float *dx, *dgamma, *dbeta;
  const float *dy, *x, *gamma, *saveMean, *saveInvStd;
};

// dx = (dy − Σdy/n − (x − mean)·invstd²·Σdy(x − mean)/n)·γ·invstd  (= invstd·γ/n·(n·dy − Σdy − x̂·Σdy·x̂)).
void bn_backward(const BackwardArgs& a, const Shape& s) {
  for_channel_blocks(s, [&](int64_t c0, int64_t c1) {
    int64_t nc = c1 - c0;
    std::vector<double> sdy(nc), sdxm(nc);
    auto planes = [&](int64_t off, int64_t ahead, int64_t c, double* l1, double* l2) {
      plane_dot(a.dy + off, a.x + off, s.HW, ahead, a.saveMean[c], l1, l2);
    };
    std::vector<double> meanCols;
    if (!s.planes()) meanCols = per_column<double>(a.saveMean + c0, nc, s.HW);
    auto cols = [&](int64_t off, int64_t w, double* l1, double* l2) {
      cols_dot(a.dy + off, a.x + off, w, meanCols.data(), l1, l2);
    };
    channel_sums(s, c0, c1, planes, cols, sdy.data(), sdxm.data());
    double n = static_cast<double>(s.count());
    std::vector<float> gm(nc), k(nc), g(nc);
    for (int64_t i = 0; i < nc; ++i) {
      int64_t c = c0 + i;
      double invstd = a.saveInvStd[c];
      a.dbeta[c] += static_cast<float>(sdy[i]);
      a.dgamma[c] += static_cast<float>(sdxm[i] * invstd);
      gm[i] = static_cast<float>(sdy[i] / n);
      k[i] = static_cast<float>(sdxm[i] * invstd * invstd / n);
      g[i] = static_cast<float>(a.gamma[c] * invstd);
    }
    if (s.planes()) {
      for (int64_t nn = 0; nn < s.N; ++nn)
        for (int64_t c = c0; c < c1; ++c) {
          int64_t off = (nn * s.C + c) * s.HW, i = c - c0;
          plane_dx(a.dx + off, a.dy + off, a.x + off, s.HW, plane_ahead(s, nn), a.saveMean[c], gm[i], k[i], g[i]);
        }
      return;
    }
    std::vector<float> mc = per_column<float>(a.saveMean + c0, nc, s.HW), gmc = per_column<float>(gm.data(), nc, s.HW),
                       kc = per_column<float>(k.data(), nc, s.HW), gc = per_column<float>(g.data(), nc, s.HW);
    for (int64_t nn = 0; nn < s.N; ++nn) {
      int64_t off = nn * s.rowLen() + c0 * s.HW;
      cols_dx(a.dx + off, a.dy + off, a.x + off, nc * s.HW, mc.data(), gmc.data(), kc.data(), gc.data());
    }
  });
}

// ---- binding ----

std::string dims_text(const Shape& s) {
  return "N=" + std::to_string(s.N) + " C=" + std::to_string(s.C) + " HW=" + std::to_string(s.HW);
}

// Reads N, C, HW at argument i and checks them: non-negative, product representable.
Shape arg_shape(const Napi::CallbackInfo& info, size_t i, const char* op) {
  Shape s{arg_int(info, i, op, "N"), arg_int(info, i + 1, op, "C"), arg_int(info, i + 2, op, "HW")};
  if (s.N < 0 || s.C < 0 || s.HW < 0) fail(info.Env(), std::string(op) + ": negative dimension (" + dims_text(s) + ")");
  int64_t t;
  if (__builtin_mul_overflow(s.N, s.C, &t) || __builtin_mul_overflow(t, s.HW, &t))
    fail(info.Env(), std::string(op) + ": dimensions too large (" + dims_text(s) + ")");
  return s;
}

using Named = std::initializer_list<std::pair<const char*, F32>>;

// Tensors must hold N·C·HW values, per-channel vectors C.
void check_lens(const Napi::CallbackInfo& info, const char* op, const Shape& s, Named tensors, Named perChannel) {
  std::string d = dims_text(s);
  for (auto& [name, a] : tensors) check_len(info.Env(), op, name, a.length, s.N * s.rowLen(), d);
  for (auto& [name, a] : perChannel) check_len(info.Env(), op, name, a.length, s.C, d);
}

// batchNormForwardTrain(y, saveMean, saveInvStd, x, gamma, beta, runningMean, runningVar, N, C, HW, momentum, eps)
Napi::Value BatchNormForwardTrain(const Napi::CallbackInfo& info) {
  const char* op = "batchNormForwardTrain";
  F32 y = arg_f32(info, 0, op, "y"), sm = arg_f32(info, 1, op, "saveMean"), si = arg_f32(info, 2, op, "saveInvStd");
  F32 x = arg_f32(info, 3, op, "x"), gamma = arg_f32(info, 4, op, "gamma"), beta = arg_f32(info, 5, op, "beta");
  F32 rm = arg_f32(info, 6, op, "runningMean"), rv = arg_f32(info, 7, op, "runningVar");
  Shape s = arg_shape(info, 8, op);
  double momentum = arg_num(info, 11, op, "momentum"), eps = arg_num(info, 12, op, "eps");
  check_lens(info, op, s, {{"y", y}, {"x", x}},
             {{"saveMean", sm}, {"saveInvStd", si}, {"gamma", gamma}, {"beta", beta}, {"runningMean", rm},
              {"runningVar", rv}});
  if (s.count() < 2 && s.C > 0)
    fail(info.Env(), std::string(op) + ": expected more than 1 value per channel when training (" + dims_text(s) + ")");
  TrainArgs a{y.data, sm.data, si.data, x.data, gamma.data, beta.data, rm.data, rv.data, momentum, eps};
  bn_forward_train(a, s);
  return info.Env().Undefined();
}

// batchNormForwardEval(y, x, gamma, beta, runningMean, runningVar, N, C, HW, eps)
Napi::Value BatchNormForwardEval(const Napi::CallbackInfo& info) {
  const char* op = "batchNormForwardEval";
  F32 y = arg_f32(info, 0, op, "y"), x = arg_f32(info, 1, op, "x");
  F32 gamma = arg_f32(info, 2, op, "gamma"), beta = arg_f32(info, 3, op, "beta");
  F32 rm = arg_f32(info, 4, op, "runningMean"), rv = arg_f32(info, 5, op, "runningVar");
  Shape s = arg_shape(info, 6, op);
  double eps = arg_num(info, 9, op, "eps");
  check_lens(info, op, s, {{"y", y}, {"x", x}},
             {{"gamma", gamma}, {"beta", beta}, {"runningMean", rm}, {"runningVar", rv}});
  bn_forward_eval(y.data, x.data, gamma.data, beta.data, rm.data, rv.data, s, eps);
  return info.Env().Undefined();
}

// batchNormBackward(dx, dgamma, dbeta, dy, x, gamma, saveMean, saveInvStd, N, C, HW)
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  const char* op = "batchNormBackward";
  F32 dx = arg_f32(info, 0, op, "dx"), dgamma = arg_f32(info, 1, op, "dgamma"), dbeta = arg_f32(info, 2, op, "dbeta");
  F32 dy = arg_f32(info, 3, op, "dy"), x = arg_f32(info, 4, op, "x"), gamma = arg_f32(info, 5, op, "gamma");
  F32 sm = arg_f32(info, 6, op, "saveMean"), si = arg_f32(info, 7, op, "saveInvStd");
  Shape s = arg_shape(info, 8, op);
  check_lens(info, op, s, {{"dx", dx}, {"dy", dy}, {"x", x}},
             {{"dgamma", dgamma}, {"dbeta", dbeta}, {"gamma", gamma}, {"saveMean", sm}, {"saveInvStd", si}});
  BackwardArgs a{dx.data, dgamma.data, dbeta.data, dy.data, x.data, gamma.data, sm.data, si.data};
  bn_backward(a, s);
  return info.Env().Undefined();
}

}  // namespace

void register_batchnorm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormForwardTrain", Napi::Function::New(env, BatchNormForwardTrain, "batchNormForwardTrain"));
  exports.Set("batchNormForwardEval", Napi::Function::New(env, BatchNormForwardEval, "batchNormForwardEval"));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward, "batchNormBackward"));
}

}  // namespace st
