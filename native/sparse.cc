// Sparse × dense kernels (legend in sparse.h) and their binding. Each product walks the compressed rows i of a
// sparse operand A [R, Kb] — W for spmm and sddmm, Wᵀ through the CSC view for spmm_t — against a dense
// B [Kb, N] (X, or dY for spmm_t). A nonzero costs one broadcast and nv loads + FMAs, one per vector of a row of
// B's column block; as each loaded vector serves one FMA only, speed is set by where those rows come from:
//   1. B is visited in blocks of at most kBlockBytes of rows × one column block (≤ lanes·max_nv floats), each
//      copied into a contiguous zero-padded panel just before the nonzeros that gather from it, so that they find
//      it in L2. The copy streams through B, which the hardware prefetchers follow (they cannot follow the
//      gathers), and a power-of-two N no longer maps the gathered rows onto a few cache sets.
//   2. Row i's nonzeros in row block b are j ∈ [bounds[i][b], bounds[i][b + 1]), found by binary search over its
//      column indices, which must therefore ascend (the binding checks; csrFromMask and cscView produce them so).
//   3. Tasks split A's rows into contiguous ranges of about equal nonzero count or, for spmm and spmm_t when there
//      are enough column blocks, B's column blocks. An output's arithmetic depends on neither, so the results are
//      the same for any thread count.
#include "sparse.h"

#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "check.h"
#include "gemm.h"
#include "sparse_ukernel.h"
#include "threadpool.h"

#define ST_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

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

// A 64-byte aligned buffer that only grows.
struct Buffer {
  void* p = nullptr;
  int64_t bytes = 0;
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { std::free(p); }
  template <class T>
  T* get(int64_t count) {
    const int64_t want = (std::max<int64_t>(count, 1) * static_cast<int64_t>(sizeof(T)) + 63) / 64 * 64;
    if (bytes < want) {
      std::free(p);
      bytes = 0;
      p = std::aligned_alloc(64, static_cast<size_t>(want));
      if (!p) throw std::bad_alloc();
      bytes = want;
    }
    return static_cast<T*>(p);
  }
};

// Buffers of the calling thread, kept between calls: one panel per task, the bounds, and Wᵀ's values. They are
// grown before the parallel region, so that a failed allocation is a std::bad_alloc on the calling thread (the
// binding turns it into an Error).
struct Scratch {
  std::vector<std::unique_ptr<Buffer>> panels;
  Buffer bounds, values;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// A sparse operand [R, Kb] by rows: row i's nonzeros are j ∈ [ptr[i], ptr[i + 1]), pointing at B's rows idx[j].
struct Rows {
  int64_t R, Kb;
  const int32_t* ptr;
  const int32_t* idx;
};

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

// B[k0:k1, n0:n0+n): the part of B one panel holds.
struct Block {
  int64_t k0, k1, n0, n;
};

// Walks A·B block by block. Each task packs, into its own panel, one block of B at a time — at most kBlockBytes
// of B's rows × one column block — just before the nonzeros that gather from it, so the panel is still in the
// task's L2. Tasks split A's rows (about equal nonzero counts), or, when the caller allows it and there are enough
// column blocks to share out evenly, B's columns: then no two tasks pack the same block of B.
class Driver {
 public:
  Driver(const Rows& a, int64_t N, bool columns_ok) : a_(a), N_(N), uk_(ukernel()) {
    const int64_t nnz = a.ptr[a.R];
    const int64_t maxw = static_cast<int64_t>(uk_.lanes) * uk_.max_nv;
    width_ = std::min<int64_t>(maxw, (N + uk_.lanes - 1) / uk_.lanes * uk_.lanes);
    block_ = std::max<int64_t>(1, kBlockBytes / (static_cast<int64_t>(sizeof(float)) * maxw));
    nblocks_ = std::max<int64_t>(1, (a.Kb + block_ - 1) / block_);
    const double work = static_cast<double>(nnz) * static_cast<double>(N);
    parts_ = work < kParallelMin ? 1 : std::max<int64_t>(1, threads());
    // Whole column blocks per task, so that every tile is the one a row split would use (the kernels' summation
    // order depends on the tile's width), and nearly as many per task.
    const int64_t ncb = N > 0 ? (N + width_ - 1) / width_ : 0;
    by_columns_ = columns_ok && parts_ > 1 && (ncb % parts_ == 0 || ncb >= 4 * parts_);
    split_rows(nnz);
    tasks_.resize(parts_);
    for (int64_t t = 0; t < parts_; ++t) {
      if (by_columns_) {
        int64_t b0, b1;
        split_range(ncb, parts_, t, &b0, &b1);
        tasks_[t] = Task{0, a.R, b0 * width_, std::min(N, b1 * width_)};
      } else {
        tasks_[t] = Task{split_[t], split_[t + 1], 0, N};
      }
    }
    Scratch& s = scratch();
    while (static_cast<int64_t>(s.panels.size()) < parts_) s.panels.push_back(std::make_unique<Buffer>());
    panels_.resize(parts_);
    for (int64_t t = 0; t < parts_; ++t) panels_[t] = s.panels[t]->get<float>(std::min(block_, a.Kb) * width_);
    if (nblocks_ > 1) {
      bstride_ = nblocks_ + 1;
      bounds_buf_ = s.bounds.get<int32_t>(a.R * bstride_);
      bounds_ = bounds_buf_;
    } else {
      bstride_ = 1;
      bounds_ = a.ptr;
    }
  }

  // prepare(i0, i1) on every row range of the split, then, per task, body(tile, n0, first) for every column block
  // n0 and row block of B it owns, with first = whether the tile holds B's first rows.
  template <class Prepare, class Body>
  void run(const float* B, Prepare prepare, Body body) {
    if (N_ == 0) return;
    auto setup = [&](int64_t t) {
      find_bounds(split_[t], split_[t + 1]);
      prepare(split_[t], split_[t + 1]);
    };
    if (by_columns_) parallel_for(parts_, setup);  // every task reads every row's bounds
    parallel_for(parts_, [&](int64_t t) {
      if (!by_columns_) setup(t);
      const Task& task = tasks_[t];
      if (task.i0 == task.i1) return;
      float* panel = panels_[t];
      // Step s is column block s / nblocks_ and row block s % nblocks_ of the task's part of B.
      const int64_t steps = (task.c1 - task.c0 + width_ - 1) / width_ * nblocks_;
      for (int64_t s = 0; s < steps; ++s) {
        const Block blk = block(task, s);
        const int nv = static_cast<int>((blk.n + uk_.lanes - 1) / uk_.lanes);
        const int64_t w = static_cast<int64_t>(nv) * uk_.lanes;
        for (int64_t k = blk.k0; k < blk.k1; ++k) {
          std::memcpy(panel + (k - blk.k0) * w, B + k * N_ + blk.n0, static_cast<size_t>(blk.n) * sizeof(float));
          std::memset(panel + (k - blk.k0) * w + blk.n, 0, static_cast<size_t>(w - blk.n) * sizeof(float));
        }
        body(SparseTile{panel, w, blk.k0, nv, blk.n, a_.idx, bounds_ + s % nblocks_, bstride_, task.i0, task.i1},
             blk.n0, blk.k0 == 0);
      }
    });
  }

 private:
  struct Task {
    int64_t i0, i1, c0, c1;  // A's rows [i0, i1), B's columns [c0, c1)
  };

  Block block(const Task& task, int64_t s) const {
    const int64_t n0 = task.c0 + s / nblocks_ * width_, k0 = s % nblocks_ * block_;
    return Block{k0, std::min(a_.Kb, k0 + block_), n0, std::min(width_, task.c1 - n0)};
  }

  // Range t is rows [split_[t], split_[t + 1]), from the first row where ptr[i] + kRowCost·i reaches t/parts of the
  // total.
  void split_rows(int64_t nnz) {
    split_.assign(parts_ + 1, a_.R);
    const double total = static_cast<double>(nnz + kRowCost * a_.R);
    for (int64_t t = 0; t < parts_; ++t) {
      const double target = total * static_cast<double>(t) / static_cast<double>(parts_);
      int64_t lo = 0, hi = a_.R;
      while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (static_cast<double>(a_.ptr[mid] + kRowCost * mid) < target)
          lo = mid + 1;
        else
          hi = mid;
      }
      split_[t] = lo;
    }
  }

  void find_bounds(int64_t i0, int64_t i1) {
    if (nblocks_ == 1) return;
    for (int64_t i = i0; i < i1; ++i) {
      int32_t* bi = bounds_buf_ + i * bstride_;
      const int64_t e = a_.ptr[i + 1];
      int64_t j = a_.ptr[i];
      bi[0] = static_cast<int32_t>(j);
      for (int64_t b = 1; b < nblocks_; ++b) {
        j = first_at_least(a_.idx, j, e, b * block_);
        bi[b] = static_cast<int32_t>(j);
      }
      bi[nblocks_] = static_cast<int32_t>(e);
    }
  }

  Rows a_;
  int64_t N_;
  const SparseUKernel& uk_;
  int64_t width_, block_, nblocks_, parts_, bstride_;
  bool by_columns_;
  std::vector<int64_t> split_;
  std::vector<Task> tasks_;
  std::vector<float*> panels_;
  int32_t* bounds_buf_ = nullptr;
  const int32_t* bounds_;  // bounds_buf_, or ptr itself when B is one block of rows
};

void no_prepare(int64_t, int64_t) {}

}  // namespace

void spmm(const CsrRef& W, const float* X, int64_t N, float beta, float* Y) {
  Driver d(Rows{W.M, W.K, W.rowPtr, W.colIdx}, N, true);
  d.run(X, no_prepare, [&](const SparseTile& t, int64_t n0, bool first) {
    ukernel().gather_axpy(t, W.values, Y + n0, N, first ? beta : 1.0f);
  });
}

void spmm_t(const CsrRef& W, const CscRef& Wt, const float* dY, int64_t N, float* dX) {
  Driver d(Rows{W.K, W.M, Wt.colPtr, Wt.rowIdx}, N, true);
  // Wᵀ's values in CSC order, gathered once per call (each thread its own columns).
  float* values = scratch().values.get<float>(W.rowPtr[W.M]);
  auto gather = [&](int64_t k0, int64_t k1) {
    for (int64_t j = Wt.colPtr[k0]; j < Wt.colPtr[k1]; ++j) values[j] = W.values[Wt.valuePos[j]];
  };
  d.run(dY, gather, [&](const SparseTile& t, int64_t n0, bool first) {
    ukernel().gather_axpy(t, values, dX + n0, N, first ? 0.0f : 1.0f);
  });
}

void sddmm(const CsrRef& W, const float* dY, const float* X, int64_t N, float* dValues) {
  // Split by rows only: two tasks must not add into the same dValues[j].
  Driver d(Rows{W.M, W.K, W.rowPtr, W.colIdx}, N, false);
  d.run(X, no_prepare, [&](const SparseTile& t, int64_t n0, bool) {
    ukernel().gather_dot(t, dY + n0, N, dValues);
  });
}

// ---- binding ----
namespace {

// Whether every entry of a[0, n) lies in [0, hi): one vectorised pass (negative entries are huge as unsigned).
ST_CLONES bool all_in_range(const int32_t* a, int64_t n, int64_t hi) {
  uint32_t mx = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t u = static_cast<uint32_t>(a[i]);
    mx = u > mx ? u : mx;
  }
  return n == 0 || static_cast<int64_t>(mx) < hi;
}

// How many j in [1, n) have a[j] ≤ a[j - 1].
ST_CLONES int64_t count_descents(const int32_t* a, int64_t n) {
  int64_t c = 0;
  for (int64_t j = 1; j < n; ++j) c += a[j] <= a[j - 1] ? 1 : 0;
  return c;
}

std::string fmt_dims(const std::string& dims) { return " (" + dims + ")"; }

void check_indices(Napi::Env env, const char* op, const char* name, const int32_t* a, int64_t n, int64_t hi,
                   const char* bound, const std::string& dims) {
  if (all_in_range(a, n, hi)) return;
  int64_t i = 0;
  while (a[i] >= 0 && a[i] < hi) ++i;
  fail(env, std::string(op) + ": " + name + "[" + std::to_string(i) + "] = " + std::to_string(a[i]) +
                " is outside [0, " + bound + ")" + fmt_dims(dims));
}

// ptr[0] = 0 and ptr never decreases (ptr has n + 1 entries).
void check_offsets(Napi::Env env, const char* op, const char* name, const int32_t* ptr, int64_t n,
                   const std::string& dims) {
  if (ptr[0] != 0)
    fail(env, std::string(op) + ": " + name + "[0] = " + std::to_string(ptr[0]) + ", expected 0" + fmt_dims(dims));
  for (int64_t i = 0; i < n; ++i)
    if (ptr[i + 1] < ptr[i])
      fail(env, std::string(op) + ": " + name + " decreases at " + std::to_string(i + 1) + " (" +
                    std::to_string(ptr[i]) + " then " + std::to_string(ptr[i + 1]) + ")" + fmt_dims(dims));
}

// Within each of the n segments [ptr[i], ptr[i + 1]), idx increases strictly and lies in [0, hi): the kernels
// gather a segment block by block from its sorted indices. Descents are counted in one vectorised pass and
// matched against those at segment starts; ascending segments are then in range when their ends are.
void check_segments(Napi::Env env, const char* op, const char* name, const int32_t* ptr, int64_t n,
                    const int32_t* idx, int64_t hi, const char* bound, const char* segment, const std::string& dims) {
  const int64_t nnz = ptr[n];
  int64_t at_starts = 0;
  for (int64_t i = 1; i < n; ++i)
    if (ptr[i] != ptr[i - 1] && ptr[i] > 0 && ptr[i] < nnz && idx[ptr[i]] <= idx[ptr[i] - 1]) ++at_starts;
  if (count_descents(idx, nnz) != at_starts) {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = ptr[i] + 1; j < ptr[i + 1]; ++j)
        if (idx[j] <= idx[j - 1])
          fail(env, std::string(op) + ": " + name + " must increase strictly within each " + segment + "; " + segment +
                        " " + std::to_string(i) + " has " + std::to_string(idx[j - 1]) + " then " +
                        std::to_string(idx[j]) + fmt_dims(dims));
  }
  for (int64_t i = 0; i < n; ++i) {
    if (ptr[i] == ptr[i + 1]) continue;
    const int64_t j = idx[ptr[i]] < 0 ? ptr[i] : ptr[i + 1] - 1;
    if (idx[j] < 0 || idx[j] >= hi)
      fail(env, std::string(op) + ": " + name + "[" + std::to_string(j) + "] = " + std::to_string(idx[j]) +
                    " is outside [0, " + bound + ")" + fmt_dims(dims));
  }
}

struct CsrArgs {
  CsrRef ref;
  int64_t nnz;
  std::string dims;
};

// W as the arguments (M, K, rowPtr, colIdx[, values]) from position `first`; colIdx's entries are checked only
// when the op reads them.
CsrArgs arg_csr(const Napi::CallbackInfo& info, size_t first, const char* op, int64_t N, bool values, bool cols) {
  Napi::Env env = info.Env();
  const int64_t M = arg_int(info, first, op, "M"), K = arg_int(info, first + 1, op, "K");
  int64_t ptrLen, colLen, valLen = 0;
  const int32_t* rowPtr = arg_i32(info, first + 2, op, "rowPtr", &ptrLen);
  const int32_t* colIdx = arg_i32(info, first + 3, op, "colIdx", &colLen);
  const float* vals = nullptr;
  if (values) {
    F32 v = arg_f32(info, first + 4, op, "values");
    vals = v.data;
    valLen = v.length;
  }
  std::string dims = "M=" + std::to_string(M) + " K=" + std::to_string(K) + " N=" + std::to_string(N);
  if (M < 0 || K < 0 || N < 0 || M > INT32_MAX || K > INT32_MAX || N > INT32_MAX)
    fail(env, std::string(op) + ": M, K and N must be in [0, 2^31)" + fmt_dims(dims));
  check_len(env, op, "rowPtr", ptrLen, M + 1, dims);
  check_offsets(env, op, "rowPtr", rowPtr, M, dims);
  const int64_t nnz = rowPtr[M];
  dims += " nnz=" + std::to_string(nnz);
  check_len(env, op, "colIdx", colLen, nnz, dims);
  if (values) check_len(env, op, "values", valLen, nnz, dims);
  if (cols) check_segments(env, op, "colIdx", rowPtr, M, colIdx, K, "K", "row", dims);
  return CsrArgs{CsrRef{M, K, rowPtr, colIdx, vals}, nnz, dims};
}

[[noreturn]] void out_of_memory(Napi::Env env, const char* op, const std::string& dims) {
  fail(env, std::string(op) + ": out of memory for the packed operand" + fmt_dims(dims));
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
  int64_t colPtrLen, rowIdxLen, posLen;
  const int32_t* colPtr = arg_i32(info, 6, op, "colPtr", &colPtrLen);
  const int32_t* rowIdx = arg_i32(info, 7, op, "rowIdx", &rowIdxLen);
  const int32_t* valuePos = arg_i32(info, 8, op, "valuePos", &posLen);
  F32 dY = arg_f32(info, 9, op, "dY");
  const int64_t N = arg_int(info, 10, op, "N");
  CsrArgs W = arg_csr(info, 1, op, N, true, false);
  const int64_t M = W.ref.M, K = W.ref.K;
  check_len(env, op, "colPtr", colPtrLen, K + 1, W.dims);
  check_offsets(env, op, "colPtr", colPtr, K, W.dims);
  if (colPtr[K] != W.nnz)
    fail(env, std::string(op) + ": colPtr[K] = " + std::to_string(colPtr[K]) + " but W has nnz = " +
                  std::to_string(W.nnz) + " (a CSC view of another mask?)" + fmt_dims(W.dims));
  check_len(env, op, "rowIdx", rowIdxLen, W.nnz, W.dims);
  check_len(env, op, "valuePos", posLen, W.nnz, W.dims);
  check_segments(env, op, "rowIdx", colPtr, K, rowIdx, M, "M", "column", W.dims);
  check_indices(env, op, "valuePos", valuePos, W.nnz, W.nnz, "nnz", W.dims);
  check_len(env, op, "dY", dY.length, M * N, W.dims + ", dY is [M, N]");
  check_len(env, op, "dX", dX.length, K * N, W.dims + ", dX is [K, N]");
  try {
    spmm_t(W.ref, CscRef{colPtr, rowIdx, valuePos}, dY.data, N, dX.data);
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
