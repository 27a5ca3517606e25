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

namespace {

void zero(float* d, int64_t n) {
  if (n > 0) std::memset(d, 0, static_cast<size_t>(n) * sizeof(float));
}

// The strided (strideW > 1) inner loops: runs of m floats, compiled for the common small m (0: any m).
template <int64_t M>
void gather_runs(float* d, const float* src, int64_t OW, int64_t sw, int64_t m) {
  const int64_t mm = M > 0 ? M : m;
  for (int64_t ow = 0; ow < OW; ++ow)
    for (int64_t i = 0; i < mm; ++i) d[ow * mm + i] = src[ow * sw * mm + i];
}

template <int64_t M>
void scatter_add_runs(float* dst, const float* d, int64_t OW, int64_t sw, int64_t m) {
  const int64_t mm = M > 0 ? M : m;
  for (int64_t ow = 0; ow < OW; ++ow)
    for (int64_t i = 0; i < mm; ++i) dst[ow * sw * mm + i] += d[ow * mm + i];
}

using RunsFn = void (*)(float*, const float*, int64_t, int64_t, int64_t);

RunsFn pick_gather(int64_t m) {
  switch (m) {
    case 1: return gather_runs<1>;
    case 2: return gather_runs<2>;
    case 4: return gather_runs<4>;
    case 8: return gather_runs<8>;
    case 16: return gather_runs<16>;
    default: return gather_runs<0>;
  }
}

RunsFn pick_scatter_add(int64_t m) {
  switch (m) {
    case 1: return scatter_add_runs<1>;
    case 2: return scatter_add_runs<2>;
    case 4: return scatter_add_runs<4>;
    case 8: return scatter_add_runs<8>;
    case 16: return scatter_add_runs<16>;
    default: return scatter_add_runs<0>;
  }
}

}  // namespace

void pack_chunk(const float* x, int64_t sampleStride, int64_t m, const ConvGeom& g, float* xt) {
  const int64_t H = g.H, W = g.W, Hp = g.Hp(), Wp = g.Wp(), ph = g.padH, pw = g.padW;
  for (int64_t c = 0; c < g.Cg(); ++c) {
    float* dc = xt + c * Hp * Wp * m;
    zero(dc, ph * Wp * m);
    zero(dc + (ph + H) * Wp * m, ph * Wp * m);
    for (int64_t h = 0; h < H; ++h) {
      float* row = dc + (ph + h) * Wp * m;
      const float* src = x + (c * H + h) * W;
      zero(row, pw * m);
      zero(row + (pw + W) * m, pw * m);
      float* d = row + pw * m;
      if (m == 1) {
        std::memcpy(d, src, static_cast<size_t>(W) * sizeof(float));
        continue;
      }
      for (int64_t w = 0; w < W; ++w)
        for (int64_t i = 0; i < m; ++i) d[w * m + i] = src[i * sampleStride + w];
    }
  }
}

void unpack_chunk(const float* xt, int64_t m, const ConvGeom& g, float* x, int64_t sampleStride) {
  const int64_t H = g.H, W = g.W, Hp = g.Hp(), Wp = g.Wp();
  for (int64_t c = 0; c < g.Cg(); ++c) {
    for (int64_t h = 0; h < H; ++h) {
      const float* src = xt + ((c * Hp + g.padH + h) * Wp + g.padW) * m;
      float* d = x + (c * H + h) * W;
      if (m == 1) {
        std::memcpy(d, src, static_cast<size_t>(W) * sizeof(float));
        continue;
      }
      // Write each sample's row contiguously (reads are strided by m).
      for (int64_t i = 0; i < m; ++i)
        for (int64_t w = 0; w < W; ++w) d[i * sampleStride + w] = src[w * m + i];
    }
  }
}

void im2col(const float* xt, int64_t m, const ConvGeom& g, float* col) {
  const int64_t Wp = g.Wp(), OH = g.OH, OW = g.OW, sw = g.strideW;
  const int64_t rowStep = g.strideH * Wp * m, run = OW * m;
  const RunsFn gather = pick_gather(m);
  int64_t row = 0;
  for (int64_t c = 0; c < g.Cg(); ++c) {
    for (int64_t r = 0; r < g.R; ++r) {
      for (int64_t s = 0; s < g.S; ++s, ++row) {
        const float* src = xt + ((c * g.Hp() + r) * Wp + s) * m;
        float* d = col + row * OH * run;
        for (int64_t oh = 0; oh < OH; ++oh, src += rowStep, d += run) {
          if (sw == 1) {
            std::memcpy(d, src, static_cast<size_t>(run) * sizeof(float));
          } else {
            gather(d, src, OW, sw, m);
          }
        }
      }
    }
  }
}

void col2im_add(const float* col, int64_t m, const ConvGeom& g, float* xt) {
  const int64_t Wp = g.Wp(), OH = g.OH, OW = g.OW, sw = g.strideW;
  const int64_t rowStep = g.strideH * Wp * m, run = OW * m;
  const RunsFn scatter_add = pick_scatter_add(m);
  int64_t row = 0;
  for (int64_t c = 0; c < g.Cg(); ++c) {
    for (int64_t r = 0; r < g.R; ++r) {
      for (int64_t s = 0; s < g.S; ++s, ++row) {
        float* dst = xt + ((c * g.Hp() + r) * Wp + s) * m;
        const float* d = col + row * OH * run;
        for (int64_t oh = 0; oh < OH; ++oh, dst += rowStep, d += run) {
          if (sw == 1) {
            for (int64_t j = 0; j < run; ++j) dst[j] += d[j];
          } else {
            scatter_add(dst, d, OW, sw, m);
          }
        }
      }
    }
  }
}

}  // namespace st
