#include "conv_args.h"

#include "check.h"

namespace st {

std::string describe(const ConvGeom& g) {
  auto s = [](int64_t v) { return std::to_string(v); };
  return "N=" + s(g.N) + " C=" + s(g.C) + " H=" + s(g.H) + " W=" + s(g.W) + " K=" + s(g.K) + " R=" + s(g.R) +
         " S=" + s(g.S) + " stride=" + s(g.strideH) + "x" + s(g.strideW) + " pad=" + s(g.padH) + "x" + s(g.padW) +
         " groups=" + s(g.groups);
}

int64_t product(Napi::Env env, const char* op, const std::string& detail, std::initializer_list<int64_t> factors) {
  int64_t p = 1;
  for (int64_t f : factors)
    if (__builtin_mul_overflow(p, f, &p)) fail(env, std::string(op) + ": sizes overflow (" + detail + ")");
  return p;
}

ConvGeom arg_geom(const Napi::CallbackInfo& info, size_t i, const char* op) {
  Napi::Env env = info.Env();
  ConvGeom g;
  const char* names[] = {"N", "C", "H", "W", "K", "R", "S", "strideH", "strideW", "padH", "padW", "groups"};
  int64_t* fields[] = {&g.N, &g.C, &g.H, &g.W, &g.K, &g.R, &g.S, &g.strideH, &g.strideW, &g.padH, &g.padW, &g.groups};
  for (size_t j = 0; j < 12; ++j) *fields[j] = arg_int(info, i + j, op, names[j]);
  g.OH = g.OW = 0;
  const std::string d = describe(g);
  for (size_t j = 0; j < 12; ++j) {
    const bool pad = j == 9 || j == 10;
    if (pad ? *fields[j] < 0 : *fields[j] < 1)
      fail(env, std::string(op) + ": " + names[j] + " must be " + (pad ? ">= 0" : ">= 1") + " (" + d + ")");
  }
  if (g.C % g.groups != 0 || g.K % g.groups != 0)
    fail(env, std::string(op) + ": groups must divide C and K (" + d + ")");
  if (g.H + 2 * g.padH < g.R || g.W + 2 * g.padW < g.S)
    fail(env, std::string(op) + ": the kernel is larger than the padded input, output size < 1 (" + d + ")");
  g.OH = (g.H + 2 * g.padH - g.R) / g.strideH + 1;
  g.OW = (g.W + 2 * g.padW - g.S) / g.strideW + 1;
  return g;
}

ConvLengths conv_lengths(Napi::Env env, const char* op, const ConvGeom& g) {
  const std::string d = describe(g);
  return ConvLengths{product(env, op, d, {g.N, g.C, g.H, g.W}), product(env, op, d, {g.K, g.Cg(), g.R, g.S}),
                     product(env, op, d, {g.N, g.K, g.OH, g.OW})};
}

}  // namespace st
