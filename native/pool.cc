// Pooling over NCHW planes: max (with argmax for backward), average (counting the padding, PyTorch's default)
// and global average. Legend: N batch, C channels, H×W input, kH×kW window, OH×OW output (floor mode).
// Every kernel runs parallel over the N·C planes, each plane handled by one task.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "check.h"
#include "threadpool.h"

namespace st {
namespace {

struct PoolGeom {
  int64_t N, C, H, W, kH, kW, strideH, strideW, padH, padW, OH, OW;
};

// Runs fn(plane) for every plane in [0, planes), in contiguous ranges, one per thread.
template <typename Fn>
void for_each_plane(int64_t planes, Fn fn) {
  const int64_t parts = std::min<int64_t>(threads(), planes);
  parallel_for(parts, [&](int64_t t) {
    int64_t b, e;
    split_range(planes, parts, t, &b, &e);
    for (int64_t i = b; i < e; ++i) fn(i);
  });
}

// ---- max pooling ----

// The hot case (VGG): 2×2 windows, stride 2, no padding.
void max_plane_2x2(const PoolGeom& g, float* y, int32_t* am, const float* x) {
  const int64_t W = g.W;
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const float* r0 = x + 2 * oh * W;
    const float* r1 = r0 + W;
    const int32_t base = static_cast<int32_t>(2 * oh * W);
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t w = 2 * ow;
      float m = r0[w];
      int32_t i = base + static_cast<int32_t>(w);
      // Same order and NaN rule as the general loop: row 0 then row 1, left to right.
      if (r0[w + 1] > m || std::isnan(r0[w + 1])) m = r0[w + 1], i = base + static_cast<int32_t>(w + 1);
      if (r1[w] > m || std::isnan(r1[w])) m = r1[w], i = base + static_cast<int32_t>(W + w);
      if (r1[w + 1] > m || std::isnan(r1[w + 1])) m = r1[w + 1], i = base + static_cast<int32_t>(W + w + 1);
      y[oh * g.OW + ow] = m;
      am[oh * g.OW + ow] = i;
    }
  }
}

// As PyTorch: the padding counts as −∞, the first maximum wins, and a NaN propagates.
void max_plane(const PoolGeom& g, float* y, int32_t* am, const float* x) {
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const int64_t h0 = std::max<int64_t>(oh * g.strideH - g.padH, 0);
    const int64_t h1 = std::min(oh * g.strideH - g.padH + g.kH, g.H);
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t w0 = std::max<int64_t>(ow * g.strideW - g.padW, 0);
      const int64_t w1 = std::min(ow * g.strideW - g.padW + g.kW, g.W);
      float m = -std::numeric_limits<float>::infinity();
      int64_t best = h0 * g.W + w0;
      for (int64_t h = h0; h < h1; ++h)
        for (int64_t w = w0; w < w1; ++w) {
          const float v = x[h * g.W + w];
          if (v > m || std::isnan(v)) {
            m = v;
            best = h * g.W + w;
          }
        }
      y[oh * g.OW + ow] = m;
      am[oh * g.OW + ow] = static_cast<int32_t>(best);
    }
  }
}

void max_forward(const PoolGeom& g, float* y, int32_t* argmax, const float* x) {
  const int64_t HW = g.H * g.W, P = g.OH * g.OW;
  const bool fast = g.kH == 2 && g.kW == 2 && g.strideH == 2 && g.strideW == 2 && g.padH == 0 && g.padW == 0;
  for_each_plane(g.N * g.C, [&](int64_t i) {
    if (fast) {
      max_plane_2x2(g, y + i * P, argmax + i * P, x + i * HW);
    } else {
      max_plane(g, y + i * P, argmax + i * P, x + i * HW);
    }
  });
}

// Returns false if an argmax entry lies outside the plane (those entries are skipped).
bool max_backward(const PoolGeom& g, float* dx, const float* dy, const int32_t* argmax) {
  const int64_t HW = g.H * g.W, P = g.OH * g.OW, planes = g.N * g.C;
  std::vector<char> bad(std::min<int64_t>(threads(), planes), 0);
  const int64_t parts = static_cast<int64_t>(bad.size());
  parallel_for(parts, [&](int64_t t) {
    int64_t b, e;
    split_range(planes, parts, t, &b, &e);
    for (int64_t i = b; i < e; ++i) {
      float* dxp = dx + i * HW;
      std::memset(dxp, 0, static_cast<size_t>(HW) * sizeof(float));
      for (int64_t o = 0; o < P; ++o) {
        const int32_t a = argmax[i * P + o];
        if (a < 0 || a >= HW) {
          bad[t] = 1;
          continue;
        }
        dxp[a] += dy[i * P + o];
      }
    }
  });
  return std::find(bad.begin(), bad.end(), 1) == bad.end();
}

// ---- average pooling (count_include_pad = true) ----

// The window of output o along one dimension, clipped to the input: [*lo, *hi), and its unclipped size
// (within the padded input), which is the divisor.
int64_t avg_window(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t in, int64_t* lo, int64_t* hi) {
  const int64_t start = o * stride - pad, end = std::min(start + k, in + pad);
  *lo = std::max<int64_t>(start, 0);
  *hi = std::min(end, in);
  return end - start;
}

void avg_forward(const PoolGeom& g, float* y, const float* x) {
  const int64_t HW = g.H * g.W, P = g.OH * g.OW;
  for_each_plane(g.N * g.C, [&](int64_t i) {
    const float* xp = x + i * HW;
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      int64_t h0, h1, w0, w1;
      const int64_t sh = avg_window(oh, g.strideH, g.padH, g.kH, g.H, &h0, &h1);
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const int64_t sw = avg_window(ow, g.strideW, g.padW, g.kW, g.W, &w0, &w1);
        float acc = 0.0f;
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) acc += xp[h * g.W + w];
        y[i * P + oh * g.OW + ow] = acc / static_cast<float>(sh * sw);
      }
    }
  });
}

void avg_backward(const PoolGeom& g, float* dx, const float* dy) {
  const int64_t HW = g.H * g.W, P = g.OH * g.OW;
  for_each_plane(g.N * g.C, [&](int64_t i) {
    float* dxp = dx + i * HW;
    std::memset(dxp, 0, static_cast<size_t>(HW) * sizeof(float));
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      int64_t h0, h1, w0, w1;
      const int64_t sh = avg_window(oh, g.strideH, g.padH, g.kH, g.H, &h0, &h1);
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const int64_t sw = avg_window(ow, g.strideW, g.padW, g.kW, g.W, &w0, &w1);
        const float v = dy[i * P + oh * g.OW + ow] / static_cast<float>(sh * sw);
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) dxp[h * g.W + w] += v;
      }
    }
  });
}

// ---- global average pooling: y[N, C] = mean over HW of x[N, C, HW] ----

// Σ v[0..n) with 16 interleaved partial sums (a fixed order the compiler can vectorise).
float plane_sum(const float* v, int64_t n) {
  float part[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; ++j) part[j] += v[i + j];
  float total = 0.0f;
  for (int j = 0; j < 16; ++j) total += part[j];
  for (; i < n; ++i) total += v[i];
  return total;
}

// ---- binding ----

std::string describe(const PoolGeom& g) {
  auto s = [](int64_t v) { return std::to_string(v); };
  return "N=" + s(g.N) + " C=" + s(g.C) + " H=" + s(g.H) + " W=" + s(g.W) + " kernel=" + s(g.kH) + "x" + s(g.kW) +
         " stride=" + s(g.strideH) + "x" + s(g.strideW) + " pad=" + s(g.padH) + "x" + s(g.padW);
}

int64_t product(Napi::Env env, const char* op, const std::string& detail, std::initializer_list<int64_t> factors) {
  int64_t p = 1;
  for (int64_t f : factors)
    if (__builtin_mul_overflow(p, f, &p)) fail(env, std::string(op) + ": sizes overflow (" + detail + ")");
  return p;
}

// Reads the 10 shape integers starting at argument i and validates them (PyTorch's rules: pad ≤ window/2).
PoolGeom arg_geom(const Napi::CallbackInfo& info, size_t i, const char* op) {
  Napi::Env env = info.Env();
  PoolGeom g;
  const char* names[] = {"N", "C", "H", "W", "kH", "kW", "strideH", "strideW", "padH", "padW"};
  int64_t* fields[] = {&g.N, &g.C, &g.H, &g.W, &g.kH, &g.kW, &g.strideH, &g.strideW, &g.padH, &g.padW};
  for (size_t j = 0; j < 10; ++j) *fields[j] = arg_int(info, i + j, op, names[j]);
  g.OH = g.OW = 0;
  const std::string d = describe(g);
  for (size_t j = 0; j < 10; ++j) {
    const bool pad = j >= 8;
    if (pad ? *fields[j] < 0 : *fields[j] < 1)
      fail(env, std::string(op) + ": " + names[j] + " must be " + (pad ? ">= 0" : ">= 1") + " (" + d + ")");
  }
  if (2 * g.padH > g.kH || 2 * g.padW > g.kW)
    fail(env, std::string(op) + ": padding must be at most half the window (" + d + ")");
  if (g.H + 2 * g.padH < g.kH || g.W + 2 * g.padW < g.kW)
    fail(env, std::string(op) + ": the window is larger than the padded input, output size < 1 (" + d + ")");
  g.OH = (g.H + 2 * g.padH - g.kH) / g.strideH + 1;
  g.OW = (g.W + 2 * g.padW - g.kW) / g.strideW + 1;
  return g;
}

// The exact lengths of an input and an output tensor.
void pool_lengths(Napi::Env env, const char* op, const PoolGeom& g, int64_t* in, int64_t* out) {
  const std::string d = describe(g);
  *in = product(env, op, d, {g.N, g.C, g.H, g.W});
  *out = product(env, op, d, {g.N, g.C, g.OH, g.OW});
}

// argmax holds int32 indices into a plane.
void check_plane_fits_int32(Napi::Env env, const char* op, const PoolGeom& g) {
  if (g.H * g.W > std::numeric_limits<int32_t>::max())
    fail(env, std::string(op) + ": H*W exceeds the int32 range of argmax (" + describe(g) + ")");
}

// maxPool2dForward(y, argmax, x, N, C, H, W, kH, kW, strideH, strideW, padH, padW)
Napi::Value MaxPool2dForward(const Napi::CallbackInfo& info) {
  const char* op = "maxPool2dForward";
  Napi::Env env = info.Env();
  F32 y = arg_f32(info, 0, op, "y");
  int64_t amLen;
  int32_t* am = arg_i32(info, 1, op, "argmax", &amLen);
  F32 x = arg_f32(info, 2, op, "x");
  PoolGeom g = arg_geom(info, 3, op);
  int64_t in, out;
  pool_lengths(env, op, g, &in, &out);
  const std::string d = describe(g);
  check_len(env, op, "y", y.length, out, d);
  check_len(env, op, "argmax", amLen, out, d);
  check_len(env, op, "x", x.length, in, d);
  check_plane_fits_int32(env, op, g);
  max_forward(g, y.data, am, x.data);
  return env.Undefined();
}

// maxPool2dBackward(dx, dy, argmax, N, C, H, W, kH, kW, strideH, strideW, padH, padW)
Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  const char* op = "maxPool2dBackward";
  Napi::Env env = info.Env();
  F32 dx = arg_f32(info, 0, op, "dx"), dy = arg_f32(info, 1, op, "dy");
  int64_t amLen;
  const int32_t* am = arg_i32(info, 2, op, "argmax", &amLen);
  PoolGeom g = arg_geom(info, 3, op);
  int64_t in, out;
  pool_lengths(env, op, g, &in, &out);
  const std::string d = describe(g);
  check_len(env, op, "dx", dx.length, in, d);
  check_len(env, op, "dy", dy.length, out, d);
  check_len(env, op, "argmax", amLen, out, d);
  check_plane_fits_int32(env, op, g);
  if (!max_backward(g, dx.data, dy.data, am))
    fail(env, std::string(op) + ": argmax holds an index outside the input plane [0, H*W) (" + d + ")");
  return env.Undefined();
}

// avgPool2dForward(y, x, N, C, H, W, kH, kW, strideH, strideW, padH, padW)
Napi::Value AvgPool2dForward(const Napi::CallbackInfo& info) {
  const char* op = "avgPool2dForward";
  Napi::Env env = info.Env();
  F32 y = arg_f32(info, 0, op, "y"), x = arg_f32(info, 1, op, "x");
  PoolGeom g = arg_geom(info, 2, op);
  int64_t in, out;
  pool_lengths(env, op, g, &in, &out);
  const std::string d = describe(g);
  check_len(env, op, "y", y.length, out, d);
  check_len(env, op, "x", x.length, in, d);
  avg_forward(g, y.data, x.data);
  return env.Undefined();
}

// avgPool2dBackward(dx, dy, N, C, H, W, kH, kW, strideH, strideW, padH, padW)
Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
  const char* op = "avgPool2dBackward";
  Napi::Env env = info.Env();
  F32 dx = arg_f32(info, 0, op, "dx"), dy = arg_f32(info, 1, op, "dy");
  PoolGeom g = arg_geom(info, 2, op);
  int64_t in, out;
  pool_lengths(env, op, g, &in, &out);
  const std::string d = describe(g);
  check_len(env, op, "dx", dx.length, in, d);
  check_len(env, op, "dy", dy.length, out, d);
  avg_backward(g, dx.data, dy.data);
  return env.Undefined();
}

// Reads and validates (N, C, HW) at argument i; returns the description and sets the planes' count.
std::string arg_global(const Napi::CallbackInfo& info, size_t i, const char* op, int64_t* planes, int64_t* HW,
                       int64_t* in) {
  const int64_t N = arg_int(info, i, op, "N"), C = arg_int(info, i + 1, op, "C");
  *HW = arg_int(info, i + 2, op, "HW");
  const std::string d = "N=" + std::to_string(N) + " C=" + std::to_string(C) + " HW=" + std::to_string(*HW);
  if (N < 1 || C < 1 || *HW < 1) fail(info.Env(), std::string(op) + ": N, C and HW must be >= 1 (" + d + ")");
  *planes = product(info.Env(), op, d, {N, C});
  *in = product(info.Env(), op, d, {N, C, *HW});
  return d;
}

// globalAvgPoolForward(y, x, N, C, HW)
Napi::Value GlobalAvgPoolForward(const Napi::CallbackInfo& info) {
  const char* op = "globalAvgPoolForward";
  Napi::Env env = info.Env();
  F32 y = arg_f32(info, 0, op, "y"), x = arg_f32(info, 1, op, "x");
  int64_t planes, HW, in;
  const std::string d = arg_global(info, 2, op, &planes, &HW, &in);
  check_len(env, op, "y", y.length, planes, d);
  check_len(env, op, "x", x.length, in, d);
  float* yd = y.data;
  const float* xd = x.data;
  for_each_plane(planes, [&](int64_t i) { yd[i] = plane_sum(xd + i * HW, HW) / static_cast<float>(HW); });
  return env.Undefined();
}

// globalAvgPoolBackward(dx, dy, N, C, HW)
Napi::Value GlobalAvgPoolBackward(const Napi::CallbackInfo& info) {
  const char* op = "globalAvgPoolBackward";
  Napi::Env env = info.Env();
  F32 dx = arg_f32(info, 0, op, "dx"), dy = arg_f32(info, 1, op, "dy");
  int64_t planes, HW, in;
  const std::string d = arg_global(info, 2, op, &planes, &HW, &in);
  check_len(env, op, "dx", dx.length, in, d);
  check_len(env, op, "dy", dy.length, planes, d);
  float* dxd = dx.data;
  const float* dyd = dy.data;
  for_each_plane(planes, [&](int64_t i) {
    std::fill(dxd + i * HW, dxd + (i + 1) * HW, dyd[i] / static_cast<float>(HW));
  });
  return env.Undefined();
}

}  // namespace

void register_pool(Napi::Env env, Napi::Object exports) {
  exports.Set("maxPool2dForward", Napi::Function::New(env, MaxPool2dForward, "maxPool2dForward"));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxPool2dBackward, "maxPool2dBackward"));
  exports.Set("avgPool2dForward", Napi::Function::New(env, AvgPool2dForward, "avgPool2dForward"));
  exports.Set("avgPool2dBackward", Napi::Function::New(env, AvgPool2dBackward, "avgPool2dBackward"));
  exports.Set("globalAvgPoolForward", Napi::Function::New(env, GlobalAvgPoolForward, "globalAvgPoolForward"));
  exports.Set("globalAvgPoolBackward", Napi::Function::New(env, GlobalAvgPoolBackward, "globalAvgPoolBackward"));
}

}  // namespace st
