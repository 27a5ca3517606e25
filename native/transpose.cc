// transpose(out, a, rows, cols): out[cols, rows] = aᵀ for a row-major a[rows, cols]. The matrix is walked in
// kTile × kTile tiles, so that a tile's reads (kTile rows of a) and writes (kTile rows of out) each stay within
// a few cache lines per row; large matrices are shared between threads by contiguous runs of tiles, taken
// column band by column band, so that each thread writes its own run of out's rows.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "check.h"
#include "threadpool.h"

namespace st {
namespace {

constexpr int64_t kTile = 32;
constexpr int64_t kParallelMin = int64_t{1} << 16;  // elements below which one thread does everything

// The tile of a with rows [i0, i0 + kTile) and columns [j0, j0 + kTile), clipped to the matrix.
void transpose_tile(float* out, const float* a, int64_t rows, int64_t cols, int64_t i0, int64_t j0) {
  const int64_t i1 = std::min(rows, i0 + kTile), j1 = std::min(cols, j0 + kTile);
  for (int64_t j = j0; j < j1; ++j)
    for (int64_t i = i0; i < i1; ++i) out[j * rows + i] = a[i * cols + j];
}

void transpose(float* out, const float* a, int64_t rows, int64_t cols) {
  const int64_t tr = (rows + kTile - 1) / kTile, tc = (cols + kTile - 1) / kTile, tiles = tr * tc;
  const int64_t parts = rows * cols < kParallelMin ? 1 : std::min<int64_t>(threads(), tiles);
  parallel_for(parts, [&](int64_t t) {
    int64_t b, e;
    split_range(tiles, parts, t, &b, &e);
    for (int64_t s = b; s < e; ++s) transpose_tile(out, a, rows, cols, s % tr * kTile, s / tr * kTile);
  });
}

// transpose(out, a, rows, cols)
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  const char* op = "transpose";
  Napi::Env env = info.Env();
  F32 out = arg_f32(info, 0, op, "out"), a = arg_f32(info, 1, op, "a");
  const int64_t rows = arg_int(info, 2, op, "rows"), cols = arg_int(info, 3, op, "cols");
  const std::string d = "rows=" + std::to_string(rows) + " cols=" + std::to_string(cols);
  int64_t n;
  if (rows < 0 || cols < 0 || __builtin_mul_overflow(rows, cols, &n))
    fail(env, std::string(op) + ": rows and cols must be >= 0 and their product representable (" + d + ")");
  check_len(env, op, "a", a.length, n, d + ", a is [rows, cols]");
  check_len(env, op, "out", out.length, n, d + ", out is [cols, rows]");
  if (n > 0 && out.data < a.data + n && a.data < out.data + n)
    fail(env, std::string(op) + ": out must not overlap a (" + d + ")");
  transpose(out.data, a.data, rows, cols);
  return env.Undefined();
}

}  // namespace

void register_transpose(Napi::Env env, Napi::Object exports) {
  exports.Set("transpose", Napi::Function::New(env, Transpose, "transpose"));
}

}  // namespace st
