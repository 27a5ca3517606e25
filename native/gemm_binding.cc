#include <napi.h>

#include "check.h"
#include "gemm.h"

namespace st {
namespace {

// sgemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc)
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  const char* op = "sgemm";
  Napi::Env env = info.Env();
  bool ta = arg_bool(info, 0, op, "transA"), tb = arg_bool(info, 1, op, "transB");
  int64_t M = arg_int(info, 2, op, "M"), N = arg_int(info, 3, op, "N"), K = arg_int(info, 4, op, "K");
  float alpha = static_cast<float>(arg_num(info, 5, op, "alpha"));
  F32 A = arg_f32(info, 6, op, "A");
  int64_t aOff = arg_int(info, 7, op, "aOff"), lda = arg_int(info, 8, op, "lda");
  F32 B = arg_f32(info, 9, op, "B");
  int64_t bOff = arg_int(info, 10, op, "bOff"), ldb = arg_int(info, 11, op, "ldb");
  float beta = static_cast<float>(arg_num(info, 12, op, "beta"));
  F32 C = arg_f32(info, 13, op, "C");
  int64_t cOff = arg_int(info, 14, op, "cOff"), ldc = arg_int(info, 15, op, "ldc");
  std::string dims = "M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K) +
                     " transA=" + (ta ? "1" : "0") + " transB=" + (tb ? "1" : "0");
  if (M < 0 || N < 0 || K < 0) fail(env, "sgemm: negative dimension (" + dims + ")");
  if (aOff < 0 || bOff < 0 || cOff < 0) fail(env, "sgemm: negative offset (" + dims + ")");
  // op(A) is M×K: stored as M rows of K (lda ≥ K) or K rows of M (lda ≥ M).
  int64_t aRows = ta ? K : M, aCols = ta ? M : K;
  int64_t bRows = tb ? N : K, bCols = tb ? K : N;
  if (lda < std::max<int64_t>(1, aCols)) fail(env, "sgemm: lda=" + std::to_string(lda) + " too small (" + dims + ")");
  if (ldb < std::max<int64_t>(1, bCols)) fail(env, "sgemm: ldb=" + std::to_string(ldb) + " too small (" + dims + ")");
  if (ldc < std::max<int64_t>(1, N)) fail(env, "sgemm: ldc=" + std::to_string(ldc) + " too small (" + dims + ")");
  auto need = [](int64_t rows, int64_t cols, int64_t ld) { return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols; };
  check_len(env, op, "A", A.length - aOff, need(aRows, aCols, lda), dims, false);
  check_len(env, op, "B", B.length - bOff, need(bRows, bCols, ldb), dims, false);
  check_len(env, op, "C", C.length - cOff, need(M, N, ldc), dims, false);
  sgemm(ta, tb, M, N, K, alpha, A.data + aOff, lda, B.data + bOff, ldb, beta, C.data + cOff, ldc);
  return env.Undefined();
}

}  // namespace

void register_gemm(Napi::Env env, Napi::Object exports) {
  exports.Set("sgemm", Napi::Function::New(env, Sgemm, "sgemm"));
}

}  // namespace st
