// Lowering a convolution to GEMM (Caffe's im2col) and its adjoint col2im, for a chunk of m samples at once.
//
// The chunk's input is first packed "sample-minor" and zero-padded: xt[c, hp, wp, i] = x_i[c, hp − padH,
// wp − padW] (0 in the border). The col matrix then has Kc rows and P·m columns, column (oh·OW + ow)·m + i,
// so that every copy is a contiguous run (of OW·m floats at stride 1, of m floats otherwise) and no loop tests
// for the border. With m = 1, xt is just the zero-padded planes and the columns are the output pixels.
#pragma once
#include <cstdint>

namespace st {

// One convolution, dilation 1. Legend: N batch, C/K input/output channels, H×W input, R×S kernel, OH×OW output,
// g groups; per group Cg = C/g input and Kg = K/g output channels; a col matrix has Kc = Cg·R·S rows, one per
// (c, r, s), and P = OH·OW columns per sample; Hp×Wp is the padded input.
struct ConvGeom {
  int64_t N, C, H, W, K, R, S, strideH, strideW, padH, padW, groups, OH, OW;

  int64_t Cg() const { return C / groups; }
  int64_t Kg() const { return K / groups; }
  int64_t Kc() const { return Cg() * R * S; }
  int64_t P() const { return OH * OW; }
  int64_t Hp() const { return H + 2 * padH; }
  int64_t Wp() const { return W + 2 * padW; }
  bool padded() const { return padH > 0 || padW > 0; }
  // 1×1, stride 1, no padding: the col matrix is the packed input itself.
  bool pointwise() const { return R == 1 && S == 1 && strideH == 1 && strideW == 1 && !padded(); }
};

// Outputs o in [*lo, *hi) of a dimension read input o·stride − pad + k inside [0, in); the others read padding.
void valid_range(int64_t in, int64_t out, int64_t stride, int64_t pad, int64_t k, int64_t* lo, int64_t* hi);

// xt[Cg, Hp, Wp, m] from the Cg channels of m samples x_i = x + i·sampleStride, each [Cg, H, W].
void pack_chunk(const float* x, int64_t sampleStride, int64_t m, const ConvGeom& g, float* xt);
// The reverse for gradients: x_i[c, h, w] = xt[c, h + padH, w + padW, i] (overwritten; the border is dropped).
void unpack_chunk(const float* xt, int64_t m, const ConvGeom& g, float* x, int64_t sampleStride);

// col[(c·R + r)·S + s, (oh·OW + ow)·m + i] = xt[c, oh·strideH + r, ow·strideW + s, i]; col is [Kc, P·m].
void im2col(const float* xt, int64_t m, const ConvGeom& g, float* col);
// The adjoint: xt[c, oh·strideH + r, ow·strideW + s, i] += col[...] (xt is accumulated, not overwritten).
void col2im_add(const float* col, int64_t m, const ConvGeom& g, float* xt);

}  // namespace st
