#include "im2col.h"

#include <algorithm>
#include <cstring>

namespace st {

void valid_range(int64_t in, int64_t out, int64_t stride, int64_t pad, int64_t k, int64_t* lo, int64_t* hi) {
  // Need 0 ≤ o·stride − pad + k ≤ in − 1.
  const int64_t first = pad - k, last = in - 1 + pad - k;
  int64_t l = first > 0 ? (first + stride - 1) / stride : 0;
  int64_t h = last < 0 ? 0 : last / stride + 1;
  l = std::min(l, out);
  h = std::min(h, out);
  *lo = l;
  *hi = std::max(h, l);
}

void pad_planes(const float* x, const ConvGeom& g, float* xp) {
  const int64_t H = g.H, W = g.W, Wp = g.Wp(), ph = g.padH, pw = g.padW;
  for (int64_t c = 0; c < g.Cg(); ++c) {
    const float* src = x + c * H * W;
    float* dst = xp + c * g.Hp() * Wp;
    std::fill(dst, dst + ph * Wp, 0.0f);
    for (int64_t h = 0; h < H; ++h) {
      float* d = dst + (ph + h) * Wp;
      std::fill(d, d + pw, 0.0f);
      std::memcpy(d + pw, src + h * W, static_cast<size_t>(W) * sizeof(float));
      std::fill(d + pw + W, d + Wp, 0.0f);
    }
    std::fill(dst + (ph + H) * Wp, dst + g.Hp() * Wp, 0.0f);
  }
}

void unpad_planes(const float* xp, const ConvGeom& g, float* x) {
  const int64_t H = g.H, W = g.W, Wp = g.Wp();
  for (int64_t c = 0; c < g.Cg(); ++c) {
    const float* src = xp + c * g.Hp() * Wp + g.padH * Wp + g.padW;
    for (int64_t h = 0; h < H; ++h)
      std::memcpy(x + (c * H + h) * W, src + h * Wp, static_cast<size_t>(W) * sizeof(float));
  }
}

void im2col(const float* xp, const ConvGeom& g, float* col, int64_t ldcol) {
  const int64_t Wp = g.Wp(), OH = g.OH, OW = g.OW, rowStep = g.strideH * Wp, sw = g.strideW;
  int64_t row = 0;
  for (int64_t c = 0; c < g.Cg(); ++c) {
    for (int64_t r = 0; r < g.R; ++r) {
      for (int64_t s = 0; s < g.S; ++s, ++row) {
        const float* src = xp + (c * g.Hp() + r) * Wp + s;
        float* d = col + row * ldcol;
        for (int64_t oh = 0; oh < OH; ++oh, src += rowStep, d += OW) {
          if (sw == 1) {
            for (int64_t ow = 0; ow < OW; ++ow) d[ow] = src[ow];
          } else {
            for (int64_t ow = 0; ow < OW; ++ow) d[ow] = src[ow * sw];
          }
        }
      }
    }
  }
}

void col2im_add(const float* col, int64_t ldcol, const ConvGeom& g, float* xp) {
  const int64_t Wp = g.Wp(), OH = g.OH, OW = g.OW, rowStep = g.strideH * Wp, sw = g.strideW;
  int64_t row = 0;
  for (int64_t c = 0; c < g.Cg(); ++c) {
    for (int64_t r = 0; r < g.R; ++r) {
      for (int64_t s = 0; s < g.S; ++s, ++row) {
        float* dst = xp + (c * g.Hp() + r) * Wp + s;
        const float* d = col + row * ldcol;
        for (int64_t oh = 0; oh < OH; ++oh, dst += rowStep, d += OW) {
          if (sw == 1) {
            for (int64_t ow = 0; ow < OW; ++ow) dst[ow] += d[ow];
          } else {
            for (int64_t ow = 0; ow < OW; ++ow) dst[ow * sw] += d[ow];
          }
        }
      }
    }
  }
}

}  // namespace st
