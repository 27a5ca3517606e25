// Lowering a convolution to GEMM (Caffe's im2col) and its adjoint col2im. Both work on zero-padded copies of the
// planes, so that the inner loops are branch-free contiguous copies (or adds) over the output width.
#pragma once
#include <cstdint>

namespace st {

// One convolution, dilation 1. Legend: N batch, C/K input/output channels, H×W input, R×S kernel, OH×OW output,
// g groups; per group Cg = C/g input and Kg = K/g output channels; a col matrix has Kc = Cg·R·S rows, one per
// (c, r, s), and P = OH·OW columns per sample.
struct ConvGeom {
  int64_t N, C, H, W, K, R, S, strideH, strideW, padH, padW, groups, OH, OW;

  int64_t Cg() const { return C / groups; }
  int64_t Kg() const { return K / groups; }
  int64_t Kc() const { return Cg() * R * S; }
  int64_t P() const { return OH * OW; }
  int64_t Hp() const { return H + 2 * padH; }
  int64_t Wp() const { return W + 2 * padW; }
  bool padded() const { return padH > 0 || padW > 0; }
};

// Outputs o in [*lo, *hi) of a dimension read input o·stride − pad + k inside [0, in); the others read padding.
void valid_range(int64_t in, int64_t out, int64_t stride, int64_t pad, int64_t k, int64_t* lo, int64_t* hi);

// xp[Cg, Hp, Wp] = x[Cg, H, W] surrounded by padH rows and padW columns of zeros.
void pad_planes(const float* x, const ConvGeom& g, float* xp);
// x[Cg, H, W] = the interior of xp[Cg, Hp, Wp].
void unpad_planes(const float* xp, const ConvGeom& g, float* x);

// col[(c·R + r)·S + s, oh·OW + ow] = xp[c, oh·strideH + r, ow·strideW + s] for the Cg padded planes
// xp[Cg, Hp, Wp] of one group of one sample (x itself when there is no padding). Row i of col starts at
// col + i·ldcol.
void im2col(const float* xp, const ConvGeom& g, float* col, int64_t ldcol);

// The adjoint: xp[c, oh·strideH + r, ow·strideW + s] += col[...] (xp is accumulated, not overwritten).
void col2im_add(const float* col, int64_t ldcol, const ConvGeom& g, float* xp);

}  // namespace st
