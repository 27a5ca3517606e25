// Maintenance of a compressed weight's pattern at a prune-and-grow update (SPEC §4; src/sparse/compressed_update.ts
// says what an update selects): the new CSR merged from the old one, the moves of values and optimiser state to it,
// and the CSC view the transposed product needs. Each is one pass over the nonzeros, serial: a few hundred
// microseconds for layers of a million weights at 10% density, where the TypeScript twins
// (src/kernels/js/sparse_pattern.ts) take milliseconds.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "check.h"
#include "sparse.h"
#include "sparse_args.h"

namespace st {
namespace {

// Throws unless a[0, n) increases strictly and lies in [0, hi).
void check_ascending(Napi::Env env, const char* op, const char* name, const int32_t* a, int64_t n, int64_t hi,
                     const std::string& dims) {
  for (int64_t i = 0; i < n; ++i) {
    if (a[i] < 0 || a[i] >= hi)
      fail(env, std::string(op) + ": " + name + "[" + std::to_string(i) + "] = " + std::to_string(a[i]) +
                    " is outside [0, " + std::to_string(hi) + ") (" + dims + ")");
    if (i > 0 && a[i] <= a[i - 1])
      fail(env, std::string(op) + ": " + name + " must increase strictly; " + name + "[" + std::to_string(i - 1) +
                    "] = " + std::to_string(a[i - 1]) + " then " + std::to_string(a[i]) + " (" + dims + ")");
  }
}

// mergePattern(rowPtrOut, colIdxOut, source, M, K, rowPtr, colIdx, removed, grown)
Napi::Value MergePattern(const Napi::CallbackInfo& info) {
  const char* op = "mergePattern";
  Napi::Env env = info.Env();
  int64_t outPtrLen, outColLen, sourceLen, removedLen, grownLen;
  int32_t* outPtr = arg_i32(info, 0, op, "rowPtrOut", &outPtrLen);
  int32_t* outCol = arg_i32(info, 1, op, "colIdxOut", &outColLen);
  int32_t* source = arg_i32(info, 2, op, "source", &sourceLen);
  const CsrArgs W = arg_csr(info, 3, op, 0, false, true);
  const int32_t* removed = arg_i32(info, 7, op, "removed", &removedLen);
  const int32_t* grown = arg_i32(info, 8, op, "grown", &grownLen);
  const int64_t M = W.ref.M, K = W.ref.K, nnz = W.nnz;
  const std::string dims = W.dims + " removed=" + std::to_string(removedLen) + " grown=" + std::to_string(grownLen);
  check_ascending(env, op, "removed", removed, removedLen, nnz, dims);
  check_ascending(env, op, "grown", grown, grownLen, M * K, dims);
  const int64_t out = nnz - removedLen + grownLen;
  check_len(env, op, "rowPtrOut", outPtrLen, M + 1, dims);
  check_len(env, op, "colIdxOut", outColLen, out, dims + ", nnz - removed + grown");
  check_len(env, op, "source", sourceLen, out, dims + ", nnz - removed + grown");
  const int32_t *rowPtr = W.ref.rowPtr, *colIdx = W.ref.colIdx;
  int64_t o = 0, g = 0, q = 0;
  outPtr[0] = 0;
  // Row by row, merge the old columns (minus the removed) with the grown ones, both ascending.
  for (int64_t r = 0; r < M; ++r) {
    const int64_t rowStart = r * K, rowEnd = rowStart + K;
    int64_t j = rowPtr[r];
    const int64_t jEnd = rowPtr[r + 1];
    while (j < jEnd || (g < grownLen && grown[g] < rowEnd)) {
      const int64_t cOld = j < jEnd ? colIdx[j] : K;
      const int64_t cNew = g < grownLen && grown[g] < rowEnd ? grown[g] - rowStart : K;
      const bool isRemoved = q < removedLen && removed[q] == j;
      if (cNew < cOld) {
        outCol[o] = static_cast<int32_t>(cNew);
        source[o++] = -1;
        ++g;
        continue;
      }
      if (cNew == cOld) {
        // removed and regrown at once: it keeps its value and state
        if (!isRemoved)
          fail(env, std::string(op) + ": grown position " + std::to_string(grown[g]) +
                        " is already in the pattern and was not removed (" + dims + ")");
        outCol[o] = static_cast<int32_t>(cOld);
        source[o++] = static_cast<int32_t>(j);
        ++g;
      } else if (!isRemoved) {
        outCol[o] = static_cast<int32_t>(cOld);
        source[o++] = static_cast<int32_t>(j);
      }
      q += isRemoved ? 1 : 0;
      ++j;
    }
    outPtr[r + 1] = static_cast<int32_t>(o);
  }
  return env.Undefined();
}

// gatherOrZero(out, old, source)
Napi::Value GatherOrZero(const Napi::CallbackInfo& info) {
  const char* op = "gatherOrZero";
  Napi::Env env = info.Env();
  F32 out = arg_f32(info, 0, op, "out"), old = arg_f32(info, 1, op, "old");
  int64_t n;
  const int32_t* source = arg_i32(info, 2, op, "source", &n);
  const std::string dims = "source=" + std::to_string(n) + " old=" + std::to_string(old.length);
  check_len(env, op, "out", out.length, n, dims);
  for (int64_t i = 0; i < n; ++i)
    if (source[i] < -1 || source[i] >= old.length)
      fail(env, std::string(op) + ": source[" + std::to_string(i) + "] = " + std::to_string(source[i]) +
                    " is outside [-1, " + std::to_string(old.length) + ") (" + dims + ")");
  for (int64_t i = 0; i < n; ++i) out.data[i] = source[i] >= 0 ? old.data[source[i]] : 0.0f;
  return env.Undefined();
}

// cscView(colPtr, rowIdx, valuePos, M, K, rowPtr, colIdx): a counting sort of W's nonzeros by column.
Napi::Value CscViewOf(const Napi::CallbackInfo& info) {
  const char* op = "cscView";
  Napi::Env env = info.Env();
  int64_t colPtrLen, rowIdxLen, posLen;
  int32_t* colPtr = arg_i32(info, 0, op, "colPtr", &colPtrLen);
  int32_t* rowIdx = arg_i32(info, 1, op, "rowIdx", &rowIdxLen);
  int32_t* valuePos = arg_i32(info, 2, op, "valuePos", &posLen);
  const CsrArgs W = arg_csr(info, 3, op, 0, false, true);
  const int64_t M = W.ref.M, K = W.ref.K, nnz = W.nnz;
  check_len(env, op, "colPtr", colPtrLen, K + 1, W.dims);
  check_len(env, op, "rowIdx", rowIdxLen, nnz, W.dims);
  check_len(env, op, "valuePos", posLen, nnz, W.dims);
  const int32_t *rowPtr = W.ref.rowPtr, *colIdx = W.ref.colIdx;
  std::fill(colPtr, colPtr + K + 1, 0);
  for (int64_t j = 0; j < nnz; ++j) ++colPtr[colIdx[j] + 1];
  for (int64_t k = 0; k < K; ++k) colPtr[k + 1] += colPtr[k];
  // colPtr[k] serves as column k's next free slot, then is shifted back into place.
  for (int64_t r = 0; r < M; ++r)
    for (int64_t j = rowPtr[r]; j < rowPtr[r + 1]; ++j) {
      const int32_t p = colPtr[colIdx[j]]++;
      rowIdx[p] = static_cast<int32_t>(r);
      valuePos[p] = static_cast<int32_t>(j);
    }
  for (int64_t k = K; k > 0; --k) colPtr[k] = colPtr[k - 1];
  colPtr[0] = 0;
  return env.Undefined();
}

}  // namespace

void register_sparse_pattern(Napi::Env env, Napi::Object exports) {
  exports.Set("mergePattern", Napi::Function::New(env, MergePattern, "mergePattern"));
  exports.Set("gatherOrZero", Napi::Function::New(env, GatherOrZero, "gatherOrZero"));
  exports.Set("cscView", Napi::Function::New(env, CscViewOf, "cscView"));
}

}  // namespace st
