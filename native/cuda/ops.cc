// Bindings of the backend's own kernels: batch normalisation, activations, pooling, the loss, elementwise
// arithmetic and reductions, the SGD step, top-k and the gather of a pattern update. Arguments are checked with the
// CPU addon's messages before anything is enqueued.
#include <cuda_runtime_api.h>
#include <napi.h>

#include <climits>
#include <cmath>
#include <string>

#include "common.h"
#include "launch.h"

namespace st_cuda {
namespace {

std::string n_text(int64_t n) { return "n=" + std::to_string(n); }

struct BnShape {
  int64_t N, C, HW;
  std::string text() const {
    return "N=" + std::to_string(N) + " C=" + std::to_string(C) + " HW=" + std::to_string(HW);
  }
};

BnShape bn_shape(Args& a) {
  BnShape s{a.integer("N"), a.integer("C"), a.integer("HW")};
  if (s.N < 0 || s.C < 0 || s.HW < 0) fail(a.env(), std::string(a.op()) + ": negative dimension (" + s.text() + ")");
  product(a.env(), a.op(), s.text(), {s.N, s.C, s.HW});
  return s;
}

// batchNormForwardTrain(device, y, saveMean, saveInvStd, x, gamma, beta, runningMean, runningVar, N, C, HW,
// momentum, eps)
Napi::Value BatchNormForwardTrain(const Napi::CallbackInfo& info) {
  const char* op = "batchNormForwardTrain";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> y = a.array<float>("y"), sm = a.array<float>("saveMean"), si = a.array<float>("saveInvStd");
  Arr<float> x = a.array<float>("x"), gamma = a.array<float>("gamma"), beta = a.array<float>("beta");
  Arr<float> rm = a.array<float>("runningMean"), rv = a.array<float>("runningVar");
  const BnShape s = bn_shape(a);
  const double momentum = a.number("momentum"), eps = a.number("eps");
  const std::string d = s.text();
  const int64_t total = s.N * s.C * s.HW;
  check_len(env, op, "y", y.n, total, d);
  check_len(env, op, "x", x.n, total, d);
  for (auto [name, arr] : {std::pair{"saveMean", sm}, {"saveInvStd", si}, {"gamma", gamma}, {"beta", beta},
                           {"runningMean", rm}, {"runningVar", rv}})
    check_len(env, op, name, arr.n, s.C, d);
  if (s.C > 0 && s.N * s.HW < 2)
    fail(env, std::string(op) + ": expected more than 1 value per channel when training (" + d + ")");
  launch_bn_forward_train(y.p, sm.p, si.p, x.p, gamma.p, beta.p, rm.p, rv.p, s.N, s.C, s.HW, momentum, eps,
                          ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

// batchNormForwardEval(device, y, x, gamma, beta, runningMean, runningVar, N, C, HW, eps)
Napi::Value BatchNormForwardEval(const Napi::CallbackInfo& info) {
  const char* op = "batchNormForwardEval";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> y = a.array<float>("y"), x = a.array<float>("x"), gamma = a.array<float>("gamma");
  Arr<float> beta = a.array<float>("beta"), rm = a.array<float>("runningMean"), rv = a.array<float>("runningVar");
  const BnShape s = bn_shape(a);
  const double eps = a.number("eps");
  const std::string d = s.text();
  const int64_t total = s.N * s.C * s.HW;
  check_len(env, op, "y", y.n, total, d);
  check_len(env, op, "x", x.n, total, d);
  for (auto [name, arr] : {std::pair{"gamma", gamma}, {"beta", beta}, {"runningMean", rm}, {"runningVar", rv}})
    check_len(env, op, name, arr.n, s.C, d);
  launch_bn_forward_eval(y.p, x.p, gamma.p, beta.p, rm.p, rv.p, s.N, s.C, s.HW, eps, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

// batchNormBackward(device, dx, dgamma, dbeta, dy, x, gamma, saveMean, saveInvStd, N, C, HW)
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  const char* op = "batchNormBackward";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> dx = a.array<float>("dx"), dgamma = a.array<float>("dgamma"), dbeta = a.array<float>("dbeta");
  Arr<float> dy = a.array<float>("dy"), x = a.array<float>("x"), gamma = a.array<float>("gamma");
  Arr<float> sm = a.array<float>("saveMean"), si = a.array<float>("saveInvStd");
  const BnShape s = bn_shape(a);
  const std::string d = s.text();
  const int64_t total = s.N * s.C * s.HW;
  check_len(env, op, "dx", dx.n, total, d);
  check_len(env, op, "dy", dy.n, total, d);
  check_len(env, op, "x", x.n, total, d);
  for (auto [name, arr] : {std::pair{"dgamma", dgamma}, {"dbeta", dbeta}, {"gamma", gamma}, {"saveMean", sm},
                           {"saveInvStd", si}})
    check_len(env, op, name, arr.n, s.C, d);
  launch_bn_backward(dx.p, dgamma.p, dbeta.p, dy.p, x.p, gamma.p, sm.p, si.p, s.N, s.C, s.HW, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

int activation_kind(Args& a) {
  const std::string k = a.string("kind");
  if (k == "relu") return 0;
  if (k == "swish") return 1;
  if (k == "mish") return 2;
  fail(a.env(), std::string(a.op()) + ": argument 'kind' must be 'relu', 'swish' or 'mish', got '" + k + "'");
}

// activationForward(device, kind, y, x)
Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  const char* op = "activationForward";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  const int kind = activation_kind(a);
  Arr<float> y = a.array<float>("y"), x = a.array<float>("x");
  check_len(env, op, "y", y.n, x.n, "x has length " + std::to_string(x.n));
  launch_activation_forward(kind, y.p, x.p, x.n, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

// activationBackward(device, kind, dx, dy, x)
Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  const char* op = "activationBackward";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  const int kind = activation_kind(a);
  Arr<float> dx = a.array<float>("dx"), dy = a.array<float>("dy"), x = a.array<float>("x");
  const std::string d = "x has length " + std::to_string(x.n);
  check_len(env, op, "dx", dx.n, x.n, d);
  check_len(env, op, "dy", dy.n, x.n, d);
  launch_activation_backward(kind, dx.p, dy.p, x.p, x.n, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

std::string describe(const PoolDims& g) {
  auto s = [](int64_t v) { return std::to_string(v); };
  return "N=" + s(g.N) + " C=" + s(g.C) + " H=" + s(g.H) + " W=" + s(g.W) + " kernel=" + s(g.kH) + "x" + s(g.kW) +
         " stride=" + s(g.strideH) + "x" + s(g.strideW) + " pad=" + s(g.padH) + "x" + s(g.padW);
}

// The 10 pooling integers, validated as native/pool.cc (PyTorch's rules: pad ≤ window/2).
PoolDims pool_geom(Args& a, int64_t* in, int64_t* out) {
  Napi::Env env = a.env();
  const char* op = a.op();
  PoolDims g;
  const char* names[] = {"N", "C", "H", "W", "kH", "kW", "strideH", "strideW", "padH", "padW"};
  int64_t* fields[] = {&g.N, &g.C, &g.H, &g.W, &g.kH, &g.kW, &g.strideH, &g.strideW, &g.padH, &g.padW};
  for (size_t j = 0; j < 10; ++j) *fields[j] = a.integer(names[j]);
  g.OH = g.OW = 0;
  const std::string d = describe(g);
  for (size_t j = 0; j < 10; ++j) {
    const bool pad = j >= 8;
    if (pad ? *fields[j] < 0 : *fields[j] < 1)
      fail(env, std::string(op) + ": " + names[j] + " must be " + (pad ? ">= 0" : ">= 1") + " (" + d + ")");
  }
  if (2 * g.padH > g.kH || 2 * g.padW > g.kW)
    fail(env, std::string(op) + ": padding must be at most half the window (" + d + ")");
  if (g.H + 2 * g.padH < g.kH || g.W + 2 * g.padW < g.kW)
    fail(env, std::string(op) + ": the window is larger than the padded input, output size < 1 (" + d + ")");
  g.OH = (g.H + 2 * g.padH - g.kH) / g.strideH + 1;
  g.OW = (g.W + 2 * g.padW - g.kW) / g.strideW + 1;
  *in = product(env, op, d, {g.N, g.C, g.H, g.W});
  *out = product(env, op, d, {g.N, g.C, g.OH, g.OW});
  if (g.H * g.W > INT_MAX) fail(env, std::string(op) + ": H*W exceeds the int32 range of argmax (" + d + ")");
  return g;
}

// maxPool2dForward(device, y, argmax, x, N, C, H, W, kH, kW, strideH, strideW, padH, padW)
Napi::Value MaxPool2dForward(const Napi::CallbackInfo& info) {
  const char* op = "maxPool2dForward";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> y = a.array<float>("y");
  Arr<int32_t> am = a.array<int32_t>("argmax");
  Arr<float> x = a.array<float>("x");
  int64_t in, out;
  const PoolDims g = pool_geom(a, &in, &out);
  const std::string d = describe(g);
  check_len(env, op, "y", y.n, out, d);
  check_len(env, op, "argmax", am.n, out, d);
  check_len(env, op, "x", x.n, in, d);
  launch_max_pool_forward(y.p, am.p, x.p, g, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

// maxPool2dBackward(device, dx, dy, argmax, geometry…): an argmax outside its window contributes nothing.
Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  const char* op = "maxPool2dBackward";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> dx = a.array<float>("dx"), dy = a.array<float>("dy");
  Arr<int32_t> am = a.array<int32_t>("argmax");
  int64_t in, out;
  const PoolDims g = pool_geom(a, &in, &out);
  const std::string d = describe(g);
  check_len(env, op, "dx", dx.n, in, d);
  check_len(env, op, "dy", dy.n, out, d);
  check_len(env, op, "argmax", am.n, out, d);
  launch_max_pool_backward(dx.p, dy.p, am.p, g, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

// avgPool2dForward(device, y, x, geometry…)
Napi::Value AvgPool2dForward(const Napi::CallbackInfo& info) {
  const char* op = "avgPool2dForward";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> y = a.array<float>("y"), x = a.array<float>("x");
  int64_t in, out;
  const PoolDims g = pool_geom(a, &in, &out);
  const std::string d = describe(g);
  check_len(env, op, "y", y.n, out, d);
  check_len(env, op, "x", x.n, in, d);
  launch_avg_pool_forward(y.p, x.p, g, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

// avgPool2dBackward(device, dx, dy, geometry…)
Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
  const char* op = "avgPool2dBackward";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> dx = a.array<float>("dx"), dy = a.array<float>("dy");
  int64_t in, out;
  const PoolDims g = pool_geom(a, &in, &out);
  const std::string d = describe(g);
  check_len(env, op, "dx", dx.n, in, d);
  check_len(env, op, "dy", dy.n, out, d);
  launch_avg_pool_backward(dx.p, dy.p, g, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

std::string global_shape(Args& a, int64_t* planes, int64_t* HW, int64_t* in) {
  const int64_t N = a.integer("N"), C = a.integer("C");
  *HW = a.integer("HW");
  const std::string d = "N=" + std::to_string(N) + " C=" + std::to_string(C) + " HW=" + std::to_string(*HW);
  if (N < 1 || C < 1 || *HW < 1) fail(a.env(), std::string(a.op()) + ": N, C and HW must be >= 1 (" + d + ")");
  *planes = product(a.env(), a.op(), d, {N, C});
  *in = product(a.env(), a.op(), d, {N, C, *HW});
  return d;
}

// globalAvgPoolForward(device, y, x, N, C, HW)
Napi::Value GlobalAvgPoolForward(const Napi::CallbackInfo& info) {
  const char* op = "globalAvgPoolForward";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> y = a.array<float>("y"), x = a.array<float>("x");
  int64_t planes, HW, in;
  const std::string d = global_shape(a, &planes, &HW, &in);
  check_len(env, op, "y", y.n, planes, d);
  check_len(env, op, "x", x.n, in, d);
  launch_global_avg_pool_forward(y.p, x.p, planes, HW, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

// globalAvgPoolBackward(device, dx, dy, N, C, HW)
Napi::Value GlobalAvgPoolBackward(const Napi::CallbackInfo& info) {
  const char* op = "globalAvgPoolBackward";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> dx = a.array<float>("dx"), dy = a.array<float>("dy");
  int64_t planes, HW, in;
  const std::string d = global_shape(a, &planes, &HW, &in);
  check_len(env, op, "dx", dx.n, in, d);
  check_len(env, op, "dy", dy.n, planes, d);
  launch_global_avg_pool_backward(dx.p, dy.p, planes, HW, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

// softmaxCrossEntropy(device, dlogits, probs, logits, labels | null, soft | null, N, C, smoothing) → mean loss.
// Exactly one of labels (class indices, Int32) and soft (Float32 [N, C]) is given.
Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  const char* op = "softmaxCrossEntropy";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> dl = a.array<float>("dlogits"), probs = a.array<float>("probs"), logits = a.array<float>("logits");
  Arr<int32_t> labels = a.array_or_null<int32_t>("labels");
  Arr<float> soft = a.array_or_null<float>("soft");
  const int64_t N = a.integer("N"), C = a.integer("C");
  const double alpha = a.number("smoothing");
  const std::string dims = "N=" + std::to_string(N) + " C=" + std::to_string(C);
  int64_t NC;
  if (N < 0 || C < 1 || __builtin_mul_overflow(N, C, &NC)) fail(env, std::string(op) + ": invalid shape (" + dims + ")");
  check_len(env, op, "dlogits", dl.n, NC, dims);
  check_len(env, op, "probs", probs.n, NC, dims);
  check_len(env, op, "logits", logits.n, NC, dims);
  if (labels.present == soft.present)
    fail(env, std::string(op) + ": argument 'targets' must be an Int32 or a Float32 device array");
  if (soft.present)
    check_len(env, op, "targets", soft.n, NC, dims + ", soft targets");
  else
    check_len(env, op, "targets", labels.n, N, dims + ", class indices");
  if (N == 0) return Napi::Number::New(env, NAN);
  const size_t rowBytes = sizeof(double) * static_cast<size_t>(N);
  char* scratch = static_cast<char*>(ctx.ensure_scratch(env, op, 256 + rowBytes));
  LossResult* result = reinterpret_cast<LossResult*>(scratch);
  double* rowLoss = reinterpret_cast<double*>(scratch + 256);
  launch_softmax_xent(dl.p, probs.p, logits.p, labels.present ? labels.p : nullptr, soft.present ? soft.p : nullptr,
                      N, C, alpha, rowLoss, result, ctx.stream);
  check_launch(env, op, ctx);
  const LossResult r = *static_cast<const LossResult*>(fetch_small(env, op, ctx, result, sizeof(LossResult)));
  if (r.firstBad < N) {
    int32_t target = 0;
    target = *static_cast<const int32_t*>(fetch_small(env, op, ctx, labels.p + r.firstBad, sizeof(int32_t)));
    fail(env, std::string(op) + ": target " + std::to_string(target) + " at row " + std::to_string(r.firstBad) +
                  " is out of range [0, " + std::to_string(C) + ")");
  }
  return Napi::Number::New(env, r.loss);
}

using BinaryLaunch = void (*)(float*, const float*, const float*, int64_t, cudaStream_t);

Napi::Value Binary(const Napi::CallbackInfo& info, const char* op, BinaryLaunch launch) {
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> out = a.array<float>("out"), x = a.array<float>("a"), y = a.array<float>("b");
  check_len(env, op, "a", x.n, out.n, n_text(out.n));
  check_len(env, op, "b", y.n, out.n, n_text(out.n));
  launch(out.p, x.p, y.p, out.n, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

Napi::Value Add(const Napi::CallbackInfo& info) { return Binary(info, "add", launch_add); }
Napi::Value Mul(const Napi::CallbackInfo& info) { return Binary(info, "mul", launch_mul); }

// axpy(device, y, alpha, x)
Napi::Value Axpy(const Napi::CallbackInfo& info) {
  const char* op = "axpy";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> y = a.array<float>("y");
  const float alpha = static_cast<float>(a.number("alpha"));
  Arr<float> x = a.array<float>("x");
  check_len(env, op, "x", x.n, y.n, n_text(y.n));
  launch_axpy(y.p, alpha, x.p, y.n, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

// scale(device, x, alpha)
Napi::Value Scale(const Napi::CallbackInfo& info) {
  const char* op = "scale";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> x = a.array<float>("x");
  launch_scale(x.p, static_cast<float>(a.number("alpha")), x.n, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

// transpose(device, out, a, rows, cols)
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  const char* op = "transpose";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> out = a.array<float>("out"), in = a.array<float>("a");
  const int64_t rows = a.integer("rows"), cols = a.integer("cols");
  const std::string d = "rows=" + std::to_string(rows) + " cols=" + std::to_string(cols);
  int64_t n;
  if (rows < 0 || cols < 0 || __builtin_mul_overflow(rows, cols, &n))
    fail(env, std::string(op) + ": rows and cols must be >= 0 and their product representable (" + d + ")");
  check_len(env, op, "a", in.n, n, d + ", a is [rows, cols]");
  check_len(env, op, "out", out.n, n, d + ", out is [cols, rows]");
  if (n > 0 && out.p < in.p + n && in.p < out.p + n)
    fail(env, std::string(op) + ": out must not overlap a (" + d + ")");
  launch_transpose(out.p, in.p, rows, cols, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

std::string rows_shape(Args& a, const char* matName, const Arr<float>& mat, const char* vecName,
                       const Arr<float>& vec, int64_t* rows, int64_t* F) {
  *rows = a.integer("rows");
  *F = a.integer("F");
  const std::string dims = "rows=" + std::to_string(*rows) + " F=" + std::to_string(*F);
  int64_t total;
  if (*rows < 0 || *F < 0 || __builtin_mul_overflow(*rows, *F, &total))
    fail(a.env(), std::string(a.op()) + ": invalid shape (" + dims + ")");
  check_len(a.env(), a.op(), matName, mat.n, total, dims);
  check_len(a.env(), a.op(), vecName, vec.n, *F, dims);
  return dims;
}

// addBiasRows(device, y, bias, rows, F)
Napi::Value AddBiasRows(const Napi::CallbackInfo& info) {
  const char* op = "addBiasRows";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> y = a.array<float>("y"), bias = a.array<float>("bias");
  int64_t rows, F;
  rows_shape(a, "y", y, "bias", bias, &rows, &F);
  launch_add_bias_rows(y.p, bias.p, rows, F, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

// sumRows(device, dbias, dy, rows, F): dbias accumulates.
Napi::Value SumRows(const Napi::CallbackInfo& info) {
  const char* op = "sumRows";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> dbias = a.array<float>("dbias"), dy = a.array<float>("dy");
  int64_t rows, F;
  rows_shape(a, "dy", dy, "dbias", dbias, &rows, &F);
  launch_sum_rows(dbias.p, dy.p, rows, F, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

// sgdUpdate(device, param, grad, momentumBuf, lr, momentum, dampening, weightDecay, nesterov, firstStep)
Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  const char* op = "sgdUpdate";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> p = a.array<float>("param"), g = a.array<float>("grad"), buf = a.array<float>("momentumBuf");
  const float lr = static_cast<float>(a.number("lr")), momentum = static_cast<float>(a.number("momentum"));
  const float dampening = static_cast<float>(a.number("dampening"));
  const float wd = static_cast<float>(a.number("weightDecay"));
  const bool nesterov = a.boolean("nesterov"), first = a.boolean("firstStep");
  const std::string detail = "param has length " + std::to_string(p.n);
  check_len(env, op, "grad", g.n, p.n, detail);
  if (momentum != 0.0f || buf.n != 0) check_len(env, op, "momentumBuf", buf.n, p.n, detail);
  launch_sgd(p.p, g.p, buf.p, p.n, lr, momentum, dampening, wd, nesterov, first, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

// gatherOrZero(device, out, old, source): throws (after the work) if a source index lies outside [−1, old.length).
Napi::Value GatherOrZero(const Napi::CallbackInfo& info) {
  const char* op = "gatherOrZero";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<float> out = a.array<float>("out"), old = a.array<float>("old");
  Arr<int32_t> source = a.array<int32_t>("source");
  const std::string dims = "source=" + std::to_string(source.n) + " old=" + std::to_string(old.n);
  check_len(env, op, "out", out.n, source.n, dims);
  if (source.n == 0) return env.Undefined();
  int32_t* firstBad = static_cast<int32_t*>(ctx.ensure_scratch(env, op, 256));
  check_cuda(env, op, cudaMemsetAsync(firstBad, 0x7f, sizeof(int32_t), ctx.stream), "cudaMemsetAsync");
  launch_gather_or_zero(out.p, old.p, old.n, source.p, source.n, firstBad, ctx.stream);
  check_launch(env, op, ctx);
  const int32_t bad = *static_cast<const int32_t*>(fetch_small(env, op, ctx, firstBad, sizeof(int32_t)));
  if (bad < source.n) {
    const int32_t s = *static_cast<const int32_t*>(fetch_small(env, op, ctx, source.p + bad, sizeof(int32_t)));
    fail(env, std::string(op) + ": source[" + std::to_string(bad) + "] = " + std::to_string(s) + " is outside [-1, " +
                  std::to_string(old.n) + ") (" + dims + ")");
  }
  return env.Undefined();
}

// topK(device, out, scores, candF32 | null, candU8 | null, k, largest, abs)
Napi::Value TopK(const Napi::CallbackInfo& info) {
  const char* op = "topK";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  Arr<int32_t> out = a.array<int32_t>("out");
  Arr<float> scores = a.array<float>("scores");
  Arr<float> candF32 = a.array_or_null<float>("candF32");
  Arr<uint8_t> candU8 = a.array_or_null<uint8_t>("candU8");
  const int64_t k = a.integer("k");
  const bool largest = a.boolean("largest"), abs = a.boolean("abs");
  const int64_t n = scores.n;
  if (n > INT_MAX) fail(env, std::string(op) + ": more than 2^31 - 1 scores");
  if (candF32.present && candU8.present) fail(env, std::string(op) + ": internal: two candidate arrays");
  if (candF32.present && candF32.n != n)
    fail(env, std::string(op) + ": candidates length " + std::to_string(candF32.n) + " != scores length " +
                  std::to_string(n));
  if (candU8.present && candU8.n != n)
    fail(env, std::string(op) + ": candidates length " + std::to_string(candU8.n) + " != scores length " +
                  std::to_string(n));
  const float* cf = candF32.present ? candF32.p : nullptr;
  const uint8_t* cu = candU8.present ? candU8.p : nullptr;
  int64_t eligible = n;
  if (cf || cu) {
    auto* count = static_cast<unsigned long long*>(ctx.ensure_scratch(env, op, 256));
    launch_topk_count(scores.p, cf, cu, n, count, ctx.stream);
    check_launch(env, op, ctx);
    eligible = static_cast<int64_t>(
        *static_cast<const unsigned long long*>(fetch_small(env, op, ctx, count, sizeof(unsigned long long))));
  }
  if (k < 0 || k > eligible)
    fail(env, std::string(op) + ": k must be an integer in [0, " + std::to_string(eligible) +
                  "] (the number of candidates), got " + std::to_string(k));
  check_len(env, op, "out", out.n, k, "k=" + std::to_string(k));
  if (k == 0) return env.Undefined();
  const size_t bytes = topk_scratch_bytes(n, k);
  void* scratch = ctx.ensure_scratch(env, op, bytes);
  check_cuda(env, op, topk_select(out.p, scores.p, cf, cu, n, k, largest, abs, scratch, ctx.scratchBytes, ctx.stream),
             "the top-k sorts");
  check_launch(env, op, ctx);
  return env.Undefined();
}

}  // namespace

void register_ops(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormForwardTrain", Napi::Function::New(env, BatchNormForwardTrain, "batchNormForwardTrain"));
  exports.Set("batchNormForwardEval", Napi::Function::New(env, BatchNormForwardEval, "batchNormForwardEval"));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward, "batchNormBackward"));
  exports.Set("activationForward", Napi::Function::New(env, ActivationForward, "activationForward"));
  exports.Set("activationBackward", Napi::Function::New(env, ActivationBackward, "activationBackward"));
  exports.Set("maxPool2dForward", Napi::Function::New(env, MaxPool2dForward, "maxPool2dForward"));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxPool2dBackward, "maxPool2dBackward"));
  exports.Set("avgPool2dForward", Napi::Function::New(env, AvgPool2dForward, "avgPool2dForward"));
  exports.Set("avgPool2dBackward", Napi::Function::New(env, AvgPool2dBackward, "avgPool2dBackward"));
  exports.Set("globalAvgPoolForward", Napi::Function::New(env, GlobalAvgPoolForward, "globalAvgPoolForward"));
  exports.Set("globalAvgPoolBackward", Napi::Function::New(env, GlobalAvgPoolBackward, "globalAvgPoolBackward"));
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, SoftmaxCrossEntropy, "softmaxCrossEntropy"));
  exports.Set("add", Napi::Function::New(env, Add, "add"));
  exports.Set("mul", Napi::Function::New(env, Mul, "mul"));
  exports.Set("axpy", Napi::Function::New(env, Axpy, "axpy"));
  exports.Set("scale", Napi::Function::New(env, Scale, "scale"));
  exports.Set("transpose", Napi::Function::New(env, Transpose, "transpose"));
  exports.Set("addBiasRows", Napi::Function::New(env, AddBiasRows, "addBiasRows"));
  exports.Set("sumRows", Napi::Function::New(env, SumRows, "sumRows"));
  exports.Set("sgdUpdate", Napi::Function::New(env, SgdUpdate, "sgdUpdate"));
  exports.Set("gatherOrZero", Napi::Function::New(env, GatherOrZero, "gatherOrZero"));
  exports.Set("topK", Napi::Function::New(env, TopK, "topK"));
}

}  // namespace st_cuda
