// Mean softmax cross-entropy over N rows of C logits, with class-index targets (optionally label-smoothed)
// or soft target distributions. Rows are independent (parallel over rows); the mean adds the per-row
// losses in row order, so it does not depend on the thread count.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "check.h"
#include "threadpool.h"

namespace st {
namespace {

constexpr int64_t kParallelMin = 1 << 15;

// probs = softmax(l); returns log Σ exp(l) (computed from the row max, so it never overflows).
double softmax_row(float* probs, const float* l, int64_t C) {
  float m = l[0];
  for (int64_t j = 1; j < C; ++j) m = std::max(m, l[j]);
  double s = 0;
  for (int64_t j = 0; j < C; ++j) {
    probs[j] = std::exp(l[j] - m);
    s += probs[j];
  }
  float inv = static_cast<float>(1.0 / s);
  for (int64_t j = 0; j < C; ++j) probs[j] *= inv;
  return m + std::log(s);
}

// Target = (1 − α)·onehot(y) + α/C. Loss = Σ_j target_j·(logZ − l_j).
double row_index(float* dl, float* p, const float* l, int32_t y, int64_t C, double alpha, double invN) {
  double logZ = softmax_row(p, l, C);
  double off = alpha / C, sumL = 0;
  for (int64_t j = 0; j < C; ++j) {
    dl[j] = static_cast<float>((p[j] - off) * invN);
    sumL += l[j];
  }
  dl[y] = static_cast<float>((p[y] - off - (1 - alpha)) * invN);
  return (1 - alpha) * (logZ - l[y]) + off * (C * logZ - sumL);
}

double row_soft(float* dl, float* p, const float* l, const float* t, int64_t C, double invN) {
  double logZ = softmax_row(p, l, C);
  double loss = 0;
  for (int64_t j = 0; j < C; ++j) {
    dl[j] = static_cast<float>((static_cast<double>(p[j]) - t[j]) * invN);
    loss += t[j] * (logZ - l[j]);
  }
  return loss;
}

// Calls row(i) for every row, on the pool when the problem is large.
template <class F>
void for_rows(int64_t N, int64_t C, F row) {
  int64_t parts = N * C >= kParallelMin ? std::min<int64_t>(threads(), N) : 1;
  if (parts <= 1) {
    for (int64_t i = 0; i < N; ++i) row(i);
    return;
  }
  parallel_for(parts, [&](int64_t t) {
    int64_t b, e;
    split_range(N, parts, t, &b, &e);
    for (int64_t i = b; i < e; ++i) row(i);
  });
}

// softmaxCrossEntropy(dlogits, probs, logits, targets, N, C, smoothing) → mean loss
Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  const char* op = "softmaxCrossEntropy";
  Napi::Env env = info.Env();
  F32 dl = arg_f32(info, 0, op, "dlogits"), probs = arg_f32(info, 1, op, "probs");
  F32 logits = arg_f32(info, 2, op, "logits");
  int64_t N = arg_int(info, 4, op, "N"), C = arg_int(info, 5, op, "C");
  double alpha = arg_num(info, 6, op, "smoothing");
  std::string dims = "N=" + std::to_string(N) + " C=" + std::to_string(C);
  int64_t NC;
  if (N < 0 || C < 1 || __builtin_mul_overflow(N, C, &NC))
    fail(env, std::string(op) + ": invalid shape (" + dims + ")");
  check_len(env, op, "dlogits", dl.length, NC, dims);
  check_len(env, op, "probs", probs.length, NC, dims);
  check_len(env, op, "logits", logits.length, NC, dims);
  Napi::Value tv = info[3];
  bool soft = tv.IsTypedArray() && tv.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
  const int32_t* labels = nullptr;
  const float* targets = nullptr;
  if (soft) {
    F32 t = arg_f32(info, 3, op, "targets");
    check_len(env, op, "targets", t.length, NC, dims + ", soft targets");
    targets = t.data;
  } else {
    if (!tv.IsTypedArray() || tv.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
      fail(env, std::string(op) + ": argument 'targets' must be an Int32Array or a Float32Array");
    int64_t len;
    labels = arg_i32(info, 3, op, "targets", &len);
    check_len(env, op, "targets", len, N, dims + ", class indices");
    for (int64_t i = 0; i < N; ++i)
      if (labels[i] < 0 || labels[i] >= C)
        fail(env, std::string(op) + ": target " + std::to_string(labels[i]) + " at row " + std::to_string(i) +
                      " is out of range [0, " + std::to_string(C) + ")");
  }
  std::vector<double> loss(N);
  double invN = 1.0 / static_cast<double>(N);
  for_rows(N, C, [&](int64_t i) {
    int64_t o = i * C;
    loss[i] = soft ? row_soft(dl.data + o, probs.data + o, logits.data + o, targets + o, C, invN)
                   : row_index(dl.data + o, probs.data + o, logits.data + o, labels[i], C, alpha, invN);
  });
  double total = 0;
  for (double v : loss) total += v;
  return Napi::Number::New(env, total / static_cast<double>(N));
}

}  // namespace

void register_loss(Napi::Env env, Napi::Object exports) {
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, SoftmaxCrossEntropy, "softmaxCrossEntropy"));
}

}  // namespace st
