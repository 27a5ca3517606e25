// 2-D convolution with a sparse weight (groups 1), forward and backward. Legend in im2col.h; W is the [K, Kc]
// weight matrix in CSR (Kc = C·R·S, columns ordered (c, r, s) as PyTorch's [K, C, R, S] flattened), x[N, C, H, W],
// bias[K], y[N, K, OH, OW].
//
// The chunks of conv.cc (smaller ones) with the sparse kernels of sparse.h in place of the GEMMs. Per chunk of m
// samples, with col [Kc, P·m] its lowered input and Y, dY [K, P·m] its output and its gradient in the same order:
//   forward   Y = W·col                                  (spmm)
//   backward  dValues += (dY·colᵀ) at W's nonzeros       (sddmm), dbias += Σ dY,
//             dcol = Wᵀ·dY (spmm_t), then col2im into dx
// Unlike conv.cc, the chunk size and the grouping of chunks into tasks depend on the shape alone, never on the
// thread count: each task accumulates its own dValues and dbias (task 0 straight into the outputs), added in task
// order at the end, so results are the same for any number of threads. Workers, at most one per thread, run tasks
// w, w + workers, … each with its own scratch.
#include <napi.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "check.h"
#include "conv_args.h"
#include "conv_chunks.h"
#include "im2col.h"
#include "sparse.h"
#include "sparse_args.h"
#include "threadpool.h"

namespace st {
namespace {

// Columns per chunk: the sparse kernels do not repack W per chunk as a GEMM does, so smaller chunks than conv.cc's
// pay, keeping the col matrix (Kc × 256 floats) in cache between im2col and the product (measured: 256 columns ran
// about 1.5× faster than 1024 at 256 channels on 8×8 images, density 0.1).
constexpr int64_t kSparseChunkCols = 256;
// Tasks of a backward pass, each with its own nnz + K floats of accumulators: the most threads it can use.
constexpr int64_t kMaxTasks = 16;

// Per-worker buffers (kCol, kMat, kPack) and per-task accumulators (kAccV, kAccB), kept between calls.
enum Slot { kCol, kMat, kPack, kAccV, kAccB, kSlots };
TaskScratch g_scratch(kSlots);
std::vector<std::unique_ptr<SparseWork>> g_work;  // per worker

struct Plan {
  int64_t ns;       // samples per chunk
  int64_t chunks;   // ⌈N / ns⌉
  int64_t tasks;    // runs of consecutive chunks
  int64_t workers;  // ≤ threads
};

// `accumulate`: the backward pass, whose tasks each need accumulators, so at most kMaxTasks of them.
Plan make_plan(const ConvGeom& g, bool accumulate) {
  Plan p;
  p.ns = chunk_samples(g.P(), g.N, kSparseChunkCols);
  p.chunks = (g.N + p.ns - 1) / p.ns;
  p.tasks = accumulate ? std::min(p.chunks, kMaxTasks) : p.chunks;
  p.workers = std::min<int64_t>(threads(), p.tasks);
  return p;
}

// Runs fn(worker, task, c0, c1) for every task: chunks [c0, c1).
template <typename Fn>
void for_each_task(const Plan& p, Fn fn) {
  parallel_for(p.workers, [&](int64_t w) {
    for (int64_t t = w; t < p.tasks; t += p.workers) {
      int64_t c0, c1;
      split_range(p.chunks, p.tasks, t, &c0, &c1);
      fn(w, t, c0, c1);
    }
  });
}

SparsePart whole(int64_t rows, int64_t cols) { return SparsePart{0, rows, 0, cols}; }

void forward(const ConvGeom& g, const Plan& p, float* y, const float* x, const CsrRef& W, const float* bias) {
  const int64_t K = g.K, P = g.P();
  for_each_task(p, [&](int64_t w, int64_t, int64_t c0, int64_t c1) {
    float* col = g_scratch.at(w, kCol);
    float* mat = g_scratch.at(w, kMat);
    float* xt = g_scratch.at(w, kPack);
    for (int64_t n = c0 * p.ns; n < std::min(g.N, c1 * p.ns); n += p.ns) {
      const int64_t m = std::min(p.ns, g.N - n), cols = m * P;
      const float* b = lower(g, x, n, m, 0, col, xt);
      float* out = m == 1 ? y + n * K * P : mat;  // one sample: write straight into y
      spmm_serial(W, b, cols, 0.0f, out, whole(K, cols), *g_work[w]);
      if (m > 1) {
        from_chunk(mat, bias, K, P, m, y + n * K * P);
      } else if (bias) {
        add_bias(out, bias, K, P);
      }
    }
  });
}

// accv and accb: the accumulators of tasks 1 and up (task 0 uses dValues and dbias).
void backward(const ConvGeom& g, const Plan& p, float* dx, float* dValues, float* dbias, const float* dy,
              const float* x, const CsrRef& W, const CscRef& Wt, const std::vector<float*>& accv,
              const std::vector<float*>& accb) {
  const int64_t K = g.K, P = g.P(), Kc = g.Kc(), HW = g.H * g.W, nnz = W.rowPtr[W.M];
  for_each_task(p, [&](int64_t w, int64_t t, int64_t c0, int64_t c1) {
    float* col = g_scratch.at(w, kCol);
    float* mat = g_scratch.at(w, kMat);
    float* xt = g_scratch.at(w, kPack);
    float* av = t == 0 ? dValues : accv[t];
    float* ab = dbias == nullptr ? nullptr : t == 0 ? dbias : accb[t];
    if (t > 0) std::fill(av, av + nnz, 0.0f);
    if (ab && t > 0) std::fill(ab, ab + K, 0.0f);
    for (int64_t n = c0 * p.ns; n < std::min(g.N, c1 * p.ns); n += p.ns) {
      const int64_t m = std::min(p.ns, g.N - n), cols = m * P;
      const float* dyc = dy + n * K * P;
      if (m > 1) {
        to_chunk(dyc, K, P, m, mat);
        dyc = mat;
      }
      const float* b = lower(g, x, n, m, 0, col, xt);
      sddmm_serial(W, dyc, b, cols, av, whole(K, cols), *g_work[w]);
      if (ab)
        for (int64_t k = 0; k < K; ++k) ab[k] += sum(dyc + k * cols, cols);
      if (!dx) continue;
      // The lowered input has been used: its buffer now receives dcol (pointwise: xt the packed gradient).
      float* dxn = dx + n * g.C * HW;
      float* dxt = m == 1 && !g.padded() ? dxn : xt;  // the packed gradient, unpacked into dx at the end
      spmm_t_serial(W, Wt, dyc, cols, g.pointwise() ? dxt : col, whole(Kc, cols), *g_work[w]);
      if (!g.pointwise()) {
        std::memset(dxt, 0, static_cast<size_t>(g.C * g.Hp() * g.Wp() * m) * sizeof(float));
        col2im_add(col, m, g, dxt);
      }
      if (dxt != dxn) unpack_chunk(dxt, m, g, dxn, g.C * HW);
    }
  });
  if (p.tasks > 1) {
    reduce_into(dValues, std::vector<float*>(accv.begin() + 1, accv.begin() + p.tasks), nnz);
    if (dbias) reduce_into(dbias, std::vector<float*>(accb.begin() + 1, accb.begin() + p.tasks), K);
  }
}

// ---- binding ----

// Checks what both ops share: groups 1 and W [K, C·R·S]. Returns the message detail (the shapes).
std::string check_weight(Napi::Env env, const char* op, const ConvGeom& g, const CsrArgs& W) {
  const std::string d = describe(g) + "; W: " + W.dims;
  if (g.groups != 1)
    fail(env, std::string(op) + ": grouped convolutions cannot run sparse, groups must be 1 (" + d + ")");
  if (W.ref.M != g.K || W.ref.K != g.Kc())
    fail(env, std::string(op) + ": W is [" + std::to_string(W.ref.M) + ", " + std::to_string(W.ref.K) +
                  "] but the convolution needs [K, C·R·S] = [" + std::to_string(g.K) + ", " +
                  std::to_string(g.Kc()) + "] (" + d + ")");
  return d;
}

// Sizes every worker's chunk buffers and sparse working memory.
void reserve(Napi::Env env, const char* op, const std::string& d, const ConvGeom& g, const Plan& p,
             const CsrRef& W) {
  const int64_t cols = product(env, op, d, {p.ns, g.P()});
  g_scratch.get(env, op, 0, p.workers, kCol, g.pointwise() ? 1 : product(env, op, d, {g.Kc(), cols}));
  g_scratch.get(env, op, 0, p.workers, kMat, p.ns > 1 ? product(env, op, d, {g.K, cols}) : 1);
  g_scratch.get(env, op, 0, p.workers, kPack, product(env, op, d, {g.C, g.Hp(), g.Wp(), p.ns}));
  try {
    while (static_cast<int64_t>(g_work.size()) < p.workers) g_work.push_back(std::make_unique<SparseWork>());
    for (int64_t w = 0; w < p.workers; ++w) g_work[w]->reserve(W, cols);
  } catch (const std::bad_alloc&) {
    fail(env, std::string(op) + ": out of memory for the sparse kernels' panels (" + d + ")");
  }
}

// sparseConv2dForward(y, x, M, K, rowPtr, colIdx, values, bias | null, N, C, H, W, K, R, S, strideH, strideW,
//                     padH, padW, groups)
Napi::Value SparseConv2dForward(const Napi::CallbackInfo& info) {
  const char* op = "sparseConv2dForward";
  Napi::Env env = info.Env();
  F32 y = arg_f32(info, 0, op, "y"), x = arg_f32(info, 1, op, "x");
  F32 bias = arg_f32_or_null(info, 7, op, "bias");
  const ConvGeom g = arg_geom(info, 8, op);
  const CsrArgs W = arg_csr(info, 2, op, g.N, true, true);
  const std::string d = check_weight(env, op, g, W);
  const ConvLengths len = conv_lengths(env, op, g);
  check_len(env, op, "y", y.length, len.y, d);
  check_len(env, op, "x", x.length, len.x, d);
  if (arg_given(info, 7)) check_len(env, op, "bias", bias.length, g.K, d);
  const Plan p = make_plan(g, false);
  reserve(env, op, d, g, p, W.ref);
  forward(g, p, y.data, x.data, W.ref, bias.data);
  return env.Undefined();
}

// sparseConv2dBackward(dx | null, dValues, dbias | null, dy, x, M, K, rowPtr, colIdx, values, colPtr, rowIdx,
//                      valuePos, N, C, H, W, K, R, S, strideH, strideW, padH, padW, groups)
Napi::Value SparseConv2dBackward(const Napi::CallbackInfo& info) {
  const char* op = "sparseConv2dBackward";
  Napi::Env env = info.Env();
  F32 dx = arg_f32_or_null(info, 0, op, "dx"), dValues = arg_f32(info, 1, op, "dValues");
  F32 dbias = arg_f32_or_null(info, 2, op, "dbias");
  F32 dy = arg_f32(info, 3, op, "dy"), x = arg_f32(info, 4, op, "x");
  const ConvGeom g = arg_geom(info, 13, op);
  const CsrArgs W = arg_csr(info, 5, op, g.N, true, true);
  const CscRef Wt = arg_csc(info, 10, op, W);
  const std::string d = check_weight(env, op, g, W);
  const ConvLengths len = conv_lengths(env, op, g);
  if (arg_given(info, 0)) check_len(env, op, "dx", dx.length, len.x, d);
  check_len(env, op, "dValues", dValues.length, W.nnz, d);
  if (arg_given(info, 2)) check_len(env, op, "dbias", dbias.length, g.K, d);
  check_len(env, op, "dy", dy.length, len.y, d);
  check_len(env, op, "x", x.length, len.x, d);
  const Plan p = make_plan(g, true);
  reserve(env, op, d, g, p, W.ref);
  const std::vector<float*> accv = g_scratch.get(env, op, 1, p.tasks, kAccV, W.nnz);
  const std::vector<float*> accb = g_scratch.get(env, op, 1, p.tasks, kAccB, g.K);
  backward(g, p, dx.data, dValues.data, dbias.data, dy.data, x.data, W.ref, Wt, accv, accb);
  return env.Undefined();
}

}  // namespace

void register_sparse_conv(Napi::Env env, Napi::Object exports) {
  exports.Set("sparseConv2dForward", Napi::Function::New(env, SparseConv2dForward, "sparseConv2dForward"));
  exports.Set("sparseConv2dBackward", Napi::Function::New(env, SparseConv2dBackward, "sparseConv2dBackward"));
}

}  // namespace st
