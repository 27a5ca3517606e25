// Checking sparse weights passed to the binding (sparse_args.h). The common case, a well-formed pattern, costs a
// few vectorised passes; the slow loops that name the culprit run only once a pass has found one.
#include "sparse_args.h"

#include <cstdint>
#include <string>

#include "check.h"

#define ST_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

namespace st {
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

}  // namespace

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


CscRef arg_csc(const Napi::CallbackInfo& info, size_t first, const char* op, const CsrArgs& W) {
  Napi::Env env = info.Env();
  int64_t colPtrLen, rowIdxLen, posLen;
  const int32_t* colPtr = arg_i32(info, first, op, "colPtr", &colPtrLen);
  const int32_t* rowIdx = arg_i32(info, first + 1, op, "rowIdx", &rowIdxLen);
  const int32_t* valuePos = arg_i32(info, first + 2, op, "valuePos", &posLen);
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
  return CscRef{colPtr, rowIdx, valuePos};
}

}  // namespace st
