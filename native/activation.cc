// Elementwise activations and their input gradients: ReLU, Swish (x·σ(x)) and Mish (x·tanh(softplus(x))).
// exp is a branch-free polynomial (Cephes' expf, relative error ~2e-7), so the loops vectorise; Mish uses
// tanh(log(1 + e^x)) = u(u+2) / (u(u+2) + 2) with u = e^x, which needs one exp and no log or tanh.
#include <napi.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "check.h"
#include "threadpool.h"

// No FMA contraction: vector bodies and remainder loops then round alike, so results do not depend on how the
// work is split between threads, nor on the ISA clone that runs.
#pragma GCC optimize("fp-contract=off")
#define ST_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

namespace st {
namespace {


inline float exp_poly(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  // n = round(x / ln 2), by adding 1.5·2^23: the sum's low mantissa bits then hold n as an integer.
  const float magic = 12582912.0f;
  float t = x * 1.44269504088896341f + magic;
  float n = t - magic;
  float r = x - n * 0.693359375f + n * 2.12194440e-4f;  // x − n·ln 2, ln 2 split in two for accuracy
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t ti, magicBits = 0x4B400000;
  std::memcpy(&ti, &t, sizeof ti);
  int32_t bits = (ti - magicBits + 127) << 23;  // 2^n
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + exp_poly(-x)); }

// tanh(softplus(x)) and 1 − tanh(softplus(x)) from u = e^x (x capped at 20, where tanh(softplus) is 1).
inline void mish_parts(float x, float* t, float* oneMinusT, float* u) {
  *u = exp_poly(std::min(x, 20.0f));
  float n = *u * (*u + 2.0f);
  float inv = 1.0f / (n + 2.0f);
  *t = n * inv;
  *oneMinusT = 2.0f * inv;
}

// Written as x < 0 ? 0 : x so that NaN passes through, as in PyTorch.
ST_CLONES void relu_forward(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

ST_CLONES void relu_backward(float* dx, const float* dy, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

ST_CLONES void swish_forward(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * sigmoid(x[i]);
}

// d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x)))
ST_CLONES void swish_backward(float* dx, const float* dy, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float s = sigmoid(x[i]);
    dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s));
  }
}

ST_CLONES void mish_forward(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float t, omt, u;
    mish_parts(x[i], &t, &omt, &u);
    y[i] = x[i] * t;
  }
}

// d/dx x·tanh(sp(x)) = t + x·(1 − t²)·σ(x), with σ(x) = u / (1 + u) and 1 − t² = (1 − t)(1 + t).
ST_CLONES void mish_backward(float* dx, const float* dy, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float t, omt, u;
    mish_parts(x[i], &t, &omt, &u);
    float sig = u / (1.0f + u);
    dx[i] = dy[i] * (t + x[i] * omt * (1.0f + t) * sig);
  }
}

enum class Kind { Relu, Swish, Mish };

Kind arg_kind(const Napi::CallbackInfo& info, const char* op) {
  Napi::Value v = info[0];
  std::string k = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (k == "relu") return Kind::Relu;
  if (k == "swish") return Kind::Swish;
  if (k == "mish") return Kind::Mish;
  fail(info.Env(), std::string(op) + ": argument 'kind' must be 'relu', 'swish' or 'mish'" +
                       (v.IsString() ? ", got '" + k + "'" : ""));
}

// activationForward(kind, y, x)
Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  const char* op = "activationForward";
  Kind kind = arg_kind(info, op);
  F32 y = arg_f32(info, 1, op, "y"), x = arg_f32(info, 2, op, "x");
  check_len(info.Env(), op, "y", y.length, x.length, "x has length " + std::to_string(x.length));
  for_chunks(x.length, [&](int64_t b, int64_t e) {
    if (kind == Kind::Relu) relu_forward(y.data + b, x.data + b, e - b);
    if (kind == Kind::Swish) swish_forward(y.data + b, x.data + b, e - b);
    if (kind == Kind::Mish) mish_forward(y.data + b, x.data + b, e - b);
  });
  return info.Env().Undefined();
}

// activationBackward(kind, dx, dy, x)
Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  const char* op = "activationBackward";
  Kind kind = arg_kind(info, op);
  F32 dx = arg_f32(info, 1, op, "dx"), dy = arg_f32(info, 2, op, "dy"), x = arg_f32(info, 3, op, "x");
  std::string detail = "x has length " + std::to_string(x.length);
  check_len(info.Env(), op, "dx", dx.length, x.length, detail);
  check_len(info.Env(), op, "dy", dy.length, x.length, detail);
  for_chunks(x.length, [&](int64_t b, int64_t e) {
    if (kind == Kind::Relu) relu_backward(dx.data + b, dy.data + b, x.data + b, e - b);
    if (kind == Kind::Swish) swish_backward(dx.data + b, dy.data + b, x.data + b, e - b);
    if (kind == Kind::Mish) mish_backward(dx.data + b, dy.data + b, x.data + b, e - b);
  });
  return info.Env().Undefined();
}

}  // namespace

void register_activation(Napi::Env env, Napi::Object exports) {
  exports.Set("activationForward", Napi::Function::New(env, ActivationForward, "activationForward"));
  exports.Set("activationBackward", Napi::Function::New(env, ActivationBackward, "activationBackward"));
}

}  // namespace st
