// Sparse × dense kernels (legend in sparse.h) and their binding. Each product walks the compressed rows i of a
// sparse operand A [R, Kb] — W for spmm and sddmm, Wᵀ through the CSC view for spmm_t — against a dense
// B [Kb, N] (X, or dY for spmm_t). A nonzero costs one broadcast and nv loads + FMAs, one per vector of a row of
// B's column tile; as each loaded vector serves one FMA only, speed is set by where those rows come from:
//   1. B is visited in blocks of at most kBlockBytes of rows × one column tile (≤ lanes·max_nv floats), each
//      copied into a contiguous zero-padded panel just before the nonzeros that gather from it, so that they find
//      it in L2. The copy streams through B, which the hardware prefetchers follow (they cannot follow the
//      gathers), and a power-of-two N no longer maps the gathered rows onto a few cache sets.
//   2. Row i's nonzeros in row block b are j ∈ [bounds[i][b], bounds[i][b + 1]), found by binary search over its
//      column indices, which must therefore ascend (the binding checks; csrFromMask and cscView produce them so).
//   3. The serial kernels compute one part of the output (sparse.h); the threaded ones split A's rows into
//      contiguous ranges of about equal nonzero count or, for spmm and spmm_t when there are enough column tiles,
//      B's column tiles. An output's arithmetic depends on neither, so the results are the same for any thread
//      count.
#include "sparse.h"

#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "check.h"
#include "gemm.h"
#include "sparse_args.h"
#include "sparse_ukernel.h"
#include "threadpool.h"

namespace st {

// ---- portable micro-kernels (baseline x86-64 / any CPU), vectorised by the compiler ----
namespace {

constexpr int GL = 8, GNV = 8;

void generic_axpy(const SparseTile& t, const float* val, float* out, int64_t ldo, float scale) {
  float acc[GL * GNV];
  for (int64_t i = t.i0; i < t.i1; ++i) {
    float* o = out + i * ldo;
    for (int64_t l = 0; l < t.n; ++l) acc[l] = scale != 0.0f ? scale * o[l] : 0.0f;
    for (int64_t j = t.bounds[i * t.bstride], e = t.bounds[i * t.bstride + 1]; j < e; ++j) {
      const float* p = t.panel + (t.idx[j] - t.row0) * t.ldp;
      const float v = val[j];
      for (int64_t l = 0; l < t.n; ++l) acc[l] += v * p[l];
    }
    for (int64_t l = 0; l < t.n; ++l) o[l] = acc[l];
  }
}

void generic_dot(const SparseTile& t, const float* a, int64_t lda, float* dval) {
  for (int64_t i = t.i0; i < t.i1; ++i) {
    const float* ai = a + i * lda;
    for (int64_t j = t.bounds[i * t.bstride], e = t.bounds[i * t.bstride + 1]; j < e; ++j) {
      const float* p = t.panel + (t.idx[j] - t.row0) * t.ldp;
      float s = 0.0f;
      for (int64_t l = 0; l < t.n; ++l) s += ai[l] * p[l];
      dval[j] += s;
    }
  }
}

}  // namespace

SparseUKernel sparse_ukernel_generic() { return SparseUKernel{"generic", GL, GNV, generic_axpy, generic_dot}; }

// ---- the driver ----
namespace {

// The GEMM's choice (CPUID, SPARSETICKETS_ISA), so that one setting moves every kernel to the same path.
SparseUKernel choose_ukernel() {
  const std::string isa = isa_name();
  if (isa == "avx512") return sparse_ukernel_avx512();
  if (isa == "avx2") return sparse_ukernel_avx2();
  return sparse_ukernel_generic();
}

const SparseUKernel& ukernel() {
  static const SparseUKernel k = choose_ukernel();
  return k;
}

constexpr int64_t kBlockBytes = 512 * 1024;  // a panel's size: half a typical L2
constexpr int64_t kRowCost = 2;              // a row's fixed cost (its outputs' loads and stores) in nonzeros
constexpr double kParallelMin = 65536;       // multiply-adds below which one thread does everything

// A sparse operand [R, Kb] by rows: row i's nonzeros are j ∈ [ptr[i], ptr[i + 1]), pointing at B's rows idx[j].
struct Rows {
  int64_t R, Kb;
  const int32_t* ptr;
  const int32_t* idx;
};

Rows rows_of(const CsrRef& W) { return Rows{W.M, W.K, W.rowPtr, W.colIdx}; }
Rows rows_of(const CsrRef& W, const CscRef& Wt) { return Rows{W.K, W.M, Wt.colPtr, Wt.rowIdx}; }

// How B [Kb, N] is cut: columns in tiles of `width` (whole vectors, at most max_nv of them), rows in `nblocks`
// blocks of `block` rows, the most that a panel of kBlockBytes holds at the widest tile.
struct Blocking {
  int64_t width, block, nblocks;
};

Blocking blocking(int64_t Kb, int64_t N) {
  const SparseUKernel& uk = ukernel();
  const int64_t maxw = static_cast<int64_t>(uk.lanes) * uk.max_nv;
  Blocking b;
  b.width = std::min<int64_t>(maxw, (N + uk.lanes - 1) / uk.lanes * uk.lanes);
  b.block = std::max<int64_t>(1, kBlockBytes / (static_cast<int64_t>(sizeof(float)) * maxw));
  b.nblocks = std::max<int64_t>(1, (Kb + b.block - 1) / b.block);
  return b;
}

// First j in [lo, hi) with idx[j] ≥ key, else hi (idx ascending on [lo, hi)).
int64_t first_at_least(const int32_t* idx, int64_t lo, int64_t hi, int64_t key) {
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (idx[mid] < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

// bounds[(i - i0)·(nblocks + 1) + b] = row i's first nonzero in row block b of B (b = nblocks: its end).
void find_bounds(const Rows& a, const Blocking& bk, int64_t i0, int64_t i1, int32_t* bounds) {
  for (int64_t i = i0; i < i1; ++i) {
    int32_t* bi = bounds + (i - i0) * (bk.nblocks + 1);
    const int64_t e = a.ptr[i + 1];
    int64_t j = a.ptr[i];
    bi[0] = static_cast<int32_t>(j);
    for (int64_t b = 1; b < bk.nblocks; ++b) {
      j = first_at_least(a.idx, j, e, b * bk.block);
      bi[b] = static_cast<int32_t>(j);
    }
    bi[bk.nblocks] = static_cast<int32_t>(e);
  }
}

// A·B over one part, serially: for each column tile of the part, B's row blocks in turn are packed into work's
// panel just before the nonzeros that gather from them (so the panel is still in L2), then body(tile, off, first)
// runs with the part's rows numbered from 0, off = i0·N + n0 locating the tile's first output in an [R, N] array,
// and first = whether the block holds B's first rows.
template <class Body>
void walk(const Rows& a, const float* B, int64_t N, const SparsePart& part, SparseWork& work, Body body) {
  const int64_t rows = part.i1 - part.i0;
  if (rows <= 0 || part.c1 <= part.c0) return;
  const SparseUKernel& uk = ukernel();
  const Blocking bk = blocking(a.Kb, N);
  float* panel = work.panel.get<float>(std::min(bk.block, a.Kb) * bk.width);
  const int32_t* bounds = a.ptr + part.i0;  // one block of rows: the row pointers themselves
  int64_t bstride = 1;
  if (bk.nblocks > 1) {
    bstride = bk.nblocks + 1;
    int32_t* b = work.bounds.get<int32_t>(rows * bstride);
    find_bounds(a, bk, part.i0, part.i1, b);
    bounds = b;
  }
  for (int64_t n0 = part.c0; n0 < part.c1; n0 += bk.width) {
    const int64_t n = std::min(bk.width, part.c1 - n0);
    const int nv = static_cast<int>((n + uk.lanes - 1) / uk.lanes);
    const int64_t w = static_cast<int64_t>(nv) * uk.lanes;
    for (int64_t rb = 0; rb < bk.nblocks; ++rb) {
      const int64_t k0 = rb * bk.block, k1 = std::min(a.Kb, k0 + bk.block);
      for (int64_t k = k0; k < k1; ++k) {
        std::memcpy(panel + (k - k0) * w, B + k * N + n0, static_cast<size_t>(n) * sizeof(float));
        std::memset(panel + (k - k0) * w + n, 0, static_cast<size_t>(w - n) * sizeof(float));
      }
      body(SparseTile{panel, w, k0, nv, n, a.idx, bounds + rb, bstride, 0, rows}, part.i0 * N + n0, k0 == 0);
    }
  }
}

// The parts of a threaded product: A's rows in ranges of about equal cost (nonzeros plus kRowCost per row) or,
// when the caller allows it and there are enough column tiles to share out evenly, whole column tiles (so that
// every tile is the one a row split would use, and no two parts pack the same block of B).
std::vector<SparsePart> split(const Rows& a, int64_t N, bool columns_ok) {
  const int64_t nnz = a.ptr[a.R];
  const double work = static_cast<double>(nnz) * static_cast<double>(N);
  const int64_t parts = work < kParallelMin ? 1 : std::max<int64_t>(1, threads());
  const int64_t width = blocking(a.Kb, N).width;
  const int64_t tiles = N > 0 ? (N + width - 1) / width : 0;
  std::vector<SparsePart> out(parts);
  if (columns_ok && parts > 1 && (tiles % parts == 0 || tiles >= 4 * parts)) {
    for (int64_t t = 0; t < parts; ++t) {
      int64_t b0, b1;
      split_range(tiles, parts, t, &b0, &b1);
      out[t] = SparsePart{0, a.R, b0 * width, std::min(N, b1 * width)};
    }
    return out;
  }
  // Range t starts at the first row where ptr[i] + kRowCost·i reaches t/parts of the total.
  const double total = static_cast<double>(nnz + kRowCost * a.R);
  std::vector<int64_t> start(parts + 1, a.R);
  for (int64_t t = 0; t < parts; ++t) {
    const double target = total * static_cast<double>(t) / static_cast<double>(parts);
    int64_t lo = 0, hi = a.R;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (static_cast<double>(a.ptr[mid] + kRowCost * mid) < target)
        lo = mid + 1;
      else
        hi = mid;
    }
    start[t] = lo;
  }
  for (int64_t t = 0; t < parts; ++t) out[t] = SparsePart{start[t], start[t + 1], 0, N};
  return out;
}

// Runs serial(part, work) over the parts of a threaded product, each with working memory of the calling thread,
// kept between calls and reserved here, before the parallel region.
// (The workers get pointers: in their threads, the name of a thread_local names their own copy.)
template <class Serial>
void run_parts(const CsrRef& W, const Rows& a, int64_t N, bool columns_ok, Serial serial) {
  thread_local std::vector<std::unique_ptr<SparseWork>> pool;
  const std::vector<SparsePart> parts = split(a, N, columns_ok);
  const int64_t n = static_cast<int64_t>(parts.size());
  while (static_cast<int64_t>(pool.size()) < n) pool.push_back(std::make_unique<SparseWork>());
  std::vector<SparseWork*> work(n);
  for (int64_t t = 0; t < n; ++t) {
    pool[t]->reserve(W, N);
    work[t] = pool[t].get();
  }
  parallel_for(n, [&](int64_t t) { serial(parts[t], *work[t]); });
}

}  // namespace

void SparseWork::reserve(const CsrRef& W, int64_t N) {
  for (const auto& [R, Kb] : {std::pair<int64_t, int64_t>{W.M, W.K}, std::pair<int64_t, int64_t>{W.K, W.M}}) {
    const Blocking bk = blocking(Kb, N);
    panel.get<float>(std::min(bk.block, Kb) * bk.width);
    if (bk.nblocks > 1) bounds.get<int32_t>(R * (bk.nblocks + 1));
  }
  values.get<float>(W.rowPtr[W.M]);
}

void spmm_serial(const CsrRef& W, const float* X, int64_t N, float beta, float* Y, const SparsePart& part,
                 SparseWork& work) {
  walk(rows_of(W), X, N, part, work, [&](const SparseTile& t, int64_t off, bool first) {
    ukernel().gather_axpy(t, W.values, Y + off, N, first ? beta : 1.0f);
  });
}

void spmm_t_serial(const CsrRef& W, const CscRef& Wt, const float* dY, int64_t N, float* dX, const SparsePart& part,
                   SparseWork& work) {
  // The part's values of Wᵀ in CSC order, at their CSC positions.
  float* values = work.values.get<float>(W.rowPtr[W.M]);
  for (int64_t j = Wt.colPtr[part.i0]; j < Wt.colPtr[part.i1]; ++j) values[j] = W.values[Wt.valuePos[j]];
  walk(rows_of(W, Wt), dY, N, part, work, [&](const SparseTile& t, int64_t off, bool first) {
    ukernel().gather_axpy(t, values, dX + off, N, first ? 0.0f : 1.0f);
  });
}

void sddmm_serial(const CsrRef& W, const float* dY, const float* X, int64_t N, float* dValues,
                  const SparsePart& part, SparseWork& work) {
  walk(rows_of(W), X, N, part, work, [&](const SparseTile& t, int64_t off, bool) {
    ukernel().gather_dot(t, dY + off, N, dValues);
  });
}

void spmm(const CsrRef& W, const float* X, int64_t N, float beta, float* Y) {
  run_parts(W, rows_of(W), N, true,
            [&](const SparsePart& p, SparseWork& w) { spmm_serial(W, X, N, beta, Y, p, w); });
}

void spmm_t(const CsrRef& W, const CscRef& Wt, const float* dY, int64_t N, float* dX) {
  run_parts(W, rows_of(W, Wt), N, true,
            [&](const SparsePart& p, SparseWork& w) { spmm_t_serial(W, Wt, dY, N, dX, p, w); });
}

void sddmm(const CsrRef& W, const float* dY, const float* X, int64_t N, float* dValues) {
  // Split by rows only: two parts must not add into the same dValues[j].
  run_parts(W, rows_of(W), N, false,
            [&](const SparsePart& p, SparseWork& w) { sddmm_serial(W, dY, X, N, dValues, p, w); });
}

// ---- binding ----
namespace {

[[noreturn]] void out_of_memory(Napi::Env env, const char* op, const std::string& dims) {
  fail(env, std::string(op) + ": out of memory for the packed operand (" + dims + ")");
}

// spmm(Y, M, K, rowPtr, colIdx, values, X, N, beta)
Napi::Value Spmm(const Napi::CallbackInfo& info) {
  const char* op = "spmm";
  Napi::Env env = info.Env();
  F32 Y = arg_f32(info, 0, op, "Y");
  F32 X = arg_f32(info, 6, op, "X");
  const int64_t N = arg_int(info, 7, op, "N");
  const float beta = static_cast<float>(arg_num(info, 8, op, "beta"));
  CsrArgs W = arg_csr(info, 1, op, N, true, true);
  check_len(env, op, "X", X.length, W.ref.K * N, W.dims + ", X is [K, N]");
  check_len(env, op, "Y", Y.length, W.ref.M * N, W.dims + ", Y is [M, N]");
  try {
    spmm(W.ref, X.data, N, beta, Y.data);
  } catch (const std::bad_alloc&) {
    out_of_memory(env, op, W.dims);
  }
  return env.Undefined();
}

// spmmT(dX, M, K, rowPtr, colIdx, values, colPtr, rowIdx, valuePos, dY, N)
Napi::Value SpmmT(const Napi::CallbackInfo& info) {
  const char* op = "spmmT";
  Napi::Env env = info.Env();
  F32 dX = arg_f32(info, 0, op, "dX");
  F32 dY = arg_f32(info, 9, op, "dY");
  const int64_t N = arg_int(info, 10, op, "N");
  CsrArgs W = arg_csr(info, 1, op, N, true, false);
  const CscRef Wt = arg_csc(info, 6, op, W);
  check_len(env, op, "dY", dY.length, W.ref.M * N, W.dims + ", dY is [M, N]");
  check_len(env, op, "dX", dX.length, W.ref.K * N, W.dims + ", dX is [K, N]");
  try {
    spmm_t(W.ref, Wt, dY.data, N, dX.data);
  } catch (const std::bad_alloc&) {
    out_of_memory(env, op, W.dims);
  }
  return env.Undefined();
}

// sddmm(dValues, M, K, rowPtr, colIdx, dY, X, N)
Napi::Value Sddmm(const Napi::CallbackInfo& info) {
  const char* op = "sddmm";
  Napi::Env env = info.Env();
  F32 dValues = arg_f32(info, 0, op, "dValues");
  F32 dY = arg_f32(info, 5, op, "dY");
  F32 X = arg_f32(info, 6, op, "X");
  const int64_t N = arg_int(info, 7, op, "N");
  CsrArgs W = arg_csr(info, 1, op, N, false, true);
  check_len(env, op, "dValues", dValues.length, W.nnz, W.dims);
  check_len(env, op, "dY", dY.length, W.ref.M * N, W.dims + ", dY is [M, N]");
  check_len(env, op, "X", X.length, W.ref.K * N, W.dims + ", X is [K, N]");
  try {
    sddmm(W.ref, dY.data, X.data, N, dValues.data);
  } catch (const std::bad_alloc&) {
    out_of_memory(env, op, W.dims);
  }
  return env.Undefined();
}

}  // namespace

void register_sparse(Napi::Env env, Napi::Object exports) {
  exports.Set("spmm", Napi::Function::New(env, Spmm, "spmm"));
  exports.Set("spmmT", Napi::Function::New(env, SpmmT, "spmmT"));
  exports.Set("sddmm", Napi::Function::New(env, Sddmm, "sddmm"));
}

}  // namespace st
