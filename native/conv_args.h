// A convolution's geometry as binding arguments (the 12 integers of a ConvShape), validated, and the lengths of
// its tensors, so that every convolution binding rejects bad shapes with the same messages.
#pragma once
#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <string>

#include "im2col.h"

namespace st {

// "N=… C=… H=… W=… K=… R=… S=… stride=…x… pad=…x… groups=…", for messages.
std::string describe(const ConvGeom& g);
// The product of the factors, failing with an Error naming op on overflow (the lengths are then surely wrong).
int64_t product(Napi::Env env, const char* op, const std::string& detail, std::initializer_list<int64_t> factors);
// Reads (N, C, H, W, K, R, S, strideH, strideW, padH, padW, groups) from argument i, checks them and sets OH, OW.
ConvGeom arg_geom(const Napi::CallbackInfo& info, size_t i, const char* op);

struct ConvLengths {
  int64_t x, w, y;  // x [N, C, H, W], w [K, Cg, R, S], y [N, K, OH, OW]
};
ConvLengths conv_lengths(Napi::Env env, const char* op, const ConvGeom& g);

}  // namespace st
