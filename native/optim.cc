// In-place SGD step, exactly torch.optim.SGD's update for one parameter tensor:
//   g = grad + wd·p;  buf = momentum·buf + (1 − dampening)·g  (buf = g on the first step);
//   g = nesterov ? g + momentum·buf : buf;  p −= lr·g.   Without momentum: p −= lr·g, buf untouched.
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


struct Sgd {
  float lr, momentum, dampening, weightDecay;
  bool nesterov, firstStep;
};

ST_CLONES void sgd_plain(float* __restrict__ p, const float* __restrict__ grad, int64_t n, float lr, float wd) {
  if (wd != 0.0f) {
    for (int64_t i = 0; i < n; ++i) p[i] -= lr * (grad[i] + wd * p[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) p[i] -= lr * grad[i];
  }
}

ST_CLONES void sgd_momentum(float* __restrict__ p, const float* __restrict__ grad, float* __restrict__ buf, int64_t n,
                            const Sgd& o) {
  float m = o.momentum, keep = 1.0f - o.dampening, lr = o.lr, wd = o.weightDecay;
  bool nesterov = o.nesterov, first = o.firstStep;
  for (int64_t i = 0; i < n; ++i) {
    float g = wd != 0.0f ? grad[i] + wd * p[i] : grad[i];
    float b = first ? g : m * buf[i] + keep * g;
    buf[i] = b;
    p[i] -= lr * (nesterov ? g + m * b : b);
  }
}

// sgdUpdate(param, grad, momentumBuf, lr, momentum, dampening, weightDecay, nesterov, firstStep)
Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  const char* op = "sgdUpdate";
  F32 p = arg_f32(info, 0, op, "param"), g = arg_f32(info, 1, op, "grad"), buf = arg_f32(info, 2, op, "momentumBuf");
  auto num = [&](size_t i, const char* name) { return static_cast<float>(arg_num(info, i, op, name)); };
  Sgd o{num(3, "lr"), num(4, "momentum"), num(5, "dampening"), num(6, "weightDecay"),
        arg_bool(info, 7, op, "nesterov"), arg_bool(info, 8, op, "firstStep")};
  std::string detail = "param has length " + std::to_string(p.length);
  check_len(info.Env(), op, "grad", g.length, p.length, detail);
  // Without momentum the buffer is unused and may be empty.
  if (o.momentum != 0.0f || buf.length != 0) check_len(info.Env(), op, "momentumBuf", buf.length, p.length, detail);
  for_chunks(p.length, [&](int64_t b, int64_t e) {
    if (o.momentum != 0.0f) {
      sgd_momentum(p.data + b, g.data + b, buf.data + b, e - b, o);
    } else {
      sgd_plain(p.data + b, g.data + b, e - b, o.lr, o.weightDecay);
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdUpdate", Napi::Function::New(env, SgdUpdate, "sgdUpdate"));
}

}  // namespace st
