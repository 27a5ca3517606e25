// 2-D convolution (dilation 1, groups), forward and both backward passes. Legend in im2col.h; tensors are
// x[N, C, H, W], w[K, Cg, R, S], bias[K], y[N, K, OH, OW].
//
// General case: im2col + GEMM (Caffe-style), parallel over the batch. Each task owns a contiguous range of
// samples and walks it in chunks of m samples, so that small images (512 channels at 2×2) still give GEMMs with
// enough columns: a chunk's col matrix is [Kc, P·m] (column p·m + i, see im2col.h). Per group g:
//   forward          y_g[Kg, P·m]    = w_g[Kg, Kc] · col_g
//   backward input   dcol_g[Kc, P·m] = w_gᵀ · dy_g, then col2im into dx
//   backward weight  dw_g[Kg, Kc]   += dy_g · col_gᵀ (col recomputed, not kept from the forward)
// Depthwise convolutions (Cg = 1) use the same chunks with direct loops instead of a GEMM, which with one input
// channel per group would be mostly overhead.
#include <napi.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "conv_args.h"
#include "conv_chunks.h"
#include "gemm.h"
#include "im2col.h"
#include "threadpool.h"

namespace st {
namespace {

// ---- scratch memory ----

enum Slot { kCol, kMat, kPack, kAccW, kAccB, kSlots };
TaskScratch g_scratch(kSlots);

// ---- the batch split ----

struct Plan {
  int64_t parts;  // tasks, each a contiguous range of samples
  int64_t ns;     // samples per chunk
};

Plan make_plan(const ConvGeom& g) {
  Plan p;
  p.parts = std::min<int64_t>(threads(), g.N);
  p.ns = chunk_samples(g.P(), (g.N + p.parts - 1) / p.parts);
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

// ---- im2col + GEMM ----
// Per chunk of m samples starting at n, and per group: xt [Cg, Hp, Wp, m] is the packed input (see im2col.h),
// col [Kc, P·m] the lowered input, and y, dy are used in the same column order ([K, P·m], `mat`) unless m = 1.

void gemm_forward(const ConvGeom& g, const Plan& p, float* y, const float* x, const float* w, const float* bias) {
  const int64_t K = g.K, P = g.P(), Kg = g.Kg(), Kc = g.Kc();
  for_each_range(g, p, [&](int64_t t, int64_t n0, int64_t n1) {
    float* col = g_scratch.at(t, kCol);
    float* mat = g_scratch.at(t, kMat);
    float* xt = g_scratch.at(t, kPack);
    for (int64_t n = n0; n < n1; n += p.ns) {
      const int64_t m = std::min(p.ns, n1 - n), cols = m * P;
      float* out = m == 1 ? y + n * K * P : mat;  // one sample: write straight into y
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        const float* b = lower(g, x, n, m, grp, col, xt);
        sgemm_serial(false, false, Kg, cols, Kc, 1.0f, w + grp * Kg * Kc, Kc, b, cols, 0.0f, out + grp * Kg * cols,
                     cols);
      }
      if (m > 1) {
        from_chunk(mat, bias, K, P, m, y + n * K * P);
      } else if (bias) {
        add_bias(out, bias, K, P);
      }
    }
  });
}

void gemm_backward_input(const ConvGeom& g, const Plan& p, float* dx, const float* dy, const float* w) {
  const int64_t K = g.K, P = g.P(), Kg = g.Kg(), Kc = g.Kc(), HW = g.H * g.W;
  for_each_range(g, p, [&](int64_t t, int64_t n0, int64_t n1) {
    float* dcol = g_scratch.at(t, kCol);
    float* mat = g_scratch.at(t, kMat);
    float* xt = g_scratch.at(t, kPack);
    for (int64_t n = n0; n < n1; n += p.ns) {
      const int64_t m = std::min(p.ns, n1 - n), cols = m * P;
      const float* dyc = dy + n * K * P;
      if (m > 1) {
        to_chunk(dyc, K, P, m, mat);
        dyc = mat;
      }
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        float* dxg = dx + (n * g.C + grp * g.Cg()) * HW;
        float* dxt = m == 1 && !g.padded() ? dxg : xt;  // the packed gradient, unpacked into dx at the end
        float* d = g.pointwise() ? dxt : dcol;
        sgemm_serial(true, false, Kc, cols, Kg, 1.0f, w + grp * Kg * Kc, Kc, dyc + grp * Kg * cols, cols, 0.0f, d,
                     cols);
        if (!g.pointwise()) {
          std::memset(dxt, 0, static_cast<size_t>(g.Cg() * g.Hp() * g.Wp() * m) * sizeof(float));
          col2im_add(dcol, m, g, dxt);
        }
        if (dxt != dxg) unpack_chunk(dxt, m, g, dxg, g.C * HW);
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
    float* col = g_scratch.at(t, kCol);
    float* mat = g_scratch.at(t, kMat);
    float* xt = g_scratch.at(t, kPack);
    float* aw = t == 0 ? dw : accw[t];
    float* ab = dbias == nullptr ? nullptr : t == 0 ? dbias : accb[t];
    if (ab && t > 0) std::fill(ab, ab + K, 0.0f);
    float beta = t == 0 ? 1.0f : 0.0f;
    for (int64_t n = n0; n < n1; n += p.ns) {
      const int64_t m = std::min(p.ns, n1 - n), cols = m * P;
      const float* dyc = dy + n * K * P;
      if (m > 1) {
        to_chunk(dyc, K, P, m, mat);
        dyc = mat;
      }
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        const float* b = lower(g, x, n, m, grp, col, xt);
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
// The same chunks as above, but each output row is accumulated tap by tap straight from the packed input (no
// GEMM): at stride 1 a tap is one multiply-add over a contiguous run of OW·m floats.

// The packing geometry: all C channels of a chunk at once.
ConvGeom all_channels(const ConvGeom& g) {
  ConvGeom a = g;
  a.groups = 1;
  return a;
}

// out[ow·m + i] += w · in[ow·sw·m + i]: one tap over one output row of the chunk.
void tap_axpy(float* out, const float* in, float w, int64_t OW, int64_t sw, int64_t m) {
  if (sw == 1) {
    for (int64_t j = 0; j < OW * m; ++j) out[j] += w * in[j];
  } else {
    for (int64_t ow = 0; ow < OW; ++ow)
      for (int64_t i = 0; i < m; ++i) out[ow * m + i] += w * in[ow * sw * m + i];
  }
}

// The adjoint: out[ow·sw·m + i] += w · in[ow·m + i].
void tap_axpy_adjoint(float* out, const float* in, float w, int64_t OW, int64_t sw, int64_t m) {
  if (sw == 1) {
    for (int64_t j = 0; j < OW * m; ++j) out[j] += w * in[j];
  } else {
    for (int64_t ow = 0; ow < OW; ++ow)
      for (int64_t i = 0; i < m; ++i) out[ow * sw * m + i] += w * in[ow * m + i];
  }
}

// acc[ow·m + i] += a[ow·m + i] · b[ow·sw·m + i]: elementwise products for the weight gradient.
void tap_products(float* acc, const float* a, const float* b, int64_t OW, int64_t sw, int64_t m) {
  if (sw == 1) {
    for (int64_t j = 0; j < OW * m; ++j) acc[j] += a[j] * b[j];
  } else {
    for (int64_t ow = 0; ow < OW; ++ow)
      for (int64_t i = 0; i < m; ++i) acc[ow * m + i] += a[ow * m + i] * b[ow * sw * m + i];
  }
}

// Offset in a packed plane of the row read by output row oh through kernel row r (tap column s adds s·m).
int64_t input_row(const ConvGeom& g, int64_t oh, int64_t r, int64_t m) { return (oh * g.strideH + r) * g.Wp() * m; }

void depthwise_forward(const ConvGeom& g, const Plan& p, float* y, const float* x, const float* w, const float* bias) {
  const int64_t K = g.K, P = g.P(), OW = g.OW, RS = g.R * g.S, Kg = g.Kg();
  const ConvGeom ga = all_channels(g);
  for_each_range(g, p, [&](int64_t t, int64_t n0, int64_t n1) {
    float* mat = g_scratch.at(t, kMat);
    float* xt = g_scratch.at(t, kPack);
    for (int64_t n = n0; n < n1; n += p.ns) {
      const int64_t m = std::min(p.ns, n1 - n);
      const float* packed = pack_input(ga, x, n, m, 0, xt);
      float* out = m == 1 ? y + n * K * P : mat;
      std::memset(out, 0, static_cast<size_t>(K * P * m) * sizeof(float));
      for (int64_t k = 0; k < K; ++k) {
        const float* xc = packed + (k / Kg) * g.Hp() * g.Wp() * m;
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          float* row = out + (k * g.OH + oh) * OW * m;
          for (int64_t r = 0; r < g.R; ++r)
            for (int64_t s = 0; s < g.S; ++s)
              tap_axpy(row, xc + input_row(g, oh, r, m) + s * m, w[k * RS + r * g.S + s], OW, g.strideW, m);
        }
      }
      if (m > 1) {
        from_chunk(mat, bias, K, P, m, y + n * K * P);
      } else if (bias) {
        add_bias(out, bias, K, P);
      }
    }
  });
}

void depthwise_backward_input(const ConvGeom& g, const Plan& p, float* dx, const float* dy, const float* w) {
  const int64_t K = g.K, P = g.P(), OW = g.OW, RS = g.R * g.S, Kg = g.Kg(), HW = g.H * g.W;
  const ConvGeom ga = all_channels(g);
  for_each_range(g, p, [&](int64_t t, int64_t n0, int64_t n1) {
    float* mat = g_scratch.at(t, kMat);
    float* xt = g_scratch.at(t, kPack);
    for (int64_t n = n0; n < n1; n += p.ns) {
      const int64_t m = std::min(p.ns, n1 - n);
      const float* dyc = dy + n * K * P;
      if (m > 1) {
        to_chunk(dyc, K, P, m, mat);
        dyc = mat;
      }
      float* dxn = dx + n * g.C * HW;
      float* dxt = m == 1 && !g.padded() ? dxn : xt;
      std::memset(dxt, 0, static_cast<size_t>(g.C * g.Hp() * g.Wp() * m) * sizeof(float));
      for (int64_t k = 0; k < K; ++k) {
        float* dxc = dxt + (k / Kg) * g.Hp() * g.Wp() * m;
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          const float* row = dyc + (k * g.OH + oh) * OW * m;
          for (int64_t r = 0; r < g.R; ++r)
            for (int64_t s = 0; s < g.S; ++s)
              tap_axpy_adjoint(dxc + input_row(g, oh, r, m) + s * m, row, w[k * RS + r * g.S + s], OW, g.strideW, m);
        }
      }
      if (dxt != dxn) unpack_chunk(dxt, m, ga, dxn, g.C * HW);
    }
  });
}

// Accumulators and their reduction as in gemm_backward_weight; rows[tap, OW·m] holds per-tap products over a
// channel's output rows, summed once per channel.
void depthwise_backward_weight(const ConvGeom& g, const Plan& p, float* dw, float* dbias, const float* dy,
                               const float* x, const std::vector<float*>& accw, const std::vector<float*>& accb) {
  const int64_t K = g.K, P = g.P(), OW = g.OW, RS = g.R * g.S, Kg = g.Kg();
  const ConvGeom ga = all_channels(g);
  for_each_range(g, p, [&](int64_t t, int64_t n0, int64_t n1) {
    float* rows = g_scratch.at(t, kCol);
    float* mat = g_scratch.at(t, kMat);
    float* xt = g_scratch.at(t, kPack);
    float* aw = t == 0 ? dw : accw[t];
    float* ab = dbias == nullptr ? nullptr : t == 0 ? dbias : accb[t];
    if (t > 0) std::fill(aw, aw + K * RS, 0.0f);
    if (ab && t > 0) std::fill(ab, ab + K, 0.0f);
    for (int64_t n = n0; n < n1; n += p.ns) {
      const int64_t m = std::min(p.ns, n1 - n), run = OW * m;
      const float* packed = pack_input(ga, x, n, m, 0, xt);
      const float* dyc = dy + n * K * P;
      if (m > 1) {
        to_chunk(dyc, K, P, m, mat);
        dyc = mat;
      }
      for (int64_t k = 0; k < K; ++k) {
        const float* xc = packed + (k / Kg) * g.Hp() * g.Wp() * m;
        std::fill(rows, rows + RS * run, 0.0f);
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          const float* row = dyc + (k * g.OH + oh) * run;
          for (int64_t r = 0; r < g.R; ++r)
            for (int64_t s = 0; s < g.S; ++s)
              tap_products(rows + (r * g.S + s) * run, row, xc + input_row(g, oh, r, m) + s * m, OW, g.strideW, m);
        }
        for (int64_t tap = 0; tap < RS; ++tap) aw[k * RS + tap] += sum(rows + tap * run, run);
        if (ab) ab[k] += sum(dyc + k * P * m, P * m);
      }
    }
  });
  if (p.parts > 1) {
    reduce_into(dw, std::vector<float*>(accw.begin() + 1, accw.begin() + p.parts), K * RS);
    if (dbias) reduce_into(dbias, std::vector<float*>(accb.begin() + 1, accb.begin() + p.parts), K);
  }
}

bool is_depthwise(const ConvGeom& g) { return g.groups > 1 && g.Cg() == 1; }

// ---- binding ----

// Sizes every task's chunk buffers for one pass (`weight`: the weight-gradient pass).
void reserve(Napi::Env env, const char* op, const ConvGeom& g, const Plan& p, bool weight) {
  const std::string d = describe(g);
  const int64_t cols = product(env, op, d, {p.ns, g.P()});
  int64_t col = g.pointwise() ? 1 : product(env, op, d, {g.Kc(), cols});
  if (is_depthwise(g)) col = weight ? product(env, op, d, {g.R, g.S, g.OW, p.ns}) : 1;
  g_scratch.get(env, op, 0, p.parts, kCol, col);
  g_scratch.get(env, op, 0, p.parts, kMat, p.ns > 1 ? product(env, op, d, {g.K, cols}) : 1);
  const int64_t packed = product(env, op, d, {is_depthwise(g) ? g.C : g.Cg(), g.Hp(), g.Wp(), p.ns});
  g_scratch.get(env, op, 0, p.parts, kPack, packed);
}

// conv2dForward(y, x, w, bias | null, N, C, H, W, K, R, S, strideH, strideW, padH, padW, groups)
Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  const char* op = "conv2dForward";
  Napi::Env env = info.Env();
  F32 y = arg_f32(info, 0, op, "y"), x = arg_f32(info, 1, op, "x"), w = arg_f32(info, 2, op, "w");
  F32 bias = arg_f32_or_null(info, 3, op, "bias");
  ConvGeom g = arg_geom(info, 4, op);
  const std::string d = describe(g);
  ConvLengths len = conv_lengths(env, op, g);
  check_len(env, op, "y", y.length, len.y, d);
  check_len(env, op, "x", x.length, len.x, d);
  check_len(env, op, "w", w.length, len.w, d);
  if (arg_given(info, 3)) check_len(env, op, "bias", bias.length, g.K, d);
  Plan p = make_plan(g);
  reserve(env, op, g, p, false);
  if (is_depthwise(g)) {
    depthwise_forward(g, p, y.data, x.data, w.data, bias.data);
  } else {
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
  ConvLengths len = conv_lengths(env, op, g);
  check_len(env, op, "dx", dx.length, len.x, d);
  check_len(env, op, "dy", dy.length, len.y, d);
  check_len(env, op, "w", w.length, len.w, d);
  Plan p = make_plan(g);
  reserve(env, op, g, p, false);
  if (is_depthwise(g)) {
    depthwise_backward_input(g, p, dx.data, dy.data, w.data);
  } else {
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
  ConvLengths len = conv_lengths(env, op, g);
  check_len(env, op, "dw", dw.length, len.w, d);
  if (arg_given(info, 1)) check_len(env, op, "dbias", dbias.length, g.K, d);
  check_len(env, op, "dy", dy.length, len.y, d);
  check_len(env, op, "x", x.length, len.x, d);
  Plan p = make_plan(g);
  reserve(env, op, g, p, true);
  // Per-task partial gradients (task 0 accumulates in place), added in task order afterwards.
  std::vector<float*> accw = g_scratch.get(env, op, 1, p.parts, kAccW, len.w);
  std::vector<float*> accb = g_scratch.get(env, op, 1, p.parts, kAccB, dbias.data ? g.K : 1);
  if (is_depthwise(g)) {
    depthwise_backward_weight(g, p, dw.data, dbias.data, dy.data, x.data, accw, accb);
  } else {
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
