// Elementwise arithmetic (add, axpy, mul, scale) and the row broadcasts of a Linear bias (addBiasRows) and
// its gradient (sumRows). Large arrays are split into fixed contiguous chunks; sumRows splits columns only,
// each column being summed in row order by one thread, so its result does not depend on the thread count.
#include <napi.h>

#include <algorithm>
#include <string>

#include "check.h"
#include "threadpool.h"

// No FMA contraction: vector bodies and remainder loops then round alike, so results do not depend on how the
// work is split between threads, nor on the ISA clone that runs.
#pragma GCC optimize("fp-contract=off")
#define ST_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

namespace st {
namespace {

constexpr int64_t kParallelMin = 1 << 15;
constexpr int64_t kColBlock = 512;  // sumRows: columns per block (its double accumulators stay in L1)

// Outputs may alias inputs (in-place use), so no __restrict__ here.
ST_CLONES void add_loop(float* out, const float* a, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

ST_CLONES void axpy_loop(float* y, float alpha, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

ST_CLONES void mul_loop(float* out, const float* a, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

ST_CLONES void scale_loop(float* x, float alpha, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] *= alpha;
}

ST_CLONES void add_row(float* __restrict__ y, const float* __restrict__ bias, int64_t F) {
  for (int64_t j = 0; j < F; ++j) y[j] += bias[j];
}

ST_CLONES void acc_row(double* __restrict__ acc, const float* __restrict__ dy, int64_t w) {
  for (int64_t j = 0; j < w; ++j) acc[j] += dy[j];
}

// dbias[c0, c1) += Σ_rows dy[r, c0..c1), in row order per column.
void sum_rows_block(float* dbias, const float* dy, int64_t rows, int64_t F, int64_t c0, int64_t c1) {
  double acc[kColBlock] = {};
  for (int64_t r = 0; r < rows; ++r) acc_row(acc, dy + r * F + c0, c1 - c0);
  for (int64_t j = c0; j < c1; ++j) dbias[j] = static_cast<float>(dbias[j] + acc[j - c0]);
}

std::string len_text(int64_t n) { return "n=" + std::to_string(n); }

using BinaryLoop = void (*)(float*, const float*, const float*, int64_t);

// out, a, b of one length.
Napi::Value Binary(const Napi::CallbackInfo& info, const char* op, BinaryLoop loop) {
  F32 out = arg_f32(info, 0, op, "out"), a = arg_f32(info, 1, op, "a"), b = arg_f32(info, 2, op, "b");
  check_len(info.Env(), op, "a", a.length, out.length, len_text(out.length));
  check_len(info.Env(), op, "b", b.length, out.length, len_text(out.length));
  for_chunks(out.length, [&](int64_t s, int64_t e) { loop(out.data + s, a.data + s, b.data + s, e - s); });
  return info.Env().Undefined();
}

Napi::Value Add(const Napi::CallbackInfo& info) { return Binary(info, "add", add_loop); }
Napi::Value Mul(const Napi::CallbackInfo& info) { return Binary(info, "mul", mul_loop); }

// axpy(y, alpha, x)
Napi::Value Axpy(const Napi::CallbackInfo& info) {
  const char* op = "axpy";
  F32 y = arg_f32(info, 0, op, "y");
  float alpha = static_cast<float>(arg_num(info, 1, op, "alpha"));
  F32 x = arg_f32(info, 2, op, "x");
  check_len(info.Env(), op, "x", x.length, y.length, len_text(y.length));
  for_chunks(y.length, [&](int64_t s, int64_t e) { axpy_loop(y.data + s, alpha, x.data + s, e - s); });
  return info.Env().Undefined();
}

// scale(x, alpha)
Napi::Value Scale(const Napi::CallbackInfo& info) {
  F32 x = arg_f32(info, 0, "scale", "x");
  float alpha = static_cast<float>(arg_num(info, 1, "scale", "alpha"));
  for_chunks(x.length, [&](int64_t s, int64_t e) { scale_loop(x.data + s, alpha, e - s); });
  return info.Env().Undefined();
}

// Reads rows, F at argument i, checks them and the lengths of the [rows, F] matrix and the [F] vector.
void rows_shape(const Napi::CallbackInfo& info, size_t i, const char* op, const char* matName, F32 mat,
                const char* vecName, F32 vec, int64_t* rows, int64_t* F) {
  *rows = arg_int(info, i, op, "rows");
  *F = arg_int(info, i + 1, op, "F");
  std::string dims = "rows=" + std::to_string(*rows) + " F=" + std::to_string(*F);
  int64_t total;
  if (*rows < 0 || *F < 0 || __builtin_mul_overflow(*rows, *F, &total))
    fail(info.Env(), std::string(op) + ": invalid shape (" + dims + ")");
  check_len(info.Env(), op, matName, mat.length, total, dims);
  check_len(info.Env(), op, vecName, vec.length, *F, dims);
}

// addBiasRows(y, bias, rows, F): split over rows (contiguous memory per task).
Napi::Value AddBiasRows(const Napi::CallbackInfo& info) {
  const char* op = "addBiasRows";
  F32 y = arg_f32(info, 0, op, "y"), bias = arg_f32(info, 1, op, "bias");
  int64_t rows, F;
  rows_shape(info, 2, op, "y", y, "bias", bias, &rows, &F);
  int64_t parts = rows * F >= kParallelMin ? std::min<int64_t>(threads(), rows) : 1;
  auto task = [&](int64_t t) {
    int64_t b, e;
    split_range(rows, parts, t, &b, &e);
    for (int64_t r = b; r < e; ++r) add_row(y.data + r * F, bias.data, F);
  };
  if (parts > 1) {
    parallel_for(parts, task);
  } else {
    task(0);
  }
  return info.Env().Undefined();
}

// sumRows(dbias, dy, rows, F): split over column blocks.
Napi::Value SumRows(const Napi::CallbackInfo& info) {
  const char* op = "sumRows";
  F32 dbias = arg_f32(info, 0, op, "dbias"), dy = arg_f32(info, 1, op, "dy");
  int64_t rows, F;
  rows_shape(info, 2, op, "dy", dy, "dbias", dbias, &rows, &F);
  int64_t blocks = (F + kColBlock - 1) / kColBlock;
  bool parallel = rows * F >= kParallelMin && threads() > 1;
  if (parallel) blocks = std::max<int64_t>(blocks, std::min<int64_t>(threads(), (F + 15) / 16));
  auto task = [&](int64_t t) {
    int64_t c0, c1;
    split_range(F, blocks, t, &c0, &c1);
    sum_rows_block(dbias.data, dy.data, rows, F, c0, c1);
  };
  if (parallel) {
    parallel_for(blocks, task);
  } else {
    for (int64_t t = 0; t < blocks; ++t) task(t);
  }
  return info.Env().Undefined();
}

}  // namespace

void register_elementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("add", Napi::Function::New(env, Add, "add"));
  exports.Set("axpy", Napi::Function::New(env, Axpy, "axpy"));
  exports.Set("mul", Napi::Function::New(env, Mul, "mul"));
  exports.Set("scale", Napi::Function::New(env, Scale, "scale"));
  exports.Set("addBiasRows", Napi::Function::New(env, AddBiasRows, "addBiasRows"));
  exports.Set("sumRows", Napi::Function::New(env, SumRows, "sumRows"));
}

}  // namespace st
